"""Helpers for the publication tests: a store that counts its writes, and a reader that
follows the pointer and checks every object against the manifest."""

from __future__ import annotations

import hashlib
import json

from tasks.store import LocalStore


class CountingLocalStore(LocalStore):
    def __init__(self, root):
        super().__init__(root)
        self.puts: list[str] = []

    def put(self, key, data, metadata=None):
        self.puts.append(key)
        super().put(key, data, metadata)


def add_two_municipalities(pub, ay: int = 2023) -> None:
    """A small publication's parts: the shared ШНОР table, a workbook for each of mo1 and mo2,
    and each one's справка and about.json."""
    pub.add_tables({f"tables/{ay}/shnor.parquet": b"p", f"tables/{ay}/shnor.xlsx": b"x"})
    for mun in ("mo1", "mo2"):
        pub.add_tables({f"tables/{ay}/municipalities/{mun}/shnor.xlsx": mun.encode()})
    for mun in ("mo1", "mo2"):
        pub.add_documents({f"reports/{mun}/{ay}/september/spravka.html": f"<p>{mun}</p>".encode(),
                           f"reports/{mun}/{ay}/september/about.json":
                               json.dumps({"municipality_code": mun, "municipality_name": mun.upper()}).encode()})


def read_publication(store, municipality: str, ay: int, cycle: str) -> dict:
    """What a reader sees: pointer → manifest → every object, each checked by sha256."""
    pointer = json.loads(store.get(f"reports/{municipality}/{ay}/{cycle}/current.json"))
    manifest = json.loads(store.get(pointer["manifest"]))
    assert manifest["version"] == pointer["version"]
    objects = {}
    for f in manifest["files"]:
        data = store.get(f["key"])
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["key"]
        assert len(data) == f["size"]
        objects[f["key"]] = data
    return {"pointer": pointer, "manifest": manifest, "objects": objects}


def inputs(tag: str = "a") -> list[dict]:
    """The inputs a manifest names; a different tag stands for a changed input file."""
    return [{"source": "vpr_stats", "ay": 2022, "file": "s.csv", "sha256": hashlib.sha256(tag.encode()).hexdigest()}]


def table_file(store_root, ay: int, name: str, ext: str):
    """A table as a reader finds it in a folder store: through its pointer
    `tables/<AY>/<name>.current.json`."""
    pointer = json.loads((store_root / "tables" / str(ay) / f"{name}.current.json").read_text())
    return store_root / next(f["key"] for f in pointer["files"] if f["key"].endswith(f".{ext}"))


def document_file(store_root, mun: str, ay: int, cycle: str, name: str):
    """A published document in a folder store: through the cycle's pointer and manifest."""
    pointer = json.loads((store_root / "reports" / mun / str(ay) / cycle / "current.json").read_text())
    manifest = json.loads((store_root / pointer["manifest"]).read_text())
    return store_root / next(f["key"] for f in manifest["files"] if f["key"].endswith("/" + name))
