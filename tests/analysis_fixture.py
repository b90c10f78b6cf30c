"""Hand-made municipalities for the analysis the справки write (tests/test_document_analysis.py).

September, AY 2023 — mo1 «Город Первый», three schools on the ШНОР list of 2022/2023
(each had ВПР maths 5 and Russian 5 low in 2021/2022, criterion 1), 20 pupils a procedure
unless said otherwise. Pooled low shares (both procedures), worked by hand:
- s1 «Школа 1»: 2021 8 + 8 of 40 = 40,0 %; 2022 2 + 2 of 40 = 10,0 % → improved; no low
  result in 2022 → leaves the list for 2023/2024.
- s2 «Школа 2»: 2021 6 + 6 of 40 = 30,0 %; 2022 maths 5 of 16 = 31,25 % (low; printed
  31,3 %, half up) and Russian 1 of 20 → 6 of 36 = 16,67 % → «16,7 %», improved; low in
  both years → stays (criterion 2).
- s3 «Школа 3»: 2021 7 + 7 of 40 = 35,0 %; 2022 10 + 8 of 40 = 45,0 % → worsened, stays.

January, AY 2023 — mo1, first half-year reports:
- p1 «Лицей»: system yes; 10 weak + 2 failing, 12 with ИОМ (100 %); 2 failing, 2 at extra classes.
- p2 «Школа Б»: system «нет»; 8 weak + 2 failing, 5 with ИОМ = 50,0 %; 2 failing, 1 at extra
  classes = 50,0 %.
- p3 «Школа В»: no report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tasks import render
from tests.helpers import compute, write_csv

AY = 2023


def _school(code, name):
    return {"school_code": code, "school_name": f"МБОУ «{name}»", "short_name": name,
            "municipality_code": "mo1", "municipality_name": "Город Первый"}


def _stats(code, subject, n, m2):
    return {"school_code": code, "grade": 5, "subject": subject, "participants": n,
            "mark2": m2, "mark3": n - m2, "mark4": 0, "mark5": 0}


def shnor_inbox(root: Path) -> Path:
    write_csv(root / "schools" / "r.csv", [_school("s1", "Школа 1"), _school("s2", "Школа 2"),
                                            _school("s3", "Школа 3")])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [
        _stats("s1", "math", 20, 8), _stats("s1", "russian", 20, 8),
        _stats("s2", "math", 20, 6), _stats("s2", "russian", 20, 6),
        _stats("s3", "math", 20, 7), _stats("s3", "russian", 20, 7)])
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        _stats("s1", "math", 20, 2), _stats("s1", "russian", 20, 2),
        _stats("s2", "math", 16, 5), _stats("s2", "russian", 20, 1),
        _stats("s3", "math", 20, 10), _stats("s3", "russian", 20, 8)])
    return root


def prevention_inbox(root: Path) -> Path:
    write_csv(root / "schools" / "r.csv", [_school("p1", "Лицей"), _school("p2", "Школа Б"),
                                            _school("p3", "Школа В")])
    write_csv(root / str(AY) / "prevention" / "p.csv", [
        {"school_code": "p1", "half": 1, "has_prevention_system": "да", "students_total": 200,
         "low_achieving": 10, "failing": 2, "with_iom": 12, "failing_in_extra_classes": 2},
        {"school_code": "p2", "half": 1, "has_prevention_system": "нет", "students_total": 100,
         "low_achieving": 8, "failing": 2, "with_iom": 5, "failing_in_extra_classes": 1}])
    return root


def render_cycle(tmp: Path, cycle: str, inbox: Path, formats=("html",), report: dict | None = None) -> dict[str, bytes]:
    con, cfg = compute(inbox, tmp / f"{cycle}.duckdb", cycle, AY,
                       overrides={"report": {"formats": list(formats), **(report or {})}})
    run = {"run_id": f"run-{cycle}-analysis", "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"]}
    try:
        return render.render_spravki(con, AY, cycle, cfg, run)
    finally:
        con.close()


DATES = {"september": date(2023, 9, 15), "january": date(2024, 1, 20)}
