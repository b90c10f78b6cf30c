"""The XLSX whose sheet XML DuckDB writes (tasks/export.py, xlsx5): real files opened with
openpyxl, cells worked by hand.

Fixture (a hand-made procedure_results of two municipalities):
- «007» (a code with leading zeros, stays text), school «СОШ "Ромашка" & <№1>» + newline +
  «корпус 2» (every character XML escapes), 5 low of 16 = 31,25 % (shown «31,3» by «0.0»),
  16 participants «#,##0»;
- «a2», the name «Школа\\x01_x0041_» (a control character and a literal `_xHHHH_`, which
  Excel keeps as `_x0001_` and `_x005F_x0041_`), 1 157 of 13 226 participants;
- «b3» in the second municipality «mo2», 0 of 12.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from tasks import export

NAME = 'СОШ "Ромашка" & <№1>\nкорпус 2'


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("""CREATE TABLE mart_procedure_results AS SELECT * FROM (VALUES
      ('007', 2022, 'mo1', ?, 'vpr_math_5', 16::HUGEINT, 5::HUGEINT, 31.25::DOUBLE, true),
      ('a2', 2022, 'mo1', ?, 'vpr_russian_4', 13226::HUGEINT, 1157::HUGEINT, 100.0 * 1157 / 13226, false),
      ('b3', 2022, 'mo2', 'Гимназия', 'ege_math_base', 12::HUGEINT, 0::HUGEINT, 0.0::DOUBLE, NULL)
    ) t(school_code, ay, municipality_code, short_name, procedure, participants, low_count, low_share_pct, is_low)""",
              [NAME, "Школа\x01_x0041_"])
    yield c
    c.close()


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes, n: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{n}.xml").decode()


def test_cells_formats_and_escaping(con):
    data = export.xlsx_bytes(export.table_query(con, "mart_procedure_results", 2022))
    wb = _book(data)
    assert wb.sheetnames == ["Данные", "Пояснения"]
    ws = wb["Данные"]
    assert ws["A1"].value == "Результаты оценочных процедур по школам, 2022/2023 учебный год"
    assert ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["Код ОО", "Учебный год", "Код муниципалитета", "ОО (краткое наименование)",
                                        "Оценочная процедура", "Участников", "Низких результатов («2» / ниже порога)",
                                        "Доля низких результатов, %", "Низкий результат"]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:I5"
    first = [c.value for c in ws[3]]
    assert first == ["007", "2022/2023", "mo1", NAME, "ВПР, математика, 5 класс", 16, 5, 31.25, "да"]
    assert ws["A3"].data_type == "s"  # the code keeps its zeros
    assert ws["F3"].number_format == "#,##0" and ws["H3"].number_format == "0.0"
    assert ws["H4"].value == pytest.approx(8.747920762)
    assert ws["F4"].value == 13226 and ws["G4"].value == 1157
    assert ws["I5"].value is None  # no data: an empty cell, not «нет»
    assert ws["H5"].value == 0.0
    # the XML itself: &<> escaped, the newline kept, the quote as is; Excel's _xHHHH_ escapes
    xml = _sheet_xml(data)
    assert '<t xml:space="preserve">СОШ "Ромашка" &amp; &lt;№1&gt;\nкорпус 2</t>' in xml
    assert "Школа_x0001__x005F_x0041_" in xml
    # (xo8: a cell right of a column written in every row has no reference, tests/test_xo8_export.py)
    assert '<c s="3"><v>31.25</v></c>' in xml


def test_dates_are_serial_numbers_with_a_date_format():
    df = pd.DataFrame({"measure_no": ["1"], "due_date": [date(2023, 10, 31)], "reference_date": [date(1900, 3, 1)]})
    data = export.xlsx_bytes(df, "plan_status")
    ws = _book(data)["Данные"]
    # 31.10.2023 is Excel's day 45 230 (1 = 01.01.1900, counting Excel's 29.02.1900); 01.03.1900 is day 61
    assert '<v>45230</v>' in _sheet_xml(data) and '<v>61</v>' in _sheet_xml(data)
    assert ws["B3"].is_date and ws["B3"].value == datetime(2023, 10, 31) and ws["B3"].number_format == "dd.mm.yyyy"


def test_whole_table_and_municipality_split_on_small_sheets(con, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    wb = _book(export.xlsx_bytes(export.table_query(con, "mart_procedure_results", 2022)))
    assert wb.sheetnames == ["Данные", "Данные (2)", "Пояснения"]
    assert [r[0] for r in wb["Данные"].iter_rows(min_row=3, values_only=True)] == ["007", "a2"]
    second = wb["Данные (2)"]
    assert second["A1"].value.startswith("Результаты оценочных процедур") and second["A2"].value == "Код ОО"
    assert [r[0] for r in second.iter_rows(min_row=3, values_only=True)] == ["b3"]
    assert second.auto_filter.ref == "A2:I3" and second.freeze_panes == "A3"
    notes = {r[0]: r[1] for r in wb["Пояснения"].iter_rows(values_only=True) if r[0]}
    assert notes["Строк на листе «Данные»"] == "3"

    books = export.municipality_xlsx(con, "mart_procedure_results", 2022)
    assert sorted(books) == ["mo1", "mo2"]
    mo1, mo2 = _book(books["mo1"]), _book(books["mo2"])
    assert mo1.sheetnames == ["Данные", "Пояснения"] and mo2.sheetnames == ["Данные", "Пояснения"]
    assert mo1["Данные"]["A1"].value.endswith("— mo1")
    assert [r[0] for r in mo1["Данные"].iter_rows(min_row=3, values_only=True)] == ["007", "a2"]
    assert [r[0] for r in mo2["Данные"].iter_rows(min_row=3, values_only=True)] == ["b3"]
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 1)
    mo1 = _book(export.municipality_xlsx(con, "mart_procedure_results", 2022)["mo1"])
    assert mo1.sheetnames == ["Данные", "Данные (2)", "Пояснения"]
    assert mo1["Данные (2)"]["A3"].value == "a2"
    # openpyxl shows an inline string's Excel escapes as written (Excel shows the characters)
    assert mo1["Данные (2)"]["D3"].value == "Школа_x0001__x005F_x0041_"


def test_the_same_table_gives_the_same_bytes(con):
    q = export.table_query(con, "mart_procedure_results", 2022)
    assert export.xlsx_bytes(q) == export.xlsx_bytes(q)


def test_rows_fetched_one_at_a_time_give_the_same_workbooks(con, monkeypatch):
    """A sheet's XML is streamed CHUNK_ROWS rows at a time: one row a chunk gives the same
    bytes as the default, for the whole table (3 rows: 3 chunks) and for each municipality
    (mo1's 2 rows span two chunks), rows in the table's order."""
    q = export.table_query(con, "mart_procedure_results", 2022)
    whole, books = export.xlsx_bytes(q), export.municipality_xlsx(con, "mart_procedure_results", 2022)
    monkeypatch.setattr(export, "CHUNK_ROWS", 1)
    assert export.xlsx_bytes(q) == whole
    assert export.municipality_xlsx(con, "mart_procedure_results", 2022) == books
    assert [r[0] for r in _book(whole)["Данные"].iter_rows(min_row=3, values_only=True)] == ["007", "a2", "b3"]
