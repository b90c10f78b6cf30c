"""Cell references in the export's sheet XML (tasks/export.py, xo8): a cell whose left
neighbour is written in every row of the sheet has no `r` (a reader puts it in the next
column); the first cell of a row, and every cell right of a column that is empty in some
row, keep theirs. Real workbooks, read by openpyxl and by calamine, cells worked
by hand.

Fixture: three schools of two municipalities; `short_name` (D) is empty for «b3» and
`is_low` (I) for «a2» and «b3», every other column is written in every row.
"""

from __future__ import annotations

import io
import re
import zipfile

import duckdb
import pytest
from openpyxl import load_workbook

from tasks import export


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("""CREATE TABLE mart_procedure_results AS SELECT * FROM (VALUES
      ('007', 2022, 'mo1', 'СОШ № 1', 'vpr_math_5', 16::HUGEINT, 5::HUGEINT, 31.25::DOUBLE, true),
      ('a2', 2022, 'mo1', 'Лицей', 'vpr_russian_4', 20::HUGEINT, 1::HUGEINT, 5.0::DOUBLE, NULL),
      ('b3', 2022, 'mo2', NULL, 'ege_math_base', 12::HUGEINT, 0::HUGEINT, 0.0::DOUBLE, NULL)
    ) t(school_code, ay, municipality_code, short_name, procedure, participants, low_count, low_share_pct, is_low)""")
    yield c
    c.close()


ROWS = [["007", "2022/2023", "mo1", "СОШ № 1", "ВПР, математика, 5 класс", 16, 5, 31.25, "да"],
        ["a2", "2022/2023", "mo1", "Лицей", "ВПР, русский язык, 4 класс", 20, 1, 5.0, None],
        ["b3", "2022/2023", "mo2", None, "ЕГЭ, математика (базовая)", 12, 0, 0.0, None]]


def _rows_xml(data: bytes) -> list[str]:
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<row r="([3-9])">(.*?)</row>', xml)


def test_which_cells_keep_their_reference(con):
    data = export.xlsx_bytes(export.table_query(con, "mart_procedure_results", 2022))
    rows = dict(_rows_xml(data))
    refs = {r: re.findall(r'<c( r="([A-Z]+)\d+")?[ >]', xml) for r, xml in rows.items()}
    # A: the row's first cell; E: right of D (empty for b3); the rest follow a full column
    assert [ref for _, ref in refs["3"]] == ["A", "", "", "", "E", "", "", "", ""]
    assert [ref for _, ref in refs["4"]] == ["A", "", "", "", "E", "", "", ""]   # no I: is_low empty
    assert [ref for _, ref in refs["5"]] == ["A", "", "", "E", "", "", ""]       # no D, no I
    assert '<c r="E5" t="inlineStr">' in rows["5"]


def test_openpyxl_reads_every_cell_where_it_was(con):
    for data in [export.xlsx_bytes(export.table_query(con, "mart_procedure_results", 2022))]:
        ws = load_workbook(io.BytesIO(data))["Данные"]
        assert [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_col=9)] == ROWS
        assert ws["F3"].number_format == "#,##0" and ws["H3"].number_format == "0.0" and ws["H4"].value == 5.0
    books = export.municipality_xlsx(con, "mart_procedure_results", 2022)
    mo2 = load_workbook(io.BytesIO(books["mo2"]))["Данные"]
    assert [c.value for c in mo2[3]] == ROWS[2]
    assert mo2["E3"].value == "ЕГЭ, математика (базовая)" and mo2["D3"].value is None


def test_calamine_reads_every_cell_where_it_was(con):
    """A second reader, independent of openpyxl (calamine, in Rust: what pandas' and polars'
    fast XLSX readers use)."""
    from python_calamine import CalamineWorkbook

    data = export.xlsx_bytes(export.table_query(con, "mart_procedure_results", 2022))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Данные").to_python()
    got = [[None if v == "" else v for v in r] for r in rows[2:5]]
    assert got == [[int(v) if isinstance(v, int) else v for v in r] for r in ROWS]
