"""How a cycle is composed from tasks: ingest → compute → export → render → publish.
The cycle flows (september, october, january, june) call `run_cycle`; it holds no
business logic, only the order of the steps and what the operator sees in the Prefect UI:
a markdown summary (rows per source, quarantine, entries and exits, indicators without
data), a table of flagged schools, a link to each published справка, and — when a step
fails — a markdown artifact saying which file or rule failed and what to do."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from edumon.calendar import cycle_ay
from edumon.config import load_config
from reports import labels
from tasks import ops, pipeline, render
from tasks.validate import load_report_objects


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def resolve_ay(cycle: str, ay: int | None) -> int:
    """A scheduled run passes no AY: it is the AY the cycle belongs to on today's date."""
    return ay if ay is not None else cycle_ay(cycle, date.today())


def run_cycle(cycle: str, ay: int, inbox: str, store: str, warehouse: str, config: str | None) -> dict:
    try:
        return _run_cycle(cycle, ay, inbox, store, warehouse, config)
    except Exception as exc:
        create_markdown_artifact(
            key=f"{cycle}-{ay}-failure",
            markdown=_failure_markdown(cycle, ay, exc),
            description=f"Ошибка цикла {cycle} за {ay}/{ay + 1}")
        raise


def _run_cycle(cycle: str, ay: int, inbox: str, store: str, warehouse: str, config: str | None) -> dict:
    log = get_run_logger()
    inbox = pipeline.pull_inbox(inbox)   # s3://landing/prefix → a local cache laid out as the inbox
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
    published = pipeline.publish(store, run, cycle, ay, tables, documents, inputs, cfg["publish"])
    manifests = published["manifests"]
    digest = cycle_digest(warehouse, cycle, ay, marts)

    summary = {"cycle": cycle, "ay": ay, "run": run, "rows": counts, "documents": sorted(documents),
               "tables": sorted(tables), "manifests": manifests, "store": store,
               "quarantined": sum(x["rows_quarantined"] for x in loads),
               "flagged": len(digest["flagged"]), "no_data": len(digest["no_data"]),
               "published": published["keys"], "links": published["links"]}
    create_markdown_artifact(
        key=f"{cycle}-{ay}-summary",
        markdown=_summary_markdown(summary, loads, digest),
        description=f"Итоги цикла {cycle} за {ay}/{ay + 1}")
    if digest["flagged_title"]:
        create_table_artifact(
            key=f"{cycle}-{ay}-flagged",
            table=digest["flagged"] or [{"Результат": "нет школ"}],
            description=f"{digest['flagged_title']}, {ay}/{ay + 1}")
    # Documents live under a version prefix behind a pointer (tasks/publish.py); the
    # municipality's index page of the AY is the stable address that follows it.
    for mun, links in sorted(published["links"].items()):   # one address per store
        for i, link in enumerate(links):
            create_link_artifact(key=artifact_key(f"{cycle}-{ay}-spravka-{mun}" + (f"-{i + 1}" if i else "")),
                                 link=link, link_text=f"Справки {mun}, {ay}/{ay + 1}",
                                 description=f"Опубликованные справки, {labels.CYCLES.get(cycle, cycle)}")
            log.info(f"Справки: {link}")
    for m in manifests:
        log.info(f"Опубликовано: {m}")
    return summary


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def document_link(store: str, key: str) -> str:
    if store.startswith("s3://"):
        return f"{store.rstrip('/')}/{key}"
    return (Path(store) / key).resolve().as_uri()


@task(name="ops-digest", cache_policy=NO_CACHE)
def cycle_digest(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]]) -> dict:
    return ops.cycle_digest(warehouse, cycle, ay, marts)


def _summary_markdown(summary: dict, loads: list[dict], digest: dict) -> str:
    cycle = summary["cycle"]
    lines = [f"# {labels.CYCLES.get(cycle, cycle)}: {summary['ay']}/{summary['ay'] + 1} учебный год", "",
             f"Запуск `{summary['run']['run_id']}`, методика `{summary['run']['definitions_version']}`.", "",
             "## Загрузка", "",
             "| Источник | Год | Строк | Загружено | В карантине |", "|---|---|---|---|---|"]
    for x in loads:
        lines.append(f"| {x['source']} | {x['ay'] if x['ay'] is not None else '—'} | {x['rows_in']} | "
                     f"{x['rows_loaded']} | {x['rows_quarantined']} |")
    if not loads:
        lines.append("| — | — | 0 | 0 | 0 |")
    lines += ["", "## Таблицы", "", "| Таблица / год | Строк |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary["rows"].items()]
    if digest["flagged_title"]:
        lines += ["", f"**{digest['flagged_title']}:** {len(digest['flagged'])}."]
    if digest["changes"]:
        lines += ["", "**Изменения перечня:** " + "; ".join(f"{k} — {v}" for k, v in digest["changes"].items()) + "."]
    warnings = []
    if summary["quarantined"]:
        warnings.append(f"В карантин отправлено строк: {summary['quarantined']} "
                        "(причины — в таблице `quarantine` хранилища и в журнале запуска).")
    for r in digest["no_data"]:
        warnings.append(f"«{r['indicator_title']}» — {r['no_data_reason']}")
    if warnings:
        lines += ["", "## Предупреждения", ""] + [f"- {w}" for w in warnings]
    lines += ["", "## Справки", ""] + [f"- `{d}`" for d in summary.get("published", summary["documents"])
                                       if d.startswith("reports/")]
    return "\n".join(lines)


def _failure_markdown(cycle: str, ay: int, exc: Exception) -> str:
    return "\n".join([
        f"# Цикл «{labels.CYCLES.get(cycle, cycle)}», {ay}/{ay + 1}: ошибка", "",
        "Запуск остановлен; данные, загруженные ранее, сохранены.", "",
        "```", str(exc), "```", "",
        "Что сделать: исправьте указанный файл (лист, строку, столбец) или правило в "
        "`config/edumon.toml` и запустите цикл за этот год снова — повторный запуск заменит "
        "результаты года, не создавая дублей.",
    ])
