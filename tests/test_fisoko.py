"""ФИС ОКО exports as they come (issue 6): participant files in three header styles,
the school-level «Статистика по отметкам» and «Сравнение отметок с отметками по
журналу», the score → mark scale, and the stop when a scale is unknown.

Every file here is written in the real layout (title rows, Russian or old English
headers, «Х» cells, the file-name convention). The scales in these tests are TEST
FIXTURES written into the test inbox (`inbox/reference/vpr_scales_test.csv`), labelled
as such; they exercise the override mechanism and are not shipped.
"""

from __future__ import annotations

import openpyxl
import pytest

from edumon.config import load_config
from tasks import indicators
from tasks.errors import IngestError
from tasks.ingest import ingest_source
from tasks.vpr_scales import ScaleMissingError
from tasks.warehouse import connect
from tests.helpers import rows, write_csv

# Test scale (not official): «2» 0–4, «3» 5–7, «4» 8–11, «5» 12–20.
TEST_SCALE = [(2, 0, 4), (3, 5, 7), (4, 8, 11), (5, 12, 20)]


def write_scale(inbox, vpr_year, subject, grade, scale=TEST_SCALE):
    path = inbox / "reference" / "vpr_scales_test.csv"
    old = path.read_text(encoding="utf-8").splitlines()[1:] if path.exists() else []
    lines = ["vpr_year,subject,grade,mark,min_primary_score,max_primary_score,source", *old]
    lines += [f"{vpr_year},{subject},{grade},{m},{lo},{hi},тестовая шкала (не официальная)" for m, lo, hi in scale]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_xlsx(path, sheet_rows, merge=None, title="Лист1"):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in sheet_rows:
        ws.append(r)
    for rng in merge or []:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def build(con, inbox):
    cfg = load_config()
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "t"}
    indicators.build_staging(con, params)
    return cfg


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


RU_HEADER = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
             "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов",
             "балл за 1", "балл за 2", "балл за 3"]


def test_participant_file_named_by_subject_and_grade_gets_marks_from_the_scale(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    write_xlsx(inbox / "2020" / "vpr_participants" / "Проведение работы по математике, 5 класс. ВПР 2021.xlsx", [
        RU_HEADER,
        # row 2: 12 points → «5»; journal 3 → raised by two marks
        ["sch220206", "Мегион", 1, 90001, 3, "м", "5А", 1, 12, 4, 4, 4],
        # row 3: total empty → 2 + Х + 3 = 5 points → «3»; journal 4 → lowered
        ["sch220206", "Мегион", 2, 90002, 4, "ж", "5А", 2, None, 2, "Х", 3],
        # row 4: 8 → «4»; journal «-» → no journal mark
        ["sch220206", "Мегион", 3, 90003, "-", "м", "5Б", 1, 8, 3, 3, 2],
        # row 5: 4 → «2»; journal 5 → lowered by two marks or more
        ["sch220206", "Мегион", 4, 90004, 5, "ж", "5Б", 2, 4, 1, 1, 2],
        # row 6: no points at all → did not write, not loaded
        ["sch220206", "Мегион", 5, 90005, 4, "м", "5Б", 1, None, "Х", "Х", "-"],
        # row 7: another school, 11 → «4», journal 4 → confirmed
        ["sch220207", "Мегион", 1, 91001, 4, "ж", "5А", 1, 11, 4, 4, 3],
    ])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 5, 0), [p.message() for p in rep.problems]
    assert any("1 строк" in w and "не писал" in w for w in rep.warnings), rep.warnings
    assert not any("учебному году" in w for w in rep.warnings)  # ВПР 2021 is AY 2020: the folder agrees
    got = con.execute("SELECT school_code, grade, subject, year, class_label, municipality_name, primary_score, "
                      "mark, journal_mark, _row FROM raw_vpr_participants ORDER BY _row").fetchall()
    assert got == [
        ("sch220206", 5, "math", 2021, "5А", "Мегион", 12.0, None, 3, 2),
        ("sch220206", 5, "math", 2021, "5А", "Мегион", 5.0, None, 4, 3),
        ("sch220206", 5, "math", 2021, "5Б", "Мегион", 8.0, None, None, 4),
        ("sch220206", 5, "math", 2021, "5Б", "Мегион", 4.0, None, 5, 5),
        ("sch220207", 5, "math", 2021, "5А", "Мегион", 11.0, None, 4, 7),
    ]
    # the participant code is pseudonymised, not the code from the file
    assert "90001" not in {r[0] for r in con.execute("SELECT participant_id FROM raw_vpr_participants").fetchall()}

    build(con, inbox)
    stats = rows(con, "SELECT * FROM int_vpr_participant_stats ORDER BY school_code")
    # sch220206: marks 5, 3, 4, 2 → one of each; journal on rows 2, 3, 5: raised 1 (5>3,
    # by two), lowered 2 (3<4; 2<5 by three)
    assert [(s["school_code"], s["participants"], s["mark2"], s["mark3"], s["mark4"], s["mark5"], s["with_journal"],
             s["raised"], s["lowered"], s["confirmed"], s["raised_by2"], s["lowered_by2"], s["marks_from_scale"])
            for s in stats] == [
        ("sch220206", 4, 1, 1, 1, 1, 3, 1, 2, 0, 1, 1, 4),
        ("sch220207", 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1),
    ]
    school = rows(con, "SELECT school_code, participants, mark2, stats_source FROM int_vpr_school_stats "
                       "ORDER BY school_code")
    assert school == [{"school_code": "sch220206", "participants": 4, "mark2": 1, "stats_source": "participants"},
                      {"school_code": "sch220207", "participants": 1, "mark2": 0, "stats_source": "participants"}]


def test_older_english_headers_in_a_cp1251_csv(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2019, "russian", 4)
    path = inbox / "2018" / "vpr_participants" / "Проведение работы по русскому языку, 4 класс. ВПР 2019.csv"
    path.parent.mkdir(parents=True)
    text = ("user;id;code;otc;gender;klass;var-1;sum;a-1-grade;a-2-grade\r\n"
            "sch080012;1;7001;3;1;4;1;7;4;3\r\n"        # 7 → «3», journal 3 → confirmed
            "sch080012;2;7002;5;2;4;2;;5;Х\r\n")        # sum empty → 5 → «3», journal 5 → lowered
    path.write_bytes(text.encode("cp1251"))
    rep = ingest_source(con, inbox, "vpr_participants", 2018, "r", load_config())
    assert rep.rows_loaded == 2, [p.message() for p in rep.problems]
    build(con, inbox)
    got = rows(con, "SELECT grade, subject, participants, mark3, lowered, confirmed FROM int_vpr_participant_stats")
    assert got == [{"grade": 4, "subject": "russian", "participants": 2, "mark3": 2, "lowered": 1, "confirmed": 1}]


def f1_rows(title, pupils):
    """«Ф1 Индивидуальные результаты»: title line, an empty row, the header, the pupils."""
    return [[title], [],
            ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", "1 (2б)", "2 (10б)",
             "Первичный балл", "Отметка", "Отметка по журналу"], *pupils]


def test_f1_title_line_marks_are_cross_checked_against_the_scale(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_scale(inbox, 2021, "math", 5)
    write_xlsx(inbox / "2020" / "vpr_participants" / "Ф1 Индивидуальные результаты.xlsx", f1_rows(
        "ВПР 2021 Математика 5 класс", [
            ["sch1", "Мегион", "МБОУ СОШ №1", "A-1", "5А", 1, 2, 10, 12, 5, 4],   # 12 → «5» as exported
            ["sch1", "Мегион", "МБОУ СОШ №1", "A-2", "5А", 1, 1, 6, 7, 4, 4],     # 7 is «3» by the scale: mismatch
        ]), merge=["A1:K1"])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    assert rep.rows_loaded == 2, [p.message() for p in rep.problems]
    build(con, inbox)
    got = rows(con, "SELECT primary_score, export_mark, scale_mark, mark, mark_source, mark_mismatch "
                    "FROM int_vpr_participant_marks ORDER BY primary_score")
    assert got == [
        {"primary_score": 7.0, "export_mark": 4, "scale_mark": 3, "mark": 4, "mark_source": "export",
         "mark_mismatch": True},
        {"primary_score": 12.0, "export_mark": 5, "scale_mark": 5, "mark": 5, "mark_source": "export",
         "mark_mismatch": False},
    ]
    assert rows(con, "SELECT mark_mismatches FROM int_vpr_participant_stats") == [{"mark_mismatches": 1}]


def test_a_file_whose_scale_is_unknown_stops_the_run_naming_year_subject_grade(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2020" / "vpr_participants" / "Проведение работы по математике, 6 класс. ВПР 2021.xlsx", [
        RU_HEADER, ["sch220206", "Мегион", 1, 90001, 3, "м", "6А", 1, 12, 4, 4, 4]])
    assert ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config()).rows_loaded == 1
    with pytest.raises(ScaleMissingError) as err:
        build(con, inbox)
    msg = str(err.value)
    assert "ВПР 2021 года (2020/2021 учебный год)" in msg
    assert "«Математика», 6 класс" in msg
    assert "Проведение работы по математике, 6 класс. ВПР 2021.xlsx" in msg
    assert "inbox/reference/vpr_scales.csv" in msg


def test_file_in_the_wrong_year_folder_stops_naming_the_right_folder(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2021" / "vpr_participants" / "Проведение работы по математике, 5 класс. ВПР 2021.xlsx", [
        RU_HEADER, ["sch1", "Мегион", 1, 1, 3, "м", "5А", 1, 12, 4, 4, 4]])
    with pytest.raises(IngestError) as exc:
        ingest_source(con, inbox, "vpr_participants", 2021, "r", load_config())
    assert "ВПР 2021 года относится к 2020/2021 учебному году — переложите его в папку inbox/2020/vpr_participants/" \
        in str(exc.value)
    assert con.execute("SELECT count(*) FROM raw_vpr_participants").fetchall() == [(0,)]


def test_school_level_statistics_and_participant_files_give_the_same_low_results(tmp_path):
    """The same ВПР year two ways: «Статистика по отметкам» (percentages, title rows, a
    second header row) and participant files. Low results (≥ 30 % «2») must agree.
    sch1: 10 participants, «2» 3 (30,00 % → low), «3» 4, «4» 2, «5» 1.
    sch2: 7 participants, «2» 2 (28,57 % → not low), «3» 3, «4» 1, «5» 1."""
    stats_inbox, part_inbox = tmp_path / "a", tmp_path / "b"
    write_xlsx(stats_inbox / "2022" / "vpr_stats" / "Статистика по отметкам.xlsx", [
        ["Статистика по отметкам"],
        ["ВПР 2023 Математика 5 класс"],
        ["Муниципалитет", "Логин", "ОО", "Кол-во участников", "Распределение отметок в %", None, None, None],
        [None, None, None, None, "2", "3", "4", "5"],
        ["Мегион", "sch1", "МБОУ СОШ №1", 10, 30, 40, 20, 10],
        ["Мегион", "sch2", "МБОУ СОШ №2", 7, "28,57", "42,86", "14,29", "14,29"],
    ], merge=["E3:H3"])
    # scores by the test scale: «2» = 3, «3» = 6, «4» = 9, «5» = 15
    score = {2: 3, 3: 6, 4: 9, 5: 15}
    pupils = []
    for school, marks in (("sch1", [2] * 3 + [3] * 4 + [4] * 2 + [5]), ("sch2", [2] * 2 + [3] * 3 + [4, 5])):
        pupils += [[school, "Мегион", k + 1, f"{school}-{k}", 4, "м", "5А", 1, score[m], score[m], 0, 0]
                   for k, m in enumerate(marks)]
    write_xlsx(part_inbox / "2022" / "vpr_participants" / "Проведение работы по математике, 5 класс. ВПР 2023.xlsx",
               [RU_HEADER, *pupils])
    write_scale(part_inbox, 2023, "math", 5)

    results = []
    for inbox, source in ((stats_inbox, "vpr_stats"), (part_inbox, "vpr_participants")):
        c = connect(tmp_path / f"{source}.duckdb")
        rep = ingest_source(c, inbox, source, 2022, "r", load_config())
        assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
        # the merged «Распределение отметок в %» is understood: the only note says the
        # two-row header was read whole (tasks/read.py), nothing is unrecognised
        expected = ["Файл «Статистика по отметкам.xlsx», лист «Лист1»: заголовок занимает две строки "
                    "(3–4, объединённые ячейки) и прочитан целиком."] if source == "vpr_stats" else []
        assert rep.warnings == expected, rep.warnings
        build(c, inbox)
        results.append(rows(c, "SELECT school_code, procedure, participants, low_count, is_low "
                               "FROM int_procedure_results ORDER BY school_code"))
        c.close()
    assert results[0] == results[1] == [
        {"school_code": "sch1", "procedure": "vpr_math_5", "participants": 10, "low_count": 3, "is_low": True},
        {"school_code": "sch2", "procedure": "vpr_math_5", "participants": 7, "low_count": 2, "is_low": False},
    ]


def test_journal_comparison_with_count_and_percent_under_merged_headers(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2022" / "vpr_journal" / "Сравнение отметок с отметками по журналу.xlsx", [
        ["Сравнение отметок с отметками по журналу"],
        ["ВПР 2023 Русский язык 5 класс"],
        ["Логин", "ОО", "Понизили (Отметка < Отметка по журналу)", None,
         "Подтвердили (Отметка = Отметке по журналу)", None, "Повысили (Отметка > Отметка по журналу)", None],
        [None, None, "Кол-во", "%", "Кол-во", "%", "Кол-во", "%"],
        ["sch1", "МБОУ СОШ №1", 5, "20,83", 15, 62.5, 4, "16,67"],
    ], merge=["C3:D3", "E3:F3", "G3:H3"])
    rep = ingest_source(con, inbox, "vpr_journal", 2022, "r", load_config())
    assert rep.rows_loaded == 1, [p.message() for p in rep.problems]
    assert con.execute("SELECT school_code, grade, subject, year, lowered, confirmed, raised FROM raw_vpr_journal"
                       ).fetchall() == [("sch1", 5, "russian", 2023, 5, 15, 4)]


def test_bad_cell_in_a_participant_file_is_quarantined_naming_the_header_as_written(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_xlsx(inbox / "2020" / "vpr_participants" / "Проведение работы по математике, 5 класс. ВПР 2021.xlsx", [
        RU_HEADER,
        ["sch1", "Мегион", 1, 1, 3, "м", "5А", 1, 12, 4, 4, 4],
        ["sch1", "Мегион", 2, 2, 3, "ж", "5А", 1, "девять", 3, 3, 3],   # row 3: the total is not a number
        ["sch1", "Мегион", 3, 3, 4, "ж", "5А", 1, 7, 3, 2, 2],
        ["sch1", "Мегион", 4, 4, 4, "ж", "5А", 1, 8, 3, 3, 2],
        ["sch1", "Мегион", 5, 5, 4, "ж", "5А", 1, 6, 2, 2, 2],
    ])
    rep = ingest_source(con, inbox, "vpr_participants", 2020, "r", load_config())
    # 5 rows: 4 loaded, 1 quarantined (20 % — exactly the limit, so the load goes through)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 4, 1)
    msg = rep.problems[0].message()
    assert msg == ("файл «Проведение работы по математике, 5 класс. ВПР 2021.xlsx», лист «Лист1», строка 3, "
                   "столбец «всего баллов»: значение «девять» — ожидается число")
    assert con.execute("SELECT row, reasons FROM quarantine").fetchall() == [(3, msg)]
