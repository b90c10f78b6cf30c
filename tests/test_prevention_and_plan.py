"""Prevention of academic failure by half-year with the June effectiveness analysis
(seed 003 §4.3–4.5) and the status of the plan of measures (SPEC §4.8), on a hand-made
inbox. Every expected figure is worked out here by hand.

Registry: s1, s2, s3 (s3 never reports).
  2022 half 2: s1 system yes, 100 pupils, 10 weak, 4 failing, 7 ИОМ, 1 in extra classes;
               s2 system no, 200 pupils, 20 weak, 8 failing, 2 ИОМ, 4 in extra classes.
  2023 half 1: s1 yes, 100, 10, 5, ИОМ 6, extra 4;   s2 no, 200, 20, 10, ИОМ 3, extra 2.
  2023 half 2: s1 yes, 100, 8, 2, ИОМ 10, extra 2;   s2 yes, 200, 16, 6, ИОМ 12, extra 6.
"""

from __future__ import annotations

import pytest

from tests.helpers import compute, rows, write_csv


def report(code, half, system, total, weak, failing, iom, extra):
    return {"school_code": code, "half": half, "has_prevention_system": system, "students_total": total,
            "low_achieving": weak, "failing": failing, "with_iom": iom, "failing_in_extra_classes": extra}


PLAN = [
    # measure, section, due, status, result → expected (due_date, status) on 10 June 2024
    {"measure_no": "1", "section": "Нормативное обеспечение", "title": "Программа", "responsible": "Департамент",
     "due": "I квартал 2024", "status": "выполнено"},                          # 2024-03-31, done
    {"measure_no": "2", "section": "Нормативное обеспечение", "title": "Положение о конкурсе",
     "due": "Март 2024", "status": "Запланировано"},                            # 2024-03-31 < 10.06 → overdue
    {"measure_no": "3", "section": "Методическое сопровождение", "title": "Совещание",
     "due": "Июнь – август 2024", "status": ""},                                # 2024-08-31, planned
    {"measure_no": "4", "section": "Методическое сопровождение", "title": "Конкурс",
     "due": "В течение года", "status": "Не принимали участие"},                 # 2024-08-31 (end of AY), not_participated
    {"measure_no": "5", "section": "Методическое сопровождение", "title": "Приказ",
     "due": "Октябрь", "status": "", "result": "Приказ от 12.10.2023 № 5"},      # 2023-10-31, done (result given)
    {"measure_no": "6", "section": "Методическое сопровождение", "title": "Курсы",
     "due": "IV квартал 2023", "status": "Приняли участие"},                    # 2023-12-31, done
    {"measure_no": "7", "section": "Методическое сопровождение", "title": "Консультации",
     "due": "В течение учебного года", "status": "в работе"},                   # 2024-08-31, in_progress
]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}",
         "municipality_code": "mo01", "municipality_name": "Тестовый округ"} for c in ("s1", "s2", "s3")])
    write_csv(root / "2022" / "prevention" / "p.csv", [
        report("s1", 2, "да", 100, 10, 4, 7, 1), report("s2", 2, "нет", 200, 20, 8, 2, 4)])
    write_csv(root / "2023" / "prevention" / "p.csv", [
        report("s1", 1, "да", 100, 10, 5, 6, 4), report("s2", 1, "нет", 200, 20, 10, 3, 2),
        report("s1", 2, "да", 100, 8, 2, 10, 2), report("s2", 2, "да", 200, 16, 6, 12, 6)])
    write_csv(root / "2023" / "plan" / "plan.csv", PLAN)
    return root


@pytest.fixture(scope="module")
def june(inbox, tmp_path_factory):
    c, _ = compute(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb", "june", 2023)
    yield c
    c.close()


def values(con, mart, **where):
    cond = " AND ".join(f"{k} = ?" for k in where)
    return {r["indicator_code"]: r for r in rows(con, f"SELECT * FROM {mart} WHERE {cond}", *where.values())}


def test_january_first_half(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "january", 2023)
    got = values(con, "mart_prevention_half1", ay=2023)
    part = lambda c: (got[c]["numerator"], got[c]["denominator"], got[c]["value_pct"])
    assert part("prevention_system") == (1, 3, 33.33)          # s1 of 3 schools of the registry
    assert list(got["prevention_system"]["schools_no_data"]) == ["s3"]
    assert part("prevention_iom") == (9, 45, 20.0)             # (6 + 3) / (10 + 5 + 20 + 10)
    assert part("prevention_extra_classes") == (6, 15, 40.0)   # (4 + 2) / (5 + 10)
    assert part("prevention_failing_share") == (15, 300, 5.0)
    assert part("prevention_low_achieving_share") == (30, 300, 10.0)
    con.close()


def test_january_without_reports_says_no_data(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "january", 2024)
    got = values(con, "mart_prevention_half1", ay=2024)
    assert len(got) == 10   # 5 of §4.3 and 5 measures of §4.5 (mentor pairs, …)
    for r in got.values():
        assert r["status"] == "no_data" and r["value_pct"] is None and r["numerator"] is None
        assert "I полугодие не загружен" in r["no_data_reason"]
    con.close()


def test_june_second_half_compared_with_first_half_and_last_year(june):
    got = values(june, "mart_prevention", ay=2023, half=2)
    cols = ("value_pct", "value_pct_half1", "change_vs_half1_pp", "trend_vs_half1",
            "value_pct_prev_year", "change_vs_prev_year_pp", "trend_vs_prev_year")
    row = lambda c: tuple(got[c][k] for k in cols)
    # system: 2/3 = 66.67 vs 1/3 = 33.33 (half 1) and 1/3 = 33.33 (2022 half 2): +33.34, better
    assert row("prevention_system") == (66.67, 33.33, 33.34, "better", 33.33, 33.34, "better")
    # ИОМ: (10 + 12) / (8 + 2 + 16 + 6) = 22/32 = 68.75; half 1 20.0; 2022: (7 + 2) / (14 + 28) = 21.43
    assert row("prevention_iom") == (68.75, 20.0, 48.75, "better", 21.43, 47.32, "better")
    # extra classes: 8/8 = 100; half 1 40.0; 2022: 5/12 = 41.67
    assert row("prevention_extra_classes") == (100.0, 40.0, 60.0, "better", 41.67, 58.33, "better")
    # failing share, lower is better: 8/300 = 2.67; half 1 5.0; 2022: 12/300 = 4.0
    assert row("prevention_failing_share") == (2.67, 5.0, -2.33, "better", 4.0, -1.33, "better")
    assert row("prevention_low_achieving_share") == (8.0, 10.0, -2.0, "better", 10.0, -2.0, "better")


def test_june_first_half_has_no_last_year_to_compare(june):
    got = values(june, "mart_prevention", ay=2023, half=1)
    r = got["prevention_system"]
    assert (r["value_pct"], r["value_pct_prev_year"], r["trend_vs_prev_year"]) == (33.33, None, None)


def test_plan_status_per_measure(june):
    got = {r["measure_no"]: r for r in rows(june, "SELECT * FROM mart_plan_status WHERE ay = 2023")}
    expect = {
        "1": ("2024-03-31", "done"),
        "2": ("2024-03-31", "overdue"),
        "3": ("2024-08-31", "planned"),
        "4": ("2024-08-31", "not_participated"),
        "5": ("2023-10-31", "done"),
        "6": ("2023-12-31", "done"),
        "7": ("2024-08-31", "in_progress"),
    }
    assert {k: (str(r["due_date"]) if r["due_date"] else None, r["status"]) for k, r in got.items()} == expect
    assert str(got["1"]["reference_date"]) == "2024-06-10"
    assert got["2"]["status_text"] == "Запланировано" and got["1"]["responsible"] == "Департамент"


def test_plan_shares_by_section(june):
    got = {(r["section"], r["status"]): (r["numerator"], r["denominator"], r["value_pct"])
           for r in rows(june, "SELECT * FROM mart_plan_sections WHERE ay = 2023")}
    # Нормативное: 2 measures, 1 done, 1 overdue
    assert got[("Нормативное обеспечение", "done")] == (1, 2, 50.0)
    assert got[("Нормативное обеспечение", "overdue")] == (1, 2, 50.0)
    assert got[("Нормативное обеспечение", "planned")] == (0, 2, 0.0)
    # Методическое: 5 measures: done 5, 6; planned 3; in progress 7; not taken part 4
    assert got[("Методическое сопровождение", "done")] == (2, 5, 40.0)
    assert got[("Методическое сопровождение", "not_participated")] == (1, 5, 20.0)
    # the whole plan: 7 measures, 3 done = 42.86 %
    assert got[("Всего по плану", "done")] == (3, 7, 42.86)
    assert got[("Всего по плану", "overdue")] == (1, 7, 14.29)


def test_plan_reference_date_is_a_parameter(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "june", 2023, overrides={"plan": {"reference_date": "2024-03-01"}})
    [r] = rows(con, "SELECT status FROM mart_plan_status WHERE ay = 2023 AND measure_no = '2'")
    assert r["status"] == "planned"   # due 31 March 2024 has not passed on 1 March
    con.close()


def test_june_without_plan_says_no_data(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "june", 2022)
    got = rows(con, "SELECT * FROM mart_plan_sections WHERE ay = 2022")
    assert got and all(r["data_status"] == "no_data" and r["value_pct"] is None for r in got)
    assert "план мероприятий" in got[0]["no_data_reason"]
    con.close()
