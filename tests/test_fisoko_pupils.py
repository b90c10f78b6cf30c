"""Issue 13, ingest parts: no pupil lost to a bad optional cell, totals checked against the
work's maximum, empty totals rebuilt only from complete task points, files as archives
unpack them (subfolders), a file in the wrong AY folder stopped with one message, known
extra columns ignored silently, the repair message saying what was repaired.

Every file is a real XLSX written with openpyxl in one of the two ФИС ОКО participant
header styles: the per-subject export («логин школы … всего баллов, балл за 1 … N», no
task maxima in the headers) and «Ф1 Индивидуальные результаты» (title line, task
headers «1 (2б)» giving each task's maximum, «Первичный балл», «Отметка по журналу»).
Expected counts are worked out by hand in the comments. The scale is a TEST fixture
(tests/test_fisoko.py: «2» 0–4, «3» 5–7, «4» 8–11, «5» 12–20; a 20-point work).
"""

from __future__ import annotations

import pytest

from edumon.config import load_config
from tasks.errors import IngestError
from tasks.ingest import check_files, ingest_source
from tasks.registry_check import zero_repair
from tasks.validate import format_report, validate_paths
from tasks.warehouse import connect
from schemas.sources import SOURCES
from tests.helpers import rows
from tests.test_fisoko import RU_HEADER, build, write_scale, write_xlsx

RU_FILE = "Проведение работы по математике, 5 класс. ВПР 2021.xlsx"
F1_FILE = "Ф1 Индивидуальные результаты.xlsx"
F1_TITLE = ["ВПР 2021 Математика 5 класс"]
# Ф1 tasks: 2 + 3 + 5 = a 10-point work, from the headers themselves
F1_HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант",
             "1 (2б)", "2 (3б)", "3 (5б)", "Первичный балл", "Отметка", "Отметка по журналу"]


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def ru_row(n, journal, total, tasks=(None, None, None), school="sch1"):
    return [school, "Мегион", n, 9000 + n, journal, "м", "5А", 1, total, *tasks]


def test_unreadable_journal_mark_drops_the_cell_not_the_pupil_per_subject_style(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    write_xlsx(inbox / "2020" / "vpr_participants" / RU_FILE, [
        RU_HEADER,
        ru_row(1, "нет отметки", 3, (1, 1, 1)),   # row 2: «2», journal dropped
        ru_row(2, "ж", 2, (1, 1, 0)),             # row 3: «2», journal dropped
        ru_row(3, 1, 4, (2, 1, 1)),               # row 4: «2», journal 1 is no mark 2–5
        ru_row(4, 8, 10, (4, 3, 3)),              # row 5: «4», journal 8 dropped
        ru_row(5, "н/а", 12, (4, 4, 4)),          # row 6: «5», journal dropped
        ru_row(6, "*", 1, (1, 0, 0)),             # row 7: «2», journal dropped
        ru_row(7, 4, 9, (3, 3, 3)),               # row 8: «4», journal 4 kept → confirmed
    ])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    # every pupil counts: 7 in, 7 loaded, none quarantined
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (7, 7, 0), [p.message() for p in rep.problems]
    assert rep.journal_dropped == 6
    col = "отметка за предыдущую четверть/триместр"
    for row, value in [(2, "нет отметки"), (3, "ж"), (4, "1"), (5, "8"), (6, "н/а"), (7, "*")]:
        assert (f"Файл «{RU_FILE}», лист «Лист1», строка {row}, столбец «{col}»: значение «{value}» — не отметка 2–5; "
                f"участник будет учтён, отметка по журналу не загружена.") in rep.warnings, rep.warnings
    got = con.execute("SELECT _row, journal_mark FROM raw_vpr_participants ORDER BY _row").fetchall()
    assert got == [(2, None), (3, None), (4, None), (5, None), (6, None), (7, None), (8, 4)]
    assert con.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
    build(con, inbox)
    stats = rows(con, "SELECT participants, mark2, mark4, mark5, with_journal, confirmed "
                      "FROM int_vpr_participant_stats")
    # marks: 3→2, 2→2, 4→2, 10→4, 12→5, 1→2, 9→4: «2» ×4, «4» ×2, «5» ×1; one journal mark (confirmed)
    assert stats == [{"participants": 7, "mark2": 4, "mark4": 2, "mark5": 1, "with_journal": 1, "confirmed": 1}]


def test_unreadable_journal_mark_in_the_f1_style_and_validate_says_what_happens(tmp_path):
    path = write_xlsx(tmp_path / F1_FILE, [
        F1_TITLE, F1_HEADER,
        ["sch1", "Мегион", "Школа 1", "p1", "5А", 1, 2, 3, 5, 10, 5, "н/а"],    # row 3: journal dropped
        ["sch1", "Мегион", "Школа 1", "p2", "5А", 1, 1, 1, 1, 3, 2, 3],         # row 4: fine
    ])
    [(label, source, res, err)] = validate_paths([path], load_config())
    assert err == "" and source.name == "vpr_participants"
    assert res.rows_in == 2 and len(res.rejected) == 0
    text = "\n".join(format_report(label, source, res))
    assert (f"Файл «{F1_FILE}», лист «Лист1», строка 3, столбец «Отметка по журналу»: значение «н/а» — не отметка "
            f"2–5; участник будет учтён, отметка по журналу не загружена.") in text, text


def test_total_above_the_maximum_is_an_error_naming_its_row_per_subject_style(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)   # the test scale: the work has 20 points
    write_xlsx(inbox / "2020" / "vpr_participants" / RU_FILE, [
        RU_HEADER,
        ru_row(1, 4, 99, (4, 4, 4)),     # row 2: 99 > 20 → quarantined
        ru_row(2, 4, 20, (4, 4, 4)),     # row 3: 20 = the maximum → kept («5»)
        ru_row(3, 3, 3, (1, 1, 1)),      # row 4: «2»
        ru_row(4, 3, 8, (3, 3, 2)),      # row 5: «4»
        ru_row(5, 3, 6, (2, 2, 2)),      # row 6: «3»
        ru_row(6, 3, -1, (0, 0, 0)),     # row 7: below 0 → quarantined
        ru_row(7, 3, 5, (2, 2, 1)),      # row 8: «3»
        ru_row(8, 3, 7, (3, 2, 2)),      # row 9: «3»
        ru_row(9, 3, 12, (4, 4, 4)),     # row 10: «5»
        ru_row(10, 3, 11, (4, 4, 3)),    # row 11: «4»
    ])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    # 10 rows: 8 loaded, 2 quarantined (20 % — the limit, the load goes through)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (10, 8, 2)
    msgs = [p.message() for p in rep.problems]
    assert (f"файл «{RU_FILE}», лист «Лист1», строка 2, столбец «всего баллов»: значение «99» — сумма баллов больше "
            f"максимального балла работы (20, по шкале ВПР 2021 года); строка не будет загружена") in msgs, msgs
    assert any("строка 7, столбец «всего баллов»: значение «-1»" in m for m in msgs), msgs
    assert [r[0] for r in con.execute("SELECT row FROM quarantine ORDER BY row").fetchall()] == [2, 7]
    build(con, inbox)
    [s] = rows(con, "SELECT participants, mark2, mark3, mark4, mark5 FROM int_vpr_participant_stats")
    assert s == {"participants": 8, "mark2": 1, "mark3": 3, "mark4": 2, "mark5": 2}


def test_total_above_the_task_maxima_in_the_f1_style(tmp_path):
    path = write_xlsx(tmp_path / F1_FILE, [
        F1_TITLE, F1_HEADER,
        ["sch1", "Мегион", "Школа 1", "p1", "5А", 1, 2, 3, 5, 10, 5, 4],    # row 3: 10 = 2 + 3 + 5, kept
        ["sch1", "Мегион", "Школа 1", "p2", "5А", 1, 2, 3, 5, 11, 5, 4],    # row 4: 11 > 10 → rejected
    ])
    [(label, source, res, err)] = validate_paths([path], load_config())
    assert (res.rows_in, len(res.rejected)) == (2, 1)
    [p] = res.problems
    assert p.message() == (f"файл «{F1_FILE}», лист «Лист1», строка 4, столбец «Первичный балл»: значение «11» — "
                           f"сумма баллов больше максимального балла работы (10, сумма максимальных баллов заданий); "
                           f"строка не будет загружена")


def test_empty_total_rebuilt_only_from_complete_task_points_per_subject_style(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    write_xlsx(inbox / "2020" / "vpr_participants" / RU_FILE, [
        RU_HEADER,
        ru_row(1, 4, None, (4, 4, 4)),       # row 2: variant 0, every task scored → 12, «5», rebuilt
        ru_row(2, 4, None, (1, "Х", 1)),     # row 3: «Х» is a filled cell (no points) → 2, «2», rebuilt
        ru_row(3, 4, None, (2, None, 2)),    # row 4: task 2 empty → cannot rebuild → quarantined
        ru_row(4, 4, 9, (3, 3, 3)),          # row 5: written total, «4»
        ru_row(5, 4, 6, (2, 2, 2)),          # row 6: «3»
    ])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 4, 1)
    assert rep.rebuilt_totals == 2
    assert (f"Файл «{RU_FILE}», лист «Лист1»: у 2 участник(ов) «всего баллов» пусто — сумма баллов восстановлена "
            f"по заданиям (все ячейки заданий заполнены; строки 2, 3).") in rep.warnings, rep.warnings
    [p] = rep.problems
    assert p.message() == (f"файл «{RU_FILE}», лист «Лист1», строка 4, столбец «всего баллов» — сумма баллов не "
                           f"указана, а ячейки заданий «балл за 2» пусты — сумму не восстановить; строка не будет "
                           f"загружена")
    got = con.execute("SELECT _row, primary_score FROM raw_vpr_participants ORDER BY _row").fetchall()
    assert got == [(2, 12.0), (3, 2.0), (5, 9.0), (6, 6.0)]


def test_empty_total_in_the_f1_style_rebuilt_and_counted_by_validate(tmp_path):
    path = write_xlsx(tmp_path / F1_FILE, [
        F1_TITLE, F1_HEADER,
        ["sch1", "Мегион", "Школа 1", "p1", "5А", 0, 2, 3, 4, None, None, 4],   # row 3: 2+3+4 = 9, rebuilt
        ["sch1", "Мегион", "Школа 1", "p2", "5А", 0, 2, None, 4, None, None, 4],  # row 4: task 2 empty → rejected
    ])
    res = check_files([path], SOURCES["vpr_participants"], load_config())
    assert (res.rows_in, len(res.rejected), res.rebuilt_totals) == (2, 1, 1)
    assert int(res.good["primary_score"].iloc[0]) == 9
    [(label, source, vres, _)] = validate_paths([path], load_config())
    text = "\n".join(format_report(label, source, vres))
    assert "сумма баллов восстановлена по заданиям" in text and "строка 3)" in text, text
    assert "строка 4, столбец «Первичный балл» — сумма баллов не указана, а ячейки заданий «2 (3б)» пусты" in text


def test_files_in_a_subfolder_of_the_source_folder_are_read_with_their_path(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    write_xlsx(inbox / "2020" / "vpr_participants" / "5" / RU_FILE,
               [RU_HEADER, *[ru_row(n, 4, 9, (3, 3, 3)) for n in (1, 3, 4, 5)]])
    write_xlsx(inbox / "2020" / "vpr_participants" / "5" / "б" / RU_FILE, [RU_HEADER, ru_row(2, 4, "abc", (3, 3, 3))])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert [f["file"] for f in rep.files] == [f"5/{RU_FILE}", f"5/б/{RU_FILE}"]
    # 4 + 1 rows, the bad one (20 %, the limit) quarantined
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 4, 1)
    assert any("подпапок" in w and "«5/»" in w and "«5/б/»" in w for w in rep.warnings), rep.warnings
    assert rep.problems[0].message().startswith(f"файл «5/б/{RU_FILE}», лист «Лист1», строка 2")
    assert con.execute("SELECT DISTINCT _file FROM raw_vpr_participants").fetchall() == [(f"5/{RU_FILE}",)]
    assert con.execute("SELECT file FROM quarantine").fetchall() == [(f"5/б/{RU_FILE}",)]
    assert sorted(r[0] for r in con.execute("SELECT file FROM ingest_files").fetchall()) == \
        [f"5/{RU_FILE}", f"5/б/{RU_FILE}"]


@pytest.mark.parametrize("style", ["per_subject", "f1"])
def test_a_2023_file_in_the_2021_folder_stops_naming_the_right_folder(tmp_path, con, style):
    inbox = tmp_path / "inbox"
    folder = inbox / "2021" / "vpr_participants"
    if style == "per_subject":
        write_xlsx(folder / "Проведение работы по математике, 5 класс. ВПР 2023.xlsx",
                   [RU_HEADER, ru_row(1, 4, 9, (3, 3, 3))])
    else:
        write_xlsx(folder / F1_FILE, [["ВПР 2023 Математика 5 класс"], F1_HEADER,
                                      ["sch1", "Мегион", "Школа 1", "p1", "5А", 1, 2, 3, 5, 10, 5, 4]])
    with pytest.raises(IngestError) as exc:
        ingest_source(con, inbox, "vpr_participants", 2021, "r", load_config())
    msg = str(exc.value)
    assert "ВПР 2023 года относится к 2022/2023 учебному году — переложите его в папку inbox/2022/vpr_participants/" \
        in msg, msg
    assert msg.count("переложите") == 1 and "Traceback" not in msg
    assert con.execute("SELECT count(*) FROM raw_vpr_participants").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM ingest_files").fetchall() == [(0,)]


def test_known_extra_columns_are_ignored_without_a_warning(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2020" / "vpr_participants" / F1_FILE, [
        F1_TITLE, [*F1_HEADER, "Учебник", "Пол", "Непонятный столбец"],
        ["sch1", "Мегион", "Школа 1", "p1", "5А", 1, 2, 3, 5, 10, 5, 4, "Петерсон", "ж", "x"]])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert rep.rows_loaded == 1
    unknown = [w for w in rep.warnings if "не распознаны" in w]
    # only the really unknown column is named
    assert unknown == [f"Файл «{F1_FILE}», лист «Лист1»: столбцы не распознаны и не загружены: «Непонятный столбец»."]


def test_repair_message_says_what_was_repaired():
    assert zero_repair("80012", "080012") == "в коде файла потерян ведущий ноль — добавлен"
    assert zero_repair("sch80012", "sch00080012") == "в коде файла потеряно ведущих нулей: 3 — добавлены"
    assert zero_repair("0080012", "080012") == "в коде файла лишний ведущий ноль — удалён"


def test_participants_above_the_oo1_grade_are_warned_on_both_paths(tmp_path, con):
    from tests.helpers import write_csv
    from tasks.ingest import warehouse_oo1

    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    # ОО-1 of AY 2020: sch1 has 2 pupils in grade 5, sch2 has 30
    write_csv(inbox / "2020" / "oo1" / "oo1.csv", [{"Код ОО": "sch1", "Всего обучающихся": 100, "5 класс": 2},
                                                  {"Код ОО": "sch2", "Всего обучающихся": 100, "5 класс": 30}])
    assert ingest_source(con, inbox, "oo1", 2020, "r", load_config()).rows_loaded == 2
    path = write_xlsx(inbox / "2020" / "vpr_participants" / RU_FILE, [
        RU_HEADER, *[ru_row(n, 4, 9, (3, 3, 3)) for n in (1, 2, 3)],          # sch1: 3 participants > 2
        *[ru_row(n, 4, 9, (3, 3, 3), school="sch2") for n in (4, 5)]])      # sch2: 2 ≤ 30
    expected = [f"ВПР: у школы «sch1» по предмету «Математика» в 5 классе 3 участников, а по форме ОО-1 того же года "
                f"обучающихся 5 класса 2 — проверьте файлы «{RU_FILE}» (повторы участников, чужая школа или класс) "
                f"и форму ОО-1."]
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert rep.rows_loaded == 5
    assert [w for w in rep.warnings if w.startswith("ВПР: у школы")] == expected
    res = check_files([path], SOURCES["vpr_participants"], load_config(), oo1=warehouse_oo1(con, 2020))
    assert [w for w in res.warnings if w.startswith("ВПР: у школы")] == expected
