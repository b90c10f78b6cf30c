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

import functools
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


_SLOT = "\x00tables\x00"   # stands for the table keys' JSON in `identity_with_tables`


def identity_with_tables(tables_json: bytes, **parts) -> str:
    """`identity(**parts, tables=keys)` where `tables_json` is `json.dumps(keys,
    ensure_ascii=False)` made once: the same hash, without encoding a country's ≈ 25,000
    table keys again for each of its 2,300 municipalities."""
    text = json.dumps({**parts, "tables": _SLOT}, sort_keys=True, ensure_ascii=False, default=str)
    head, tail = text.split(json.dumps(_SLOT), 1)
    h = hashlib.sha256(head.encode("utf-8"))
    h.update(tables_json)
    h.update(tail.encode("utf-8"))
    return h.hexdigest()[:16]


def identity_with_inputs(inputs_json: str, **parts) -> str:
    """`identity(**parts, inputs=x)` where `inputs_json` is `json.dumps(x, ensure_ascii=False,
    default=str)` made once: the same hash, without encoding a publication's inputs (85 files
    at country) again for each of its 25,300 table units (≈ 0.1 ms each)."""
    text = json.dumps({**parts, "inputs": _SLOT}, sort_keys=True, ensure_ascii=False, default=str)
    head, tail = text.split(json.dumps(_SLOT), 1)
    return hashlib.sha256(f"{head}{inputs_json}{tail}".encode("utf-8")).hexdigest()[:16]


def _dumps(body: dict) -> bytes:
    """`json.dumps(body, ensure_ascii=False, indent=2)` as UTF-8, byte for byte. The standard
    library encodes an indented document in pure Python (its C encoder does no indent): a
    country's publication writes ≈ 30,000 of them (each municipality's manifest, every table
    follower, the cycle manifest of 25,300 units), so the common shapes (dicts with text keys,
    lists, text, numbers, booleans, null) are joined here around the C string encoder; any
    other value takes the standard library."""
    try:
        text = _indented(body, "\n")
    except _Unusual:
        text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False)
    return text.encode("utf-8")


class _Unusual(Exception):
    """A value `_indented` leaves to the standard library (e.g. a non-text key)."""


_ENCODE = json.encoder.encode_basestring   # what `ensure_ascii=False` uses (the C one when built)


def _indented(o, nl: str) -> str:
    """`o` as `json.dumps(o, ensure_ascii=False, indent=2)` writes it at the depth whose line
    break and indent is `nl`."""
    if isinstance(o, str):
        return _ENCODE(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        if o != o or o in (float("inf"), float("-inf")):
            raise _Unusual
        return float.__repr__(o)
    inner = nl + "  "
    if isinstance(o, dict):
        if not o:
            return "{}"
        parts = []
        for k, v in o.items():
            if not isinstance(k, str):
                raise _Unusual
            parts.append(_ENCODE(k) + ": " + _indented(v, inner))
        return "{" + inner + ("," + inner).join(parts) + nl + "}"
    if isinstance(o, (list, tuple)):
        if not o:
            return "[]"
        return "[" + inner + ("," + inner).join([_indented(v, inner) for v in o]) + nl + "]"
    raise _Unusual


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


def _sync(store, key: str, data: bytes) -> int:
    """Write a follower object only when its bytes differ from what is there: 1 if it was
    written, else 0 (the caller counts; `sync_followers` writes from several threads)."""
    digest = sha256_bytes(data)
    head = store.head(key)
    if head is None or head.get("sha256") != digest:
        store.put(key, data, metadata={"sha256": digest})
        return 1
    return 0


class Publication:
    """One cycle's publication to one store, step by step, in the order of `publish_cycle`:
    `add_tables` (every table unit, complete), then `add_documents` as each municipality's
    documents are rendered (streamed: they never sit in memory all at once), then `finish`
    (the cycle's manifest, the one pointer, the followers). Nothing is visible to a reader
    before `finish` switches the pointer.

    `state()` is a small plain dict (versions, keys, sha256: no object bytes) and
    `Publication.resume(store, state)` continues from it, so the steps can be separate
    Prefect tasks without large task results."""

    def __init__(self, store, run: dict, cycle: str, ay: int, inputs: list[dict], _state: dict | None = None):
        self.store = store
        self._derived: dict = {}   # made once from the tables (not part of the state): `_documents_basis`
        if _state is not None:
            self.__dict__.update(_state)
            return
        self.run, self.cycle, self.ay, self.inputs = dict(run), cycle, ay, inputs
        self.stats = {"uploaded": 0, "pointers": 0, "skipped_units": 0}
        self.base = {"cycle": cycle, "ay": ay, "definitions_version": run["definitions_version"],
                     "template_version": run.get("template_version", ""),
                     "inputs": sorted({(i.get("source"), i.get("ay"), i.get("sha256")) for i in inputs}, key=str)}
        current, _ = _read_pointer(store, keys.cycle_pointer(ay, cycle))
        previous = json.loads(store.get(current["manifest"])) if current else {}
        # only what the steps compare against: the previous units, not the whole manifest
        self.previous_tables = previous.get("tables", {})
        self.previous_reports = previous.get("reports", {})
        self.table_units: dict[str, dict] = {}
        self.reports: dict[str, dict] = {}
        self.documents: list[str] = []

    _FIELDS = ("run", "cycle", "ay", "inputs", "stats", "base", "previous_tables", "previous_reports",
               "table_units", "reports", "documents")

    def state(self) -> dict:
        return {k: getattr(self, k) for k in self._FIELDS}

    @classmethod
    def resume(cls, store, state: dict) -> "Publication":
        return cls(store, state["run"], state["cycle"], state["ay"], state["inputs"],
                   _state=json.loads(json.dumps(state)))   # a copy: the caller's dict stays as it was

    def _tables_in_order(self) -> list[tuple[str, dict]]:
        """By folder, then name: the order `publish_cycle` has always written them in."""
        return sorted(self.table_units.items(), key=lambda kv: tuple(kv[0].rsplit("/", 1)))

    def _known(self) -> dict[str, str]:
        if "known" not in self._derived:
            self._derived["known"] = {f["key"]: f["sha256"] for t in self.previous_tables.values() for f in t["files"]}
        return self._derived["known"]

    def _documents_basis(self) -> dict:
        """What every municipality's manifest and version take from the tables, made once
        (the tables are complete before the first documents): the table keys' JSON for the
        version, the shared tables' entries and each municipality's own workbooks. Before,
        each of the 2,300 municipalities sorted and encoded the country's ≈ 25,000 table
        units again (≈ 0.3 s each)."""
        if "basis" not in self._derived:
            ordered = self._tables_in_order()
            shared, own = [], {}
            for k, u in ordered:
                mun = _workbook_of(k)
                if mun is None:
                    shared.extend(u["files"])
                else:
                    own.setdefault(mun, []).extend(u["files"])
            table_keys = sorted(e["key"] for u in self.table_units.values() for e in u["files"])
            self._derived["basis"] = {"tables_json": json.dumps(table_keys, ensure_ascii=False).encode("utf-8"),
                                      "shared": shared, "own": own}
        return self._derived["basis"]

    def add_tables(self, tables: dict[str, bytes]) -> None:
        """Tables and the cycle's other shared objects (quality checkpoints, validation
        reports): one version per folder and name, tables/2023/shnor.{parquet,xlsx} →
        tables/2023/<version>/shnor.*. Each unit's objects (e.g. a table's Parquet and
        XLSX) come in one call."""
        if self.reports:
            raise RuntimeError("tables after documents: a municipality's version names every table")
        self._derived.pop("basis", None)
        by_table: dict[tuple[str, str], dict[str, bytes]] = {}
        for key, data in tables.items():
            p = PurePosixPath(key)
            by_table.setdefault((str(p.parent), p.stem), {})[key] = data
        known = None
        if "inputs_json" not in self._derived:
            self._derived["inputs_json"] = json.dumps(self.base["inputs"], ensure_ascii=False, default=str)
        base = {k: v for k, v in self.base.items() if k != "inputs"}
        for (folder, name), objs in sorted(by_table.items()):
            version = identity_with_inputs(self._derived["inputs_json"], kind="table", table=name, folder=folder,
                                           formats=sorted(objs), **base)
            unit = self.previous_tables.get(f"{folder}/{name}")
            if unit and unit["version"] == version:
                self.stats["skipped_units"] += 1
                entries, run_id = unit["files"], unit["run_id"]
            else:
                known = self._known() if known is None else known
                entries = _upload(self.store, {keys.versioned(k, version): v for k, v in objs.items()},
                                  self.stats, known)
                run_id = self.run["run_id"]
            self.table_units[f"{folder}/{name}"] = {"version": version, "run_id": run_id, "files": entries}

    def add_documents(self, documents: dict[str, bytes]) -> None:
        """Each municipality's documents and manifest under its version prefix; every
        document of a municipality comes in one call (as `render_spravki` hands them on)."""
        basis = self._documents_basis()
        by_municipality: dict[str, dict[str, bytes]] = {}
        for key, data in documents.items():
            by_municipality.setdefault(keys.municipality_of(key), {})[key] = data
        for mun, docs in sorted(by_municipality.items()):
            if mun in self.reports:
                raise RuntimeError(f"the documents of {mun} came in two parts")
            self.documents += sorted(docs)
            version = identity_with_tables(basis["tables_json"], kind="reports", municipality=mun,
                                           documents=sorted(docs), **self.base)
            unit = self.previous_reports.get(mun)
            if unit and unit["version"] == version:
                self.stats["skipped_units"] += 1
                self.reports[mun] = unit
                continue
            manifest_key = keys.report_manifest(mun, self.ay, self.cycle, version)
            doc_entries = _upload(self.store, {keys.versioned(k, version): v for k, v in docs.items()}, self.stats)
            # the shared tables and this municipality's own workbooks — not the other 2,299's
            table_entries = basis["shared"] + basis["own"].get(mun, [])
            body = manifest(self.run, self.cycle, self.ay, mun, version, doc_entries + table_entries, self.inputs)
            _upload(self.store, {manifest_key: _dumps(body)}, self.stats)
            self.reports[mun] = {"version": version, "manifest": manifest_key, "run_id": self.run["run_id"]}

    def finish(self, public_prefixes: tuple[str, ...] | list[str] = DEFAULT_PUBLIC,
               objects: dict[str, bytes] | None = None, threads: int = 1) -> list[str]:
        """The cycle's manifest, then — with every object in place — the one pointer, then
        the followers (`threads`: see `sync_followers`). Returns the keys of the current
        municipality manifests. The pointer is read again here: its conditional write is
        what two racing publishers meet at."""
        stats = self.stats
        pointer_key = keys.cycle_pointer(self.ay, self.cycle)
        current, etag = _read_pointer(self.store, pointer_key)
        version = identity(kind="cycle", tables={k: u["version"] for k, u in self.table_units.items()},
                           reports={m: u["version"] for m, u in self.reports.items()}, **self.base)
        if current and current.get("version") == version:
            stats["skipped_units"] += 1
        else:
            cycle_key = keys.cycle_manifest(self.ay, self.cycle, version)
            body = {"version": version, "run_id": self.run["run_id"], "cycle": self.cycle, "ay": self.ay,
                    "definitions_version": self.run["definitions_version"],
                    "template_version": self.run.get("template_version", ""),
                    "tables": dict(self._tables_in_order()), "reports": dict(sorted(self.reports.items())),
                    "inputs": self.inputs}
            _upload(self.store, {cycle_key: _dumps(body)}, stats)
            self.store.put_if(pointer_key, _dumps({"version": version, "manifest": cycle_key,
                                                   "run_id": self.run["run_id"]}), etag)
            stats["pointers"] += 1
        sync_followers(self.store, self.ay, self.cycle, objects, public_prefixes, stats, threads)
        log.info("publish %s %s: uploaded %s objects, switched %s pointers, %s unchanged units",
                 self.cycle, self.ay, stats["uploaded"], stats["pointers"], stats["skipped_units"])
        return [self.reports[m]["manifest"] for m in sorted(self.reports)]


def _workbook_of(unit: str) -> str | None:
    """`tables/<AY>/municipalities/<mun>/<name>` (a municipality's own workbook) → `<mun>`."""
    parts = unit.split("/")
    return parts[3] if len(parts) == 5 and parts[0] == "tables" and parts[2] == "municipalities" else None


def publish_cycle(store, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
                  documents: dict[str, bytes], inputs: list[dict],
                  public_prefixes: tuple[str, ...] | list[str] = DEFAULT_PUBLIC) -> list[str]:
    """Tables, then each municipality's documents and manifest, then the cycle's manifest,
    then the one cycle pointer, then the followers, all at once (`Publication` does the
    same step by step). Returns the keys of the current municipality manifests."""
    pub = Publication(store, run, cycle, ay, inputs)
    pub.add_tables(tables)
    pub.add_documents(documents)
    manifests = pub.finish(public_prefixes, objects=tables)
    run.setdefault("publish_stats", {}).update(pub.stats)
    return manifests


def current_cycle(store, ay: int, cycle: str) -> dict | None:
    """The cycle's current manifest, following the one pointer (what an atomic reader does)."""
    pointer, _ = _read_pointer(store, keys.cycle_pointer(ay, cycle))
    return json.loads(store.get(pointer["manifest"])) if pointer else None


def sync_followers(store, ay: int, cycle: str, objects: dict[str, bytes] | None = None,
                   public_prefixes=DEFAULT_PUBLIC, stats: dict | None = None, threads: int = 1) -> None:
    """Make every follower agree with the cycle pointer: table and municipality pointers,
    stable names, the views script and the index pages. Idempotent.

    `threads` > 1: the objects of each group (table followers, municipality pointers, index
    pages) are written by that many threads, a group complete before the next starts (an
    index page reads the municipality pointers). The store's reads and writes (file system
    calls, HTTP to a bucket) wait outside Python's lock, so they overlap (issue 12: a
    country has ≈ 55,000 followers)."""
    stats = stats if stats is not None else {"uploaded": 0}
    m = current_cycle(store, ay, cycle)
    if m is None:
        return
    by_sha = {sha256_bytes(v): v for v in (objects or {}).values()}

    def table(item) -> int:
        unit_key, unit = item
        n = _sync(store, f"{unit_key}.current.json",
                  _dumps({"version": unit["version"], "run_id": unit["run_id"], "files": unit["files"]}))
        for f in unit["files"]:   # the stable name: a copy of the current version
            stable = keys.unversioned(f["key"])
            head = store.head(stable)
            if head is None or head.get("sha256") != f["sha256"]:
                data = by_sha.get(f["sha256"])
                if data is None and hasattr(store, "copy"):   # no read into Python (S3: server side)
                    store.copy(f["key"], stable)
                else:
                    store.put(stable, data if data is not None else store.get(f["key"]),
                              metadata={"sha256": f["sha256"]})
                n += 1
        return n

    groups = [(table, sorted(m["tables"].items())),
              (lambda kv: _sync(store, keys.report_pointer(kv[0], ay, cycle), _dumps(kv[1])),
               sorted(m["reports"].items())),
              (lambda _: _sync(store, keys.VIEWS, views_sql(store)), [None]),
              (lambda mun: _sync(store, keys.index(mun, ay), index_html(store, mun, ay, public_prefixes)),
               sorted(m["reports"]))]
    for write, items in groups:
        stats["uploaded"] += sum(_each(write, items, threads))


def _each(fn, items: list, threads: int) -> list:
    """`[fn(x) for x in items]`, by `threads` threads when more than one (the first error is
    raised, after the writes already started have ended)."""
    if threads <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    # a task per EACH_BATCH items: a thread pool's `map` ignores `chunksize` (a future per
    # item cost ≈ 35 µs of the calling thread's CPU each, ≈ 30,000 at country)
    batches = [items[i:i + EACH_BATCH] for i in range(0, len(items), EACH_BATCH)]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="edumon-publish") as pool:
        return [r for batch in pool.map(lambda b: [fn(x) for x in b], batches) for r in batch]


EACH_BATCH = 64


def views_sql(store) -> bytes:
    """DuckDB views over every stable table name: `shnor` reads every AY's
    `tables/<AY>/shnor.parquet`, `shnor_2023` one AY. Paths are relative to the store's
    root: run it there (`duckdb -init tables/views.sql` in the folder or a downloaded copy),
    or set `file_search_path` to the store."""
    found: dict[str, list[int]] = {}
    # the folder store globs tables/<AY>/*.parquet; a bucket lists the prefix
    candidates = store.glob("tables/*/*.parquet") if hasattr(store, "glob") else store.list("tables/")
    for key in candidates:
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


@functools.lru_cache(maxsize=1)
def _index_template():
    """Compiled once a process (0.1 s a compile; a country has 2,300 index pages)."""
    from tasks.render import environment  # noqa: PLC0415

    return environment().get_template("index.html.j2")


class _KeyParts:
    """`PurePosixPath(key)`'s name, stem, suffix and parts, as text (≈ 100,000 keys on a
    country's index pages)."""

    __slots__ = ("parts", "name", "stem", "suffix")

    def __init__(self, key: str):
        self.parts = key.split("/")
        self.name = self.parts[-1]
        i = self.name.rfind(".")
        self.suffix = self.name[i:] if 0 < i < len(self.name) - 1 else ""
        self.stem = self.name[:i] if self.suffix else self.name


def index_html(store, municipality: str, ay: int, public_prefixes=DEFAULT_PUBLIC) -> bytes:
    """The municipality's AY page: every document and table of every cycle, by pointer.
    Links are relative, so the page works wherever it is served from (a folder, a bucket's
    public prefix); a shared object outside the public prefixes is named, not linked."""
    from reports import labels  # noqa: PLC0415

    base = keys.ay_prefix(municipality, ay)
    cycles, names = [], {}
    # the cycles' pointers: the folder store globs one level (not every version folder below)
    listed = store.glob(f"{base}*/current.json") if hasattr(store, "glob") else store.list(base)
    for key in listed:
        parts = key[len(base):].split("/")
        if len(parts) == 2 and parts[1] == "current.json":
            m = resolve(store, municipality, ay, parts[0])
            docs, tabs = {}, []
            for f in m["files"]:
                p = _KeyParts(f["key"])
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
    html = _index_template().render(
        municipality_code=municipality, municipality_name=names.get(municipality, municipality), ay=ay, cycles=cycles)
    return html.encode("utf-8")
