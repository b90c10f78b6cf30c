"""October cycle (seed 003 §3.2): risk schools for the AY from ОО-1 and the context
survey of the AY and ВПР of the previous AY, each deficit with its values."""

from __future__ import annotations

from prefect import flow

from flows.common import run_cycle


@flow(name="october-cycle", log_prints=True)
def october_cycle(ay: int, inbox: str = "var/demo/inbox", store: str = "var/store",
                  warehouse: str = "var/warehouse.duckdb", config: str | None = None) -> dict:
    """Октябрьский цикл: рисковые школы на учебный год и справка.

    ay: учебный год по году начала (2023 — это 2023/2024).
    inbox: папка с выгрузками (inbox/<год>/<источник>/…).
    store: хранилище публикаций (папка или s3://bucket/prefix).
    warehouse: файл DuckDB.
    config: файл правил муниципалитета (TOML), поверх правил по умолчанию.
    """
    return run_cycle("october", ay, inbox, store, warehouse, config)
