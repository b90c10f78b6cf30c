"""A small municipality for the document and publication tests, written by hand.

mo1 «Город Первый»: a1 (СОШ № 1), b2 (СОШ № 2). mo2 «Посёлок Второй»: c3 (Гимназия).
Expected figures (worked by hand; the tests assert them):
- ВПР maths 5, 2022: a1 8 of 20 = 40,0 % (low), b2 1 of 20 = 5,0 %; municipality mo1
  (8 + 1) / (20 + 20) = 9 / 40 = 22,5 %. 2021: a1 2 of 20 = 10,0 % (mo1 10,0 %).
- ВПР Russian 5, 2022: a1 3 of 8 = 37,5 %: low, and weak (8 participants < 10).
- ОГЭ maths 2022 (participant level): a1 12 first-attempt current-year graduates, 4 below
  the minimum → 4 / 12 = 33,3 % (low). So a1 has three low procedures in 2022 → ШНОР
  (criterion 1); b2 none.
- October, AY 2023: b2 ВПР maths 4 5 of 20 = 25,0 %, Russian 4 4 of 20 = 20,0 % → both
  ≥ 20 % → results flag; b2 also has no computers enough («нет») → material flag.
  a1: 3 of 20 teachers with load ≥ 36 h = 15,0 % > 10 % → staff flag.
- Plan (mart_plan_checkpoint of AY − 1, made by hand): section «Нормативно-правовое обеспечение»
  2 measures, 1 done (50,0 %), 1 overdue; «Методическое сопровождение» 1 planned.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tasks import export, render
from tests.helpers import compute, write_csv

AY = 2023
TODAY = date(2023, 9, 15)


def stats(code, grade, subject, n, m2):
    return {"school_code": code, "grade": grade, "subject": subject, "participants": n,
            "mark2": m2, "mark3": n - m2, "mark4": 0, "mark5": 0}


def write_schools(root: Path) -> None:
    """The registry of the two municipalities: mo1 a1, b2; mo2 c3."""
    write_csv(root / "schools" / "r.csv", [
        {"school_code": "a1", "school_name": "МБОУ «СОШ № 1»", "short_name": "СОШ № 1",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
        {"school_code": "b2", "school_name": "МБОУ «СОШ № 2»", "short_name": "СОШ № 2",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
        {"school_code": "c3", "school_name": "МБОУ «Гимназия»", "short_name": "Гимназия",
         "municipality_code": "mo2", "municipality_name": "Посёлок Второй"},
    ])


def write_inbox(root: Path) -> Path:
    write_schools(root)
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        stats("a1", 5, "math", 20, 8), stats("a1", 5, "russian", 8, 3), stats("b2", 5, "math", 20, 1),
        stats("c3", 5, "math", 20, 0), stats("b2", 4, "math", 20, 5), stats("b2", 4, "russian", 20, 4),
    ])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 2)])
    write_csv(root / "2022" / "gia" / "g.csv", [
        {"participant_id": f"PERSON-{i:03d}", "school_code": "a1", "exam": "oge", "subject": "math",
         "period": "main", "is_retake": "нет", "category": "current", "primary_score": 3 if i < 4 else 12,
         "mark": 2 if i < 4 else 4} for i in range(12)])
    write_csv(root / str(AY) / "context" / "c.csv", [
        {"school_code": c, "internet_stable": "да", "computers_enough": "нет" if c == "b2" else "да",
         "lab_physics": "да", "lab_chemistry": "да", "lab_biology": "да", "lab_geography": "да",
         "lab_technology": "да", "teachers_total": 20, "teachers_load_36plus": 3 if c == "a1" else 1,
         "teachers_no_subject_diploma": 0, "students_total": 100, "students_registered": 1, "students_ovz": 1,
         "students_foreign_language": 0, "students_absent_systematic": 0, "students_failing": 1}
        for c in ("a1", "b2", "c3")])
    return root


# the September plan report shows the plan of the year that ended at its checkpoint
# (mart_plan_checkpoint, AY − 1; sql/mart_plan_checkpoint.sql)
PLAN_SQL = """CREATE OR REPLACE TABLE mart_plan_checkpoint AS SELECT * FROM (VALUES
 (2022, 'mo1', '1', 'Нормативно-правовое обеспечение', 'Разработка муниципального плана', 'Департамент, МКУ ДО «ЦРО»',
  'I квартал', DATE '2024-03-31', 'done', NULL, 'Приказ от 18.02.2024 № 102', 'http://example.org/p102', 1, 1, 'v', 'r'),
 (2022, 'mo1', '2', 'Нормативно-правовое обеспечение', 'Положение о конкурсе лучших практик', 'Департамент',
  'II квартал', DATE '2024-06-30', 'overdue', NULL, NULL, NULL, 2, 1, 'v', 'r'),
 (2022, 'mo1', '10', 'Методическое сопровождение', 'Городской семинар', 'МКУ ДО «ЦРО»', 'Ноябрь', NULL,
  'planned', 'Запланировано', NULL, NULL, 3, 2, 'v', 'r')
) t(ay, municipality_code, measure_no, section, title, responsible, due, due_date, status, status_text, result, evidence,
    measure_order, section_order, definitions_version, run_id)"""


def build(tmp: Path, cycle: str, with_plan: bool = False, formats=("html", "docx", "pdf")):
    """(connection, config, run, documents, tables) for one cycle of AY 2023."""
    inbox = write_inbox(tmp / "inbox")
    con, cfg = compute(inbox, tmp / f"{cycle}.duckdb", cycle, AY,
                       overrides={"report": {"formats": list(formats)}})
    if with_plan:
        con.execute(PLAN_SQL)
    run = {"run_id": f"run-{cycle}-1", "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"], "template_version": render.template_version(cfg)}
    docs = render.render_spravki(con, AY, cycle, cfg, run, today=TODAY)
    tables = {}
    for mart, offset in cfg["cycles"][cycle]["marts"]:
        name, _ = export.OUTPUT_TABLES[mart]
        tables[f"tables/{AY + offset}/{name}.parquet"] = export.parquet_bytes(con, mart, AY + offset)
        tables[f"tables/{AY + offset}/{name}.xlsx"] = export.xlsx_bytes(export.table_query(con, mart, AY + offset), name)
    return con, cfg, run, docs, tables
