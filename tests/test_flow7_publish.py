"""The followers written by several threads (issue 12, `[publish] threads`) and the index
page's cycles found by a glob of the pointers: the same keys and bytes as one thread and a
full listing, an unchanged rerun writes nothing, and an error in a follower fails the
publication with the pointer already switched (a rerun repairs the followers)."""

from __future__ import annotations

import json

import pytest

from tasks.publish import Publication, index_html, sync_followers
from tasks.store import LocalStore
from tests.publication import CountingLocalStore, inputs

AY = 2023
RUN = {"run_id": "run-1", "definitions_version": "d1", "template_version": "t1"}
MUNS = [f"mo{i}" for i in range(1, 8)]


def publish(store, cycle: str = "september", threads: int = 1) -> dict:
    pub = Publication(store, RUN, cycle, AY, inputs())
    pub.add_tables({f"tables/{AY}/{cycle}_list.parquet": b"PAR1 " + cycle.encode(),
                    f"tables/{AY}/{cycle}_list.xlsx": b"PK " + cycle.encode()})
    for mun in MUNS:   # each municipality's own workbook: a table unit each
        pub.add_tables({f"tables/{AY}/municipalities/{mun}/{cycle}_list.xlsx": f"PK {cycle} {mun}".encode()})
    for mun in MUNS:
        base = f"reports/{mun}/{AY}/{cycle}"
        pub.add_documents({f"{base}/spravka.html": f"<p>{cycle} {mun}</p>".encode(),
                           f"{base}/about.json": json.dumps({"municipality_code": mun,
                                                             "municipality_name": f"Район {mun}"}).encode()})
    pub.finish(threads=threads)
    return pub.stats


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_four_threads_write_the_same_keys_and_bytes_as_one(tmp_path):
    one, four = LocalStore(tmp_path / "one"), LocalStore(tmp_path / "four")
    for cycle in ("september", "october"):
        # every follower written once, none twice or dropped: the same count as one thread
        assert publish(one, cycle, threads=1) == publish(four, cycle, threads=4)
    assert tree(tmp_path / "one") == tree(tmp_path / "four")
    # each cycle's table units: the shared table (2 files) and 7 workbooks → 8 table pointers
    files = tree(tmp_path / "four")
    assert len([k for k in files if k.endswith(".current.json") and k.startswith("tables/")]) == 2 * 8
    index = files[f"reports/mo3/{AY}/index.html"].decode()
    assert "<h2>Сентябрьский мониторинг" in index and "<h2>Октябрьский мониторинг" in index   # both cycles
    assert 'href="september/' in index and 'href="october/' in index


def test_an_unchanged_rerun_with_threads_writes_nothing(tmp_path):
    publish(LocalStore(tmp_path / "s"), threads=4)
    again = CountingLocalStore(tmp_path / "s")
    stats = publish(again, threads=4)
    assert again.puts == [] and stats["uploaded"] == 0


def test_the_index_found_by_glob_is_the_index_found_by_listing(tmp_path):
    store = LocalStore(tmp_path / "s")
    publish(store, "september")
    publish(store, "october")

    class NoGlob:   # a store without `glob` (as a bucket): the index lists the prefix
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            if name == "glob":
                raise AttributeError(name)
            return getattr(self.inner, name)

    for mun in ("mo1", "mo7"):
        assert index_html(store, mun, AY) == index_html(NoGlob(store), mun, AY)


def test_a_follower_that_fails_fails_the_publication_and_a_rerun_repairs_it(tmp_path):
    class Failing(LocalStore):
        def put(self, key, data, metadata=None):
            if key.endswith("mo5/2023/index.html"):
                raise OSError("disk full")
            super().put(key, data, metadata)

    with pytest.raises(OSError, match="disk full"):
        publish(Failing(tmp_path / "s"), threads=4)
    store = LocalStore(tmp_path / "s")
    assert store.head(f"reports/mo5/{AY}/index.html") is None
    sync_followers(store, AY, "september", threads=4)   # what the rerun's finish does
    assert store.head(f"reports/mo5/{AY}/index.html") is not None
    assert tree(tmp_path / "s") == tree(_fresh(tmp_path / "fresh"))


def _fresh(root):
    publish(LocalStore(root), threads=1)
    return root


def test_a_table_unit_version_is_the_hash_of_its_parts_as_before(tmp_path):
    """The version a table unit gets (its inputs' JSON encoded once per publication) is the
    hash of the same JSON text as always: no table is published again after the upgrade."""
    import hashlib

    pub = Publication(LocalStore(tmp_path / "s"), RUN, "september", AY,
                      [{"source": "gia", "ay": 2022, "file": "Файл.csv", "sha256": "ab" * 32}])
    pub.add_tables({f"tables/{AY}/shnor.parquet": b"P", f"tables/{AY}/shnor.xlsx": b"X"})
    text = ('{"ay": 2023, "cycle": "september", "definitions_version": "d1", "folder": "tables/2023", '
            '"formats": ["tables/2023/shnor.parquet", "tables/2023/shnor.xlsx"], '
            f'"inputs": [["gia", 2022, "{"ab" * 32}"]], "kind": "table", "table": "shnor", "template_version": "t1"}}')
    assert pub.table_units[f"tables/{AY}/shnor"]["version"] == hashlib.sha256(text.encode()).hexdigest()[:16]
