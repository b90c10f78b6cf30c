"""The indicator engine (sql/fragments/indicator_engine.sql) on hand-made facts, and the
`-- @include` composition of tasks/warehouse.py."""

from __future__ import annotations

import re

import duckdb
import pytest

from tasks.warehouse import _bind, expand_includes, model_sql

# Municipality m1, three indicators:
#   share   (kind schools): s1 hit, s2 no hit, s3 without data
#           denominator "all" = 3 schools → 1 / 3 = 33.33 %; "with_data" = 2 → 50.0 %
#   teachers (kind persons): s1 4 of 10, s2 6 of 20, s3 no data → 10 / 30 = 33.33 %
#   nothing (kind schools): only s3, without data → «нет данных: <hint>»
# and two frame rows without facts: `empty` (empty_reason applies) and `forced`.
FACTS = """
facts AS (
    SELECT * FROM (VALUES
        (2023, NULL::INTEGER, 'm1', 'share', 'schools', 's1', true, true, NULL::DOUBLE, NULL::DOUBLE,
         10.0::DOUBLE, 5.0::DOUBLE, ['a', 'b'], 'hint share'),
        (2023, NULL, 'm1', 'share', 'schools', 's2', true, false, NULL, NULL, NULL, NULL, ['a'], 'hint share'),
        (2023, NULL, 'm1', 'share', 'schools', 's3', false, false, NULL, NULL, NULL, NULL, [], 'hint share'),
        (2023, NULL, 'm1', 'teachers', 'persons', 's1', true, false, 4, 10, NULL, NULL, [], 'hint t'),
        (2023, NULL, 'm1', 'teachers', 'persons', 's2', true, false, 6, 20, NULL, NULL, [], 'hint t'),
        (2023, NULL, 'm1', 'teachers', 'persons', 's3', false, false, NULL, NULL, NULL, NULL, [], 'hint t'),
        (2023, NULL, 'm1', 'nothing', 'schools', 's3', false, false, NULL, NULL, NULL, NULL, [], 'отчёт X')
    ) t(ay, half, municipality_code, indicator_code, kind, school_code, has_data, hit, num, den,
        prev_pct, cur_pct, factors, source_hint)
),
frame AS (
    SELECT 2023 AS ay, NULL::INTEGER AS half, 'm1' AS municipality_code, code AS indicator_code,
           CASE WHEN code = 'forced' THEN 'нет источника' END AS forced_reason,
           'пустая совокупность' AS empty_reason
    FROM (SELECT unnest(['share', 'teachers', 'nothing', 'empty', 'forced']) AS code)
),
-- @include indicator_engine
SELECT indicator_code, numerator, denominator, value_pct, status, no_data_reason,
       listed_schools, nodata_schools, details, factor_counts
FROM engine_rows ORDER BY indicator_code
"""


def _run(denominator: str) -> dict[str, dict]:
    sql = expand_includes("WITH " + FACTS)
    con = duckdb.connect()
    cur = con.execute(sql, _bind(sql, {"monitoring_denominator": denominator}))
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}


def test_engine_shares_persons_and_reasons():
    rows = _run("all")
    share = rows["share"]
    assert (share["numerator"], share["denominator"], share["value_pct"], share["status"]) == (1, 3, 33.33, "ok")
    assert share["listed_schools"] == ["s1"] and share["nodata_schools"] == ["s3"]
    assert share["details"] == [{"school_code": "s1", "prev_pct": 10.0, "cur_pct": 5.0}]
    # factors are counted over the schools with a hit only (s1: a, b; s2 has no hit)
    assert share["factor_counts"] == [{"factor": "a", "schools": 1}, {"factor": "b", "schools": 1}]
    teachers = rows["teachers"]
    assert (teachers["numerator"], teachers["denominator"], teachers["value_pct"]) == (10, 30, 33.33)
    assert teachers["listed_schools"] == ["s1", "s2"]
    assert rows["nothing"]["status"] == "no_data"
    assert rows["nothing"]["no_data_reason"] == "нет данных: отчёт X"
    assert rows["nothing"]["numerator"] is None and rows["nothing"]["value_pct"] is None
    assert rows["empty"]["no_data_reason"] == "пустая совокупность"
    assert rows["forced"]["no_data_reason"] == "нет источника"


def test_engine_denominator_with_data():
    share = _run("with_data")["share"]
    assert (share["numerator"], share["denominator"], share["value_pct"]) == (1, 2, 50.0)


def test_include_is_expanded_and_parameters_stay_bound():
    sql = model_sql("mart_shnor_monitoring")
    assert re.search(r"^--\s*@include", sql, re.MULTILINE) is None and "engine_rows AS (" in sql
    assert "$monitoring_denominator" in sql
    for name in ("mart_risk_monitoring", "mart_project_500plus", "int_prevention_indicators"):
        assert "engine_agg AS (" in model_sql(name)


def test_nested_include_is_refused(tmp_path, monkeypatch):
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "outer.sql").write_text("-- @include inner\n", encoding="utf-8")
    monkeypatch.setattr("tasks.warehouse.SQL_DIR", tmp_path)
    with pytest.raises(ValueError, match="nested"):
        expand_includes("-- @include outer\nSELECT 1")
