"""September cycle (seed 003 §2.1, §2.3, §3.3): the ШНОР list for the AY from the
results of the two previous AYs, with entries and exits, and its справка."""

from __future__ import annotations

from prefect import flow

from flows.common import resolve_ay, run_cycle
from flows.naming import cycle_run_name


@flow(name="september-cycle", flow_run_name=cycle_run_name("september"), log_prints=True)
def september_cycle(ay: int | None = None, inbox: str | None = None, store: str = "var/store",
                    warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Сентябрьский цикл: перечень ШНОР на учебный год, мониторинг работы со ШНОР и рисковыми школами за прошедший год, справка.

    Args:
        ay: Учебный год по году начала (2023 — это 2023/2024). Пусто — текущий учебный год.
        inbox: Папка с выгрузками (inbox/<год>/vpr_stats, gia, rdr, staff, prevention, official_shnor); или s3://корзина/префикс, куда они поступают. Пусто — EDUMON_INBOX работника (по умолчанию var/inbox).
        store: Куда публиковать: папка или s3://корзина/префикс.
        warehouse: Файл хранилища DuckDB.
        config: Файл правил муниципалитета (TOML), дополняет правила по умолчанию.
    """
    return run_cycle("september", resolve_ay("september", ay), inbox, store, warehouse, config)
