"""October cycle (seed 003 §3.2): risk schools for the AY from ОО-1 and the context
survey of the AY and ВПР of the previous AY, each deficit with its values."""

from __future__ import annotations

from prefect import flow

from flows.common import resolve_ay, run_cycle
from flows.naming import cycle_run_name


@flow(name="october-cycle", flow_run_name=cycle_run_name("october"), log_prints=True)
def october_cycle(ay: int | None = None, inbox: str | None = None, store: str = "var/store",
                  warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Октябрьский цикл: рисковые школы на учебный год и справка.

    Args:
        ay: Учебный год по году начала (2023 — это 2023/2024). Пусто — текущий учебный год.
        inbox: Папка с выгрузками (inbox/<год>/oo1, oo2, context, vpr_stats); или s3://корзина/префикс, куда они поступают. Пусто — EDUMON_INBOX работника (по умолчанию var/inbox).
        store: Куда публиковать: папка или s3://корзина/префикс.
        warehouse: Файл хранилища DuckDB.
        config: Файл правил муниципалитета (TOML), дополняет правила по умолчанию.
    """
    return run_cycle("october", resolve_ay("october", ay), inbox, store, warehouse, config)
