"""A table longer than an Excel sheet (the country's procedure_results, ≈ 1.5 M rows a
year) continues on further sheets instead of failing; tested with a small sheet size."""

from __future__ import annotations

import pandas as pd
from python_calamine import CalamineWorkbook

from tasks import export


def test_long_table_continues_on_further_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    df = pd.DataFrame({"school_code": ["a", "b", "c", "d", "e"], "participants": [1, 2, 3, 4, 5]})
    path = tmp_path / "t.xlsx"
    path.write_bytes(export.xlsx_bytes(df, "procedure_results"))
    wb = CalamineWorkbook.from_path(str(path))
    # 5 rows at 2 per sheet → 3 sheets: a,b | c,d | e, each under the title row and its (Russian) header
    assert wb.sheet_names == ["Данные", "Данные (2)", "Данные (3)", "Пояснения"]
    sheets = [wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names[:3]]
    title = "Результаты оценочных процедур по школам"
    assert sheets[0] == [[title, ""], ["Код ОО", "Участников"], ["a", 1.0], ["b", 2.0]]
    assert sheets[1] == [[title, ""], ["Код ОО", "Участников"], ["c", 3.0], ["d", 4.0]]
    assert sheets[2] == [[title, ""], ["Код ОО", "Участников"], ["e", 5.0]]


def test_short_table_is_one_sheet(tmp_path):
    df = pd.DataFrame({"school_code": ["a"], "is_shnor": [True]})
    path = tmp_path / "t.xlsx"
    path.write_bytes(export.xlsx_bytes(df, "shnor"))
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["Данные", "Пояснения"]
    assert wb.get_sheet_by_name("Данные").to_python()[1:] == [["Код ОО", "ШНОР"], ["a", "да"]]


def test_constant_memory_mode_writes_the_same_sheets(tmp_path, monkeypatch):
    """A large table is written row by row in xlsxwriter's constant_memory mode: the same
    cells, split the same way, as a small one built in memory."""
    df = pd.DataFrame({"school_code": ["a", "b", "c"], "low_share_pct": [31.25, 8.75, 0.0]})
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    in_memory = export.xlsx_bytes(df, "procedure_results")
    monkeypatch.setattr(export, "CONSTANT_MEMORY_ROWS", 0)
    streamed = export.xlsx_bytes(df, "procedure_results")
    sheets = []
    for data in (in_memory, streamed):
        path = tmp_path / "t.xlsx"
        path.write_bytes(data)
        wb = CalamineWorkbook.from_path(str(path))
        sheets.append({n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names})
    assert sheets[0] == sheets[1]
    assert sheets[1]["Данные (2)"][2:] == [["c", 0.0]]
