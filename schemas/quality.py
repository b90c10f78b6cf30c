"""Quality checkpoints on the computed tables, with Great Expectations 1.x.

The suites are data: one `TableSuite` entry per output table names its key, its share
columns, its numerator/denominator pairs, whether every registry school must appear,
and the flag whose count must stay plausible against last year. Adding a table (e.g.
an indicator mart of issue 3) is one entry in `SUITES`.

GX's SQL datasource is broken on DuckDB (STACK-NOTES), so GX validates pandas frames in
an ephemeral (file-less) context; what it is given of a table is found by DuckDB
(`run_checkpoints`: the rows breaking a rule and the table's totals, not the table), so
the checkpoint does not grow with the rows. `import great_expectations` costs seconds:
it happens inside `run_checkpoints` only (`import_gx`), never on the path of `edumon
validate`, and without the two libraries GX imports for expectations this project never
runs (scipy.stats and altair, for `expect_column_kl_divergence_to_be_less_than`): they are
registered as lazy modules, loaded only if something touches them.

Results are plain records (one per expectation) written to the warehouse table
`quality_results`; `render_html` gives an offline page (no CDN assets, unlike GX's
Data Docs) published next to the справки, and the справка annex shows them.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import json
import sys
import types
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where GX needs it (_gx_frame), not by readers of the titles
    import pandas as pd


# Imported by GX at its top level for one expectation this project never uses (the KL
# divergence's `stats.entropy` and its chart): ≈ 1.5 s of the ≈ 4.8 s import, measured.
GX_UNUSED_MODULES = ("scipy.stats", "altair")


class _LazyModule(types.ModuleType):
    """A stand-in in sys.modules until something reads an attribute it lacks: then the
    real module is imported (it replaces the stand-in in sys.modules) and the stand-in
    takes on its namespace, so a reference kept to the stand-in (`from scipy import
    stats`) works as the module. (importlib's LazyLoader would not do: on Python 3.11
    the import system's own `__spec__` check loads it at the next `import`.)"""

    def __getattr__(self, attr):
        name = self.__spec__.name
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def _lazy_module(name: str) -> None:
    """Put a `_LazyModule` for `name` in sys.modules (already imported: left as it is)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    module = _LazyModule(name)
    module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
    sys.modules[name] = module


def import_gx():
    """`great_expectations`, imported without loading `GX_UNUSED_MODULES` (each stays a
    `_LazyModule` until something uses it). Returns the `gx` module."""
    if "great_expectations" not in sys.modules:
        for name in GX_UNUSED_MODULES:
            _lazy_module(name)
    import great_expectations as gx

    return gx


@dataclass(frozen=True)
class TableSuite:
    table: str  # published name (tables/<AY>/<table>.parquet)
    mart: str  # warehouse table
    key: tuple[str, ...]  # one row per key
    shares: tuple[str, ...] = ()  # share columns, within [0, share_max]
    not_above: tuple[tuple[str, str], ...] = ()  # (numerator, denominator)
    registry_complete: bool = False  # every registry school present (or explained)
    count_flag: str | None = None  # count of schools with this flag, compared with last year
    title: str = ""


SUITES: tuple[TableSuite, ...] = (
    TableSuite("procedure_results", "mart_procedure_results", ("school_code", "ay", "procedure"),
               shares=("low_share_pct",), not_above=(("low_count", "participants"),),
               title="Результаты оценочных процедур"),
    TableSuite("shnor", "mart_shnor", ("school_code", "ay"), registry_complete=True, count_flag="is_shnor",
               title="Перечень ШНОР"),
    TableSuite("shvor", "mart_shvor", ("school_code", "ay"), registry_complete=True, count_flag="is_shvor",
               title="Перечень школ со стабильно высокими результатами"),
    TableSuite("risk_schools", "mart_risk_schools", ("school_code", "ay"),
               shares=("staff_load36_share_pct", "staff_no_diploma_share_pct", "contingent_share_pct",
                       "failing_share_pct"),
               not_above=(("teachers_load_36plus", "teachers_total"), ("teachers_no_subject_diploma", "teachers_total")),
               registry_complete=True, count_flag="is_risk", title="Рисковые школы"),
    # issue 14: the other assessments and ШНСУ
    TableSuite("assessment_results", "mart_assessment_results", ("school_code", "ay", "procedure"),
               shares=("low_share_pct", "mid_share_pct", "high_share_pct"),
               not_above=(("low_count", "participants"), ("high_count", "participants")),
               title="Результаты других оценочных процедур"),
    TableSuite("shnsu", "mart_shnsu", ("school_code", "ay"), registry_complete=True, count_flag="is_shnsu",
               title="Перечень ШНСУ"),
)

SUITE_BY_MART = {s.mart: s for s in SUITES}
TABLE_TITLES = {s.table: s.title for s in SUITES}

# Russian names of the columns the checks mention (the analyst reads the annex)
COLUMN_TITLES = {
    "school_code": "школа", "ay": "учебный год", "procedure": "процедура",
    "low_count": "низкие результаты («2» / порог не преодолён)", "participants": "участники",
    "low_share_pct": "доля низких результатов", "teachers_total": "учителей всего",
    "teachers_load_36plus": "учителей с нагрузкой 36 ч и более",
    "teachers_no_subject_diploma": "учителей без диплома по предмету",
    "staff_load36_share_pct": "доля учителей с нагрузкой 36 ч и более",
    "staff_no_diploma_share_pct": "доля учителей без диплома по предмету",
    "contingent_share_pct": "доля особых категорий обучающихся", "failing_share_pct": "доля неуспевающих",
    "is_shnor": "ШНОР", "is_shvor": "школы со стабильно высокими результатами", "is_risk": "рисковые школы",
    "mid_share_pct": "доля среднего уровня", "high_share_pct": "доля высокого уровня",
    "high_count": "высокий уровень", "is_shnsu": "ШНСУ",
}


def _ru(column: str) -> str:
    return COLUMN_TITLES.get(column, column)

SEVERITY_TITLES = {"error": "ошибка", "warning": "предупреждение"}


@dataclass
class QualityResult:
    table: str
    ay: int
    check: str  # Russian description of the expectation
    expectation: str  # GX expectation type
    column: str
    severity: str  # error | warning
    success: bool | None  # None: not evaluated (no data for the comparison)
    observed: str = ""
    unexpected_count: int = 0
    examples: list[str] = field(default_factory=list)


def _columns(con, mart: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE {mart}").fetchall()}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _num(column: str) -> str:
    """A value GX's pandas engine compares: not NULL and not NaN (pandas counts NaN as missing)."""
    c = f"{_ident(column)}::DOUBLE"
    return f"({c} IS NOT NULL AND NOT isnan({c}))"


def _evidence_sql(suite_def: TableSuite, mart: str, shares: list[str], pairs: list[tuple[str, str]],
                  columns: list[str], flag: str | None) -> str:
    """The rows GX has to see of one table's AY, found set-based: every row of a key that
    occurs more than once, every share outside [0, share_max], every numerator above its
    denominator (the expectations' own predicates; rows in table order), then — when the
    suite counts a flag — one row of the table's total of that flag, its other columns
    empty (every expectation but the sum ignores empty values). `$ay`, `$share_max`."""
    q = _ident
    key = ", ".join(q(k) for k in suite_def.key)
    broken = [f"count(*) OVER (PARTITION BY {key}) > 1"]
    broken += [f"({_num(c)} AND ({q(c)}::DOUBLE < 0 OR {q(c)}::DOUBLE > $share_max))" for c in shares]
    broken += [f"({_num(num)} AND {_num(den)} AND {q(den)}::DOUBLE < {q(num)}::DOUBLE)" for num, den in pairs]
    cols = ", ".join(q(c) for c in columns)
    rows = (f"SELECT _row, {cols}{', 0 AS ' + q(flag + '_n') if flag else ''} FROM ("
            f"SELECT rowid AS _row, {cols}, {' OR '.join(broken)} AS _broken FROM {mart} WHERE ay = $ay) WHERE _broken")
    if flag:
        rows += (f" UNION ALL SELECT NULL, {', '.join('NULL' for _ in columns)}, "
                 f"count(*) FILTER (WHERE coalesce({q(flag)}, false)) FROM {mart} WHERE ay = $ay")
    return f"SELECT * EXCLUDE (_row) FROM ({rows}) ORDER BY _row NULLS LAST"


def _missing(con, mart: str, ay: int, explained: set[str]) -> list[str]:
    """Registry schools (less the explained ones) without a row in the table's AY."""
    return [r[0] for r in con.execute(
        f"SELECT school_code FROM stg_schools WHERE NOT list_contains($explained::VARCHAR[], school_code) "
        f"EXCEPT SELECT school_code FROM {mart} WHERE ay = $ay ORDER BY 1",
        {"explained": sorted(explained), "ay": ay}).fetchall()]


def _count(con, mart: str, flag: str, ay: int) -> tuple[int, int]:
    """(schools with the flag, rows) in the table's AY."""
    n, rows = con.execute(f"SELECT count(*) FILTER (WHERE coalesce({_ident(flag)}, false)), count(*) FROM {mart} "
                          "WHERE ay = ?", [ay]).fetchone()
    return int(n), int(rows)


def _count_previous(con, mart: str, flag: str, ay: int) -> int | None:
    n, rows = _count(con, mart, flag, ay - 1)
    return n if rows else None


def plausible_range(prev: int, max_pct: float, max_schools: int) -> tuple[int, int]:
    """A count is plausible when within max(max_pct % of last year, max_schools) of it."""
    allowed = max(prev * max_pct / 100.0, float(max_schools))
    return max(0, int(prev - allowed)), int(prev + allowed)


def run_checkpoints(con, marts: list[tuple[str, int]], cfg, explained: dict | None = None) -> list[QualityResult]:
    """Validate every suite-covered mart of a cycle for its AY; one record per expectation.

    Great Expectations runs every expectation of a table in one checkpoint on one small
    frame, the table's *evidence* (`_evidence_sql`): DuckDB finds the rows that break a
    row-level rule with the expectation's own predicate and totals the counted flag, so
    what reaches pandas and GX grows with the violations, not with the table. The
    registry's set difference is DuckDB's too; GX is given the registry schools absent
    from the table as the set that must be present, so it fails exactly when one is
    absent. The records are those of validating the whole table: the element counts are
    the table's (`нарушений: U из N`), the examples the first unexpected rows in table
    order."""
    import logging

    gx = import_gx()
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # No per-context INFO lines («Created temporary directory … for ephemeral docs site»):
    # GX sets INFO on some of its module loggers itself, so the parent's level is not enough.
    for name in ["great_expectations", *logging.root.manager.loggerDict]:
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)

    q = cfg["quality"]
    share_max = float(q.get("share_max", 100.0))
    explained_codes = set(q.get("explained_absent_schools", [])) | set((explained or {}).keys())
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they would flood the run log
    source = context.data_sources.add_pandas(name="edumon")
    out: list[QualityResult] = []
    seen = set()
    for mart, ay in marts:
        suite_def = SUITE_BY_MART.get(mart)
        if suite_def is None or (mart, ay) in seen:
            continue
        seen.add((mart, ay))
        rows = con.execute(f"SELECT count(*) FROM {mart} WHERE ay = ?", [ay]).fetchone()[0]
        if not rows:
            out.append(QualityResult(suite_def.table, ay, "таблица не пуста", "expect_table_row_count_to_be_between",
                                     "", "warning", False, "0 строк: нет данных за этот год"))
            continue
        present = _columns(con, mart)
        shares = [c for c in suite_def.shares if c in present]
        pairs = [(num, den) for num, den in suite_def.not_above if num in present and den in present]
        specs = []  # (expectation, severity, Russian description, column)
        specs.append((gxe.ExpectCompoundColumnsToBeUnique(column_list=list(suite_def.key)), "error",
                      "одна строка на " + " × ".join(_ru(k) for k in suite_def.key), ", ".join(suite_def.key)))
        for c in shares:
            specs.append((gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=share_max),
                          "error", f"{_ru(c)}: в пределах [0; {share_max:g}]", c))
        for num, den in pairs:
            specs.append((gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=den, column_B=num, or_equal=True, ignore_row_if="either_value_is_missing"),
                "error", f"{_ru(num)} не больше, чем {_ru(den)}", f"{num} ≤ {den}"))
        missing: list[str] = []
        if suite_def.registry_complete:
            missing = _missing(con, mart, ay, explained_codes)
            specs.append((gxe.ExpectColumnDistinctValuesToContainSet(column="school_code", value_set=missing),
                          "error", "все школы реестра присутствуют (или отсутствие объяснено)", "school_code"))
        plaus = None
        flag = suite_def.count_flag if suite_def.count_flag in present else None
        if flag:
            prev = _count_previous(con, mart, flag, ay)
            if prev is None:
                plaus = QualityResult(suite_def.table, ay, f"число школ ({_ru(flag)}) правдоподобно по сравнению с прошлым годом",
                                      "expect_column_sum_to_be_between", flag, "warning", None,
                                      f"сейчас {_count(con, mart, flag, ay)[0]}, данных за прошлый год нет")
            else:
                lo, hi = plausible_range(prev, float(q["count_change_max_pct"]), int(q["count_change_max_schools"]))
                specs.append((gxe.ExpectColumnSumToBeBetween(column=f"{flag}_n", min_value=lo, max_value=hi),
                              "warning", f"число школ ({_ru(flag)}) правдоподобно по сравнению с прошлым годом "
                                         f"({prev}; допустимо {lo}–{hi})", flag))
        columns = list(dict.fromkeys([*suite_def.key, *shares, *(c for p in pairs for c in p),
                                      *(["school_code"] if suite_def.registry_complete else [])]))
        frame = _gx_frame(con.execute(_evidence_sql(suite_def, mart, shares, pairs, columns, flag),
                                      {"ay": ay, **({"share_max": share_max} if shares else {})}).df())
        asset = source.add_dataframe_asset(name=f"{suite_def.table}_{ay}")
        batch_def = asset.add_batch_definition_whole_dataframe(name="whole")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{suite_def.table}_{ay}"))
        for exp, _, _, _ in specs:
            suite.add_expectation(exp)
        vd = context.validation_definitions.add(gx.ValidationDefinition(
            name=f"{suite_def.table}_{ay}", data=batch_def, suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"{suite_def.table}_{ay}", validation_definitions=[vd],
            result_format={"result_format": "COMPLETE", "partial_unexpected_count": 5}))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        validation = next(iter(result.run_results.values()))
        for (exp, severity, text, column), r in zip(specs, _ordered(validation.results, specs)):
            res = dict(r.result or {})
            examples = res.get("partial_unexpected_list") or res.get("unexpected_list") or []
            if isinstance(exp, gxe.ExpectColumnDistinctValuesToContainSet):
                examples, observed = missing[:5], f"отсутствует школ: {len(missing)}" if missing else "все на месте"
                unexpected = len(missing)
            else:
                if "element_count" in res:
                    res["element_count"] = rows  # the evidence stands for the whole table
                observed = _observed(res)
                unexpected = int(res.get("unexpected_count") or 0)
            out.append(QualityResult(suite_def.table, ay, text, exp.expectation_type, column, severity,
                                     bool(r.success), observed, unexpected, [_short(e) for e in examples[:5]]))
        if plaus is not None:
            out.append(plaus)
    return out


def _ordered(results, specs):
    """GX returns results in suite order; match them by expectation type and kwargs to be safe."""
    by_id = {}
    for r in results:
        by_id.setdefault(r.expectation_config.type, []).append(r)
    out = []
    for exp, *_ in specs:
        cands = by_id.get(exp.expectation_type, [])
        kw = exp.configuration.kwargs
        match = next((r for r in cands if all(r.expectation_config.kwargs.get(k) == v for k, v in kw.items()
                                              if k in ("column", "column_A", "column_B", "column_list"))), cands[0])
        cands.remove(match)
        out.append(match)
    return out


def _gx_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy/object columns: list and map columns dropped, nullable types widened."""
    import pandas as pd

    keep = {}
    for c in df.columns:
        s = df[c]
        if s.dtype == object and len(s) and isinstance(s.dropna().iloc[0] if s.notna().any() else None,
                                                       (list, dict, tuple)):
            continue
        if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) == "boolean":
            keep[c] = s.astype(object)
        elif pd.api.types.is_numeric_dtype(s.dtype):
            keep[c] = s.astype("float64")
        else:
            keep[c] = s.astype(object)
    return pd.DataFrame(keep)


def _observed(res: dict) -> str:
    if "observed_value" in res and res["observed_value"] is not None:
        v = res["observed_value"]
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    if "unexpected_count" in res:
        return f"нарушений: {res.get('unexpected_count') or 0} из {res.get('element_count', '?')}"
    return ""


def _short(v) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={_short(x)}" for k, x in v.items())
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def store_results(con, run_id: str, cycle: str, results: list[QualityResult]) -> None:
    con.execute("""
        CREATE TABLE IF NOT EXISTS quality_results (
            run_id VARCHAR, cycle VARCHAR, ay INTEGER, table_name VARCHAR, check_text VARCHAR,
            expectation VARCHAR, column_name VARCHAR, severity VARCHAR, success BOOLEAN, observed VARCHAR,
            unexpected_count BIGINT, examples VARCHAR[], checked_at TIMESTAMP)""")
    now = datetime.now()
    con.execute("DELETE FROM quality_results WHERE run_id = ? AND cycle = ?", [run_id, cycle])
    if results:
        con.executemany("INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(run_id, cycle, r.ay, r.table, r.check, r.expectation, r.column, r.severity, r.success,
                          r.observed, r.unexpected_count, r.examples, now) for r in results])


def status(r: QualityResult) -> str:
    if r.success is None:
        return "не проверено"
    return "пройдена" if r.success else SEVERITY_TITLES.get(r.severity, r.severity)


def summary_counts(results: list[QualityResult]) -> dict:
    return {"total": len(results),
            "passed": sum(1 for r in results if r.success),
            "errors": sum(1 for r in results if r.success is False and r.severity == "error"),
            "warnings": sum(1 for r in results if r.success is False and r.severity == "warning"),
            "skipped": sum(1 for r in results if r.success is None)}


def to_json(results: list[QualityResult], run: dict, cycle: str, ay: int) -> bytes:
    body = {"run_id": run["run_id"], "definitions_version": run["definitions_version"], "cycle": cycle, "ay": ay,
            "summary": summary_counts(results), "results": [r.__dict__ for r in results]}
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8")


def to_markdown(results: list[QualityResult], cycle: str, ay: int) -> str:
    s = summary_counts(results)
    lines = [f"# Проверки качества: цикл «{cycle}», {ay}/{ay + 1}", "",
             f"Проверок {s['total']}: пройдено {s['passed']}, ошибок {s['errors']}, предупреждений "
             f"{s['warnings']}, не проверено {s['skipped']}.", "",
             "| Таблица | Год | Проверка | Столбец | Итог | Наблюдение | Примеры |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.table} | {r.ay} | {r.check} | {r.column} | {status(r)} | {r.observed} | "
                     f"{', '.join(r.examples)} |")
    return "\n".join(lines)


def render_html(results: list[QualityResult], run: dict, cycle: str, ay: int) -> bytes:
    """A self-contained page (inline CSS, no scripts, no CDN): readable offline."""
    s = summary_counts(results)
    e = html.escape
    rows = "\n".join(
        f"<tr class='{'ok' if r.success else ('skip' if r.success is None else r.severity)}'>"
        f"<td>{e(TABLE_TITLES.get(r.table, r.table))} <small>({e(r.table)})</small></td><td>{r.ay}</td><td>{e(r.check)}</td><td>{e(r.column)}</td>"
        f"<td>{e(status(r))}</td><td>{e(r.observed)}</td><td>{e(', '.join(r.examples))}</td></tr>"
        for r in results)
    page = f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>Проверки качества — {e(cycle)}, {ay}/{ay + 1}</title>
<style>
body {{ font-family: "Times New Roman", serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border: 1px solid #999; padding: 4px 6px; }}
th {{ background: #eee; }} tr.ok td:nth-child(5) {{ color: #176117; }}
tr.error td {{ background: #fbe3e3; }} tr.warning td {{ background: #fff4d6; }} tr.skip td {{ color: #666; }}
</style></head><body>
<h1>Проверки качества рассчитанных таблиц</h1>
<p>Цикл «{e(cycle)}», {ay}/{ay + 1} учебный год. Запуск {e(str(run['run_id']))}, методика
{e(str(run['definitions_version']))}. Проверок {s['total']}: пройдено {s['passed']}, ошибок {s['errors']},
предупреждений {s['warnings']}, не проверено {s['skipped']}.</p>
<table><thead><tr><th>Таблица</th><th>Год</th><th>Проверка</th><th>Столбец</th><th>Итог</th>
<th>Наблюдение</th><th>Примеры</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""
    return page.encode("utf-8")
