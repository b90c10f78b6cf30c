"""September cycle (seed 003 §2.1, §2.3, §3.3): the ШНОР list for the AY from the
results of the two previous AYs, with entries and exits, and its справка."""

from __future__ import annotations

from prefect import flow

from flows.common import run_cycle


@flow(name="september-cycle", log_prints=True)
def september_cycle(ay: int, inbox: str = "var/demo/inbox", store: str = "var/store",
                    warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Сентябрьский цикл: перечень ШНОР на учебный год и справка.

    ay: учебный год по году начала (2023 — это 2023/2024).
    inbox: папка с выгрузками (inbox/<год>/<источник>/…).
    store: хранилище публикаций (папка или s3://bucket/prefix).
    warehouse: файл DuckDB.
    config: файл правил муниципалитета (TOML), поверх правил по умолчанию.
    """
    return run_cycle("september", ay, inbox, store, warehouse, config)
