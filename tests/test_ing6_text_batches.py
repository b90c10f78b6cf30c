"""Issue 12, session 6: the CSV and XLSX sheets of a bulk source that have the same columns
are typed together (one `parse_column` per column, as the Parquet files are) and still
reported file by file, row by row. Expected messages and rows written out by hand."""

from __future__ import annotations

import openpyxl

from edumon.config import load_config
from tasks import bulk
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

HEADER = ["participant_id", "school_code", "exam", "subject", "mark"]


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def _inbox(inbox):
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("s1", "s2", "s3")])
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True)
    # region_01: row 3's mark «пять» is not a number
    _xlsx(folder / "region_01.xlsx", [["p1", "s1", "ОГЭ", "math", 4], ["p2", "s1", "ОГЭ", "math", "пять"]])
    # region_02 (CSV, the same columns): clean
    write_csv(folder / "region_02.csv", [dict(zip(HEADER, ["p3", "s2", "ЕГЭ", "math", "5"]))])
    # region_03: row 2's mark 3.5 is not whole; row 4 is clean
    _xlsx(folder / "region_03.xlsx", [["p4", "s3", "ОГЭ", "math", 3.5], ["p5", "s3", "ОГЭ", "math", 3],
                                      ["p6", "s3", "ОГЭ", "math", 2]])


def test_text_sheets_typed_together_reported_file_by_file(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    _inbox(inbox)
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 90.0}})
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    calls = []
    real = bulk.parse_column
    monkeypatch.setattr(bulk, "parse_column", lambda raw, col: calls.append(col.name) or real(raw, col))
    rep = ingest_source(con, inbox, "gia", 2022, "r1", cfg)
    # the three sheets are one batch: each column typed once, not once per sheet
    assert sorted(calls) == sorted(HEADER)
    msgs = [p.message() for p in rep.problems]
    assert msgs == ["файл «region_01.xlsx», лист «Sheet», строка 3, столбец «mark»: значение «пять» — ожидается целое число",
                    "файл «region_03.xlsx», лист «Sheet», строка 2, столбец «mark»: значение «3.5» — ожидается целое число"]
    assert rep.rows_in == 6 and rep.rows_quarantined == 2 and rep.rows_loaded == 4
    loaded = con.execute("SELECT _file, _row, school_code, exam, mark FROM raw_gia ORDER BY _file, _row").fetchall()
    assert loaded == [("region_01.xlsx", 2, "s1", "oge", 4), ("region_02.csv", 2, "s2", "ege", 5),
                      ("region_03.xlsx", 3, "s3", "oge", 3), ("region_03.xlsx", 4, "s3", "oge", 2)]
    quarantined = con.execute("SELECT file, row FROM quarantine WHERE source = 'gia' ORDER BY file, row").fetchall()
    assert quarantined == [("region_01.xlsx", 3), ("region_03.xlsx", 2)]
    con.close()
