"""ШНОР identification on a hand-made canonical inbox (seed 003 §2.1, SPEC §4.1).

Every expected figure is worked out here by hand. The cycle is September of AY 2023:
the list is built from results of AY 2022 (criterion 1 and 2) and AY 2021 (criterion 2),
and last year's list (for entries and exits) from AY 2021 and AY 2020.
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023

SCHOOLS = [
    ("s30", "Школа 30 процентов"),      # 9/30 and 3/10 «2» in 2022: exactly 30.0 % twice → criterion 1
    ("s299", "Школа 29,9 процента"),    # 299/1000 «2» twice in 2022: 29.9 % → not low, not ШНОР
    ("sany", "Школа разные процедуры"),  # 2022 ВПР maths 6 low, 2021 ВПР Russian 6 low → criterion 2 "any" only
    ("ssame", "Школа та же процедура"),  # ОГЭ maths low in 2022 and 2021 → criterion 2 under both readings
    ("sretake", "Школа пересдачи"),     # ОГЭ maths: first attempts 2/10 fail; retakes and past graduates ignored
    ("sege", "Школа ЕГЭ"),              # ЕГЭ Russian 3/10 below 24, profile maths 3/10 below 27 → criterion 1
    ("sleft", "Школа вышедшая"),        # low in 2021 and 2020 (ШНОР for 2022), nothing low in 2022 → left
    ("sclean", "Школа благополучная"),  # nothing low
]


def vpr(code, grade, subject, participants, mark2):
    rest = participants - mark2
    return {"school_code": code, "grade": grade, "subject": subject, "participants": participants,
            "mark2": mark2, "mark3": rest, "mark4": 0, "mark5": 0}


def gia(code, exam, subject, outcomes, **kw):
    """outcomes: list of (passed, dict of extra fields)."""
    out = []
    for i, (passed, extra) in enumerate(outcomes):
        row = {"participant_id": f"{code}-{exam}-{subject}-{kw.get('tag', '')}{i}", "school_code": code,
               "exam": exam, "subject": subject, "period": "main", "is_retake": "нет",
               "category": "current", "test_score": "", "mark": "", "passed_min": ""}
        if "passed_min" not in extra and "test_score" not in extra and "mark" not in extra:
            row["passed_min"] = "да" if passed else "нет"
        row.update(extra)
        out.append(row)
    return out


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": c, "school_name": n, "short_name": n, "municipality_code": "mo01",
         "municipality_name": "Тестовый округ"} for c, n in SCHOOLS])

    write_csv(root / "2022" / "vpr_stats" / "stats.csv", [
        vpr("s30", 5, "math", 30, 9),          # 9/30 = 30.0 % → low
        vpr("s30", 5, "russian", 10, 3),       # 3/10 = 30.0 % → low
        vpr("s299", 5, "math", 1000, 299),     # 29.9 % → not low
        vpr("s299", 5, "russian", 1000, 299),  # 29.9 % → not low
        vpr("sany", 6, "math", 20, 10),        # 50 % → low
        vpr("sany", 6, "russian", 20, 2),      # 10 %
        vpr("sleft", 5, "math", 20, 1),        # 5 %
        vpr("sclean", 5, "math", 25, 1),       # 4 %
        vpr("sclean", 4, "math", 25, 10),      # grade 4 is not a ШНОР procedure: 40 % does not count
    ])
    write_csv(root / "2021" / "vpr_stats" / "stats.csv", [
        vpr("sany", 6, "russian", 20, 8),      # 40 % → low (a different procedure from 2022)
        vpr("sleft", 5, "math", 20, 7),        # 35 % → low
        vpr("sclean", 5, "math", 25, 2),
    ])
    write_csv(root / "2020" / "vpr_stats" / "stats.csv", [
        vpr("sleft", 5, "russian", 20, 6),     # 30 % → low: sleft was ШНОР for 2022
    ])

    g2022 = []
    # ssame ОГЭ maths 2022: 4 of 10 fail = 40 % → low
    g2022 += gia("ssame", "oge", "math", [(i >= 4, {}) for i in range(10)])
    # sretake ОГЭ maths 2022: 9 main + 1 reserve first attempts, 2 fail = 20 % → not low.
    g2022 += gia("sretake", "oge", "math",
                 [(i >= 2, {}) for i in range(9)] + [(True, {"period": "reserve"})])
    # ...the two who failed retake in the additional period and pass: ignored (is_retake)
    g2022 += gia("sretake", "oge", "math", [(True, {"period": "additional", "is_retake": "да",
                                                    "participant_id": f"sretake-oge-math-{i}"})
                                            for i in range(2)])
    # ...five more failed retakes and five failed past-year graduates: ignored.
    # Counted with them it would be (2 + 10) / 20 = 60 % → low; without, 20 %.
    g2022 += gia("sretake", "oge", "math", [(False, {"is_retake": "да", "period": "additional"})
                                            for _ in range(5)], tag="r")
    g2022 += gia("sretake", "oge", "math", [(False, {"category": "past"}) for _ in range(5)], tag="p")
    # sege ЕГЭ Russian 2022 by test score, minimum 24: 23, 20, 10 below → 3/10 = 30 % → low
    g2022 += gia("sege", "ege", "russian",
                 [(None, {"test_score": s}) for s in (23, 20, 10, 24, 24, 50, 60, 70, 80, 90)])
    # sege ЕГЭ profile maths, minimum 27: 20, 26, 26 below; 27 passes → 3/10 = 30 % → low
    g2022 += gia("sege", "ege", "math_profile",
                 [(None, {"test_score": s}) for s in (20, 26, 26, 27, 40, 50, 60, 70, 72, 80)])
    # sege ЕГЭ base maths by mark, minimum «3»: one «2» of 10 → 10 %
    g2022 += gia("sege", "ege", "math_base", [(None, {"mark": m}) for m in (2, 3, 3, 4, 4, 4, 5, 5, 5, 5)])
    write_csv(root / "2022" / "gia" / "gia.csv", g2022)
    # ssame ОГЭ maths 2021: 3 of 10 fail = 30 % → low
    write_csv(root / "2021" / "gia" / "gia.csv", gia("ssame", "oge", "math", [(i >= 3, {}) for i in range(10)]))
    write_csv(root / str(AY) / "official_shnor" / "list.csv",
              [{"school_code": "s30"}, {"school_code": "sclean"}])
    return root


@pytest.fixture(scope="module")
def shnor_any(inbox, tmp_path_factory):
    con, _ = compute(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb", "september", AY)
    yield {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shnor WHERE ay = ?", AY)}, con
    con.close()


def procedure(con, code, ay, proc):
    found = rows(con, "SELECT * FROM mart_procedure_results WHERE school_code = ? AND ay = ? AND procedure = ?",
                 code, ay, proc)
    assert len(found) == 1
    return found[0]


def test_thirty_percent_is_low_and_twenty_nine_nine_is_not(shnor_any):
    shnor, con = shnor_any
    r = procedure(con, "s30", 2022, "vpr_math_5")
    assert (r["participants"], r["low_count"], r["low_share_pct"], r["is_low"]) == (30, 9, 30.0, True)
    r = procedure(con, "s299", 2022, "vpr_math_5")
    assert (r["participants"], r["low_count"], r["low_share_pct"], r["is_low"]) == (1000, 299, 29.9, False)
    assert shnor["s30"]["is_shnor"] and shnor["s30"]["criterion"] == "1"
    assert sorted(shnor["s30"]["low_procedures_prev"]) == ["vpr_math_5", "vpr_russian_5"]
    assert not shnor["s299"]["is_shnor"]


def test_small_groups_are_marked_weak_but_count(shnor_any):
    _, con = shnor_any
    r = procedure(con, "s30", 2022, "vpr_russian_5")  # 10 participants: not weak (weak is below 10)
    assert r["is_weak"] is False
    r = procedure(con, "sege", 2022, "ege_russian")
    assert r["participants"] == 10 and r["is_weak"] is False


def test_retakes_and_past_year_graduates_do_not_count(shnor_any):
    shnor, con = shnor_any
    r = procedure(con, "sretake", 2022, "oge_math")
    # 9 main + 1 reserve first attempts of current graduates; 2 failed → 20 %
    assert (r["participants"], r["low_count"], r["low_share_pct"], r["is_low"]) == (10, 2, 20.0, False)
    assert not shnor["sretake"]["is_shnor"]


def test_ege_minimums_come_from_the_dated_reference(shnor_any):
    shnor, con = shnor_any
    assert procedure(con, "sege", 2022, "ege_russian")["low_count"] == 3
    assert procedure(con, "sege", 2022, "ege_math_profile")["low_count"] == 3  # 27 passes
    assert procedure(con, "sege", 2022, "ege_math_base")["low_count"] == 1
    assert shnor["sege"]["criterion"] == "1"


def test_criterion_two_any_reading(shnor_any):
    shnor, _ = shnor_any
    assert shnor["sany"]["is_shnor"] and shnor["sany"]["criterion"] == "2"
    assert shnor["sany"]["low_procedures_prev"] == ["vpr_math_6"]
    assert shnor["sany"]["low_procedures_prev2"] == ["vpr_russian_6"]
    assert shnor["ssame"]["is_shnor"] and shnor["ssame"]["criterion"] == "2"


def test_criterion_two_same_reading(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY,
                     overrides={"shnor": {"criterion2_reading": "same"}})
    shnor = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shnor WHERE ay = ?", AY)}
    assert not shnor["sany"]["is_shnor"]            # different procedures in the two years
    assert shnor["ssame"]["is_shnor"]               # ОГЭ maths low in both years
    assert shnor["s30"]["is_shnor"]                 # criterion 1 does not depend on the reading
    listed = sorted(c for c, r in shnor.items() if r["is_shnor"])
    assert listed == ["s30", "sege", "ssame"]


def test_the_list_entries_exits_and_official_comparison(shnor_any):
    shnor, _ = shnor_any
    listed = sorted(c for c, r in shnor.items() if r["is_shnor"])
    assert listed == ["s30", "sany", "sege", "ssame"]
    assert shnor["sleft"]["was_shnor_last_year"] and shnor["sleft"]["list_change"] == "left"
    assert shnor["s30"]["list_change"] == "entered"
    assert shnor["s30"]["official_comparison"] == "both"
    assert shnor["sany"]["official_comparison"] == "only_ours"
    assert shnor["sclean"]["official_comparison"] == "only_official"
    assert shnor["s299"]["official_comparison"] is None and shnor["s299"]["in_official_list"] is False


def test_one_row_per_school_and_rerun_is_idempotent(inbox, tmp_path):
    wh = tmp_path / "w.duckdb"
    con, _ = compute(inbox, wh, "september", AY)
    first = rows(con, "SELECT * EXCLUDE (run_id) FROM mart_shnor WHERE ay = ? ORDER BY school_code", AY)
    con.close()
    con, _ = compute(inbox, wh, "september", AY)
    second = rows(con, "SELECT * EXCLUDE (run_id) FROM mart_shnor WHERE ay = ? ORDER BY school_code", AY)
    assert first == second
    assert len(second) == len(SCHOOLS)
    n = con.execute("SELECT count(*) FROM raw_vpr_stats WHERE ay = 2022").fetchone()[0]
    assert n == 9  # loading the year again replaced it, nothing duplicated
