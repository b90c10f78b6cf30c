"""Compute indicators: reference data in, SQL models built in layer order, marts per AY.

Staging and intermediate models are rebuilt over all AYs (order-free: a year's list
never depends on whether last year's cycle was run). A cycle builds only the models its
marts read, directly or through other models (`models_for`: the dependency graph is read
from the SQL files themselves, docs/indicator-engine.md). Marts are replaced one AY at a
time, so a re-run of a cycle gives the same rows, never duplicates.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from edumon.config import REFERENCE_DIR, SQL_DIR
from tasks import vpr_scales
from tasks.warehouse import build_mart, build_model, ensure_mart_table, model_sql, transaction

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


# Models read by code outside the marts whatever the cycle (the school names of every
# document and table, the quality checks): always built.
ALWAYS_BUILT = ["stg_schools"]

_COMMENT = re.compile(r"--[^\n]*")
_NAME = re.compile(r"\b((?:stg|int|mart)_[a-z0-9_]+)\b")


@lru_cache(maxsize=None)
def model_reads(name: str) -> frozenset[str]:
    """The models (`stg_`, `int_`, `mart_` files of sql/) a model's SQL names, comments
    left out, fragments included. A name inside a string literal only adds a model to build."""
    sql = _COMMENT.sub("", model_sql(name))
    return frozenset(n for n in _NAME.findall(sql) if n != name and (SQL_DIR / f"{n}.sql").is_file())


def models_for(marts) -> list[str]:
    """The staging and intermediate models the marts read, directly or through other
    models (and through marts they read, which may have to be created empty), in the build
    order of STAGING_MODELS, plus ALWAYS_BUILT."""
    needed, todo = set(ALWAYS_BUILT), [m if isinstance(m, str) else m[0] for m in marts]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for dep in model_reads(name) | set(MART_INPUTS.get(name, [])):
            if not dep.startswith("mart_"):
                needed.add(dep)
            todo.append(dep)
    unknown = sorted(needed - set(STAGING_MODELS))
    if unknown:
        raise ValueError(f"models read by the marts but not in STAGING_MODELS: {unknown}")
    return [m for m in STAGING_MODELS if m in needed]


def build_staging(con, params: dict, marts=None) -> list[str]:
    """Build the staging and intermediate models: all of them, or (given the cycle's marts,
    names or (name, AY) pairs) only those the marts read. Returns the names built."""
    names = STAGING_MODELS if marts is None else models_for(marts)
    for name in names:
        build_model(con, name, params)
    return list(names)


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
