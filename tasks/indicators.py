"""Compute indicators: reference data in, SQL models built in layer order, marts per AY.

Staging and intermediate models are rebuilt over all AYs (cheap, and order-free: a
year's list never depends on whether last year's cycle was run). Marts are replaced
one AY at a time, so a re-run of a cycle gives the same rows, never duplicates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from edumon.config import REFERENCE_DIR
from tasks import vpr_scales
from tasks.warehouse import build_mart, build_model, ensure_mart_table, transaction

STAGING_MODELS = [
    "stg_schools",
    "stg_context",
    "int_vpr_participant_marks",
    "int_vpr_participant_stats",
    "int_vpr_school_stats",
    "int_gia_first_attempts",
    "int_procedure_results",
    "int_shnor_list",
    "int_shnor_working_list",
    "int_shvor_list",
    "int_prevention_indicators",
]

# A mart may read another cycle's mart (risk monitoring reads the October lists). When
# that cycle never ran on this warehouse, the table is created empty so the reading mart
# reports «нет данных» instead of failing.
MART_INPUTS = {"mart_risk_monitoring": ["mart_risk_schools"], "mart_plan_sections": ["mart_plan_status"]}


def load_reference(con, inbox: Path | None) -> list[dict]:
    """ЕГЭ minimum scores: the shipped table, rows of `inbox/reference/ege_min_scores*.csv`
    replacing the shipped ones for the same subject and start year."""
    frames = [pd.read_csv(REFERENCE_DIR / "ege_min_scores.csv", dtype={"subject": "string"})]
    used = [{"file": "config/reference/ege_min_scores.csv"}]
    if inbox is not None:
        for path in sorted((Path(inbox) / "reference").glob("ege_min_scores*.csv")):
            frames.append(pd.read_csv(path, dtype={"subject": "string"}))
            used.append({"file": str(path)})
    ref = pd.concat(frames, ignore_index=True).drop_duplicates(["valid_from_ay", "subject"], keep="last")
    con.execute("DELETE FROM reference_ege_min_scores")
    con.register("__ref", ref)
    con.execute("INSERT INTO reference_ege_min_scores BY NAME SELECT * FROM __ref")
    con.unregister("__ref")
    used += vpr_scales.load_vpr_scales(con, inbox)
    vpr_scales.check_scales_known(con)
    load_indicator_titles(con)
    return used


def load_indicator_titles(con) -> None:
    """The Russian title of every monitoring indicator: one place, config/indicators.csv."""
    titles = pd.read_csv(REFERENCE_DIR.parent / "indicators.csv", dtype="string")
    titles["sort_order"] = range(1, len(titles) + 1)
    con.execute("DELETE FROM reference_indicators")
    con.register("__titles", titles)
    con.execute("INSERT INTO reference_indicators BY NAME SELECT * FROM __titles")
    con.unregister("__titles")


def build_staging(con, params: dict) -> None:
    for name in STAGING_MODELS:
        build_model(con, name, params)


def build_marts(con, marts: list[tuple[str, int]], params: dict) -> dict[str, int]:
    """Build each (mart, AY) — all of the cycle's marts in one transaction, so a reader
    (or a run killed half-way) sees every mart of this run or every mart of the previous
    one; returns row counts keyed 'name/AY'."""
    counts = {}
    with transaction(con):
        for name, _ in marts:
            for needed in MART_INPUTS.get(name, []):
                ensure_mart_table(con, needed, params)
        for name, ay in marts:
            counts[f"{name}/{ay}"] = build_mart(con, name, ay, params)
    return counts
