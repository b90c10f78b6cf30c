"""September monitoring on a hand-made inbox: ШНОР monitoring (seed 003 §2.3), risk-school
monitoring (§3.3, with the same-cohort ВПР comparison) and project 500+ (seed 004).

The cycle is September of AY 2023, which monitors AY 2022 against AY 2021 (SPEC §3.2).
Every expected figure is worked out here by hand.

Registry (one municipality, 5 schools):
  sA — ШНОР 2022 by criterion 1: ВПР maths 5 and Russian 5 of 2021 at 10/20 = 50 %.
  sB — ШНОР 2022 by criterion 2: ВПР maths 6 low in 2021 (8/20 = 40 %) and 2020 (6/20 = 30 %).
  sC — not ШНОР (ВПР maths 5 of 2021 at 1/20 = 5 %).
  sD — not ШНОР, no results for the list.
  sE — ШНОР 2021 (maths 5 and Russian 5 of 2020 at 50 %), nothing low in 2021 → left in 2022.
So the ШНОР of 2022 are {sA, sB}; of 2021 {sE}.
"""

from __future__ import annotations

import pytest

from edumon.config import load_config
from tasks import indicators
from tests.helpers import compute, rows, write_csv

SCHOOLS = ["sA", "sB", "sC", "sD", "sE"]


def vpr(code, grade, subject, n, m2):
    return {"school_code": code, "grade": grade, "subject": subject, "participants": n,
            "mark2": m2, "mark3": n - m2, "mark4": 0, "mark5": 0}


def gia(code, exam, subject, n, failed, tag):
    return [{"participant_id": f"{code}-{exam}-{subject}-{tag}-{i}", "school_code": code, "exam": exam,
             "subject": subject, "period": "main", "is_retake": "нет", "category": "current",
             "passed_min": "нет" if i < failed else "да"} for i in range(n)]


def context(code, **over):
    row = {"school_code": code, "internet_stable": "да", "computers_enough": "да", "lab_physics": "да",
           "lab_chemistry": "да", "lab_biology": "да", "lab_geography": "да", "lab_technology": "да",
           "teachers_total": 20, "teachers_load_36plus": 0, "teachers_no_subject_diploma": 0,
           "students_total": 100, "students_registered": 0, "students_ovz": 0,
           "students_foreign_language": 0, "students_absent_systematic": 0, "students_failing": 0}
    row.update(over)
    return row


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}",
         "municipality_code": "mo01", "municipality_name": "Тестовый округ"} for c in SCHOOLS])

    write_csv(root / "2020" / "vpr_stats" / "s.csv", [
        vpr("sB", 6, "math", 20, 6),                                  # 30 % → low
        vpr("sE", 5, "math", 20, 10), vpr("sE", 5, "russian", 20, 10),  # 50 %, 50 % → sE ШНОР 2021
    ])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [
        vpr("sA", 5, "math", 20, 10), vpr("sA", 5, "russian", 20, 10),  # 50 %, 50 % → sA ШНОР 2022
        vpr("sB", 6, "math", 20, 8),                                   # 40 % → sB ШНОР 2022 (criterion 2)
        vpr("sC", 5, "math", 20, 1),
        vpr("sE", 5, "math", 20, 1),                                   # 5 %: sE leaves the list
        # grade 4 of 2021: the cohort's starting point (3.3.3)
        vpr("sA", 4, "math", 20, 5),   # 25 %
        vpr("sB", 4, "math", 20, 2),   # 10 %; no grade 5 in 2022 → no pair
        vpr("sC", 4, "math", 30, 3),   # 10 %
    ])
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        vpr("sA", 5, "math", 20, 2),   # 10 % < 25 % → the «2» share fell
        vpr("sC", 5, "math", 25, 4),   # 16 % > 10 % → rose
        vpr("sD", 4, "math", 20, 10),  # grade 4 and grade 5 of the SAME year: not a cohort pair
        vpr("sD", 5, "math", 20, 1),
    ])
    # ГИА maths (ОГЭ + ЕГЭ base pooled):
    #   sA 2021: ОГЭ 4/10 + ЕГЭ base 1/5 fail = 5/15 = 33.3 %; 2022: 2/10 + 0/5 = 2/15 = 13.3 % → fell
    #   sB 2021: ОГЭ 2/10 = 20 %; 2022: 3/10 = 30 % → rose
    #   sC 2022: ОГЭ 0/8 fail (not ШНОР; counts for 3.3.3 «no unsatisfactory ОГЭ maths»)
    write_csv(root / "2021" / "gia" / "g.csv",
              gia("sA", "oge", "math", 10, 4, "21") + gia("sA", "ege", "math_base", 5, 1, "21")
              + gia("sB", "oge", "math", 10, 2, "21"))
    write_csv(root / "2022" / "gia" / "g.csv",
              gia("sA", "oge", "math", 10, 2, "22") + gia("sA", "ege", "math_base", 5, 0, "22")
              + gia("sB", "oge", "math", 10, 3, "22") + gia("sC", "oge", "math", 8, 0, "22"))
    # КДР: sA 2021 grades 4 and 6: (8 + 2) / (20 + 20) = 25 %; 2022 grades 4 and 7:
    # (4 + 4) / (20 + 20) = 20 % → fell. Grade 5 (20/20 below basic) is not among 4, 6, 7, 8.
    rdr = lambda code, g, n, below: {"school_code": code, "grade": g, "subject": "math", "participants": n,
                                     "below_basic": below, "basic": n - below, "advanced": 0}
    write_csv(root / "2021" / "rdr" / "r.csv", [rdr("sA", 4, 20, 8), rdr("sA", 6, 20, 2)])
    write_csv(root / "2022" / "rdr" / "r.csv", [rdr("sA", 4, 20, 4), rdr("sA", 7, 20, 4), rdr("sA", 5, 20, 20)])
    # staff monitoring of 2022 (August)
    write_csv(root / "2022" / "staff" / "s.csv", [
        {"school_code": "sA", "teachers_total": 20, "diag_subject": 10, "diag_method": 5, "diag_psych": 0,
         "supported": 15, "in_regional_network": 2, "in_municipal_mo": 20, "with_iom": 4,
         "events_participated": "да", "productive_participation": "нет", "municipal_internship_site": "нет",
         "regional_internship_site": "нет", "leaders_total": 3, "leaders_pd": 2, "teachers_pd": 10,
         "teachers_webinars": 20, "teachers_seminars": 5},
        {"school_code": "sB", "teachers_total": 30, "diag_subject": 6, "diag_method": 0, "diag_psych": 3,
         "supported": 15, "in_regional_network": 0, "in_municipal_mo": 10, "with_iom": 2,
         "events_participated": "нет", "leaders_total": 2, "leaders_pd": 2, "teachers_pd": 15,
         "teachers_webinars": 0, "teachers_seminars": 5},
        {"school_code": "sC", "teachers_total": 50, "diag_subject": 50, "municipal_internship_site": "да",
         "regional_internship_site": "да"},
        {"school_code": "sD", "teachers_total": 10, "municipal_internship_site": "да",
         "regional_internship_site": "нет"},
    ])
    # context surveys for the October lists of 2021 and 2022:
    #   2021: sA material «нет» (internet), sB staff 3/20 = 15 % > 10 %  → risk {sA, sB}
    #   2022: sA all fine (risk eliminated), sB staff still 15 %, sC lab physics «нет» → risk {sB, sC}
    #   sE has no survey in either year (no data for the deficit flags)
    write_csv(root / "2021" / "context" / "c.csv", [
        context("sA", internet_stable="нет"), context("sB", teachers_load_36plus=3), context("sC"), context("sD")])
    write_csv(root / "2022" / "context" / "c.csv", [
        context("sA"), context("sB", teachers_load_36plus=3), context("sC", lab_physics="нет"), context("sD")])
    # prevention reports of 2022: sB (risk) has a prevention system, sC (risk) has not
    write_csv(root / "2022" / "prevention" / "p.csv", [
        {"school_code": "sB", "half": 2, "has_prevention_system": "да"},
        {"school_code": "sC", "half": 2, "has_prevention_system": "нет"},
    ])
    return root


@pytest.fixture(scope="module")
def con(inbox, tmp_path_factory):
    wh = tmp_path_factory.mktemp("wh") / "w.duckdb"
    # calendar order, as a backfill runs it: the October lists of 2021 and 2022, then September 2023
    compute(inbox, wh, "october", 2021)
    c, _ = compute(inbox, wh, "october", 2022)
    c.close()
    c, _ = compute(inbox, wh, "september", 2023)
    yield c
    c.close()


def indicator(con, mart, code, ay=2022):
    [r] = rows(con, f"SELECT * FROM {mart} WHERE ay = ? AND indicator_code = ?", ay, code)
    return r


def test_shnor_list_of_the_monitored_year_is_computed_without_its_september_run(con):
    got = rows(con, "SELECT ay, school_code FROM int_shnor_list WHERE is_shnor AND ay IN (2021, 2022) "
                    "ORDER BY ay, school_code")
    assert [(r["ay"], r["school_code"]) for r in got] == [(2021, "sE"), (2022, "sA"), (2022, "sB")]


def test_gia_maths_dynamics_counts_shnor_whose_unsatisfactory_share_fell(con):
    r = indicator(con, "mart_shnor_monitoring", "shnor_gia_math_dynamics")
    # sA 33.3 % → 13.3 % (fell), sB 20 % → 30 % (rose): 1 of the 2 ШНОР = 50 %
    assert (r["numerator"], r["denominator"], r["value_pct"], r["status"]) == (1, 2, 50.0, "ok")
    assert list(r["schools"]) == ["sA"]
    details = {d["school_code"]: (d["prev_pct"], d["cur_pct"]) for d in r["details"]}
    assert details == {"sA": (33.33, 13.33), "sB": (20.0, 30.0)}


def test_gia_russian_without_results_is_no_data_not_zero(con):
    r = indicator(con, "mart_shnor_monitoring", "shnor_gia_russian_dynamics")
    assert r["status"] == "no_data" and r["value_pct"] is None and r["numerator"] is None
    assert "ГИА" in r["no_data_reason"]


def test_rdr_dynamics_pools_grades_4_6_7_8_only(con):
    r = indicator(con, "mart_shnor_monitoring", "shnor_rdr_dynamics")
    # sA 25 % → 20 % (grade 5 excluded; with it 2022 would be 28/60 = 46.7 %): 1 of 2 ШНОР;
    # sB has no КДР: listed as without data, still in the seed's denominator «от общего числа ШНОР»
    assert (r["numerator"], r["denominator"], r["value_pct"]) == (1, 2, 50.0)
    assert list(r["schools_no_data"]) == ["sB"]


def test_teacher_shares_sum_teachers_over_shnor(con):
    got = {code: (indicator(con, "mart_shnor_monitoring", code)["numerator"],
                  indicator(con, "mart_shnor_monitoring", code)["denominator"],
                  indicator(con, "mart_shnor_monitoring", code)["value_pct"])
           for code in ("shnor_teachers_diag_subject", "shnor_teachers_diag_method", "shnor_teachers_diag_psych",
                        "shnor_teachers_supported", "shnor_teachers_regional_network",
                        "shnor_teachers_municipal_mo", "shnor_teachers_iom")}
    # teachers of the ШНОР: 20 (sA) + 30 (sB) = 50; sC's 50 diagnosed teachers do not count
    assert got == {
        "shnor_teachers_diag_subject": (16, 50, 32.0),      # 10 + 6
        "shnor_teachers_diag_method": (5, 50, 10.0),        # 5 + 0
        "shnor_teachers_diag_psych": (3, 50, 6.0),          # 0 + 3
        "shnor_teachers_supported": (30, 50, 60.0),         # 15 + 15
        "shnor_teachers_regional_network": (2, 50, 4.0),    # 2 + 0
        "shnor_teachers_municipal_mo": (30, 50, 60.0),      # 20 + 10
        "shnor_teachers_iom": (6, 50, 12.0),                # 4 + 2
    }


def test_school_shares_and_internship_site_counts(con):
    ev = indicator(con, "mart_shnor_monitoring", "shnor_schools_events")
    assert (ev["numerator"], ev["denominator"], ev["value_pct"], list(ev["schools"])) == (1, 2, 50.0, ["sA"])
    pr = indicator(con, "mart_shnor_monitoring", "shnor_schools_productive")
    # sA «нет», sB left empty: 0 of 2, a real zero (sA answered), sB listed as without data
    assert (pr["numerator"], pr["denominator"], pr["value_pct"], pr["status"]) == (0, 2, 0.0, "ok")
    assert list(pr["schools_no_data"]) == ["sB"]
    # sites count over all schools of the municipality: municipal sC, sD → 2; regional sC → 1
    assert indicator(con, "mart_shnor_monitoring", "municipal_internship_sites")["value"] == 2
    assert indicator(con, "mart_shnor_monitoring", "regional_internship_sites")["value"] == 1


def test_risks_found_and_eliminated_from_the_october_lists(con):
    found = indicator(con, "mart_risk_monitoring", "risk_found")
    # 2022 risk: sB (staff), sC (material) of 5 schools of the city = 40 %
    assert (found["numerator"], found["denominator"], found["value_pct"]) == (2, 5, 40.0)
    assert list(found["schools"]) == ["sB", "sC"]
    assert {f["factor"]: f["schools"] for f in found["factors"]} == {"material": 1, "staff": 1}
    gone = indicator(con, "mart_risk_monitoring", "risk_eliminated")
    # risk in 2021 (sA, sB), not in 2022: sA → 1 of 5 = 20 %; its eliminated section: material
    assert (gone["numerator"], gone["denominator"], gone["value_pct"], list(gone["schools"])) == (1, 5, 20.0, ["sA"])
    assert [f["factor"] for f in gone["factors"]] == ["material"]
    prev = indicator(con, "mart_risk_monitoring", "risk_prevention_organised")
    # risk schools of 2022 with a prevention system: sB (sC has none) → 1 of 5 = 20 %
    assert (prev["numerator"], prev["value_pct"], list(prev["schools"])) == (1, 20.0, ["sB"])


def test_resource_deficits_found_and_eliminated(con):
    found = indicator(con, "mart_risk_monitoring", "resource_deficits_found")
    # material or staff flag in 2022: sB (staff), sC (material): 2 of 5; sE has no survey
    assert (found["numerator"], found["denominator"], found["value_pct"]) == (2, 5, 40.0)
    assert list(found["schools_no_data"]) == ["sE"]
    assert {f["factor"]: f["schools"] for f in found["factors"]} == {"material": 1, "staff": 1, "lab_physics": 1}
    gone = indicator(con, "mart_risk_monitoring", "resource_deficits_eliminated")
    # deficit in 2021 (sA material, sB staff), none in 2022: sA → 1 of 5
    assert (gone["numerator"], gone["value_pct"], list(gone["schools"])) == (1, 20.0, ["sA"])


def test_same_cohort_compares_grade_4_of_last_year_with_grade_5_of_this_year(con):
    r = indicator(con, "mart_risk_monitoring", "cohort_vpr_math")
    # pairs: sA 25 % (4th, 2021) → 10 % (5th, 2022) fell; sC 10 % → 16 % rose.
    # sB has no grade 5 in 2022, sD's grades 4 and 5 are both 2022 (not a cohort): no pair.
    assert (r["numerator"], r["denominator"], r["value_pct"], list(r["schools"])) == (1, 5, 20.0, ["sA"])
    assert {d["school_code"]: (d["prev_pct"], d["cur_pct"]) for d in r["details"]} == {
        "sA": (25.0, 10.0), "sC": (10.0, 16.0)}
    assert list(r["schools_no_data"]) == ["sB", "sD", "sE"]
    ru = indicator(con, "mart_risk_monitoring", "cohort_vpr_russian")
    assert ru["status"] == "no_data" and ru["value_pct"] is None


def test_no_unsatisfactory_oge(con):
    m = indicator(con, "mart_risk_monitoring", "oge_math_no_fail")
    # ОГЭ maths 2022: sA 2/10 fail, sB 3/10 fail, sC 0/8 → sC only: 1 of 5 = 20 %
    assert (m["numerator"], m["denominator"], m["value_pct"], list(m["schools"])) == (1, 5, 20.0, ["sC"])
    assert indicator(con, "mart_risk_monitoring", "oge_russian_no_fail")["status"] == "no_data"


def test_project_500plus(con):
    got = {r["indicator_code"]: r for r in rows(con, "SELECT * FROM mart_project_500plus WHERE ay = 2022")}
    # no municipal form (inbox/<AY>/p500/) for these two: «нет данных», with the reason
    # (the form itself: tests/test_project_500plus_form.py)
    for code in ("p500_pd_programme", "p500_satisfaction"):
        assert got[code]["status"] == "no_data"
        assert got[code]["no_data_reason"] == ("форма муниципалитета по проекту «500+» за 2022/2023 учебный год "
                                               "не загружена")
    part = lambda code: (got[code]["numerator"], got[code]["denominator"], got[code]["value_pct"])
    assert part("p500_network") == (1, 2, 50.0)          # sA has 2 teachers in a regional network, sB 0
    assert part("p500_leaders_pd") == (4, 5, 80.0)       # (2 + 2) / (3 + 2)
    assert part("p500_teachers_pd") == (25, 50, 50.0)    # (10 + 15) / (20 + 30)
    assert part("p500_teachers_webinars") == (20, 50, 40.0)
    assert part("p500_teachers_seminars") == (10, 50, 20.0)
    assert got["p500_teachers_contests"]["status"] == "no_data"   # nobody filled it in
    left = got["p500_left_list"]
    # ШНОР 2021 = {sE}; sE is not ШНОР in 2022: 1 school left, 1 of 1 = 100 %
    assert (left["value"], left["numerator"], left["denominator"], list(left["schools"])) == (1, 1, 1, ["sE"])


def test_denominator_with_data_is_a_parameter(inbox, tmp_path):
    wh = tmp_path / "w.duckdb"
    compute(inbox, wh, "october", 2021)
    compute(inbox, wh, "october", 2022)[0].close()
    c, _ = compute(inbox, wh, "september", 2023, overrides={"monitoring": {"denominator": "with_data"}})
    r = indicator(c, "mart_shnor_monitoring", "shnor_rdr_dynamics")
    assert (r["numerator"], r["denominator"], r["value_pct"]) == (1, 1, 100.0)   # only sA has КДР
    r = indicator(c, "mart_risk_monitoring", "cohort_vpr_math")
    assert (r["numerator"], r["denominator"], r["value_pct"]) == (1, 2, 50.0)    # pairs: sA, sC
    c.close()


def test_rebuilding_a_year_gives_the_same_rows(con):
    marts = ["mart_shnor_monitoring", "mart_risk_monitoring", "mart_project_500plus"]
    before = {m: rows(con, f"SELECT * EXCLUDE (run_id) FROM {m} ORDER BY ALL") for m in marts}
    cfg = load_config()
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "second-run"}
    indicators.build_marts(con, [(m, 2022) for m in marts], params)
    after = {m: rows(con, f"SELECT * EXCLUDE (run_id) FROM {m} ORDER BY ALL") for m in marts}
    assert before == after
    assert rows(con, "SELECT count(*) AS n FROM mart_shnor_monitoring WHERE ay = 2022")[0]["n"] == 14
