"""The Prefect tasks the cycles are made of. Each works on a whole dataset (a source
across AYs, every mart of a cycle, every municipality's справка): never one task run
per school. Tasks take paths and plain values, open the warehouse themselves and close
it, so the DuckDB file has one writing process at a time (within it, the cycle's sources
load on two lanes, each task run on its own connection: tasks/ingest_cycle.py).
"""

from __future__ import annotations

from pathlib import Path

import logging

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import task_run

from edumon.config import Config
from schemas.sources import SOURCES
from tasks import export, indicators, ingest_cycle, keys, pull, redact, render
from tasks.publish import DEFAULT_PUBLIC, Publication, current_cycle, publish_cycle
from tasks.storage import StoreError
from tasks.stores import locations, open_store
from tasks.warehouse import connect as _connect


def connect(warehouse: str, cfg: dict | None = None):
    """The warehouse with the run's `[warehouse]` settings (a municipality's `--config`
    included); without `cfg`, config/edumon.toml's."""
    return _connect(warehouse, None if cfg is None else cfg.get("warehouse", {}))


def _logger():
    try:
        return get_run_logger()
    except Exception:  # outside a Prefect run (tests, scripts)
        return logging.getLogger("edumon")


def _ays(values) -> str:
    ays = sorted({int(a) for a in values if a is not None})
    return "-".join(map(str, ays if len(ays) <= 2 else [ays[0], ays[-1]]))


def ingest_run_name() -> str:
    """`ingest-gia-2022`, `ingest-vpr_stats-2021-2022`, `ingest-schools` (no AY)."""
    p = task_run.parameters
    source, ays = p["source"], p.get("ays") or []
    return f"ingest-{source}-{_ays(ays)}" if SOURCES[source].yearly and ays else f"ingest-{source}"


def _marts_run_name(step: str, by_marts: bool = False):
    def name() -> str:
        p = task_run.parameters
        if p.get("cycle") is not None and not by_marts:
            return f"{step}-{p['cycle']}-{p['ay']}"
        return f"{step}-{_ays(ay for _, ay in p.get('marts') or [])}"
    return name


def transient(task, task_run, state) -> bool:
    """Retry only what can heal: a store that did not answer, a lost pointer race. Wrong
    credentials, a missing bucket, other 4xx and every non-store error are not retried."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:  # noqa: BLE001
        return False
    return isinstance(exc, StoreError) and not exc.permanent


@task(name="ingest-source", task_run_name=ingest_run_name, cache_policy=NO_CACHE)
@redact.scrubbed_errors
def ingest_source_years(inbox: str, warehouse: str, source: str, ays: list[int], run_id: str,
                        cfg: Config) -> list[dict]:
    """Load one source for the given AYs (the registry once); unchanged files are skipped.
    A cycle runs its sources through `tasks.ingest_cycle.ingest_sources`, several at once."""
    return ingest_cycle.load_source_years(lambda: connect(warehouse, cfg), inbox, source, ays, run_id, cfg,
                                          _logger())


@task(name="compute-indicators", task_run_name=_marts_run_name("compute"), cache_policy=NO_CACHE)
@redact.scrubbed_errors
def compute_indicators(warehouse: str, inbox: str, marts: list[tuple[str, int]], run: dict,
                       cfg: Config) -> dict[str, int]:
    con = connect(warehouse, cfg)
    try:
        indicators.load_reference(con, Path(inbox))
        params = {**cfg.sql_params(), "definitions_version": run["definitions_version"], "run_id": run["run_id"]}
        indicators.build_staging(con, params, marts)
        return indicators.build_marts(con, marts, params)
    finally:
        con.close()


@task(name="quality-checkpoint", task_run_name=_marts_run_name("quality"), cache_policy=NO_CACHE)
@redact.scrubbed_errors
def quality_checkpoint(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]], run: dict,
                       cfg: Config) -> dict[str, bytes]:
    """Great Expectations suites on the cycle's output tables (schemas/quality.py): results
    stored in `quality_results`, shown as an artifact, and returned as objects to publish
    next to the справки (an offline HTML page and JSON)."""
    from prefect.artifacts import create_markdown_artifact

    from schemas import quality

    results, objects = run_quality(warehouse, cycle, ay, marts, run, cfg)
    counts = quality.summary_counts(results)
    log = _logger()
    for r in results:
        if r.success is False:
            log.warning(f"Проверка качества ({quality.status(r)}): {r.table} {r.ay} — {r.check}: {r.observed}"
                        f"{' (' + ', '.join(r.examples) + ')' if r.examples else ''}")
    create_markdown_artifact(key=f"{cycle}-{ay}-quality", markdown=redact.scrub(quality.to_markdown(results, cycle, ay)),
                             description=f"Проверки качества: {counts['errors']} ошибок, "
                                         f"{counts['warnings']} предупреждений")
    if cfg["quality"].get("fail_on_error") and counts["errors"]:
        raise RuntimeError(f"Проверки качества: {counts['errors']} ошибок (quality.fail_on_error = true).")
    return objects


def run_quality(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]], run: dict,
                cfg: Config) -> tuple[list, dict[str, bytes]]:
    """The checkpoint's work without Prefect (also timed by bench/cycle.py): the suites run
    and stored in `quality_results`; (results, the HTML and JSON objects to publish)."""
    from schemas import quality

    con = connect(warehouse, cfg)
    try:
        results = quality.run_checkpoints(con, marts, cfg)
        quality.store_results(con, run["run_id"], cycle, results)
    finally:
        con.close()
    return results, {keys.quality(ay, cycle, "html"): quality.render_html(results, run, cycle, ay),
                     keys.quality(ay, cycle, "json"): quality.to_json(results, run, cycle, ay)}


@task(name="export-tables-in-memory", task_run_name=_marts_run_name("export"), cache_policy=NO_CACHE)
@redact.scrubbed_errors
def export_tables(warehouse: str, marts: list[tuple[str, int]], cfg: Config | None = None) -> dict[str, bytes]:
    """`cfg`: the run's configuration (its `[warehouse]` and `[export]`; else the defaults')."""
    threads = export.export_threads(None, None if cfg is None else cfg.get("export", {}))
    con = connect(warehouse, cfg)
    try:
        objects = {}
        for mart, ay in marts:
            name, _ = export.OUTPUT_TABLES[mart]
            objects[keys.table(ay, name, "parquet")] = export.parquet_bytes(con, mart, ay)
            objects[keys.table(ay, name, "xlsx")] = export.xlsx_bytes(export.table_query(con, mart, ay), name,
                                                                      threads=threads)
            # region and country: each municipality's own workbook (docs/tables.md)
            for mun, data in export.municipality_xlsx(con, mart, ay, threads).items():
                objects[keys.municipality_table(ay, mun, name)] = data
        return objects
    finally:
        con.close()


@task(name="render-spravki-in-memory", task_run_name=_marts_run_name("render"), cache_policy=NO_CACHE)
@redact.scrubbed_errors
def render_documents(warehouse: str, ay: int, cycle: str, run: dict, cfg: Config) -> dict[str, bytes]:
    con = connect(warehouse, cfg)
    try:
        return render.render_spravki(con, ay, cycle, cfg, run)
    finally:
        con.close()


# -- the streamed publication (issue 10): tables and each municipality's documents go to
# the store(s) as they are made; the tasks hand on only `Publication.state()` (versions,
# keys, sha256), never object bytes. Nothing is visible before `publish_pointer`.

def _targets(store: str, settings: dict | None):
    settings = settings or {}
    return {loc: open_store(loc, public_url=settings.get("public_url") or None) for loc in locations(store)}


def table_units(con, marts: list[tuple[str, int]], threads: int | None = None):
    """Every output table's publication units, one at a time: {parquet key: bytes, xlsx key:
    bytes} and (region and country) each municipality's workbook as its own unit (the
    whole table's unit when its workbook is done, beside the municipalities'). `threads`:
    `export.export_threads`."""
    threads = export.export_threads(threads)
    for mart, ay in marts:
        name, _ = export.OUTPUT_TABLES[mart]
        # the whole workbook is written beside the municipalities' (export.iter_table_xlsx)
        for mun, data in export.iter_table_xlsx(con, mart, ay, threads):
            if mun is None:
                yield {keys.table(ay, name, "parquet"): export.parquet_bytes(con, mart, ay),
                       keys.table(ay, name, "xlsx"): data}
            else:
                yield {keys.municipality_table(ay, mun, name): data}


@task(name="export-tables", task_run_name=_marts_run_name("export", by_marts=True), retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient, cache_policy=NO_CACHE)
@redact.scrubbed_errors
def export_to_store(store: str, warehouse: str, run: dict, cycle: str, ay: int, marts: list[tuple[str, int]],
                    objects: dict[str, bytes], inputs: list[dict], settings: dict | None = None,
                    cfg: Config | None = None) -> dict[str, dict]:
    """Export every output table (Parquet, XLSX, each municipality's workbook) and upload
    each unit into a new version folder of every store as soon as it is written, then the
    cycle's small shared `objects` (quality checkpoint, validation report). `settings`: the
    `[publish]` section; `cfg`: the run's configuration (its `[warehouse]` and `[export]`;
    else config/edumon.toml's). Returns each store's publication state."""
    pubs = {loc: Publication(target, run, cycle, ay, inputs) for loc, target in _targets(store, settings).items()}
    threads = export.export_threads(None, None if cfg is None else cfg.get("export", {}))
    con = connect(warehouse, cfg)
    try:
        for unit in table_units(con, marts, threads):
            for pub in pubs.values():
                pub.add_tables(unit)
    finally:
        con.close()
    for pub in pubs.values():
        pub.add_tables(objects)
    return {loc: pub.state() for loc, pub in pubs.items()}


@task(name="render-spravki", task_run_name=_marts_run_name("render"), retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient, cache_policy=NO_CACHE)
@redact.scrubbed_errors
def render_to_store(store: str, warehouse: str, ay: int, cycle: str, run: dict, cfg: Config,
                    states: dict[str, dict]) -> dict[str, dict]:
    """Render every municipality's documents (tasks/render.py, worker processes) and upload
    each municipality's documents and manifest into its new version folder as they arrive:
    at country scale they never sit in memory all at once (`render_spravki(sink=…)`)."""
    targets = _targets(store, cfg["publish"])
    pubs = [Publication.resume(targets[loc], state) for loc, state in states.items()]

    def sink(documents: dict[str, bytes]) -> None:
        for pub in pubs:
            pub.add_documents(documents)

    con = connect(warehouse, cfg)
    try:
        render.render_spravki(con, ay, cycle, cfg, run, sink=sink)
    finally:
        con.close()
    return {loc: pub.state() for loc, pub in zip(states, pubs)}


@task(name="publish", task_run_name=_marts_run_name("publish"), retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient, cache_policy=NO_CACHE)
@redact.scrubbed_errors
def publish_pointer(store: str, run: dict, cycle: str, ay: int, states: dict[str, dict],
                    settings: dict | None = None) -> dict:
    """Switch each store's cycle pointer to what the earlier steps uploaded (its manifest
    first), then the followers. Returns what `publish` returns."""
    settings = settings or {}
    public = tuple(settings.get("public_prefixes", DEFAULT_PUBLIC))
    targets = _targets(store, settings)
    out = {"manifests": [], "keys": [], "links": {}}
    for loc, state in states.items():
        target = targets[loc]
        if settings.get("public_read_policy") and hasattr(target, "allow_public_read"):
            if target.allow_public_read(list(public)):
                _logger().info(f"Политика доступа {loc}: чтение без ключа для {', '.join(public)}")
        pub = Publication.resume(target, state)
        out["manifests"] = pub.finish(public, threads=int(settings.get("threads", 4)))
        run.setdefault("publish_stats", {}).update(pub.stats)
        _logger().info(f"Публикация в {loc}: загружено объектов {pub.stats['uploaded']}, "
                       f"без изменений {pub.stats['skipped_units']}")
        _published(target, ay, cycle, out, state)
    out["documents"] = sorted(next(iter(states.values()))["documents"]) if states else []
    out["tables"] = sorted({keys.unversioned(f["key"]) for u in (next(iter(states.values()))["table_units"]
                                                                   if states else {}).values() for f in u["files"]})
    return out


def _published(target, ay: int, cycle: str, out: dict, state: dict | None = None) -> None:
    """The keys the cycle pointer now names and each municipality's index address. When the
    pointer names the publication of `state` (it does after `finish`), each municipality's
    documents are its documents in its version folder, as its manifest lists them: the
    manifests are not read back (2,300 reads at country scale); otherwise they are read."""
    m = current_cycle(target, ay, cycle)
    published = {f["key"] for t in m["tables"].values() for f in t["files"]} | {u["manifest"] for u in m["reports"].values()}
    ours = state is not None and {k: u["version"] for k, u in m["reports"].items()} == \
        {k: u["version"] for k, u in state["reports"].items()}
    if ours:
        docs = [keys.versioned(d, m["reports"][keys.municipality_of(d)]["version"]) for d in state["documents"]]
    else:
        docs = [f["key"] for u in m["reports"].values() for f in target.get_json(u["manifest"])["files"]
                if f["key"].startswith("reports/")]
    out["keys"] = sorted(published | set(docs))
    for mun in sorted(m["reports"]):
        out["links"].setdefault(mun, []).append(target.url(keys.index(mun, ay)))


@task(name="pull-inbox", task_run_name="pull-inbox", cache_policy=NO_CACHE)
@redact.scrubbed_errors
def pull_inbox(inbox: str | None, cache: str | None = None) -> str:
    """An `s3://bucket/prefix` landing prefix is pulled into a local cache laid out as the
    inbox (only new or changed objects, tasks/pull.py); a folder is used as it is. No
    inbox (a deployment's default) means the worker's `EDUMON_INBOX`, else `var/inbox`."""
    inbox = pull.default_inbox(inbox)
    if not pull.is_remote(inbox):
        if not Path(inbox).is_dir():
            raise FileNotFoundError(f"Папка с выгрузками не найдена: {Path(inbox).resolve()}. Укажите параметр "
                                    "inbox (папка или s3://корзина/префикс) или переменную EDUMON_INBOX работника.")
        return inbox
    rep = pull.pull(inbox, cache)
    _logger().info(f"Выгрузки из {inbox}: скачано {len(rep.downloaded)}, без изменений {rep.unchanged}, "
                   f"удалено {len(rep.removed)}; папка {rep.cache}")
    return str(rep.cache)


@task(name="publish", task_run_name=_marts_run_name("publish"), retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient, cache_policy=NO_CACHE)
@redact.scrubbed_errors
def publish(store: str, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
            documents: dict[str, bytes], inputs: list[dict], settings: dict | None = None) -> dict:
    """Publish to the store, or to each of several stores given with commas (e.g.
    `var/store,s3://bucket/prefix`): the same objects, so the same keys and bytes in each.
    A failed attempt is retried when it can heal; a publication is only visible once its
    pointer switched. `settings` is the configuration's [publish] section.

    Returns the current municipality manifests, the published keys (with their version
    folders) and, per municipality, the address of its index page in each store."""
    settings = settings or {}
    public = tuple(settings.get("public_prefixes", DEFAULT_PUBLIC))
    manifests: list[str] = []
    links: dict[str, list[str]] = {}
    published: list[str] = []
    for location in locations(store):
        target = open_store(location, public_url=settings.get("public_url") or None)
        if settings.get("public_read_policy") and hasattr(target, "allow_public_read"):
            if target.allow_public_read(list(public)):
                _logger().info(f"Политика доступа {location}: чтение без ключа для {', '.join(public)}")
        manifests = publish_cycle(target, run, cycle, ay, tables, documents, inputs, public)
        _logger().info(f"Публикация в {location}: загружено объектов {run['publish_stats']['uploaded']}, "
                       f"без изменений {run['publish_stats']['skipped_units']}")
        m = current_cycle(target, ay, cycle)
        published = sorted({f["key"] for t in m["tables"].values() for f in t["files"]}
                           | {u["manifest"] for u in m["reports"].values()})
        docs = [f["key"] for u in m["reports"].values() for f in target.get_json(u["manifest"])["files"]
                if f["key"].startswith("reports/")]
        published = sorted(set(published) | set(docs))
        for mun in sorted(m["reports"]):
            links.setdefault(mun, []).append(target.url(keys.index(mun, ay)))
    return {"manifests": manifests, "keys": published, "links": links}
