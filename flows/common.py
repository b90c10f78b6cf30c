"""How a cycle is composed from tasks: ingest → compute → export → render → publish.
The cycle flows (september, october, …) call `run_cycle`; it holds no business logic,
only the order of the steps and the dashboard summary."""

from __future__ import annotations

import uuid

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from edumon.config import load_config
from tasks import pipeline, render
from tasks.validate import load_report_objects


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def run_cycle(cycle: str, ay: int, inbox: str, store: str, warehouse: str, config: str | None) -> dict:
    log = get_run_logger()
    cfg = load_config(config)
    spec = cfg["cycles"][cycle]
    run = {"run_id": current_run_id(), "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"],
           "template_version": render.template_version(cfg)}

    loads = []
    for source, offsets in spec["sources"].items():
        loads += pipeline.ingest_source_years(inbox, warehouse, source, sorted(ay + o for o in offsets),
                                              run["run_id"], cfg)
    marts = [(name, ay + offset) for name, offset in spec["marts"]]
    counts = pipeline.compute_indicators(warehouse, inbox, marts, run, cfg)
    quality_objects = pipeline.quality_checkpoint(warehouse, cycle, ay, marts, run, cfg)
    tables = {**pipeline.export_tables(warehouse, marts), **quality_objects,
              **load_report_objects(loads, cycle, ay)}
    documents = pipeline.render_documents(warehouse, ay, cycle, run, cfg)
    inputs = [{"source": x["source"], "ay": x["ay"], **f} for x in loads for f in x["files"]]
    manifests = pipeline.publish(store, run, cycle, ay, tables, documents, inputs)

    summary = {"cycle": cycle, "ay": ay, "run": run, "rows": counts, "documents": sorted(documents),
               "tables": sorted(tables), "manifests": manifests, "store": store,
               "quarantined": sum(x["rows_quarantined"] for x in loads)}
    create_markdown_artifact(
        key=f"{cycle}-{ay}-summary",
        markdown=_summary_markdown(summary, loads),
        description=f"Итоги цикла {cycle} за {ay}/{ay + 1}")
    for m in manifests:
        log.info(f"Опубликовано: {store.rstrip('/')}/{m}")
    return summary


def _summary_markdown(summary: dict, loads: list[dict]) -> str:
    lines = [f"# Цикл «{summary['cycle']}», {summary['ay']}/{summary['ay'] + 1} учебный год", "",
             f"Запуск `{summary['run']['run_id']}`, методика `{summary['run']['definitions_version']}`.", "",
             "| Источник | Год | Строк | Загружено | В карантине |", "|---|---|---|---|---|"]
    for x in loads:
        lines.append(f"| {x['source']} | {x['ay'] if x['ay'] is not None else '—'} | {x['rows_in']} | "
                     f"{x['rows_loaded']} | {x['rows_quarantined']} |")
    lines += ["", "| Таблица | Строк |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary["rows"].items()]
    lines += ["", "Справки:"] + [f"- `{d}`" for d in summary["documents"]]
    return "\n".join(lines)
