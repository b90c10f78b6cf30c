"""The XLSX export as xlsx6 writes it (tasks/export.py): each sheet's rows streamed from
DuckDB as Arrow strings and cut into municipalities' workbooks, the zip written by hand.

Fixture (hand-made, two municipalities): a monitoring table with a list of schools per
indicator row, and `stg_schools` naming the schools; the school «s2»'s name holds a
control character (\\x02) and a literal `_x0042_`, and it appears only on the sheet «Школы»
of mo1's workbook (the data sheet has no such text). Excel keeps «\\x02» as `_x0002_` and a
literal `_x0042_` as `_x005F_x0042_`.
"""

from __future__ import annotations

import io
import zipfile

import duckdb
import pytest
from openpyxl import load_workbook

from tasks import export


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("""CREATE TABLE mart_shnor_monitoring AS SELECT * FROM (VALUES
      ('mo1', 2022, 1, 'Доля ШНОР', 2::BIGINT, ['s1', 's2']),
      ('mo1', 2022, 2, 'Доля ШНОР в прошлом году', 1::BIGINT, ['s1']),
      ('mo2', 2022, 1, 'Доля ШНОР', 0::BIGINT, []::VARCHAR[])
    ) t(municipality_code, ay, sort_order, indicator_title, value, schools)""")
    c.execute("""CREATE TABLE stg_schools AS SELECT * FROM (VALUES
      ('s1', 'mo1', 'Район 1', 'СОШ № 1'), ('s2', 'mo1', 'Район 1', ?), ('s3', 'mo2', 'Район 2', 'Лицей')
    ) t(school_code, municipality_code, municipality_name, short_name)""", ["Школа\x02_x0042_"])
    yield c
    c.close()


def _xml(data: bytes, n: int) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{n}.xml").decode()


def test_a_control_character_only_on_the_schools_sheet_is_escaped_there(con):
    books = export.municipality_xlsx(con, "mart_shnor_monitoring", 2022)
    assert sorted(books) == ["mo1", "mo2"]
    mo1 = books["mo1"]
    assert load_workbook(io.BytesIO(mo1)).sheetnames == ["Данные", "Школы", "Пояснения"]
    schools = _xml(mo1, 2)
    # three (indicator row, school) pairs: s1 and s2 of row 1, s1 of row 2
    assert schools.count("<row r=") == 2 + 3
    assert "Школа_x0002__x005F_x0042_" in schools and "\x02" not in schools
    wb = load_workbook(io.BytesIO(mo1))
    # openpyxl shows an inline string's Excel escapes as written (Excel shows the characters)
    assert list(wb["Школы"].iter_rows(min_row=3, values_only=True)) == [
        ("mo1", "2022/2023", "Доля ШНОР", "s1", "СОШ № 1", "да"),
        ("mo1", "2022/2023", "Доля ШНОР", "s2", "Школа_x0002__x005F_x0042_", "да"),
        ("mo1", "2022/2023", "Доля ШНОР в прошлом году", "s1", "СОШ № 1", "да")]
    assert list(wb["Данные"].iter_rows(min_row=3, values_only=True)) == [
        ("mo1", "2022/2023", "Доля ШНОР", 2, 2), ("mo1", "2022/2023", "Доля ШНОР в прошлом году", 1, 1)]
    assert wb["Данные"]["A1"].value.endswith("— Район 1")
    mo2 = load_workbook(io.BytesIO(books["mo2"]))
    assert list(mo2["Данные"].iter_rows(min_row=3, values_only=True)) == [("mo2", "2022/2023", "Доля ШНОР", 0, 0)]
    assert mo2["Школы"].max_row == 2  # title and header: no school in mo2's list


def test_rows_fetched_one_at_a_time_give_the_same_bytes(con, monkeypatch):
    """A municipality's rows may span several Arrow batches (CHUNK_ROWS rows each): one
    row a batch, two rows a batch and the default give byte-identical workbooks."""
    q = export.table_query(con, "mart_shnor_monitoring", 2022)
    whole, books = export.xlsx_bytes(q), export.municipality_xlsx(con, "mart_shnor_monitoring", 2022)
    for rows in (1, 2):
        monkeypatch.setattr(export, "CHUNK_ROWS", rows)
        assert export.xlsx_bytes(q) == whole
        assert export.municipality_xlsx(con, "mart_shnor_monitoring", 2022) == books


def test_the_hand_written_zip_is_what_zipfile_writes():
    """`_Zip` (members streamed or deflated once) against zipfile with the export's settings:
    the same bytes, and zipfile reads every member back."""
    members = {"xl/worksheets/sheet1.xml": [b"<row r=\"3\">", "Школа".encode() * 500, b"</row>"],
               "xl/styles.xml": [export.STYLES_XML.encode()], "docProps/app.xml": [b""]}
    mine = export._Zip()
    for name, parts in members.items():
        m = mine.open(name)
        for p in parts:
            m.write(p)
        m.close()
    ours = mine.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=export.ZIP_LEVEL) as z:
        for name, parts in members.items():
            zi = zipfile.ZipInfo(name, date_time=export.FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi._compresslevel = export.ZIP_LEVEL
            zi.external_attr = 0o644 << 16
            with z.open(zi, "w") as f:
                for p in parts:
                    f.write(p)
    assert ours == buf.getvalue()
    back = zipfile.ZipFile(io.BytesIO(ours))
    assert back.testzip() is None
    assert back.read("xl/worksheets/sheet1.xml") == b"".join(members["xl/worksheets/sheet1.xml"])
