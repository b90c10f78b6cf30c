"""January cycle (seed 003 §4.3–4.4): prevention of academic failure in the first half
of the AY, from the schools' semi-annual reports, and its справка."""

from __future__ import annotations

from prefect import flow

from flows.common import resolve_ay, run_cycle
from flows.naming import cycle_run_name


@flow(name="january-cycle", flow_run_name=cycle_run_name("january"), log_prints=True)
def january_cycle(ay: int | None = None, inbox: str | None = None, store: str = "var/store",
                  warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Январский цикл: профилактика учебной неуспешности за I полугодие и справка.

    Args:
        ay: Учебный год по году начала (2023 — это 2023/2024). Пусто — год, к которому относится текущий январь.
        inbox: Папка с выгрузками (inbox/<год>/prevention/… — полугодовые отчёты школ); или s3://корзина/префикс, куда они поступают. Пусто — EDUMON_INBOX работника (по умолчанию var/inbox).
        store: Куда публиковать: папка или s3://корзина/префикс.
        warehouse: Файл хранилища DuckDB.
        config: Файл правил муниципалитета (TOML), дополняет правила по умолчанию.
    """
    return run_cycle("january", resolve_ay("january", ay), inbox, store, warehouse, config)
