"""Risk-school identification on a hand-made canonical inbox (seed 003 §3.2, SPEC §4.2).

October of AY 2023: the context survey of AY 2023 and ВПР of AY 2022. Expected values
are worked out by hand next to each row.
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023

CLEAN = {  # a school with no deficit in any section
    "internet_stable": "да", "computers_enough": "да", "lab_physics": "да", "lab_chemistry": "да",
    "lab_biology": "да", "lab_geography": "да", "lab_technology": "да",
    "teachers_total": 40, "teachers_load_36plus": 2, "teachers_no_subject_diploma": 0,
    "students_total": 200, "students_registered": 2, "students_ovz": 4, "students_foreign_language": 0,
    "students_absent_systematic": 2, "students_failing": 2,
}

CONTEXT = {
    "rclean": {},
    "rmat": {"lab_chemistry": "нет"},                                   # material: one «нет»
    "rst10": {"teachers_total": 30, "teachers_load_36plus": 3},          # 3/30 = 10 % → no flag
    "rst101": {"teachers_total": 1000, "teachers_load_36plus": 101},     # 101/1000 = 10.1 % → flag
    "rnodip": {"teachers_no_subject_diploma": 1},                        # 1/40 = 2.5 % > 0 % → flag
    "rcont10": {"students_registered": 5, "students_ovz": 10, "students_foreign_language": 3,
                "students_absent_systematic": 2},                       # 20/200 = 10 % → no flag
    "rcont": {"students_registered": 5, "students_ovz": 10, "students_foreign_language": 4,
              "students_absent_systematic": 2},                         # 21/200 = 10.5 % → flag
    "rres20": {},                       # ВПР: maths 4 5/25 = 20 %, Russian 8 6/30 = 20 % → flag
    "rno8": {},                         # no grade 8: maths 4 25 %, Russian 4 10 % → one only, no flag
    "rno8b": {},                        # no grade 8: maths 4 30 %, Russian 4 20 % → flag
    "rfail10": {"students_failing": 20},   # 20/200 = 10 % → no flag
    "rfail": {"students_failing": 22},     # 22/200 = 11 % → flag
    "rempty": None,                        # in the registry, no context row: sections «нет данных»
}


def vpr(code, grade, subject, participants, mark2):
    return {"school_code": code, "grade": grade, "subject": subject, "participants": participants,
            "mark2": mark2, "mark3": participants - mark2, "mark4": 0, "mark5": 0}


@pytest.fixture(scope="module")
def risk(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "mo01", "municipality_name": "Тестовый округ"}
        for c in CONTEXT])
    write_csv(root / str(AY) / "context" / "context.csv",
              [{"school_code": c, **CLEAN, **v} for c, v in CONTEXT.items() if v is not None])
    clean_vpr = [vpr(c, g, s, 25, 1) for c in CONTEXT if c not in ("rres20", "rno8", "rno8b", "rempty")
                 for g in (4, 8) for s in ("math", "russian")]  # 4 % everywhere
    write_csv(root / "2022" / "vpr_stats" / "stats.csv", clean_vpr + [
        vpr("rres20", 4, "math", 25, 5), vpr("rres20", 4, "russian", 25, 1),
        vpr("rres20", 8, "math", 30, 3), vpr("rres20", 8, "russian", 30, 6),
        vpr("rno8", 4, "math", 20, 5), vpr("rno8", 4, "russian", 20, 2),
        vpr("rno8b", 4, "math", 20, 6), vpr("rno8b", 4, "russian", 20, 4),
    ])
    con, _ = compute(root, tmp_path_factory.mktemp("wh") / "w.duckdb", "october", AY)
    yield {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_risk_schools WHERE ay = ?", AY)}
    con.close()


def test_clean_school_is_not_a_risk_school(risk):
    r = risk["rclean"]
    assert r["is_risk"] is False and r["risk_sections"] == [] and r["no_data_sections"] == []


def test_material_base_any_no(risk):
    r = risk["rmat"]
    assert r["is_risk"] and r["risk_sections"] == ["material"]
    assert r["material_no_items"] == ["lab_chemistry"] and r["material_answered"] == 7


def test_staff_load_ten_percent_is_no_flag_and_ten_point_one_is(risk):
    assert risk["rst10"]["staff_load36_share_pct"] == 10.0
    assert risk["rst10"]["flag_staff"] is False and not risk["rst10"]["is_risk"]
    assert risk["rst101"]["staff_load36_share_pct"] == 10.1
    assert risk["rst101"]["flag_staff"] is True and risk["rst101"]["risk_sections"] == ["staff"]


def test_staff_any_teacher_without_subject_diploma(risk):
    r = risk["rnodip"]
    assert r["staff_no_diploma_share_pct"] == 2.5 and r["flag_staff"] is True


def test_contingent_sum_above_ten_percent(risk):
    assert risk["rcont10"]["contingent_share_pct"] == 10.0 and risk["rcont10"]["flag_contingent"] is False
    r = risk["rcont"]
    assert (r["contingent_count"], r["contingent_share_pct"], r["flag_contingent"]) == (21, 10.5, True)
    assert (r["students_registered"], r["students_ovz"], r["students_foreign_language"],
            r["students_absent_systematic"]) == (5, 10, 4, 2)


def test_results_exactly_twenty_percent_on_two_procedures(risk):
    r = risk["rres20"]
    assert r["flag_results"] is True and r["risk_sections"] == ["results"]
    assert r["results_vpr_high_procedures"] == ["vpr_math_4", "vpr_russian_8"]
    assert r["vpr_ay"] == 2022


def test_school_without_grade_eight(risk):
    r = risk["rno8"]
    assert r["results_vpr_high_procedures"] == ["vpr_math_4"] and r["flag_results"] is False
    assert [v["procedure"] for v in r["results_vpr_shares"]] == ["vpr_math_4", "vpr_russian_4"]
    r = risk["rno8b"]
    assert r["results_vpr_high_procedures"] == ["vpr_math_4", "vpr_russian_4"] and r["flag_results"] is True


def test_failing_share_above_ten_percent(risk):
    assert risk["rfail10"]["failing_share_pct"] == 10.0 and risk["rfail10"]["flag_results"] is False
    assert risk["rfail"]["failing_share_pct"] == 11.0 and risk["rfail"]["flag_results"] is True


def test_missing_data_is_not_a_silent_no(risk):
    r = risk["rempty"]
    assert r["flag_material"] is None and r["flag_staff"] is None and r["flag_contingent"] is None
    assert r["flag_results"] is None and r["is_risk"] is False
    assert r["no_data_sections"] == ["material", "staff", "contingent", "results"]


def test_the_list(risk):
    assert sorted(c for c, r in risk.items() if r["is_risk"]) == [
        "rcont", "rfail", "rmat", "rno8b", "rnodip", "rres20", "rst101"]
