"""Publish a cycle's outputs to an object store, atomically for readers.

Keys are named in `tasks/keys.py` (the same in the local folder and in a bucket).

All or nothing per cycle: every object is uploaded under a new version folder, then each
municipality's manifest, then the cycle's manifest (`cycles/<AY>/<cycle>/<version>/
manifest.json`: every table file and every municipality's manifest). Only then is the
ONE cycle pointer `cycles/<AY>/<cycle>/current.json` switched, with a conditional write
(`If-None-Match: *` for the first, `If-Match: <ETag>` after): a reader who follows it sees
all tables and documents of one run or all of the previous one, and two publishers racing
cannot both win.

Then the followers, derived from the cycle pointer and rewritten only where they differ
(so an interrupted run's rerun repairs them): each table's pointer
`tables/<AY>/<name>.current.json`, each municipality's pointer
`reports/<mun>/<AY>/<cycle>/current.json` (each names one consistent manifest), the stable
names `tables/<AY>/<name>.{parquet,xlsx}` (copies of the current version, for analysts and
Excel), `tables/views.sql` (DuckDB views over the stable names) and the index pages.
Stable names switch one object at a time: readers that need atomicity follow a pointer.

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

from reports import labels
from tasks import keys, progress
from tasks.storage import content_type, sha256_bytes

log = logging.getLogger("edumon.publish")

DOCUMENT_TITLES = labels.DOCUMENT_TITLES  # one place for the documents' titles (issue 10)
DEFAULT_PUBLIC = ("reports/",)
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


def _upload(store, objects: dict[str, bytes], stats: dict, known: dict[str, str] | None = None) -> list[dict]:
    """Upload into a version prefix; an object already there with the same sha256 is kept
    (`known`: key → sha256 of objects the current cycle manifest lists, not even asked)."""
    entries = []
    for key, data in progress.track(sorted(objects.items()), what="выгрузка в хранилище"):
        e = entry(key, data)
        if (known or {}).get(key) != e["sha256"]:
            head = store.head(key)
            if head is None or head.get("sha256") != e["sha256"]:
                store.put(key, data, metadata={"sha256": e["sha256"]})
                stats["uploaded"] += 1
        entries.append(e)
    return entries


def _sync(store, key: str, data: bytes, stats: dict) -> None:
    """Write a follower object only when its bytes differ from what is there."""
    head = store.head(key)
    if head is None or head.get("sha256") != sha256_bytes(data):
        store.put(key, data, metadata={"sha256": sha256_bytes(data)})
        stats["uploaded"] += 1


def publish_cycle(store, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
                  documents: dict[str, bytes], inputs: list[dict],
                  public_prefixes: tuple[str, ...] | list[str] = DEFAULT_PUBLIC) -> list[str]:
    """Tables, then each municipality's documents and manifest, then the cycle's manifest,
    then the one cycle pointer, then the followers. Returns the keys of the current
    municipality manifests."""
    stats = {"uploaded": 0, "pointers": 0, "skipped_units": 0}
    base = {"cycle": cycle, "ay": ay, "definitions_version": run["definitions_version"],
            "template_version": run.get("template_version", ""),
            "inputs": sorted({(i.get("source"), i.get("ay"), i.get("sha256")) for i in inputs}, key=str)}
    pointer_key = keys.cycle_pointer(ay, cycle)
    current, etag = _read_pointer(store, pointer_key)
    previous = json.loads(store.get(current["manifest"])) if current else {}
    known = {f["key"]: f["sha256"] for t in previous.get("tables", {}).values() for f in t["files"]}

    # 1. tables and the cycle's other shared objects (quality checkpoints, validation
    #    reports): one version per folder and name, tables/2023/shnor.{parquet,xlsx}
    #    → tables/2023/<version>/shnor.*
    by_table: dict[tuple[str, str], dict[str, bytes]] = {}
    for key, data in tables.items():
        p = PurePosixPath(key)
        by_table.setdefault((str(p.parent), p.stem), {})[key] = data
    table_units, table_entries = {}, []
    for (folder, name), objs in sorted(by_table.items()):
        version = identity(kind="table", table=name, folder=folder, formats=sorted(objs), **base)
        unit = previous.get("tables", {}).get(f"{folder}/{name}")
        if unit and unit["version"] == version:
            stats["skipped_units"] += 1
            entries, run_id = unit["files"], unit["run_id"]
        else:
            entries = _upload(store, {keys.versioned(k, version): v for k, v in objs.items()}, stats, known)
            run_id = run["run_id"]
        table_units[f"{folder}/{name}"] = {"version": version, "run_id": run_id, "files": entries}
        table_entries += entries

    # 2. each municipality's documents and manifest under its version prefix
    by_municipality: dict[str, dict[str, bytes]] = {}
    for key, data in documents.items():
        by_municipality.setdefault(keys.municipality_of(key), {})[key] = data
    reports = {}
    for mun, docs in sorted(by_municipality.items()):
        version = identity(kind="reports", municipality=mun, documents=sorted(docs),
                           tables=sorted(e["key"] for e in table_entries), **base)
        unit = previous.get("reports", {}).get(mun)
        manifest_key = keys.report_manifest(mun, ay, cycle, version)
        if unit and unit["version"] == version:
            stats["skipped_units"] += 1
            reports[mun] = unit
            continue
        doc_entries = _upload(store, {keys.versioned(k, version): v for k, v in docs.items()}, stats)
        body = manifest(run, cycle, ay, mun, version, doc_entries + table_entries, inputs)
        _upload(store, {manifest_key: _dumps(body)}, stats)
        reports[mun] = {"version": version, "manifest": manifest_key, "run_id": run["run_id"]}

    # 3. the cycle's manifest, then — with every object in place — the one pointer
    version = identity(kind="cycle", tables={k: u["version"] for k, u in table_units.items()},
                       reports={m: u["version"] for m, u in reports.items()}, **base)
    if current and current.get("version") == version:
        stats["skipped_units"] += 1
    else:
        cycle_key = keys.cycle_manifest(ay, cycle, version)
        body = {"version": version, "run_id": run["run_id"], "cycle": cycle, "ay": ay,
                "definitions_version": run["definitions_version"],
                "template_version": run.get("template_version", ""),
                "tables": table_units, "reports": reports, "inputs": inputs}
        _upload(store, {cycle_key: _dumps(body)}, stats)
        store.put_if(pointer_key, _dumps({"version": version, "manifest": cycle_key, "run_id": run["run_id"]}), etag)
        stats["pointers"] += 1

    # 4. the followers, from what the pointer now names
    sync_followers(store, ay, cycle, tables, public_prefixes, stats)
    log.info("publish %s %s: uploaded %s objects, switched %s pointers, %s unchanged units",
             cycle, ay, stats["uploaded"], stats["pointers"], stats["skipped_units"])
    run.setdefault("publish_stats", {}).update(stats)
    return [reports[m]["manifest"] for m in sorted(reports)]


def current_cycle(store, ay: int, cycle: str) -> dict | None:
    """The cycle's current manifest, following the one pointer (what an atomic reader does)."""
    pointer, _ = _read_pointer(store, keys.cycle_pointer(ay, cycle))
    return json.loads(store.get(pointer["manifest"])) if pointer else None


def sync_followers(store, ay: int, cycle: str, objects: dict[str, bytes] | None = None,
                   public_prefixes=DEFAULT_PUBLIC, stats: dict | None = None) -> None:
    """Make every follower agree with the cycle pointer: table and municipality pointers,
    stable names, the views script and the index pages. Idempotent."""
    stats = stats if stats is not None else {"uploaded": 0}
    m = current_cycle(store, ay, cycle)
    if m is None:
        return
    by_sha = {sha256_bytes(v): v for v in (objects or {}).values()}
    for unit_key, unit in sorted(m["tables"].items()):
        folder, name = unit_key.rsplit("/", 1)
        _sync(store, f"{folder}/{name}.current.json",
              _dumps({"version": unit["version"], "run_id": unit["run_id"], "files": unit["files"]}), stats)
        for f in unit["files"]:   # the stable name: a copy of the current version
            stable = keys.unversioned(f["key"])
            head = store.head(stable)
            if head is None or head.get("sha256") != f["sha256"]:
                data = by_sha.get(f["sha256"]) or store.get(f["key"])
                store.put(stable, data, metadata={"sha256": f["sha256"]})
                stats["uploaded"] += 1
    for mun, unit in sorted(m["reports"].items()):
        _sync(store, keys.report_pointer(mun, ay, cycle), _dumps(unit), stats)
    _sync(store, keys.VIEWS, views_sql(store), stats)
    for mun in sorted(m["reports"]):
        _sync(store, keys.index(mun, ay), index_html(store, mun, ay, public_prefixes), stats)


def views_sql(store) -> bytes:
    """DuckDB views over every stable table name: `shnor` reads every AY's
    `tables/<AY>/shnor.parquet`, `shnor_2023` one AY. Paths are relative to the store's
    root: run it there (`duckdb -init tables/views.sql` in the folder or a downloaded copy),
    or set `file_search_path` to the store."""
    found: dict[str, list[int]] = {}
    for key in store.list("tables/"):
        t = keys.table_name(key)
        if t and t[2] == "parquet" and keys.unversioned(key) == key:
            found.setdefault(t[1], []).append(t[0])
    lines = ["-- edumon: views over the current published tables (stable names).",
             "-- Run from the store's root folder: duckdb -init tables/views.sql",
             "-- Atomic readers follow cycles/<AY>/<cycle>/current.json instead.", ""]
    for name, ays in sorted(found.items()):
        files = ", ".join(f"'{keys.table(ay, name, 'parquet')}'" for ay in sorted(ays))
        lines.append(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{files}], union_by_name = true);")
        for ay in sorted(ays):
            lines.append(f"CREATE OR REPLACE VIEW {name}_{ay} AS SELECT * FROM read_parquet('{keys.table(ay, name, 'parquet')}');")
    return ("\n".join(lines) + "\n").encode("utf-8")


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
    pointer_key = keys.report_pointer(municipality, ay, cycle)
    if store.head(pointer_key) is None:
        return None
    pointer = json.loads(store.get(pointer_key))
    return json.loads(store.get(pointer["manifest"]))


def index_html(store, municipality: str, ay: int, public_prefixes=DEFAULT_PUBLIC) -> bytes:
    """The municipality's AY page: every document and table of every cycle, by pointer.
    Links are relative, so the page works wherever it is served from (a folder, a bucket's
    public prefix); a shared object outside the public prefixes is named, not linked."""
    from reports import labels  # noqa: PLC0415
    from tasks.render import environment  # noqa: PLC0415

    base = keys.ay_prefix(municipality, ay)
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
                item = {"href": rel if keys.is_public(f["key"], public_prefixes) else None,
                        "stable": keys.unversioned(f["key"]),
                        "format": FORMAT_TITLES.get(p.suffix, p.suffix), "size": f["size"], "sha256": f["sha256"]}
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
