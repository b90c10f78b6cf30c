"""The demo: a generated municipality and the four cycles of its latest AY (September,
October, January, June), in calendar order, published to the local store. What
`make demo` runs."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from edumon.generate import generate
from flows.january import january_cycle
from flows.june import june_cycle
from flows.naming import demo_run_name
from flows.october import october_cycle
from flows.september import september_cycle


@flow(name="demo", flow_run_name=demo_run_name, log_prints=True)
def demo(root: str = "var", seed: int = 1, schools: int = 30, first_ay: int = 2019, last_ay: int = 2023,
         store: str | None = None) -> dict:
    """Демонстрация: пример данных муниципалитета и четыре цикла последнего учебного года."""
    inbox = Path(root) / "demo" / "inbox"
    planted = generate(inbox, seed=seed, municipalities=1, schools=schools, years=(first_ay, last_ay))
    store = store or str(Path(root) / "store")
    warehouse = str(Path(root) / "warehouse.duckdb")
    results = {
        "september": september_cycle(last_ay, str(inbox), store, warehouse),
        "october": october_cycle(last_ay, str(inbox), store, warehouse),
        "january": january_cycle(last_ay, str(inbox), store, warehouse),
        "june": june_cycle(last_ay, str(inbox), store, warehouse),
    }
    return {"inbox": str(inbox), "store": store, "planted": planted, "results": results}
