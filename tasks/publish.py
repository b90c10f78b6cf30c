"""Publish a cycle's outputs to an object store with a manifest per publication.

Keys: `tables/<AY>/<name>.{parquet,xlsx}` and
`reports/<municipality>/<AY>/<cycle>/{spravka.html, manifest.json}`. The manifest lists
every object with its sha256 and size, the inputs' sha256, the run id and the rules'
version, so a reader can check what they hold and where it came from.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tasks.store import content_type, sha256_bytes


def entry(key: str, data: bytes) -> dict:
    return {"key": key, "sha256": sha256_bytes(data), "size": len(data), "content_type": content_type(key)}


def publish_objects(store, objects: dict[str, bytes]) -> list[dict]:
    entries = []
    for key, data in sorted(objects.items()):
        store.put(key, data, metadata={"sha256": sha256_bytes(data)})
        entries.append(entry(key, data))
    return entries


def manifest(run: dict, cycle: str, ay: int, municipality: str | None, files: list[dict],
             inputs: list[dict]) -> dict:
    return {
        "run_id": run["run_id"],
        "definitions_version": run["definitions_version"],
        "cycle": cycle,
        "ay": ay,
        "municipality_code": municipality,
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": files,
        "inputs": inputs,
    }


def publish_cycle(store, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
                  documents: dict[str, bytes], inputs: list[dict]) -> list[str]:
    """Tables first, then each municipality's documents and its manifest last."""
    table_entries = publish_objects(store, tables)
    manifests = []
    by_municipality: dict[str, dict[str, bytes]] = {}
    for key, data in documents.items():
        by_municipality.setdefault(key.split("/")[1], {})[key] = data
    for mun, docs in sorted(by_municipality.items()):
        doc_entries = publish_objects(store, docs)
        body = manifest(run, cycle, ay, mun, doc_entries + table_entries, inputs)
        key = f"reports/{mun}/{ay}/{cycle}/manifest.json"
        store.put(key, json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))
        manifests.append(key)
    return manifests
