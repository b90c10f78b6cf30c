"""ШВОР, schools with stably high results (seed 000 п. 19, seed 004; thresholds in [shvor]).

Every expected figure is worked out here by hand. September of AY 2023: the list reads the
ВПР of AY 2022 and AY 2021. Default rule: in both years, no ШНОР procedure low and the
share of «4»+«5» at or above the municipality's share of the same procedures.

AY 2022, ВПР maths grade 5, municipality mo01 (20 participants each):
    h_exact   «4»+«5» 10/20 = 50 %     h_high 16/20 = 80 %     h_low45 0/20 = 0 %
    h_lowproc 14/20 = 70 % but 6/20 = 30 % «2» → the procedure is low
    h_oneyear 10/20 = 50 %, no results in 2021
    municipality: (10 + 16 + 0 + 14 + 10) / 100 = 50 %  → h_exact exactly at it
AY 2021, ВПР Russian grade 6, mo01 (10 participants each):
    h_exact 5/10 = 50 %   h_high 8/10   h_lowproc 7/10   h_low45 0/10
    municipality: (5 + 8 + 7 + 0) / 40 = 50 %  → h_exact exactly at it again
Municipality mo02: k_top 8/20 = 40 % and 4/10 = 40 %, k_bot 0/20 and 0/10, so the
municipality's share is 20 % both years and k_top (40 %, below mo01's 50 %) is ШВОР of its own
municipality. No results in 2020, so nobody was ШВОР for 2022: every ШВОР has «entered».
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023

SCHOOLS = [("h_exact", "mo01"), ("h_high", "mo01"), ("h_low45", "mo01"), ("h_lowproc", "mo01"),
           ("h_oneyear", "mo01"), ("k_top", "mo02"), ("k_bot", "mo02")]


def vpr(code, grade, subject, m2, m3, m4, m5):
    return {"school_code": code, "grade": grade, "subject": subject, "participants": m2 + m3 + m4 + m5,
            "mark2": m2, "mark3": m3, "mark4": m4, "mark5": m5}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}", "municipality_code": m,
         "municipality_name": {"mo01": "Первый округ", "mo02": "Второй округ"}[m]} for c, m in SCHOOLS])
    write_csv(root / "2022" / "vpr_stats" / "stats.csv", [
        vpr("h_exact", 5, "math", 2, 8, 6, 4),
        vpr("h_high", 5, "math", 0, 4, 8, 8),
        vpr("h_low45", 5, "math", 2, 18, 0, 0),
        vpr("h_lowproc", 5, "math", 6, 0, 7, 7),
        vpr("h_oneyear", 5, "math", 0, 10, 5, 5),
        vpr("k_top", 5, "math", 0, 12, 4, 4),
        vpr("k_bot", 5, "math", 4, 16, 0, 0),
    ])
    write_csv(root / "2021" / "vpr_stats" / "stats.csv", [
        vpr("h_exact", 6, "russian", 0, 5, 3, 2),
        vpr("h_high", 6, "russian", 0, 2, 4, 4),
        vpr("h_lowproc", 6, "russian", 0, 3, 4, 3),
        vpr("h_low45", 6, "russian", 1, 9, 0, 0),
        vpr("k_top", 6, "russian", 0, 6, 2, 2),
        vpr("k_bot", 6, "russian", 0, 10, 0, 0),
    ])
    return root


def shvor(inbox, warehouse, overrides=None):
    con, _ = compute(inbox, warehouse, "september", AY, overrides)
    try:
        return {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shvor WHERE ay = ?", AY)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def default(inbox, tmp_path_factory):
    return shvor(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb")


def test_school_exactly_at_the_municipality_share_is_shvor(default):
    r = default["h_exact"]
    assert r["is_shvor"] and r["list_change"] == "entered"
    assert (r["participants_prev"], r["good_count_prev"], r["good_share_pct_prev"],
            r["municipality_good_share_pct_prev"]) == (20, 10, 50.0, 50.0)
    assert (r["participants_prev2"], r["good_count_prev2"], r["good_share_pct_prev2"],
            r["municipality_good_share_pct_prev2"]) == (10, 5, 50.0, 50.0)


def test_the_list_is_exactly_the_hand_worked_one(default):
    assert sorted(c for c, r in default.items() if r["is_shvor"]) == ["h_exact", "h_high", "k_top"]
    assert len(default) == len(SCHOOLS)  # every registry school has a row


def test_a_low_procedure_excludes_a_school_with_many_good_marks(default):
    r = default["h_lowproc"]
    assert not r["is_shvor"] and r["low_procedures_prev"] == ["vpr_math_5"]
    assert r["good_share_pct_prev"] == 70.0


def test_one_year_of_results_is_not_stable(default):
    r = default["h_oneyear"]
    assert not r["is_shvor"] and r["good_share_pct_prev"] == 50.0 and r["participants_prev2"] is None


def test_the_comparison_is_with_the_schools_own_municipality(default):
    assert default["k_top"]["municipality_good_share_pct_prev"] == 20.0
    assert default["k_top"]["good_share_pct_prev"] == 40.0 and default["k_top"]["is_shvor"]
    assert not default["k_bot"]["is_shvor"]


def test_margin_is_a_parameter(inbox, tmp_path):
    strict = shvor(inbox, tmp_path / "w.duckdb", {"shvor": {"margin_pp": 0.1}})
    # 50 % is no longer ≥ 50 % + 0,1 п.п.; 80 % and 40 % (against 20 %) still are
    assert sorted(c for c, r in strict.items() if r["is_shvor"]) == ["h_high", "k_top"]
