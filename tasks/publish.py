"""Publish a cycle's outputs to an object store, atomically for readers.

Key scheme (the same in the local folder and in a bucket):

    tables/<AY>/<version>/<name>.{parquet,xlsx}          a table's published version
    tables/<AY>/<name>.current.json                      pointer → the table's current version
    quality/<AY>/<cycle>/<version>/checkpoint.{html,json}, validation/<AY>/<cycle>/<version>/problems.xlsx
                                                         the same scheme for the cycle's other shared objects
    reports/<mun>/<AY>/<cycle>/<version>/<document>.{html,docx,pdf}
    reports/<mun>/<AY>/<cycle>/<version>/manifest.json   every file (sha256, size, type),
                                                         the inputs' sha256, run id, rules
    reports/<mun>/<AY>/<cycle>/current.json              pointer → the current manifest
    reports/<mun>/<AY>/index.html                        every document of the AY, via pointers

A publication is uploaded under a new version prefix; only when every object and the
manifest are there is the pointer switched, with a conditional write (`If-None-Match: *`
for the first, `If-Match: <ETag>` after), so a reader who follows the pointer never sees
a mix of two runs, and two publishers racing cannot both win.

What "unchanged" means: the version is the publication's identity, a hash of what
determines its content — the inputs' sha256, the rules' version (`definitions_version`),
the documents' template version, the cycle, AY and municipality. The run id and the
date printed in a справка do not count: a rerun on the same inputs finds the pointer
already naming its version and uploads nothing (the earlier run's documents, with their
run id, stay published). A version prefix being filled (after an interrupted run) is
completed: an object already there with the same sha256 is not uploaded again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import PurePosixPath

from tasks.store import content_type, sha256_bytes

log = logging.getLogger("edumon.publish")

DOCUMENT_TITLES = {
    "spravka": "Аналитическая справка",
    "recommendations": "Адресные рекомендации школам",
    "plan": "Отчёт об исполнении плана мероприятий",
}
SHARED_TITLES = {"tables": "Таблица", "quality": "Проверки качества таблиц",
                 "validation": "Протокол проверки загруженных файлов"}
FORMAT_TITLES = {".html": "HTML", ".docx": "DOCX (Word)", ".pdf": "PDF", ".xlsx": "XLSX (Excel)",
                 ".parquet": "Parquet"}


def entry(key: str, data: bytes) -> dict:
    return {"key": key, "sha256": sha256_bytes(data), "size": len(data), "content_type": content_type(key)}


def identity(**parts) -> str:
    """A short, stable hash of what determines a publication's content."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _dumps(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _read_pointer(store, key: str) -> tuple[dict | None, str | None]:
    head = store.head(key)
    if head is None:
        return None, None
    return json.loads(store.get(key)), head["etag"]


def _upload(store, objects: dict[str, bytes], stats: dict) -> list[dict]:
    """Upload into a version prefix; an object already there with the same sha256 is kept."""
    entries = []
    for key, data in sorted(objects.items()):
        e = entry(key, data)
        head = store.head(key)
        if head is None or head.get("sha256") != e["sha256"]:
            store.put(key, data, metadata={"sha256": e["sha256"]})
            stats["uploaded"] += 1
        entries.append(e)
    return entries


def _switch(store, key: str, body: dict, etag: str | None, stats: dict) -> None:
    store.put_if(key, _dumps(body), etag)
    stats["pointers"] += 1


def _version_key(key: str, version: str) -> str:
    p = PurePosixPath(key)
    return str(p.parent / version / p.name)


def publish_cycle(store, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
                  documents: dict[str, bytes], inputs: list[dict]) -> list[str]:
    """Tables, then each municipality's documents and manifest, then the pointers, then
    the index pages. Returns the keys of the current manifests."""
    stats = {"uploaded": 0, "pointers": 0, "skipped_units": 0}
    base = {"cycle": cycle, "ay": ay, "definitions_version": run["definitions_version"],
            "template_version": run.get("template_version", ""),
            "inputs": sorted({(i.get("source"), i.get("ay"), i.get("sha256")) for i in inputs}, key=str)}

    # 1. tables and the other shared objects of the cycle (quality checkpoints, validation
    #    reports): one version per folder and name, e.g. tables/2023/shnor.{parquet,xlsx}
    #    → tables/2023/<version>/shnor.* behind tables/2023/shnor.current.json
    table_entries, table_switches = [], []
    by_table: dict[tuple[str, str], dict[str, bytes]] = {}
    for key, data in tables.items():
        p = PurePosixPath(key)
        by_table.setdefault((str(p.parent), p.stem), {})[key] = data
    for (folder, name), objs in sorted(by_table.items()):
        version = identity(kind="table", table=name, folder=folder, formats=sorted(objs), **base)
        pointer_key = f"{folder}/{name}.current.json"
        current, etag = _read_pointer(store, pointer_key)
        if current and current.get("version") == version:
            stats["skipped_units"] += 1
            table_entries += current["files"]
            continue
        entries = _upload(store, {_version_key(k, version): v for k, v in objs.items()}, stats)
        table_entries += entries
        table_switches.append((pointer_key, {"version": version, "run_id": run["run_id"], "files": entries}, etag))

    # 2. each municipality's documents and manifest under its version prefix
    by_municipality: dict[str, dict[str, bytes]] = {}
    for key, data in documents.items():
        by_municipality.setdefault(key.split("/")[1], {})[key] = data
    report_switches, manifests = [], []
    for mun, docs in sorted(by_municipality.items()):
        version = identity(kind="reports", municipality=mun, documents=sorted(docs),
                           tables=sorted(e["key"] for e in table_entries), **base)
        prefix = f"reports/{mun}/{ay}/{cycle}"
        pointer_key = f"{prefix}/current.json"
        manifest_key = f"{prefix}/{version}/manifest.json"
        manifests.append(manifest_key)
        current, etag = _read_pointer(store, pointer_key)
        if current and current.get("version") == version:
            stats["skipped_units"] += 1
            continue
        doc_entries = _upload(store, {_version_key(k, version): v for k, v in docs.items()}, stats)
        body = manifest(run, cycle, ay, mun, version, doc_entries + table_entries, inputs)
        _upload(store, {manifest_key: _dumps(body)}, stats)
        report_switches.append((pointer_key, {"version": version, "manifest": manifest_key,
                                              "run_id": run["run_id"]}, etag))

    # 3. only now, with every object in place, the pointers: tables, then reports
    for pointer_key, body, etag in table_switches + report_switches:
        _switch(store, pointer_key, body, etag, stats)

    # 4. the index of each municipality's AY, rebuilt from the pointers (written if changed)
    for mun in sorted(by_municipality):
        key = f"reports/{mun}/{ay}/index.html"
        page = index_html(store, mun, ay)
        head = store.head(key)
        if head is None or head.get("sha256") != sha256_bytes(page):
            store.put(key, page, metadata={"sha256": sha256_bytes(page)})
            stats["uploaded"] += 1
    log.info("publish %s %s: uploaded %s objects, switched %s pointers, %s unchanged units",
             cycle, ay, stats["uploaded"], stats["pointers"], stats["skipped_units"])
    run.setdefault("publish_stats", {}).update(stats)
    return manifests


def manifest(run: dict, cycle: str, ay: int, municipality: str | None, version: str, files: list[dict],
             inputs: list[dict]) -> dict:
    return {
        "version": version,
        "run_id": run["run_id"],
        "definitions_version": run["definitions_version"],
        "template_version": run.get("template_version", ""),
        "cycle": cycle,
        "ay": ay,
        "municipality_code": municipality,
        "files": files,
        "inputs": inputs,
    }


def resolve(store, municipality: str, ay: int, cycle: str) -> dict | None:
    """The current manifest of a municipality's cycle, following the pointer (what readers do)."""
    pointer_key = f"reports/{municipality}/{ay}/{cycle}/current.json"
    if store.head(pointer_key) is None:
        return None
    pointer = json.loads(store.get(pointer_key))
    return json.loads(store.get(pointer["manifest"]))


def index_html(store, municipality: str, ay: int) -> bytes:
    """The municipality's AY page: every document and table of every cycle, by pointer."""
    from reports import labels  # noqa: PLC0415
    from tasks.render import environment  # noqa: PLC0415

    base = f"reports/{municipality}/{ay}/"
    cycles, names = [], {}
    for key in store.list(base):
        parts = key[len(base):].split("/")
        if len(parts) == 2 and parts[1] == "current.json":
            m = resolve(store, municipality, ay, parts[0])
            docs, tabs = {}, []
            for f in m["files"]:
                p = PurePosixPath(f["key"])
                if p.name == "about.json":
                    about = json.loads(store.get(f["key"]))
                    names[about["municipality_code"]] = about["municipality_name"]
                    continue
                own = f["key"].startswith(base)
                rel = f["key"][len(base):] if own else "../../../" + f["key"]
                item = {"href": rel, "format": FORMAT_TITLES.get(p.suffix, p.suffix), "size": f["size"],
                        "sha256": f["sha256"]}
                if own:
                    docs.setdefault(p.stem, []).append(item)
                else:  # tables/<AY>/…, quality/<AY>/<cycle>/…, validation/<AY>/<cycle>/…
                    tabs.append({**item, "title": SHARED_TITLES.get(p.parts[0], p.parts[0]), "name": p.stem,
                                 "ay": p.parts[1]})
            order = list(labels.CYCLES)
            cycles.append({"code": parts[0], "title": labels.CYCLES.get(parts[0], parts[0]),
                           "order": order.index(parts[0]) if parts[0] in order else 99,
                           "version": m["version"], "run_id": m["run_id"],
                           "definitions_version": m["definitions_version"],
                           "documents": [{"name": n, "title": DOCUMENT_TITLES.get(n, n), "files": fs}
                                         for n, fs in sorted(docs.items(), key=lambda kv: list(DOCUMENT_TITLES).index(kv[0]) if kv[0] in DOCUMENT_TITLES else 99)],
                           "tables": tabs})
    cycles.sort(key=lambda c: c["order"])
    html = environment().get_template("index.html.j2").render(
        municipality_code=municipality, municipality_name=names.get(municipality, municipality), ay=ay, cycles=cycles)
    return html.encode("utf-8")
