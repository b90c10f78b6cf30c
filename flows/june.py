"""June cycle, 1–10 June (seed 003 §4.3–4.5, SPEC §4.8): prevention of academic failure
for the whole AY, the two halves compared and against the previous AY (the
effectiveness analysis), the status of the plan of measures, and the справка."""

from __future__ import annotations

from prefect import flow

from flows.common import resolve_ay, run_cycle
from flows.naming import cycle_run_name


@flow(name="june-cycle", flow_run_name=cycle_run_name("june"), log_prints=True)
def june_cycle(ay: int | None = None, inbox: str | None = None, store: str = "var/store",
               warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Июньский цикл: профилактика неуспешности за год, анализ эффективности мер, исполнение плана.

    Args:
        ay: Учебный год по году начала (2023 — это 2023/2024). Пусто — год, который заканчивается текущим июнем.
        inbox: Папка с выгрузками (inbox/<год>/prevention/…, inbox/<год>/plan/…); или s3://корзина/префикс, куда они поступают. Пусто — EDUMON_INBOX работника (по умолчанию var/inbox).
        store: Куда публиковать: папка или s3://корзина/префикс.
        warehouse: Файл хранилища DuckDB.
        config: Файл правил муниципалитета (TOML), дополняет правила по умолчанию.
    """
    return run_cycle("june", resolve_ay("june", ay), inbox, store, warehouse, config)
