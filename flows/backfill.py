"""Backfill over a range of AYs (SPEC §3.2): the chosen cycles run as subflows in calendar
order — September AY, October AY, January AY, June AY, then the next AY — since later
rules read earlier lists (a risk school "eliminated" needs last year's October list).
Each cycle replaces its own outputs for its AY, so a backfill can be re-run at will and
gives the same tables. A progress artifact shows how far it got; a failing cycle stops
the backfill (later cycles would read its missing outputs) and says which one failed."""

from __future__ import annotations

from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from edumon.calendar import CYCLE_ORDER, backfill_plan
from flows.common import artifact_key, create_markdown_artifact
from flows.january import january_cycle
from flows.june import june_cycle
from flows.naming import backfill_run_name
from flows.october import october_cycle
from flows.september import september_cycle

CycleName = Literal["september", "october", "january", "june"]
CYCLE_FLOWS = {"september": september_cycle, "october": october_cycle,
               "january": january_cycle, "june": june_cycle}
CYCLE_TITLES = {"september": "сентябрь", "october": "октябрь", "january": "январь", "june": "июнь"}


@flow(name="backfill", flow_run_name=backfill_run_name, log_prints=True)
def backfill(from_ay: int, to_ay: int, cycles: list[CycleName] = list(CYCLE_ORDER),
             inbox: str | None = None, store: str = "var/store",
             warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Пересчёт за несколько учебных лет: циклы запускаются в календарном порядке.

    Args:
        from_ay: Первый учебный год по году начала (2019 — это 2019/2020).
        to_ay: Последний учебный год по году начала (включительно).
        cycles: Какие циклы пересчитать: september (сентябрь), october (октябрь), january (январь), june (июнь).
        inbox: Папка с выгрузками (inbox/<год>/<источник>/…); или s3://корзина/префикс, куда они поступают. Пусто — EDUMON_INBOX работника (по умолчанию var/inbox).
        store: Куда публиковать: папка или s3://корзина/префикс.
        warehouse: Файл хранилища DuckDB.
        config: Файл правил муниципалитета (TOML), дополняет правила по умолчанию.
    """
    log = get_run_logger()
    plan = backfill_plan(from_ay, to_ay, list(cycles))
    progress_id = create_progress_artifact(
        progress=0.0, key=artifact_key(f"backfill-{from_ay}-{to_ay}-progress"),
        description=f"Пересчёт {from_ay}/{from_ay + 1} — {to_ay}/{to_ay + 1}: выполнено циклов 0 из {len(plan)}")
    done: list[dict] = []
    for i, (ay, cycle) in enumerate(plan, start=1):
        log.info(f"Цикл {i} из {len(plan)}: {CYCLE_TITLES[cycle]}, {ay}/{ay + 1}")
        try:
            result = CYCLE_FLOWS[cycle](ay=ay, inbox=inbox, store=store, warehouse=warehouse, config=config)
        except Exception as exc:
            create_markdown_artifact(
                key=artifact_key(f"backfill-{from_ay}-{to_ay}-summary"),
                markdown=_markdown(from_ay, to_ay, plan, done, failed=(ay, cycle, str(exc))),
                description="Пересчёт остановлен")
            raise
        done.append({"ay": ay, "cycle": cycle, "tables": len(result["tables"]),
                     "documents": len(result["documents"]), "no_data": result.get("no_data", 0)})
        update_progress_artifact(progress_id, progress=100.0 * i / len(plan),
                                 description=f"Выполнено циклов {i} из {len(plan)}")
    create_markdown_artifact(key=artifact_key(f"backfill-{from_ay}-{to_ay}-summary"),
                             markdown=_markdown(from_ay, to_ay, plan, done),
                             description=f"Пересчёт {from_ay}–{to_ay}")
    return {"from_ay": from_ay, "to_ay": to_ay, "runs": done}


def _markdown(from_ay, to_ay, plan, done, failed=None) -> str:
    lines = [f"# Пересчёт {from_ay}/{from_ay + 1} — {to_ay}/{to_ay + 1}", "",
             f"Выполнено циклов: {len(done)} из {len(plan)}.", "",
             "| Учебный год | Цикл | Таблиц | Справок | Показателей без данных |", "|---|---|---|---|---|"]
    lines += [f"| {d['ay']}/{d['ay'] + 1} | {CYCLE_TITLES[d['cycle']]} | {d['tables']} | {d['documents']} | "
              f"{d['no_data']} |" for d in done]
    if failed:
        ay, cycle, message = failed
        lines += ["", f"**Остановлен на цикле «{CYCLE_TITLES[cycle]}» {ay}/{ay + 1}:**", "", "```", message, "```",
                  "", "Исправьте причину и запустите пересчёт снова: уже выполненные циклы пересчитаются "
                      "с тем же результатом."]
    return "\n".join(lines)
