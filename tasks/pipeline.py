"""The Prefect tasks the cycles are made of. Each works on a whole dataset (a source
across AYs, every mart of a cycle, every municipality's справка): never one task run
per school. Tasks take paths and plain values, open the warehouse themselves and close
it, so the DuckDB file has one writer at a time.
"""

from __future__ import annotations

from pathlib import Path

import logging

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from edumon.config import Config
from schemas.sources import SOURCES
from tasks import export, indicators, ingest, render
from tasks.publish import publish_cycle
from tasks.store import open_store
from tasks.warehouse import connect


def _logger():
    try:
        return get_run_logger()
    except Exception:  # outside a Prefect run (tests, scripts)
        return logging.getLogger("edumon")


def publishable_problems(rep) -> list[dict]:
    """The load's problems as plain dicts for the published validation report. Values of
    participant-level sources are withheld (personal data stays in the warehouse); the
    file, sheet, row, column and rule are enough to find the cell."""
    from dataclasses import asdict

    hide = SOURCES[rep.source].participant_level
    return [dict(asdict(p), value="(скрыто: персональные данные)" if hide and p.value else p.value)
            for p in rep.problems]


@task(name="ingest-source", cache_policy=NO_CACHE)
def ingest_source_years(inbox: str, warehouse: str, source: str, ays: list[int], run_id: str,
                        cfg: Config) -> list[dict]:
    """Load one source for the given AYs (the registry once); unchanged files are skipped."""
    log = _logger()
    out = []
    con = connect(warehouse)
    try:
        years = ays if SOURCES[source].yearly else [None]
        for ay in years:
            rep = ingest.ingest_source(con, Path(inbox), source, ay, run_id, cfg)
            for w in rep.warnings:
                log.warning(w)
            for p in rep.problems[:20]:
                log.warning(p.message())
            if rep.missing:
                continue
            log.info(f"{source} {ay}: строк {rep.rows_in}, загружено {rep.rows_loaded}, "
                     f"в карантине {rep.rows_quarantined}{' (без изменений)' if rep.skipped_unchanged else ''}")
            out.append({"source": source, "ay": ay, "files": rep.files, "rows_in": rep.rows_in,
                        "rows_loaded": rep.rows_loaded, "rows_quarantined": rep.rows_quarantined,
                        "skipped_unchanged": rep.skipped_unchanged, "problems": len(rep.problems),
                        "problem_list": publishable_problems(rep), "warning_list": rep.warnings})
    finally:
        con.close()
    return out


@task(name="compute-indicators", cache_policy=NO_CACHE)
def compute_indicators(warehouse: str, inbox: str, marts: list[tuple[str, int]], run: dict,
                       cfg: Config) -> dict[str, int]:
    con = connect(warehouse)
    try:
        indicators.load_reference(con, Path(inbox))
        params = {**cfg.sql_params(), "definitions_version": run["definitions_version"], "run_id": run["run_id"]}
        indicators.build_staging(con, params)
        return indicators.build_marts(con, marts, params)
    finally:
        con.close()


@task(name="quality-checkpoint", cache_policy=NO_CACHE)
def quality_checkpoint(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]], run: dict,
                       cfg: Config) -> dict[str, bytes]:
    """Great Expectations suites on the cycle's output tables (schemas/quality.py): results
    stored in `quality_results`, shown as an artifact, and returned as objects to publish
    next to the справки (an offline HTML page and JSON)."""
    from prefect.artifacts import create_markdown_artifact

    from schemas import quality

    con = connect(warehouse)
    try:
        results = quality.run_checkpoints(con, marts, cfg)
        quality.store_results(con, run["run_id"], cycle, results)
    finally:
        con.close()
    counts = quality.summary_counts(results)
    log = _logger()
    for r in results:
        if r.success is False:
            log.warning(f"Проверка качества ({quality.status(r)}): {r.table} {r.ay} — {r.check}: {r.observed}"
                        f"{' (' + ', '.join(r.examples) + ')' if r.examples else ''}")
    create_markdown_artifact(key=f"{cycle}-{ay}-quality", markdown=quality.to_markdown(results, cycle, ay),
                             description=f"Проверки качества: {counts['errors']} ошибок, "
                                         f"{counts['warnings']} предупреждений")
    if cfg["quality"].get("fail_on_error") and counts["errors"]:
        raise RuntimeError(f"Проверки качества: {counts['errors']} ошибок (quality.fail_on_error = true).")
    return {f"quality/{ay}/{cycle}/checkpoint.html": quality.render_html(results, run, cycle, ay),
            f"quality/{ay}/{cycle}/checkpoint.json": quality.to_json(results, run, cycle, ay)}


@task(name="export-tables", cache_policy=NO_CACHE)
def export_tables(warehouse: str, marts: list[tuple[str, int]]) -> dict[str, bytes]:
    con = connect(warehouse)
    try:
        objects = {}
        for mart, ay in marts:
            name, _ = export.OUTPUT_TABLES[mart]
            objects[f"tables/{ay}/{name}.parquet"] = export.parquet_bytes(con, mart, ay)
            objects[f"tables/{ay}/{name}.xlsx"] = export.xlsx_bytes(export.table_query(con, mart, ay), name)
            # region and country: each municipality's own workbook (docs/tables.md)
            for mun, data in export.municipality_xlsx(con, mart, ay).items():
                objects[f"tables/{ay}/municipalities/{mun}/{name}.xlsx"] = data
        return objects
    finally:
        con.close()


@task(name="render-spravki", cache_policy=NO_CACHE)
def render_documents(warehouse: str, ay: int, cycle: str, run: dict, cfg: Config) -> dict[str, bytes]:
    con = connect(warehouse)
    try:
        return render.render_spravki(con, ay, cycle, cfg, run)
    finally:
        con.close()


@task(name="publish", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish(store: str, run: dict, cycle: str, ay: int, tables: dict[str, bytes],
            documents: dict[str, bytes], inputs: list[dict]) -> list[str]:
    """Publish to the store, or to each of several stores given with commas (e.g.
    `var/store,s3://bucket/prefix`): the same objects, so the same keys and bytes in each.
    A failed attempt is retried; a publication is only visible once its pointer switched."""
    manifests: list[str] = []
    for location in [s.strip() for s in store.split(",") if s.strip()]:
        manifests = publish_cycle(open_store(location), run, cycle, ay, tables, documents, inputs)
        _logger().info(f"Публикация в {location}: загружено объектов {run['publish_stats']['uploaded']}, "
                       f"без изменений {run['publish_stats']['skipped_units']}")
    return manifests
