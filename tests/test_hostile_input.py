"""Hostile input, one real file each: every case ends in a Russian message naming the
file, sheet, row, column, value and rule, and the good rows still load."""

from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest
import xlsxwriter

from edumon.config import load_config
from tasks.ingest import IngestError, ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def _cfg(**ingest):
    return load_config(overrides={"ingest": {"max_rejected_share_pct": 80.0, **ingest}})


def _quarantine(con):
    return con.execute("SELECT file, sheet, row, reasons FROM quarantine ORDER BY row NULLS FIRST").fetchall()


def test_zip_bomb_is_refused_before_parsing_and_the_years_data_is_kept(tmp_path, con):
    folder = tmp_path / "inbox" / "2023" / "oo2"
    folder.mkdir(parents=True)
    # 3 MiB of one repeated byte packs into a few KiB: ratio far above 100:1
    with zipfile.ZipFile(folder / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + " " * (3 * 2**20) + "</worksheet>")
    with pytest.raises(IngestError) as exc:
        ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg(max_uncompressed_mb=2.0))
    msg = str(exc.value)
    assert "файл «bomb.xlsx» — книга распаковывается в 3.0 МБ" in msg
    assert "похож на «zip-бомбу» и не открывается" in msg
    assert "Данные этого года не заменены" in msg
    assert _quarantine(con)[0][0] == "bomb.xlsx"


def test_sheet_declaring_too_many_rows_is_refused(tmp_path, con):
    folder = tmp_path / "inbox" / "2023" / "oo2"
    folder.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.append(["Код ОО", "Компьютеров всего"])
    wb.active.append(["s1", 5])
    wb.save(tmp_path / "small.xlsx")
    # the same workbook, its <dimension> rewritten to claim 2 000 000 rows
    with zipfile.ZipFile(tmp_path / "small.xlsx") as src, \
            zipfile.ZipFile(folder / "huge.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:B2000000"/>')
                assert b"B2000000" in data
            dst.writestr(item, data)
    with pytest.raises(IngestError) as exc:
        ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg(max_sheet_rows=300000))
    assert "лист объявляет 2000000 строк, допустимо не более 300000" in str(exc.value)


def test_formulas_are_never_executed_cached_values_load_and_uncached_are_rejected(tmp_path, con):
    folder = tmp_path / "inbox" / "2023" / "oo2"
    folder.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(folder / "f.xlsx"))
    ws = wb.add_worksheet("Лист1")
    ws.write_row(0, 0, ["Код ОО", "Компьютеров всего", "С доступом к Интернету"])
    ws.write_row(1, 0, ["s1", 10, 4])
    ws.write_string(2, 0, "s2")
    ws.write_formula(2, 1, "=5+7", None, 12)   # Excel saved the value 12: it is loaded
    ws.write_number(2, 2, 3)
    ws.write_string(3, 0, "s3")
    ws.write_formula(3, 1, "=A1*2", None, "")  # no cached value: row 4 rejected
    ws.write_number(3, 2, 1)
    wb.close()
    rep = ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert [p.message() for p in rep.problems] == [
        "файл «f.xlsx», лист «Лист1», строка 4, столбец «Компьютеров всего»: значение «формула без вычисленного "
        "значения» — формула вместо значения: формулы не вычисляются — вставьте значение "
        "(Специальная вставка → Значения)"]
    assert con.execute("SELECT school_code, computers_total FROM raw_oo2 ORDER BY 1").fetchall() == [
        ("s1", 10), ("s2", 12)]


def test_formula_text_in_csv_is_rejected_not_loaded(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "official_shnor" / "list.csv"
    write_csv(path, [{"Код ОО": "s1", "Наименование ОО": "СОШ № 1"},
                     {"Код ОО": "s2", "Наименование ОО": '=HYPERLINK("http://evil.example","СОШ № 2")'}],
              delimiter=";")
    rep = ingest_source(con, tmp_path / "inbox", "official_shnor", 2023, "r1", _cfg())
    assert [p.message() for p in rep.problems] == [
        'файл «list.csv», строка 3, столбец «Наименование ОО»: значение «=HYPERLINK("http://evil.example",'
        '"СОШ № 2")» — формула вместо значения: формулы не вычисляются — вставьте значение '
        '(Специальная вставка → Значения)']
    assert con.execute("SELECT school_code FROM raw_official_shnor").fetchall() == [("s1",)]


def test_utf16_csv_is_refused_with_how_to_save_it(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "oo2" / "u16.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("Код ОО;Компьютеров всего\ns1;5\n".encode("utf-16"))
    with pytest.raises(IngestError) as exc:
        ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert "файл «u16.csv» — файл в кодировке UTF-16 (или не текстовый): сохраните его как «CSV UTF-8»" \
        in str(exc.value)


def test_csv_mixing_utf8_and_cp1251_lines_is_read_line_by_line_with_a_warning(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "official_shnor" / "mix.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("Код ОО;Наименование ОО\n".encode("cp1251") + "s1;Школа №1\n".encode("cp1251")
                     + "s2;Гимназия\n".encode("utf-8"))
    rep = ingest_source(con, tmp_path / "inbox", "official_shnor", 2023, "r1", _cfg())
    assert rep.problems == []
    assert any("в смешанной кодировке: строки 3 записаны в UTF-8" in w for w in rep.warnings)
    assert con.execute("SELECT school_code, school_name FROM raw_official_shnor ORDER BY 1").fetchall() == [
        ("s1", "Школа №1"), ("s2", "Гимназия")]


def test_duplicate_headers_load_the_agreeing_rows_and_reject_the_disagreeing(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "oo2" / "dup.csv"
    path.parent.mkdir(parents=True)
    path.write_text("Код ОО;Компьютеров всего;Компьютеров всего\ns1;5;5\ns2;7;9\n", encoding="utf-8")
    rep = ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert [p.message() for p in rep.problems] == [
        "файл «dup.csv», строка 3, столбец «Компьютеров всего»: значение «7 / 9» — столбец «Компьютеров всего» "
        "повторяется в заголовке (столбцы B и C) с разными значениями — оставьте один столбец"]
    assert con.execute("SELECT school_code, computers_total FROM raw_oo2").fetchall() == [("s1", 5)]


def test_two_row_header_with_merged_parent_cell_is_read(tmp_path, con):
    path = tmp_path / "inbox" / "2022" / "vpr_stats" / "merged.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Статистика"
    ws.append(["Логин", "Класс", "Предмет", "Кол-во участников", "Отметки", None, None, None])
    ws.append([None, None, None, None, "2", "3", "4", "5"])
    for rng in ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:H1"):
        ws.merge_cells(rng)
    # 20 participants: 25 % «2» = 5, 50 % «3» = 10, 20 % «4» = 4, 5 % «5» = 1 (5+10+4+1 = 20)
    ws.append(["sch1", 5, "Математика", 20, "25", "50", "20", "5"])
    wb.save(path)
    rep = ingest_source(con, tmp_path / "inbox", "vpr_stats", 2022, "r1", _cfg())
    assert rep.problems == [], [p.message() for p in rep.problems]
    assert any("заголовок занимает две строки (1–2, объединённые ячейки)" in w for w in rep.warnings)
    assert con.execute("SELECT school_code, grade, subject, participants, mark2, mark3, mark4, mark5, _row "
                       "FROM raw_vpr_stats").fetchall() == [("sch1", 5, "math", 20, 5, 10, 4, 1, 3)]


def test_empty_workbook_is_reported_as_empty(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "oo2" / "empty.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Пусто"
    wb.save(path)
    with pytest.raises(IngestError) as exc:
        ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert "файл «empty.xlsx» — файл пуст: ни на одном листе нет данных («Пусто»)." in str(exc.value)


def test_text_in_numeric_columns_is_rejected_and_written_percentages_are_read(tmp_path, con):
    path = tmp_path / "inbox" / "2022" / "vpr_stats" / "s.csv"
    path.parent.mkdir(parents=True)
    # row 2: «45,5 %» style percentages read; 10 participants: 10 % «2» = 1, 45,5 % → 4.55 → 5,
    # 34,5 % → 3.45 → 3, 10 % → 1: 1+5+3+1 = 10
    path.write_text("Логин;Класс;Предмет;Кол-во участников;2;3;4;5\n"
                    "s1;5;Математика;10;10 %;45,5 %;34,5 %;10 %\n"
                    "s2;5;Математика;двадцать;0;0;0;0\n", encoding="utf-8")
    rep = ingest_source(con, tmp_path / "inbox", "vpr_stats", 2022, "r1", _cfg())
    assert [p.message() for p in rep.problems] == [
        "файл «s.csv», строка 3, столбец «Кол-во участников»: значение «двадцать» — ожидается целое число"]
    assert con.execute("SELECT school_code, mark2, mark3, mark4, mark5 FROM raw_vpr_stats").fetchall() == [
        ("s1", 1, 5, 3, 1)]


def test_excel_serial_dates_and_date_cells_in_a_date_column_become_dates(tmp_path, con):
    import datetime

    path = tmp_path / "inbox" / "2023" / "plan" / "plan.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["№ п/п", "Наименование мероприятия", "Срок"])
    ws.append(["1", "Семинар", 45352])                          # serial 45352 = 01.03.2024
    ws.append(["2", "Совещание", datetime.date(2024, 5, 20)])   # a real date cell
    ws.append(["3", "Мониторинг", "IV квартал"])
    wb.save(path)
    rep = ingest_source(con, tmp_path / "inbox", "plan", 2023, "r1", _cfg())
    assert rep.problems == []
    assert con.execute("SELECT measure_no, due FROM raw_plan ORDER BY 1").fetchall() == [
        ("1", "01.03.2024"), ("2", "20.05.2024"), ("3", "IV квартал")]


def test_file_name_that_is_not_utf8_is_read_and_named_readably(tmp_path, con):
    folder = tmp_path / "inbox" / "2023" / "oo2"
    folder.mkdir(parents=True)
    raw_name = "ОО-2 школа.csv".encode("cp1251")   # bytes from a Windows archive
    with open(os.path.join(os.fsencode(folder), raw_name), "wb") as f:
        f.write("Код ОО;Компьютеров всего\ns1;5\n".encode("cp1251"))
    rep = ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert rep.problems == []
    assert any("Имя файла «ОО-2 школа.csv» записано не в UTF-8" in w for w in rep.warnings)
    assert con.execute("SELECT _file, computers_total FROM raw_oo2").fetchall() == [("ОО-2 школа.csv", 5)]
    assert con.execute("SELECT file FROM ingest_files").fetchall() == [("ОО-2 школа.csv",)]


def test_school_code_with_lost_leading_zero_is_repaired_when_unambiguous(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("sch080012", "080013", "sch012", "sch0012", "s5")])
    cfg = _cfg()
    assert ingest_source(con, inbox, "schools", None, "r1", cfg).problems == []
    write_csv(inbox / "2023" / "oo2" / "o.csv", [
        {"Код ОО": "sch80012", "Компьютеров всего": 1},   # row 2 → sch080012 (one match)
        {"Код ОО": "80013", "Компьютеров всего": 2},      # row 3 → 080013
        {"Код ОО": "sch12", "Компьютеров всего": 3},      # row 4: sch012 or sch0012 — ambiguous
        {"Код ОО": "sch99", "Компьютеров всего": 4},      # row 5: nothing like it
        {"Код ОО": "s5", "Компьютеров всего": 5},
    ], delimiter=";")
    rep = ingest_source(con, inbox, "oo2", 2023, "r1", cfg)
    assert [p.message() for p in rep.problems] == [
        "файл «o.csv», строка 4, столбец «Код ОО»: значение «sch12» — кода нет в реестре; возможно, имелся в виду "
        "один из кодов «sch0012», «sch012» (потеряны ведущие нули?) — укажите код полностью, как в реестре",
        "файл «o.csv», строка 5, столбец «Код ОО»: значение «sch99» — кода ОО нет в реестре школ"]
    assert [w for w in rep.warnings if "исправлен" in w] == [
        "файл «o.csv», строка 2, столбец «Код ОО»: код «sch80012» исправлен на «sch080012» "
        "(в коде файла потерян ведущий ноль — добавлен; в реестре один такой код)",
        "файл «o.csv», строка 3, столбец «Код ОО»: код «80013» исправлен на «080013» "
        "(в коде файла потерян ведущий ноль — добавлен; в реестре один такой код)"]
    assert con.execute("SELECT school_code FROM raw_oo2 ORDER BY computers_total").fetchall() == [
        ("sch080012",), ("080013",), ("s5",)]


def test_second_table_below_the_first_is_not_loaded_and_is_reported(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "oo2" / "two.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Свод"
    ws.append(["Код ОО", "Компьютеров всего"])
    ws.append(["s1", 5])
    ws.append(["s2", 6])
    ws.append([])                                  # row 4: the gap
    ws.append(["Справочно: прошлый год"])          # rows 5–7: another table
    ws.append(["Код ОО", "Компьютеров всего"])
    ws.append(["s1", 4])
    wb.save(path)
    rep = ingest_source(con, tmp_path / "inbox", "oo2", 2023, "r1", _cfg())
    assert rep.problems == []
    assert ("Файл «two.xlsx», лист «Свод»: после пустой строки 4 — похоже, ниже начинается другая таблица; "
            "строки 5–7 не загружены. Если это данные, удалите разрыв или вынесите таблицу в отдельный файл."
            ) in rep.warnings
    assert con.execute("SELECT school_code, computers_total FROM raw_oo2 ORDER BY 1").fetchall() == [
        ("s1", 5), ("s2", 6)]


def test_header_without_rows_is_an_empty_list_said_not_rejected(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "official_shnor" / "list.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Перечень"
    wb.active.append(["Код ОО", "Наименование ОО"])
    wb.save(path)
    rep = ingest_source(con, tmp_path / "inbox", "official_shnor", 2023, "r1", _cfg())
    assert (rep.rows_in, rep.problems) == (0, [])
    assert rep.warnings == ["Файл «list.xlsx», лист «Перечень»: под заголовком (строка 1) нет ни одной строки "
                            "данных — загружено 0 строк."]
