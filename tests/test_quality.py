"""Quality checkpoints (Great Expectations, ephemeral context) on the computed tables:
a mart spoiled by hand must fail exactly the expectations it breaks, and the results
render offline (no CDN) for publishing."""

from __future__ import annotations

import json

import pytest

from schemas import quality
from tests.helpers import compute, write_csv

AY = 2023


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "short_name": c, "municipality_code": "mo1",
         "municipality_name": "Город"} for c in ("a1", "b2", "c3")])
    stats = lambda code, s, n, m2: {"school_code": code, "grade": 5, "subject": s, "participants": n,
                                    "mark2": m2, "mark3": n - m2, "mark4": 0, "mark5": 0}
    # a1: maths 8/20 = 40 % and Russian 6/20 = 30 % «2» in 2022 → two low procedures → ШНОР 2023
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        stats("a1", "math", 20, 8), stats("a1", "russian", 20, 6), stats("b2", "math", 20, 1)])
    con, cfg = compute(root, root / "w.duckdb", "september", AY, overrides={
        "quality": {"count_change_max_pct": 50.0, "count_change_max_schools": 0}})
    # last year's list: the three schools, none ШНОР → 0 schools; allowed change
    # max(0 × 50 %, 0 schools) = 0, so this year's count must be 0…0
    con.execute("INSERT INTO mart_shnor SELECT * REPLACE (2022 AS ay, false AS is_shnor) FROM mart_shnor "
                "WHERE ay = 2023")
    # spoil 2023: a1 twice (count of ШНОР becomes 2), c3 gone from the list
    con.execute("INSERT INTO mart_shnor SELECT * FROM mart_shnor WHERE ay = 2023 AND school_code = 'a1'")
    con.execute("DELETE FROM mart_shnor WHERE ay = 2023 AND school_code = 'c3'")
    results = quality.run_checkpoints(con, [("mart_shnor", AY), ("mart_procedure_results", AY - 1)], cfg)
    con.close()
    return results


def _one(results, table, expectation):
    [r] = [r for r in results if r.table == table and r.expectation == expectation]
    return r


def test_duplicate_school_fails_one_row_per_school_and_year(spoiled):
    r = _one(spoiled, "shnor", "expect_compound_columns_to_be_unique")
    assert (r.success, r.severity, r.unexpected_count) == (False, "error", 2)  # both a1 rows
    assert all("a1" in e for e in r.examples)


def test_registry_school_missing_from_the_list_is_named(spoiled):
    r = _one(spoiled, "shnor", "expect_column_distinct_values_to_contain_set")
    assert (r.success, r.examples, r.observed) == (False, ["c3"], "отсутствует школ: 1")


def test_implausible_change_of_the_shnor_count_is_a_warning(spoiled):
    r = _one(spoiled, "shnor", "expect_column_sum_to_be_between")
    assert (r.success, r.severity, r.observed) == (False, "warning", "2")
    assert "(0; допустимо 0–0)" in r.check


def test_clean_procedure_results_pass_shares_and_numerators(spoiled):
    # 2022: a1 maths 8 ≤ 20 (40 %), a1 Russian 6 ≤ 20 (30 %), b2 maths 1 ≤ 20 (5 %)
    for exp in ("expect_compound_columns_to_be_unique", "expect_column_values_to_be_between",
                "expect_column_pair_values_a_to_be_greater_than_b"):
        r = _one(spoiled, "procedure_results", exp)
        assert r.success is True and r.observed == "нарушений: 0 из 3", r


def test_plausible_range_is_the_larger_of_share_and_schools():
    # 20 last year, 50 % → ±10 (more than 3 schools): 10…30
    assert quality.plausible_range(20, 50.0, 3) == (10, 30)
    # 2 last year, 50 % → ±1, but 3 schools allowed: 0…5
    assert quality.plausible_range(2, 50.0, 3) == (0, 5)


def test_results_render_offline_and_as_json(spoiled):
    run = {"run_id": "r1", "definitions_version": "v"}
    page = quality.render_html(spoiled, run, "september", AY).decode()
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "<td>c3</td>" in page
    body = json.loads(quality.to_json(spoiled, run, "september", AY))
    assert body["summary"] == quality.summary_counts(spoiled)
    assert body["summary"]["errors"] == 2 and body["summary"]["warnings"] == 1
