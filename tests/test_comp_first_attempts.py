"""ГИА first attempts (sql/int_gia_first_attempts.sql) on a hand-made inbox: only the keys
a participant wrote more than once are ordered (the earliest period counts), every other
row is its own first attempt; the ЕГЭ minimum is the one in force in each AY.

The cycle is September of AY 2023: it reads ГИА of AY 2022 and 2021. Every expected
figure is worked out here by hand.
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023


def gia(pid, exam, subject, *, period="main", retake="нет", passed="", score=""):
    return {"participant_id": pid, "school_code": "s1", "exam": exam, "subject": subject, "period": period,
            "is_retake": retake, "category": "current", "test_score": score, "mark": "", "passed_min": passed}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": "s1", "school_name": "Школа 1", "short_name": "Школа 1", "municipality_code": "mo01",
         "municipality_name": "Тестовый округ"}])
    g = []
    # ОГЭ maths 2022: p0–p3 fail in the main period, then retake in the additional period and pass
    for i in range(4):
        g.append(gia(f"p{i}", "oge", "math", passed="нет"))
        g.append(gia(f"p{i}", "oge", "math", period="additional", retake="да", passed="да"))
    # p4–p9 pass in the main period
    g += [gia(f"p{i}", "oge", "math", passed="да") for i in range(4, 10)]
    # p10 wrote only in the additional period (a retake) and failed
    g.append(gia("p10", "oge", "math", period="additional", retake="да", passed="нет"))
    # ЕГЭ Russian 2022 by test score: 30, 35, 40, 50 — minimum 36 from 2022 (inbox reference)
    g += [gia(f"e{i}", "ege", "russian", score=s) for i, s in enumerate((30, 35, 40, 50))]
    write_csv(root / "2022" / "gia" / "gia.csv", g)
    # ЕГЭ Russian 2021: the same scores — minimum 24 (shipped reference, from 2014)
    write_csv(root / "2021" / "gia" / "gia.csv",
              [gia(f"f{i}", "ege", "russian", score=s) for i, s in enumerate((20, 30, 35, 50))])
    write_csv(root / "reference" / "ege_min_scores_2022.csv", [
        {"valid_from_ay": 2022, "subject": "russian", "min_test_score": 36, "min_mark": "",
         "purpose": "attestat", "source": "тест"}])
    return root


def procedure(con, ay, proc):
    found = rows(con, "SELECT participants, low_count, low_share_pct FROM mart_procedure_results "
                      "WHERE school_code = 's1' AND ay = ? AND procedure = ?", ay, proc)
    assert len(found) == 1
    r = found[0]
    return r["participants"], r["low_count"], r["low_share_pct"]


def test_retakes_excluded_by_default(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    # p0–p9 main only: 4 fail of 10
    assert procedure(con, 2022, "oge_math") == (10, 4, 40.0)
    con.close()


def test_a_key_written_twice_counts_its_earliest_period(inbox, tmp_path):
    overrides = {"gia": {"exclude_retakes": False, "count_periods": ["main", "reserve", "additional"]}}
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY, overrides=overrides)
    # p0–p3: main (fail) before additional (pass) → fail; p4–p9 pass; p10 only additional → fail.
    # 11 participants, 5 low = 45.45 %. Counting both rows of p0–p3 would give 15; the
    # additional period first would give 1 low.
    assert procedure(con, 2022, "oge_math") == (11, 5, 45.45)
    # participant ids are pseudonymised: by period, 10 main first attempts (4 failed), p10's additional one
    by_period = rows(con, "SELECT period, count(*) AS n, count(*) FILTER (WHERE NOT passed_min) AS failed "
                          "FROM int_gia_first_attempts WHERE ay = 2022 AND exam = 'oge' "
                          "GROUP BY period ORDER BY period")
    assert by_period == [{"period": "additional", "n": 1, "failed": 1}, {"period": "main", "n": 10, "failed": 4}]
    con.close()


def test_ege_minimum_in_force_in_each_ay(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    # 2022, minimum 36: 30 and 35 below → 2 of 4
    assert procedure(con, 2022, "ege_russian") == (4, 2, 50.0)
    # 2021, minimum 24: 20 below → 1 of 4
    assert procedure(con, 2021, "ege_russian") == (4, 1, 25.0)
    con.close()
