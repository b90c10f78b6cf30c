"""Issue 11, damaged values: each named as such, on both ingest paths.

Excel error cells (#N/A, #DIV/0! — calamine reads them as empty) are named by their
error; «inf» / «nan» are not numbers; a 23-digit count is an error, never an int64 wrap;
a school code that would become a path segment («../../../x») is refused; a KOI8-R or
cp866 file gets an encoding hint. Real XLSX files written with openpyxl (error cells with
`data_type = "e"`, as Excel stores them), real CSV bytes. The clerk-sized path
(`check_files`, pandas) and the bulk path (`ingest_source` of `vpr_stats`, DuckDB) give the
same messages.
"""

from __future__ import annotations

import openpyxl
import pytest

from edumon.config import load_config
from schemas.sources import SOURCES
from tasks.ingest import check_files, ingest_source
from tasks.warehouse import connect

EXCEL_ERROR = "ошибка Excel в ячейке вместо значения (формула не вычислилась) — исправьте формулу или введите значение"
NOT_FINITE = "ожидается конечное число (бесконечность и «nan» — не числа)"
TOO_LARGE = "число слишком большое для количества (больше 9 007 199 254 740 991) — проверьте ячейку"
BAD_CODE = "код может содержать только буквы, цифры, «-» и «_» (он становится частью имён файлов и ключей)"


def _xlsx(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws.append(header)
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(r, c)
            cell.value = v
            if isinstance(v, str) and v.startswith("#") and v.endswith(("!", "A", "?")):
                cell.data_type = "e"   # an error cell, as Excel writes #N/A, #DIV/0!, #VALUE!, #NAME?
            elif isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"   # text that starts with «=», not a formula
    wb.save(path)
    return path


def test_damaged_numbers_and_codes_on_the_clerk_path(tmp_path):
    path = _xlsx(tmp_path / "oo2.xlsx", ["Код ОО", "Компьютеров всего"], [
        ["a1", "#N/A"],                        # row 2: error cell
        ["b2", "#DIV/0!"],                     # row 3: error cell
        ["c3", "inf"],                         # row 4
        ["d4", "nan"],                         # row 5
        ["e5", "12345678901234567890123"],     # row 6: 23 digits
        ["../../../x", 5],                     # row 7: a code that would be a path
        ["f6", 7],                             # row 8: fine
    ])
    res = check_files([path], SOURCES["oo2"], load_config())
    got = [(p.row, p.column, p.value, p.rule) for p in res.problems]
    assert got == [
        (7, "Код ОО", "../../../x", BAD_CODE),
        (2, "Компьютеров всего", "#N/A", EXCEL_ERROR),
        (3, "Компьютеров всего", "#DIV/0!", EXCEL_ERROR),
        (4, "Компьютеров всего", "inf", NOT_FINITE),
        (5, "Компьютеров всего", "nan", NOT_FINITE),
        (6, "Компьютеров всего", "12345678901234567890123", TOO_LARGE),
    ]
    assert res.problems[1].message() == (f"файл «oo2.xlsx», лист «Лист1», строка 2, столбец «Компьютеров всего»: "
                                         f"значение «#N/A» — {EXCEL_ERROR}")
    assert (res.rows_in, len(res.good), len(res.rejected)) == (7, 1, 6)
    assert res.good["school_code"].tolist() == ["f6"]


def test_damaged_numbers_and_codes_on_the_bulk_path(tmp_path):
    inbox = tmp_path / "inbox"
    header = ["school_code", "grade", "subject", "participants", "mark2", "mark3", "mark4", "mark5"]
    _xlsx(inbox / "2022" / "vpr_stats" / "s.xlsx", header, [
        ["a1", 5, "math", "#N/A", 1, 1, 0, 0],                        # row 2
        ["b2", 5, "math", "12345678901234567890123", 1, 1, 0, 0],     # row 3
        ["c3", 5, "math", 2, "inf", 1, 0, 0],                         # row 4
        ["../x", 5, "math", 2, 1, 1, 0, 0],                           # row 5
        ["d4", 5, "math", 2, 1, 1, 0, 0],                             # row 6: fine
    ])
    con = connect(tmp_path / "w.duckdb")
    try:
        cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 100}})
        rep = ingest_source(con, inbox, "vpr_stats", 2022, "r", cfg)
        got = sorted((p.row, p.column, p.value, p.rule) for p in rep.problems)
        assert got == [
            (2, "participants", "#N/A", EXCEL_ERROR),
            (3, "participants", "12345678901234567890123", TOO_LARGE),
            (4, "mark2", "inf", NOT_FINITE),
            (5, "school_code", "../x", BAD_CODE),
        ]
        assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 1, 4)
        assert con.execute("SELECT school_code, participants FROM raw_vpr_stats").fetchall() == [("d4", 2)]
    finally:
        con.close()


@pytest.mark.parametrize("codec, title", [("koi8_r", "KOI8-R"), ("cp866", "CP866 (DOS)")])
def test_koi8r_and_cp866_files_get_an_encoding_hint(tmp_path, codec, title):
    text = ("Код ОО;Наименование организации;Муниципальное образование;Код МО\n"
            "sch1;Средняя общеобразовательная школа номер один;Городской округ Сургут;m1\n"
            "sch2;Основная общеобразовательная школа поселка Сосновый;Городской округ Сургут;m1\n")
    path = tmp_path / "реестр.csv"
    path.write_bytes(text.encode(codec))
    res = check_files([path], SOURCES["schools"], load_config())
    [p] = res.problems
    assert p.message() == (f"файл «реестр.csv» — файл, по-видимому, в кодировке {title}: такие файлы не читаются — "
                           f"сохраните файл в UTF-8 или Windows-1251 (в Excel: «Сохранить как» → «CSV UTF-8»).")
    # the same text in Windows-1251 reads
    path.write_bytes(text.encode("cp1251"))
    assert check_files([path], SOURCES["schools"], load_config()).problems == []


GIA_HEADER = ["Код участника", "Код ОО", "Форма ГИА", "Предмет", "Этап", "Пересдача", "Отметка",
              "Преодолел минимальный порог"]
GIA_ROWS = [
    ["p1", "a1", "ОГЭ", "Математика", "Основной", "нет", 2, "да"],       # row 2: «2» with the threshold passed
    ["p2", "a1", "ОГЭ", "Математика", "Основной", "нет", 3, "да"],       # row 3: p2's first attempt …
    ["p2", "a1", "ОГЭ", "Математика", "Резервный", "нет", 4, "да"],      # row 4: … and a second one
    ["p3", "a1", "ОГЭ", "Математика", "Основной", "нет", 2, "нет"],      # row 5: fine
    ["p3", "a1", "ОГЭ", "Математика", "Дополнительный", "да", 3, "да"],  # row 6: a retake, fine
    ["p4", "a1", "ОГЭ", "Математика", "Основной", "нет", 4, "да"],       # row 7: fine
]
MARK2 = ("отметка «2» за ОГЭ при «Преодолел минимальный порог» = «да» — одно из двух неверно: проверьте отметку и "
         "признак преодоления порога")
TWO_FIRST = ("у участника две или больше первых попыток (не пересдачи) по одному экзамену и предмету — оставьте одну, "
             "остальные отметьте как пересдачу")


def test_gia_consistency_on_both_paths(tmp_path):
    path = _xlsx(tmp_path / "inbox" / "2022" / "gia" / "gia.xlsx", GIA_HEADER, GIA_ROWS)
    expected = [(2, "Отметка", "2, «Преодолел минимальный порог» = да", MARK2),
                (3, "Код участника", "", TWO_FIRST), (4, "Код участника", "", TWO_FIRST)]
    res = check_files([path], SOURCES["gia"], load_config())
    assert sorted((p.row, p.column, p.value, p.rule) for p in res.problems) == expected
    assert (res.rows_in, len(res.rejected)) == (6, 3)
    con = connect(tmp_path / "w.duckdb")
    try:
        cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 100}})
        rep = ingest_source(con, tmp_path / "inbox", "gia", 2022, "r", cfg)
        assert sorted((p.row, p.column, p.value, p.rule) for p in rep.problems) == expected
        assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (6, 3, 3)
    finally:
        con.close()


def test_text_that_a_spreadsheet_would_take_for_a_formula_is_stored_as_text_and_flagged(tmp_path):
    dde = "=cmd|' /C calc'!A0"
    # clerk path: the registry's school name
    path = _xlsx(tmp_path / "r.xlsx", ["Код ОО", "Полное наименование", "Код МО", "Муниципальное образование"], [
        ["a1", dde, "m1", "Город"],          # row 2
        ["b2", "+7 школа", "m1", "Город"],   # row 3
        ["c3", "Школа № 3", "m1", "-5"],     # row 4: a number, not flagged
    ])
    res = check_files([path], SOURCES["schools"], load_config())
    assert res.problems == []
    assert res.good["school_name"].tolist() == [dde, "+7 школа", "Школа № 3"]
    flagged = [w for w in res.warnings if "сохранено как текст" in w]
    assert flagged == [
        "Файл «r.xlsx», лист «Лист1», столбец «Полное наименование»: значение «+7 школа» начинается с «+» — "
        "сохранено как текст, не как формула; проверьте ячейку (строк: 1).",
        f"Файл «r.xlsx», лист «Лист1», столбец «Полное наименование»: значение «{dde}» начинается с «=» — "
        f"сохранено как текст, не как формула; проверьте ячейку (строк: 1).",
    ]
    # bulk path: a ВПР statistics school name
    inbox = tmp_path / "inbox"
    _xlsx(inbox / "2022" / "vpr_stats" / "s.xlsx",
          ["school_code", "school_name", "grade", "subject", "participants", "mark2", "mark3", "mark4", "mark5"],
          [["a1", "@школа", 5, "math", 2, 1, 1, 0, 0], ["b2", "@школа", 5, "math", 2, 1, 1, 0, 0]])
    con = connect(tmp_path / "w.duckdb")
    try:
        rep = ingest_source(con, inbox, "vpr_stats", 2022, "r", load_config())
        assert rep.rows_loaded == 2 and rep.problems == []
        assert [w for w in rep.warnings if "сохранено как текст" in w] == [
            "Файл «s.xlsx», лист «Лист1», столбец «school_name»: значение «@школа» начинается с «@» — сохранено как "
            "текст, не как формула; проверьте ячейку (строк: 2)."]
        assert con.execute("SELECT DISTINCT school_name FROM raw_vpr_stats").fetchall() == [("@школа",)]
    finally:
        con.close()
