"""The quality checkpoint validates what DuckDB finds of a table (the rows breaking a
rule, the table's totals), not the table: the records are those of the whole table
(hand-worked below), and what GX is given does not grow with the clean rows."""

from __future__ import annotations

import duckdb
import pytest

from schemas import quality

CFG = {"quality": {"share_max": 100.0, "count_change_max_pct": 50.0, "count_change_max_schools": 1,
                   "explained_absent_schools": []}}


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE stg_schools AS SELECT * FROM (VALUES ('a1'), ('b2'), ('c3'), ('d4')) t(school_code)")
    con.execute("CREATE TABLE mart_procedure_results (school_code VARCHAR, ay INTEGER, procedure VARCHAR, "
                "participants BIGINT, low_count BIGINT, low_share_pct DOUBLE)")
    # rows in table order; 1000 clean rows of other schools in between
    con.execute("""INSERT INTO mart_procedure_results VALUES
        ('a1', 2022, 'math', 20, 8, 40.0),          -- clean
        ('a1', 2022, 'rus', 20, 25, 125.0)           -- share above 100 and 25 > 20
        """)
    con.execute("INSERT INTO mart_procedure_results SELECT 'z' || i, 2022, 'math', 10, 1, 10.0 FROM range(1000) t(i)")
    con.execute("""INSERT INTO mart_procedure_results VALUES
        ('b2', 2022, 'math', 10, 1, 'NaN'::DOUBLE),  -- NaN: missing to GX, not a violation
        ('b2', 2022, 'math', NULL, 3, -1.0),         -- same key as the row above; share below 0;
                                                     -- the pair is skipped (participants missing)
        ('c3', 2022, 'math', 15, 0, 0.0),            -- boundaries are inside
        ('c3', 2022, 'rus', 15, 15, 100.0)
        """)
    con.execute("CREATE TABLE mart_shnor (school_code VARCHAR, ay INTEGER, is_shnor BOOLEAN)")
    con.execute("""INSERT INTO mart_shnor VALUES
        ('a1', 2022, false), ('b2', 2022, false), ('c3', 2022, false), ('d4', 2022, false),
        ('a1', 2023, true), ('b2', 2023, NULL), ('d4', 2023, true)""")   # c3 absent in 2023
    yield con
    con.close()


def _one(results, table, expectation):
    [r] = [r for r in results if r.table == table and r.expectation == expectation]
    return r


def test_row_rules_are_those_of_the_whole_table(con):
    results = quality.run_checkpoints(con, [("mart_procedure_results", 2022)], CFG)
    # 2 + 1000 + 4 = 1006 rows
    r = _one(results, "procedure_results", "expect_compound_columns_to_be_unique")
    assert (r.success, r.unexpected_count, r.observed) == (False, 2, "нарушений: 2 из 1006")
    assert r.examples == ["school_code=b2, ay=2022, procedure=math"] * 2
    r = _one(results, "procedure_results", "expect_column_values_to_be_between")
    # 125 and −1 (NaN and NULL are missing, 0 and 100 inside), in table order
    assert (r.success, r.unexpected_count, r.observed, r.examples) == (False, 2, "нарушений: 2 из 1006", ["125", "-1"])
    r = _one(results, "procedure_results", "expect_column_pair_values_a_to_be_greater_than_b")
    assert (r.success, r.unexpected_count, r.observed) == (False, 1, "нарушений: 1 из 1006")  # a1 rus: 25 > 20
    assert [x.success for x in results] == [False, False, False]


def test_gx_sees_the_violations_not_the_clean_rows(con):
    suite = quality.SUITE_BY_MART["mart_procedure_results"]
    sql = quality._evidence_sql(suite, "mart_procedure_results", ["low_share_pct"], [("low_count", "participants")],
                                ["school_code", "ay", "procedure", "low_share_pct", "low_count", "participants"], None)
    rows = con.execute(sql, {"ay": 2022, "share_max": 100.0}).fetchall()
    # a1 rus (share, pair), both b2 math (key twice; one share −1): 3 of the 1006 rows
    assert [(r[0], r[3]) for r in rows][0] == ("a1", 125.0)
    assert [r[0] for r in rows] == ["a1", "b2", "b2"]


def test_registry_and_count_on_the_totals(con):
    results = quality.run_checkpoints(con, [("mart_shnor", 2023)], CFG)
    r = _one(results, "shnor", "expect_column_distinct_values_to_contain_set")
    assert (r.success, r.examples, r.observed, r.unexpected_count) == (False, ["c3"], "отсутствует школ: 1", 1)
    # 2022: 0 ШНОР; allowed max(0 × 50 %, 1 school) = 1 → 0…1; 2023: a1 and d4 (b2 NULL is not ШНОР) = 2
    r = _one(results, "shnor", "expect_column_sum_to_be_between")
    assert (r.success, r.severity, r.observed) == (False, "warning", "2")
    assert "(0; допустимо 0–1)" in r.check
    r = _one(results, "shnor", "expect_compound_columns_to_be_unique")
    assert (r.success, r.observed) == (True, "нарушений: 0 из 3")
    suite = quality.SUITE_BY_MART["mart_shnor"]
    rows = con.execute(quality._evidence_sql(suite, "mart_shnor", [], [], ["school_code", "ay"], "is_shnor"),
                       {"ay": 2023}).fetchall()
    assert rows == [(None, None, 2)]   # no row breaks a rule: only the totals row


def test_explained_absence_passes(con):
    results = quality.run_checkpoints(con, [("mart_shnor", 2023)], CFG, explained={"c3": "закрыта"})
    r = _one(results, "shnor", "expect_column_distinct_values_to_contain_set")
    assert (r.success, r.examples, r.observed) == (True, [], "все на месте")
