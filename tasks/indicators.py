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
from schemas.sources import SOURCES
from tasks import vpr_scales
from tasks.warehouse import (
    build_mart, build_model, ensure_mart_table, expand_includes, model_sql, raw_table, rows_table,
    split_meta, transaction,
)

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
# document and table, the quality checks): always built and always materialised.
ALWAYS_BUILT = ["stg_schools"]

_COMMENT = re.compile(r"--[^\n]*")
_NAME = re.compile(r"\b((?:stg|int|mart)_[a-z0-9_]+)\b")


def _names_in(sql: str, own: str = "") -> frozenset[str]:
    sql = _COMMENT.sub("", sql)
    return frozenset(n for n in _NAME.findall(sql) if n != own and (SQL_DIR / f"{n}.sql").is_file())


@lru_cache(maxsize=None)
def model_reads(name: str) -> frozenset[str]:
    """The models (`stg_`, `int_`, `mart_` files of sql/) a model's SQL names, comments
    left out, fragments included. A name inside a string literal only adds a model to build."""
    return _names_in(model_sql(name), name)


@lru_cache(maxsize=None)
def _read_by_documents() -> frozenset[str]:
    """Models the documents' queries (sql/report_*.sql) read: those stay tables."""
    out = set()
    for path in sorted(SQL_DIR.glob("report_*.sql")):
        out |= _names_in(expand_includes(path.read_text(encoding="utf-8")))
    return frozenset(out)


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


def compute_plan(marts) -> tuple[list[str], dict[str, str]]:
    """What a cycle builds: the models to materialise as tables (in build order), and the
    models inlined as a CTE into their one reader ({model: reader}). A model is inlined
    when, among this cycle's models and marts (and marts they read), exactly one other
    staging model reads it and neither a mart, a document query nor ALWAYS_BUILT does —
    e.g. the ГИА first attempts (participant level) in September, read only by the
    procedure results: computing them inside that one query saves writing them."""
    models = models_for(marts)
    readers: dict[str, set[str]] = {m: set() for m in models}
    mart_names = {m if isinstance(m, str) else m[0] for m in marts}
    for mart in list(mart_names):
        mart_names |= set(MART_INPUTS.get(mart, []))
    for reader in [*models, *sorted(mart_names)]:
        for dep in model_reads(reader):
            if dep in readers:
                readers[dep].add(reader)
    inline = {}
    for m in models:
        r = readers[m]
        if (m not in ALWAYS_BUILT and m not in _read_by_documents() and len(r) == 1
                and next(iter(r)) in readers):
            inline[m] = next(iter(r))
    return [m for m in models if m not in inline], inline


# Per-AY laziness. A model's row of AY y reads its inputs of AYs y − lookback … y, where the
# lookback is declared in the model's (or mart's) SQL by a line `-- @lookback <n>` or
# `-- @lookback $<parameter>` (none: 0, the same AY only; tests/test_comp_ay_window.py fails
# on a model that names an AY offset without declaring it). Walking down from the cycle's
# (mart, AY) pairs gives each model the AYs it must hold; the raw tables it reads are then
# shadowed by a CTE of the same name restricted to that window, so a warehouse with many
# years of history computes only the years the cycle reads. Document queries
# (sql/report_*.sql) read the models they name for up to DOCUMENT_LOOKBACK AYs before the
# cycle's AY (report_procedure_dynamics: AY − 3 … AY − 1 and each year's previous one).
DOCUMENT_LOOKBACK = 4
_LOOKBACK = re.compile(r"^--\s*@lookback\s+(\d+|\$[a-z_][a-z0-9_]*)\b", re.MULTILINE)
_RAW = {raw_table(src): src for src in SOURCES.values()}


def lookback(name: str, params: dict) -> int:
    """How many AYs before its own a model's (or mart's) row reads of its inputs."""
    found = _LOOKBACK.findall(model_sql(name))
    if not found:
        return 0
    values = [int(params[v[1:]]) if v.startswith("$") else int(v) for v in found]
    return max(values)


def ay_windows(marts, params: dict, cycle_ay: int | None = None) -> dict[str, tuple[int, int]]:
    """The AYs (first, last) each staging model must hold for the cycle's (mart, AY) pairs
    and for the documents of `cycle_ay` (by default the latest AY among the marts), its
    lookbacks included. ALWAYS_BUILT models hold every AY (the school universe)."""
    marts = [(m, a) for m, a in marts]
    need: dict[str, set[int]] = {}

    def add(name: str, ays) -> None:
        new = set(ays) - need.setdefault(name, set())
        if not new:
            return
        need[name] |= new
        k = lookback(name, params)
        wanted = {y - j for y in new for j in range(k + 1)}
        for dep in model_reads(name):
            if not dep.startswith("mart_") and dep not in ALWAYS_BUILT:
                add(dep, wanted)

    for mart, ay in marts:
        add(mart, {ay})
    if cycle_ay is None:
        cycle_ay = max(a for _, a in marts)
    documents = range(cycle_ay - DOCUMENT_LOOKBACK, cycle_ay + 1)
    for model in _read_by_documents():
        if not model.startswith("mart_") and model not in ALWAYS_BUILT and model in need:
            add(model, documents)
    return {m: (min(a), max(a)) for m, a in need.items() if not m.startswith("mart_") and a}


def _raw_read(name: str) -> list[str]:
    sql = _COMMENT.sub("", model_sql(name))
    return sorted({t for t in re.findall(r"\b(raw_[a-z0-9_]+)\b", sql) if t in _RAW and _RAW[t].yearly})


def _window_param(name: str, end: str) -> str:
    return f"window_{end}_{name}"


def _composed_sql(name: str, inline: dict[str, str], shadowed: dict[str, list[str]] | None = None) -> str:
    """A model's SQL with the models inlined into it as CTEs of the same name (which take
    precedence over any table of that name), themselves composed the same way; the raw
    tables `shadowed[model]` replaced by CTEs restricted to the model's AYs (bound as
    `$window_from_<model>`, `$window_to_<model>`)."""
    sql = model_sql(name)
    lo, hi = _window_param(name, "from"), _window_param(name, "to")
    # NOT MATERIALIZED: a model reading the table several times (the ГИА first attempts do)
    # would otherwise have DuckDB write every column of the window's rows to a temporary table
    ctes = [f"{t} AS NOT MATERIALIZED (SELECT * FROM main.{t} WHERE ay BETWEEN ${lo} AND ${hi})"
            for t in (shadowed or {}).get(name, [])]
    ctes += [f"{dep} AS (\n{_composed_sql(dep, inline, shadowed)}\n)"
             for dep, reader in inline.items() if reader == name]
    if not ctes:
        return sql
    return f"WITH {', '.join(ctes)}\nSELECT * FROM (\n{sql}\n)"


def _span_table(raw: str) -> str:
    """Where a raw table's AYs are read: a split source's rows table (its view's rows are
    among them, and the table's min/max come from its statistics, where the view's join
    scans every row: 0.2 s CPU for the country's 23 M ГИА rows); a wider span only adds a
    window filter, never drops a row the model reads."""
    src = _RAW[raw]
    return rows_table(src) if split_meta(src) else raw


def _to_shadow(con, windows: dict[str, tuple[int, int]]) -> dict[str, list[str]]:
    """For each windowed model, the yearly raw tables it reads that hold AYs outside its
    window (a table holding only the window's AYs is read as it is: no filter to pay)."""
    spans = {}
    out = {}
    for model, (lo, hi) in windows.items():
        for t in _raw_read(model):
            if t not in spans:
                spans[t] = con.execute(f"SELECT min(ay), max(ay) FROM {_span_table(t)}").fetchone()
            first, last = spans[t]
            if first is not None and (first < lo or last > hi):
                out.setdefault(model, []).append(t)
    return out


def build_staging(con, params: dict, marts=None, cycle_ay: int | None = None) -> list[str]:
    """Build the staging and intermediate models: all of them as tables, over every AY, or
    (given the cycle's marts as (name, AY) pairs) only those the marts read, the ones read
    once inlined into their reader (`compute_plan`; a table of theirs left by an earlier
    build is dropped, so nothing stale stays), each over the AYs the cycle reads
    (`ay_windows`; marts given by name only: every AY). Returns the names materialised."""
    shadowed = None
    if marts is None:
        names, inline = list(STAGING_MODELS), {}
    else:
        names, inline = compute_plan(marts)
        if marts and all(not isinstance(m, str) for m in marts):
            windows = ay_windows(marts, params, cycle_ay)
            shadowed = _to_shadow(con, {m: w for m, w in windows.items() if m in names or m in inline})
            params = {**params, **{_window_param(m, end): windows[m][i] for m in shadowed
                                   for i, end in enumerate(("from", "to"))}}
    for name in inline:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    for name in names:
        build_model(con, name, params, _composed_sql(name, inline, shadowed))
    return names


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
