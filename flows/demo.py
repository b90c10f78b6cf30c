"""The demo: a generated municipality, a backfill of the AYs before its latest one, then
the four cycles of the latest AY (September, October, January, June), in calendar order,
published to the local store. What `make demo` runs.

The backfill is what a department does once when it starts: the sections that compare
with earlier years (risk-school monitoring reads last year's October lists, June compares
with the previous AY, the effectiveness analysis weighs last year's ШНОР) have data only
when those years' cycles ran on the warehouse."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from edumon.generate import generate
from flows.backfill import backfill
from flows.january import january_cycle
from flows.june import june_cycle
from flows.naming import demo_run_name
from flows.october import october_cycle
from flows.september import september_cycle


@flow(name="demo", flow_run_name=demo_run_name, log_prints=True)
def demo(root: str = "var", seed: int = 1, schools: int = 30, first_ay: int = 2019, last_ay: int = 2023,
         store: str | None = None, backfill_years: int = 2) -> dict:
    """Демонстрация: пример данных муниципалитета, пересчёт предыдущих учебных лет и четыре
    цикла последнего учебного года.

    Args:
        backfill_years: Сколько предыдущих учебных лет пересчитать перед последним (0 — не пересчитывать),
            чтобы разделы сравнения с прошлыми годами были с данными.
    """
    inbox = Path(root) / "demo" / "inbox"
    planted = generate(inbox, seed=seed, municipalities=1, schools=schools, years=(first_ay, last_ay))
    store = store or str(Path(root) / "store")
    warehouse = str(Path(root) / "warehouse.duckdb")
    # the first generated AY only feeds later cycles (each cycle reads the AYs before it)
    earliest = max(first_ay + 1, last_ay - backfill_years)
    backfilled = None
    if backfill_years > 0 and earliest <= last_ay - 1:
        backfilled = backfill(from_ay=earliest, to_ay=last_ay - 1, inbox=str(inbox), store=store,
                              warehouse=warehouse)
    results = {
        "september": september_cycle(last_ay, str(inbox), store, warehouse),
        "october": october_cycle(last_ay, str(inbox), store, warehouse),
        "january": january_cycle(last_ay, str(inbox), store, warehouse),
        "june": june_cycle(last_ay, str(inbox), store, warehouse),
    }
    return {"inbox": str(inbox), "store": store, "planted": planted, "results": results,
            "backfilled": backfilled}
