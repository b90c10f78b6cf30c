"""ОО-2 in the risk profile (seed 003 §3.2 «на основании данных отчетов OO1, OO2, данных
КИАСУО»; thresholds in [risk], ours: 50 Мбит/с, 10 computers for teaching per 100 students).

October of AY 2023: the context survey of AY 2023, ОО-2 of AY 2022. Every school has 200
students and «да» for every survey item except the blanks named below. Worked by hand:
    q_slow    item 1.1 blank, 30 Мбит/с < 50          → 1.1 «нет» from ОО-2 → material flag
    q_fast    item 1.1 blank, exactly 50,0 Мбит/с     → «да», no flag
    q_survey  survey «да», 10 Мбит/с                  → the survey's answer stands, no flag
    q_pc      item 1.2 blank, 19 / 200 = 9,5 per 100  → 1.2 «нет» from ОО-2 → material flag
    q_pc10    item 1.2 blank, 20 / 200 = 10,0 per 100 → «да», no flag
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023
YES = {k: "да" for k in ("internet_stable", "computers_enough", "lab_physics", "lab_chemistry",
                          "lab_biology", "lab_geography", "lab_technology")}
CONTEXT = {"q_slow": {"internet_stable": ""}, "q_fast": {"internet_stable": ""}, "q_survey": {},
           "q_pc": {"computers_enough": ""}, "q_pc10": {"computers_enough": ""}}
OO2 = {"q_slow": (40, 30.0), "q_fast": (40, 50.0), "q_survey": (40, 10.0), "q_pc": (19, 100.0),
       "q_pc10": (20, 100.0)}  # computers for teaching, Мбит/с


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "mo01", "municipality_name": "Тестовый округ"}
        for c in CONTEXT])
    write_csv(root / str(AY) / "context" / "context.csv", [
        {"school_code": c, **YES, **v, "teachers_total": 40, "teachers_load_36plus": 0,
         "teachers_no_subject_diploma": 0, "students_total": 200, "students_registered": 0, "students_ovz": 0,
         "students_foreign_language": 0, "students_absent_systematic": 0, "students_failing": 0}
        for c, v in CONTEXT.items()])
    write_csv(root / str(AY - 1) / "oo2" / "oo2.csv", [
        {"school_code": c, "computers_total": 60, "computers_teaching": pc, "computers_internet": 60,
         "internet_speed_mbps": speed} for c, (pc, speed) in OO2.items()])
    return root


def risk(inbox, warehouse, overrides=None):
    con, _ = compute(inbox, warehouse, "october", AY, overrides)
    try:
        return {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_risk_schools WHERE ay = ?", AY)}
    finally:
        con.close()


def test_oo2_answers_the_items_the_survey_left_blank(inbox, tmp_path):
    r = risk(inbox, tmp_path / "w.duckdb")
    flagged = {c: v["material_no_items"] for c, v in r.items() if v["flag_material"]}
    assert flagged == {"q_slow": ["internet_stable"], "q_pc": ["computers_enough"]}
    assert all(v["material_answered"] == 7 for v in r.values())
    assert r["q_pc"]["oo2_computers_teaching_per100"] == 9.5 and r["q_pc10"]["oo2_computers_teaching_per100"] == 10.0
    assert r["q_slow"]["oo2_internet_speed_mbps"] == 30.0 and r["q_pc"]["oo2_computers_teaching"] == 19


def test_without_the_fallback_a_blank_stays_unanswered(inbox, tmp_path):
    r = risk(inbox, tmp_path / "w.duckdb", {"risk": {"oo2_fills_missing_answers": False}})
    assert not any(v["flag_material"] for v in r.values())
    assert r["q_slow"]["material_answered"] == 6 and r["q_survey"]["material_answered"] == 7


def test_oo2_items_of_their_own_count_beside_the_survey(inbox, tmp_path):
    items = list(YES) + ["oo2_internet_speed", "oo2_computers_per100"]
    r = risk(inbox, tmp_path / "w.duckdb", {"risk": {"material_items": items}})
    flagged = {c: v["material_no_items"] for c, v in r.items() if v["flag_material"]}
    # q_survey said «да» but ОО-2 shows 10 Мбит/с; q_slow fails both 1.1 (from ОО-2) and the speed item
    assert flagged == {"q_slow": ["internet_stable", "oo2_internet_speed"], "q_survey": ["oo2_internet_speed"],
                       "q_pc": ["computers_enough", "oo2_computers_per100"]}
