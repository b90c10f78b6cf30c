"""Session 10, clk10: the clerk sources' path without per-cell Python where Arrow or numpy
can do the same — numbers as text, vocabularies, the sheet's rows as tuples, the columns of
the rows, the per-file columns of regional Parquet files. Expected values written by hand."""

from __future__ import annotations

import datetime

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from schemas.contracts import _as_text, parse_column
from schemas.sources import SOURCES
from tasks.ingest import check_files
from tasks.parse import transpose
from tasks.read import read_sheets


def test_numbers_as_text_as_python_writes_them():
    cells = pd.Series([5.0, 2.5, 0.1, -0.0, 1e-05, 1e16, 0.30000000000000004, 2697663051265.1494, float("inf"),
                       float("-inf"), float("nan"), 2.0 ** 63, -12.75, 0.0001, None])
    assert _as_text(cells).tolist() == [
        "5", "2.5", "0.1", "0", "1e-05", "10000000000000000", "0.30000000000000004",
        # 17 digits: Arrow's own text has an exponent here, Python's has none
        "2697663051265.1494", "inf", "-inf", pd.NA, "9223372036854775808", "-12.75", "0.0001", pd.NA]
    # a masked column, with its own index kept
    masked = pd.Series([3.0, None, 45.5], dtype="Float64", index=[7, 8, 9])
    out = _as_text(masked)
    assert out.tolist() == ["3", pd.NA, "45.5"] and out.index.tolist() == [7, 8, 9]
    assert str(out.dtype) == "string"


def test_vocabulary_column_read_once_per_distinct_text():
    raw = pd.Series(["Математика", " русский язык ", "МАТЕМАТИКА", "Астрология", None, "математика"], dtype=object)
    values, bad, rule = parse_column(raw, SOURCES["olympiad"].col("subject"))
    assert values.tolist() == ["math", "russian", "math", pd.NA, pd.NA, "math"]
    assert bad.tolist() == [False, False, False, True, False, False]
    assert str(values.dtype) == "string"
    assert rule == "неизвестное значение (предмет)"


def test_columns_of_rows_of_one_width_and_of_several():
    assert [list(c) for c in transpose([("a", 1.0, None), ("b", 2.0, "x")])] == [["a", "b"], [1.0, 2.0], [None, "x"]]
    # a short row is padded with empty cells
    assert [list(c) for c in transpose([["a"], ["b", 2]])] == [["a", "b"], [None, 2]]
    assert transpose([]) == []


def test_xlsx_rows_from_row_one_and_column_a(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws["C3"] = "Код ОО"
    ws["D3"] = 12.5
    ws["C4"] = 7
    ws["E5"] = datetime.date(2024, 3, 1)
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    ((name, rows),) = read_sheets(path)
    assert name == "Лист1"
    # the rows a person counts in Excel: two empty rows, then the data, columns A and B empty
    assert [list(r) for r in rows] == [
        ["", "", "", "", ""],
        ["", "", "", "", ""],
        ["", "", "Код ОО", 12.5, ""],
        ["", "", 7, "", ""],
        ["", "", "", "", datetime.date(2024, 3, 1)],
    ]


def test_regional_parquet_files_keep_their_file_row_and_sha(tmp_path):
    folder = tmp_path / "2022" / "staff"
    folder.mkdir(parents=True)
    for name, codes in (("region_01.parquet", ["s1", "s2"]), ("region_02.parquet", ["s3"]),
                        ("region_03.parquet", ["s4", "s5", "s6"])):
        pq.write_table(pa.table({"school_code": codes, "teachers_total": pa.array([10] * len(codes), pa.int64())}),
                       folder / name)
    files = sorted(folder.iterdir())
    shas = {"region_01.parquet": "a1", "region_02.parquet": "b2", "region_03.parquet": "c3"}
    res = check_files(files, SOURCES["staff"], load_config(), shas=shas)
    got = list(zip(res.good["school_code"], res.good["_file"], res.good["_sheet"], res.good["_row"].astype(int),
                   res.good["_sha256"]))
    assert got == [("s1", "region_01.parquet", "", 2, "a1"), ("s2", "region_01.parquet", "", 3, "a1"),
                   ("s3", "region_02.parquet", "", 2, "b2"), ("s4", "region_03.parquet", "", 2, "c3"),
                   ("s5", "region_03.parquet", "", 3, "c3"), ("s6", "region_03.parquet", "", 4, "c3")]
    assert str(res.good["_row"].dtype) == "Int64"
