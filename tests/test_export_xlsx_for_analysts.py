"""The XLSX an analyst opens (issue 10): Russian titles and words, number formats, real
dates, school lists as rows of a second sheet, one workbook per municipality at region
scale; and the Parquet beside it keeps the contract's English names and integer counts.

The fixture is a warehouse written by hand (mo1 «Город Первый»: a1 «СОШ № 1», b2 «СОШ № 2»;
mo2 «Посёлок Второй»: c3 «Гимназия»). Expected cells, worked by hand:
- procedure_results 2022: a1 ВПР maths 5: 5 of 16 = 31,25 % (stored exact, shown «31,3» by
  the format «0.0», Excel's half-up rounding, once); b2 ВПР Russian 4: 1 157 of 13 226 =
  8,7479… % (shown «8,7», never «8,8»); participants 13 226 a count «#,##0».
- prevention 2023, half 2: mo1 «system of prevention» 1 of 2 schools = 50,0 % (a1 has it, b2
  did not report) — better than half 1 (40,0 %), worse than last year (60,0 %); mo2 has no
  report («нет данных»), c3 without data.
- shnor_monitoring 2022: mo1 ГИА maths dynamics, a1 40,0 → 25,0 (in the indicator), b2
  10,0 → 12,5 (not in it).
- plan_status 2023: measure 1 due 31.10.2023, overdue on 10.06.2024.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from reports.tables import TABLE_TITLES
from tasks import export

FIXTURE = """
CREATE TABLE stg_schools AS SELECT * FROM (VALUES
  ('a1', 'СОШ № 1', 'mo1', 'Город Первый'), ('b2', 'СОШ № 2', 'mo1', 'Город Первый'),
  ('c3', 'Гимназия', 'mo2', 'Посёлок Второй')) t(school_code, short_name, municipality_code, municipality_name);
CREATE TABLE mart_procedure_results AS SELECT * FROM (VALUES
  ('a1', 2022, 'mo1', 'СОШ № 1', 'vpr_math_5', 'vpr', 16::HUGEINT, 5::HUGEINT, 31.25::DOUBLE, true, false, true, 'v1', 'run-1'),
  ('b2', 2022, 'mo1', 'СОШ № 2', 'vpr_russian_4', 'vpr', 13226::HUGEINT, 1157::HUGEINT, 100.0 * 1157 / 13226,
   false, false, true, 'v1', 'run-1'),
  ('c3', 2022, 'mo2', 'Гимназия', 'ege_math_base', 'ege', 12::HUGEINT, 0::HUGEINT, 0.0::DOUBLE, false, false, true, 'v1', 'run-1')
) t(school_code, ay, municipality_code, short_name, procedure, kind, participants, low_count, low_share_pct,
    is_low, is_weak, is_shnor_procedure, definitions_version, run_id);
CREATE TABLE mart_prevention AS SELECT * FROM (VALUES
  (2023, 2, 'mo1', 'Город Первый', 'prevention_system', 'Доля ОУ, в которых сформирована система профилактики',
   'seed 003 §4.4', 1, 1.0::DOUBLE, 2.0::DOUBLE, 50.0::DOUBLE, 'ok', NULL, ['a1'], ['b2'], 'higher', 40.0::DOUBLE,
   10.0::DOUBLE, 'better', 60.0::DOUBLE, -10.0::DOUBLE, 'worse',
   'v1', 'run-1'),
  (2023, 2, 'mo2', 'Посёлок Второй', 'prevention_system', 'Доля ОУ, в которых сформирована система профилактики',
   'seed 003 §4.4', 1, NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 'no_data', 'нет данных: отчёт о профилактике за II полугодие не загружен',
   []::VARCHAR[], ['c3'], 'higher', NULL::DOUBLE, NULL::DOUBLE, NULL, NULL::DOUBLE, NULL::DOUBLE, NULL,
   'v1', 'run-1')
) t(ay, half, municipality_code, municipality_name, indicator_code, indicator_title, seed_ref, sort_order,
    numerator, denominator, value_pct, status, no_data_reason, schools, schools_no_data, better, value_pct_half1,
    change_vs_half1_pp, trend_vs_half1, value_pct_prev_year, change_vs_prev_year_pp, trend_vs_prev_year,
    definitions_version, run_id);
CREATE TABLE mart_shnor_monitoring AS SELECT * FROM (VALUES
  (2022, 'mo1', 'Город Первый', 'shnor_gia_math_dynamics', 'Доля ШНОР с положительной динамикой ГИА по математике',
   'seed 003 §2.3.1 п. 1', 'pct', 1, 1.0::DOUBLE, 2.0::DOUBLE, 50.0::DOUBLE, NULL::BIGINT, 'ok', NULL, ['a1'], []::VARCHAR[],
   [{'school_code': 'a1', 'prev_pct': 40.0::DOUBLE, 'cur_pct': 25.0::DOUBLE},
    {'school_code': 'b2', 'prev_pct': 10.0::DOUBLE, 'cur_pct': 12.5::DOUBLE}],
   2, 'v1', 'run-1')
) t(ay, municipality_code, municipality_name, indicator_code, indicator_title, seed_ref, unit, sort_order,
    numerator, denominator, value_pct, value, status, no_data_reason, schools, schools_no_data, details, shnor_total,
    definitions_version, run_id);
CREATE TABLE mart_shnor AS SELECT * FROM (VALUES
  ('a1', 2023, 'mo1', 'Город Первый', 'СОШ № 1', 'МБОУ «СОШ № 1»', true, '1', true, false, 'any', 2022,
   ['vpr_math_5', 'oge_math'], 2, 5, 2021, []::VARCHAR[], 0, 4, false, true, 'only_ours', false, 'entered', 'v1', 'run-1')
) t(school_code, ay, municipality_code, municipality_name, short_name, school_name, is_shnor, criterion,
    criterion_1, criterion_2, criterion_2_reading, prev_ay, low_procedures_prev, n_low_prev, procedures_prev,
    prev2_ay, low_procedures_prev2, n_low_prev2, procedures_prev2, no_data, in_official_list, official_comparison,
    was_shnor_last_year, list_change, definitions_version, run_id);
CREATE TABLE mart_plan_status AS SELECT * FROM (VALUES
  (2023, 'mo1', '1', 'Нормативно-правовое обеспечение', 'Положение о конкурсе', 'Департамент', 'Октябрь',
   DATE '2023-10-31', 'overdue', 'не выполнено', NULL, NULL, DATE '2024-06-10', 1, 1, 'v1', 'run-1')
) t(ay, municipality_code, measure_no, section, title, responsible, due, due_date, status, status_text, result, evidence,
    reference_date, measure_order, section_order, definitions_version, run_id);
"""

AYS = {"mart_procedure_results": 2022, "mart_prevention": 2023, "mart_shnor_monitoring": 2022,
       "mart_shnor": 2023, "mart_plan_status": 2023}


@pytest.fixture
def con():
    c = duckdb.connect()
    for stmt in FIXTURE.split(";"):
        if stmt.strip():
            c.execute(stmt)
    yield c
    c.close()


def workbook(con, mart):
    data = export.xlsx_bytes(export.table_query(con, mart, AYS[mart]), export.OUTPUT_TABLES[mart][0])
    return load_workbook(io.BytesIO(data))


def values(ws, first_row=3):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first_row)]


def header(ws):
    return [c.value for c in ws[2]]


def cell(ws, row: int, title: str):
    """The cell of data row `row` (1 = first) in the column titled `title`."""
    return ws.cell(row=row + 2, column=header(ws).index(title) + 1)


SNAKE = re.compile(r"[a-z0-9]+_[a-z0-9_]+")
CODES = ("no_data", "worse", "better", "vpr_math_5", "vpr_russian_4", "ege_math_base", "oge_math", "only_ours",
         "entered", "overdue", "higher", "True", "False", "{", "seed")


def test_every_header_is_russian_and_every_value_a_word(con):
    for mart in AYS:
        wb = workbook(con, mart)
        sheets = [ws for ws in wb.worksheets if ws.title != "Пояснения"]
        assert sheets[0].title == "Данные"
        for ws in sheets:
            for title in header(ws):
                assert re.search("[А-Яа-яЁё]", title), (mart, ws.title, title)
                assert not SNAKE.search(title), (mart, ws.title, title)
            for row in values(ws):
                for v in row:
                    if isinstance(v, str):
                        assert not SNAKE.search(v), (mart, ws.title, v)
                        assert not any(code in v for code in CODES), (mart, ws.title, v)
        # the title row names the table and the AY in Russian
        assert sheets[0]["A1"].value.startswith(TABLE_TITLES[export.OUTPUT_TABLES[mart][0]])
        assert f"{AYS[mart]}/{AYS[mart] + 1} учебный год" in sheets[0]["A1"].value


def test_codes_become_russian_words(con):
    ws = workbook(con, "mart_procedure_results")["Данные"]
    assert [r[header(ws).index("Оценочная процедура")] for r in values(ws)] == [
        "ВПР, математика, 5 класс", "ВПР, русский язык, 4 класс", "ЕГЭ, математика (базовая)"]
    assert cell(ws, 1, "Низкий результат").value == "да" and cell(ws, 2, "Низкий результат").value == "нет"
    assert cell(ws, 1, "Учебный год").value == "2022/2023"

    ws = workbook(con, "mart_prevention")["Данные"]
    assert cell(ws, 1, "Данные").value == "есть данные"
    assert cell(ws, 2, "Данные").value == "нет данных"
    assert cell(ws, 1, "Динамика к I полугодию").value == "лучше"
    assert cell(ws, 1, "Динамика к прошлому году").value == "хуже"
    assert cell(ws, 1, "Полугодие").value == "II полугодие"
    assert cell(ws, 1, "Направление улучшения").value == "чем выше, тем лучше"
    # the code of the indicator and its methodology reference stay in the Parquet
    assert "Показатель (код)" not in header(ws) and "Пункт методики" not in header(ws)

    ws = workbook(con, "mart_shnor")["Данные"]
    assert cell(ws, 1, "Низкие результаты в предыдущем году").value == "ВПР, математика, 5 класс; ОГЭ, математика"
    assert cell(ws, 1, "Низкие результаты в позапрошлом году").value is None
    assert cell(ws, 1, "Сравнение с перечнем ФИОКО").value == "только в расчёте по методике"
    assert cell(ws, 1, "Изменение в перечне").value == "вошла в перечень"

    ws = workbook(con, "mart_plan_status")["Данные"]
    assert cell(ws, 1, "Статус исполнения").value == "просрочено"


def test_shares_keep_exact_values_under_a_tenths_format_and_counts_a_thousands_format(con):
    ws = workbook(con, "mart_procedure_results")["Данные"]
    share, count = cell(ws, 1, "Доля низких результатов, %"), cell(ws, 2, "Участников")
    assert share.value == 31.25 and share.number_format == "0.0"
    assert cell(ws, 2, "Доля низких результатов, %").value == pytest.approx(8.747920762)
    assert count.value == 13226 and count.number_format == "#,##0"
    assert cell(ws, 2, "Низких результатов («2» / ниже порога)").value == 1157
    ws = workbook(con, "mart_prevention")["Данные"]
    assert cell(ws, 1, "Значение в прошлом году, %").number_format == "0.0"
    assert cell(ws, 1, "Изменение к прошлому году, п. п.").value == -10.0
    assert cell(ws, 1, "Числитель").number_format == "#,##0"


def test_dates_are_excel_dates(con):
    ws = workbook(con, "mart_plan_status")["Данные"]
    due = cell(ws, 1, "Срок (дата)")
    assert due.is_date and due.value == datetime(2023, 10, 31) and due.number_format == "dd.mm.yyyy"
    assert cell(ws, 1, "Дата оценки исполнения").value == datetime(2024, 6, 10)


def test_school_lists_are_rows_of_the_schools_sheet(con):
    wb = workbook(con, "mart_prevention")
    data = wb["Данные"]
    assert cell(data, 1, "Школ в показателе").value == 1 and cell(data, 1, "Школ без данных").value == 1
    schools = wb["Школы"]
    assert header(schools) == ["Учебный год", "Полугодие", "Код муниципалитета", "Муниципалитет", "Показатель",
                               "Код ОО", "ОО (краткое наименование)", "Входит в показатель", "Нет данных"]
    indicator = "Доля ОУ, в которых сформирована система профилактики"
    assert values(schools) == [
        ["2023/2024", "II полугодие", "mo1", "Город Первый", indicator, "a1", "СОШ № 1", "да", "нет"],
        ["2023/2024", "II полугодие", "mo1", "Город Первый", indicator, "b2", "СОШ № 2", "нет", "да"],
        ["2023/2024", "II полугодие", "mo2", "Посёлок Второй", indicator, "c3", "Гимназия", "нет", "да"],
    ]


def test_per_school_values_join_the_schools_sheet(con):
    schools = workbook(con, "mart_shnor_monitoring")["Школы"]
    assert header(schools)[-4:] == ["Входит в показатель", "Нет данных", "Значение в прошлом году, %",
                                    "Значение в текущем году, %"]
    assert [r[4:] for r in values(schools)] == [["a1", "СОШ № 1", "да", "нет", 40.0, 25.0],
                                                ["b2", "СОШ № 2", "нет", "нет", 10.0, 12.5]]
    assert cell(schools, 2, "Значение в текущем году, %").number_format == "0.0"


def test_title_row_then_frozen_filterable_header_and_notes(con):
    wb = workbook(con, "mart_procedure_results")
    ws = wb["Данные"]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:L5"  # header row 2 and the three data rows; 12 columns
    rows = values(wb["Пояснения"], 1)
    split = [r[0] for r in rows].index("Столбец")
    notes = {r[0]: r[1] for r in rows[:split] if r[0]}
    columns = {r[0]: r[1] for r in rows[split + 1:]}
    assert notes["Учебный год"] == "2022/2023 учебный год"
    assert notes["Строк на листе «Данные»"] == "3"
    assert notes["Версия методики"] == "v1"
    assert columns["Доля низких результатов, %"].startswith("доля, %")
    assert columns["Участников"] == "число"


def test_each_municipality_gets_its_own_workbook(con):
    books = export.municipality_xlsx(con, "mart_procedure_results", 2022)
    assert sorted(books) == ["mo1", "mo2"]
    ws = load_workbook(io.BytesIO(books["mo1"]))["Данные"]
    assert ws["A1"].value == "Результаты оценочных процедур по школам, 2022/2023 учебный год — Город Первый"
    assert [r[0] for r in values(ws)] == ["a1", "b2"]
    prevention = export.municipality_xlsx(con, "mart_prevention", 2023)
    wb = load_workbook(io.BytesIO(prevention["mo2"]))
    assert [r[5] for r in values(wb["Школы"])] == ["c3"]  # (AY, half, municipality code and name, indicator)
    assert [r[2] for r in values(wb["Данные"])] == ["mo2"]
    # a table without municipalities (the plan) has no per-municipality files
    assert export.municipality_xlsx(con, "mart_plan_status", 2023) == {}


def test_parquet_keeps_contract_names_and_integer_counts(con):
    t = pq.read_table(io.BytesIO(export.parquet_bytes(con, "mart_procedure_results", 2022)))
    assert t.column_names[:7] == ["school_code", "ay", "municipality_code", "short_name", "procedure", "kind",
                                  "participants"]
    assert str(t.schema.field("participants").type) == "int64"
    assert t.column("participants").to_pylist() == [16, 13226, 12]
    assert t.column("low_share_pct").to_pylist()[0] == 31.25
    t = pq.read_table(io.BytesIO(export.parquet_bytes(con, "mart_prevention", 2023)))
    assert str(t.schema.field("numerator").type) == "int64"
    assert t.column("numerator").to_pylist() == [1, None]
    assert t.column("trend_vs_prev_year").to_pylist() == ["worse", None]  # codes for machines


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """Every mart of the four cycles, computed by the product from the report fixture's inbox."""
    from tests.helpers import compute
    from tests.report_fixture import AY, write_inbox

    tmp = tmp_path_factory.mktemp("marts")
    inbox = write_inbox(tmp / "inbox")
    marts = []
    for cycle in ("september", "october", "january", "june"):
        c, cfg = compute(inbox, tmp / "w.duckdb", cycle, AY)
        marts += [(m, AY + o) for m, o in cfg["cycles"][cycle]["marts"]]
        c.close()
    c = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    yield c, sorted(set(marts))
    c.close()


def test_every_column_of_every_output_table_has_a_russian_title(computed):
    from reports.tables import COLUMN_TITLES

    con, marts = computed
    assert {m for m, _ in marts} == set(export.OUTPUT_TABLES)
    assert set(TABLE_TITLES) == {name for name, _ in export.OUTPUT_TABLES.values()}
    for mart, ay in marts:
        for name, *_ in con.execute(f"DESCRIBE {mart}").fetchall():
            assert re.search("[А-Яа-яЁё]", COLUMN_TITLES.get(name, "")), (mart, name)
        wb = load_workbook(io.BytesIO(export.xlsx_bytes(export.table_query(con, mart, ay))))
        for ws in wb.worksheets:
            if ws.title == "Пояснения":
                continue
            assert all(not SNAKE.search(t) for t in header(ws)), (mart, header(ws))
            for row in values(ws):
                for v in row:
                    assert not (isinstance(v, str) and (SNAKE.search(v) or "{" in v or v in CODES)), (mart, v)
