"""The set-based path of the bulk sources (tasks/bulk.py) against the pandas path
(tasks/ingest.py::check_files) on the same hostile real files: the same problems in the
same order, the same warnings, the same loaded rows and the same quarantine.

The pandas path is the reference here because its behaviour is the one the rest of the
test suite pins with hand-written messages; a few of those messages are repeated below
for the bulk path on its own, so that the two cannot be wrong together unnoticed."""

from __future__ import annotations

import dataclasses
import json

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from edumon.config import load_config
from schemas.sources import SOURCES
from tasks.ingest import IngestError, ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

GIA_HEAD = ["Код участника", "Код ОО", "Форма ГИА", "Предмет", "Этап", "Пересдача", "Категория участника",
            "Первичный балл", "Тестовый балл", "Отметка", "Преодолел минимальный порог"]


def _cfg():
    return load_config(overrides={"ingest": {"max_rejected_share_pct": 90.0}})


def _registry(inbox):
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("sch080012", "s1", "s2", "s3")])


def _gia_inbox(inbox):
    _registry(inbox)
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [GIA_HEAD,
            ["p1", "s1", "ОГЭ", "Русский язык", "Основной", "нет", "Выпускник текущего года", "20", "", "4", "да"],
            ["p2", "s1", "ОГЭ", "Математика", "Основной", "нет", "Выпускник текущего года", "12,5", "", "3", "да"],
            ["p3", "s1", "ОГЭ", "Математика", "Основной", "может", "Выпускник текущего года", "abc", "", "7", "да"],
            ["", "s2", "ЕГЭ", "Физика", "Основной", "нет", "Выпускник текущего года", "5", "130", "", ""],
            ["p5", "sch80012", "ЕГЭ", "Физика", "Основной", "нет", "Выпускник текущего года", "-1", "40", "", "да"],
            ["p6", "s9", "Олимпиада", "Физика", "Основной", "нет", "Выпускник текущего года", "5", "40", "", "да"],
            ["p1", "s1", "ОГЭ", "Русский язык", "Основной", "нет", "Выпускник текущего года", "21", "", "4", "да"],
            ["=HYPERLINK(\"http://x\")", "s1", "ОГЭ", "Русский язык", "Основной", "нет", "", "1", "", "3", "да"],
            GIA_HEAD,
            ["p9", "s1", "ОГЭ", "Русский язык", "Основной", "нет", "", "1", "", "3", "да"]]
    text = "\n".join(";".join(r) for r in [["РЦОИ. Результаты ГИА"], []] + rows) + "\n"
    (folder / "region_01.csv").write_bytes(text.encode("cp1251"))
    # a canonical Parquet file: typed columns, one key repeating a CSV row's key
    pq.write_table(pa.table({
        "participant_id": ["p1", "q2", "q3", None],
        "school_code": ["s1", "s2", "s3", "s3"],
        "exam": ["oge", "ege", "ege", "ege"],
        "subject": ["russian", "math_profile", "physics", "physics"],
        "period": ["main", "main", "main", "main"],
        "is_retake": [False, False, True, False],
        "category": ["current", "current", "current", "current"],
        "primary_score": [20.0, 30.5, -3.0, 10.0],
        "test_score": [None, 70.0, 150.0, 55.0],
        "mark": pa.array([4, None, None, None], pa.int64()),
        "passed_min": [True, True, True, None],
    }), folder / "region_02.parquet")


def _gia_plain_csv_inbox(inbox):
    """The РЦОИ shape the benchmarks generate: a quoted header, an unquoted cp1251 body —
    read by pyarrow on the bulk path (tasks/read.py::read_csv_arrow)."""
    _registry(inbox)
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True, exist_ok=True)
    body = [["p1", "s1", "ОГЭ", "Русский язык", "Основной", "нет", "Выпускник текущего года", "20,8", "", "5", "да"],
            ["p1", "s1", "ОГЭ", "Математика", "Основной", "нет", "Выпускник текущего года", "х", "", "4", "да"],
            ["p2", "s12", "ЕГЭ", "Физика", "Резервный", "да", "Выпускник прошлых лет", " 7 ", "101", "", "нет"],
            ["p3", "s2", "ГИА-9", "Физика", "Основной", "нет", "", "7", "55", "", "нет"]]
    text = ";".join(f'"{h}"' for h in GIA_HEAD) + "\r\n" + "".join(";".join(r) + "\r\n" for r in body)
    (folder / "region_03.csv").write_bytes(text.encode("cp1251"))
    # two Parquet files of one shape (staged together) and one of another shape
    for name, ids, score in (("region_04.parquet", ["p3", "q1"], [7.0, -1.0]),
                             ("region_05.parquet", ["q1", "q2"], [5.0, 6.0])):
        pq.write_table(pa.table({"participant_id": ids, "school_code": ["s2", "s3"], "exam": ["ege", "oge"],
                                 "subject": ["physics", "math"], "period": ["main", "main"],
                                 "is_retake": [False, False], "primary_score": score}), folder / name)
    pq.write_table(pa.table({"participant_id": ["q1"], "school_code": ["s3"], "exam": ["ege"],
                             "subject": ["math"], "passed_min": [True]}), folder / "region_06.parquet")


def _vpr_stats_inbox(inbox):
    _registry(inbox)
    write_csv(inbox / "2022" / "oo1" / "oo1.csv", [
        {"school_code": "s1", "students_total": 100, "students_g5": 20},
        {"school_code": "s2", "students_total": 100, "students_g5": 50}])
    folder = inbox / "2022" / "vpr_stats"
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Статистика"
    ws.append(["ВПР 2023. Статистика по отметкам"])
    ws.append(["Год", "Класс", "Предмет", "Муниципалитет", "Логин", "ОО", "Кол-во участников", "2", "3", "4", "5"])
    ws.append([2023, 5, "Математика", "М", "s1", "Школа 1", 25, 10, 20, 40, 30])      # 25 > 20 in ОО-1
    ws.append([2023, 5, "Русский язык", "М", "s2", "Школа 2", 40, 10, 20, 40, 29.5])  # marks sum 39
    ws.append([2023, 5, "Русский язык", "М", "s2", "Школа 2", 40, 10, 20, 40, 30])    # key repeats
    ws.append([2023, 12, "История", "М", "s3", "Школа 3", 10, "н/д", 20, 40, 40])     # grade 12, pct text
    ws.append([2023, 6, "История", "М", "s3", "Школа 3", None, 0, 0, 50, 50])         # participants empty
    ws.cell(row=8, column=1, value=2023)
    ws.cell(row=8, column=2, value=6)
    ws.cell(row=8, column=3, value="Биология")
    ws.cell(row=8, column=5, value="s3")
    ws.cell(row=8, column=7, value="=2*5")  # a formula without a cached value
    wb.save(folder / "region_01.xlsx")
    pq.write_table(pa.table({
        "school_code": ["s1", "s3"], "grade": [6, 4], "subject": ["math", "math"],
        "participants": [10, 8], "mark2": [1, 1], "mark3": [2, 2], "mark4": [3, 3], "mark5": [4, 1]}),
        folder / "region_02.parquet")


def _run(tmp_path, name, build, source, ay, bulk: bool, monkeypatch):
    monkeypatch.setitem(SOURCES, source, dataclasses.replace(SOURCES[source], bulk=bulk))
    inbox = tmp_path / name / "inbox"
    build(inbox)
    con = connect(tmp_path / name / "w.duckdb")
    cfg = _cfg()
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    if source == "vpr_stats":
        ingest_source(con, inbox, "oo1", ay, "r0", cfg)
    try:
        rep = ingest_source(con, inbox, source, ay, "r1", cfg)
        error = None
    except IngestError as exc:
        rep, error = None, str(exc)
    cols = [c for c in SOURCES[source].names] + ["ay", "_file", "_sheet", "_row", "_sha256"]
    loaded = con.execute(f"SELECT {', '.join(cols)} FROM raw_{source} ORDER BY _file, _row").fetchall()
    quarantine = con.execute("SELECT file, sheet, row, reasons, raw_json FROM quarantine WHERE source = ? "
                             "ORDER BY file, row", [source]).fetchall()
    log = con.execute("SELECT file, rows_in, rows_loaded, rows_quarantined FROM ingest_files WHERE source = ? "
                      "ORDER BY file", [source]).fetchall()
    con.close()
    return rep, error, loaded, quarantine, log


@pytest.mark.parametrize("source, build, ay", [("gia", _gia_inbox, 2022), ("gia", _gia_plain_csv_inbox, 2022),
                                               ("vpr_stats", _vpr_stats_inbox, 2022)])
def test_bulk_path_gives_the_same_load_as_the_pandas_path(tmp_path, monkeypatch, source, build, ay):
    ref = _run(tmp_path, "pandas", build, source, ay, False, monkeypatch)
    got = _run(tmp_path, "bulk", build, source, ay, True, monkeypatch)
    (rep_r, err_r, loaded_r, q_r, log_r), (rep_b, err_b, loaded_b, q_b, log_b) = ref, got
    assert err_r is None and err_b is None, (err_r, err_b)
    assert [p.message() for p in rep_b.problems] == [p.message() for p in rep_r.problems]
    assert [p.code for p in rep_b.problems] == [p.code for p in rep_r.problems]
    assert rep_b.warnings == rep_r.warnings
    assert (rep_b.rows_in, rep_b.rows_loaded, rep_b.rows_quarantined) == \
        (rep_r.rows_in, rep_r.rows_loaded, rep_r.rows_quarantined)
    assert loaded_b == loaded_r
    assert [(f, s, r, reasons, json.loads(raw)) for f, s, r, reasons, raw in q_b] == \
        [(f, s, r, reasons, json.loads(raw)) for f, s, r, reasons, raw in q_r]
    assert log_b == log_r
    assert rep_b.rows_quarantined > 0 and rep_b.rows_loaded > 0


def test_bulk_gia_messages_by_hand(tmp_path, monkeypatch):
    """The bulk path on its own, a few messages written out (rows counted in the file:
    a title line and an empty line above the header on line 3)."""
    rep, err, loaded, quarantine, log = _run(tmp_path, "b", _gia_inbox, "gia", 2022, True, monkeypatch)
    msgs = [p.message() for p in rep.problems]
    assert "файл «region_01.csv», строка 6, столбец «Первичный балл»: значение «abc» — ожидается число" in msgs
    assert "файл «region_01.csv», строка 6, столбец «Пересдача»: значение «может» — ожидается «да» или «нет»" in msgs
    assert "файл «region_01.csv», строка 6, столбец «Отметка»: значение «7» — значение должно быть не больше 5" in msgs
    assert "файл «region_02.parquet», строка 4, столбец «test_score»: значение «150» — значение должно быть " \
           "не больше 100" in msgs
    assert "файл «region_01.csv», строка 7, столбец «Код участника» — обязательное значение не заполнено" in msgs
    # the key (p1, ОГЭ, русский, основной, не пересдача) is in rows 4 and 10 of the CSV and row 2 of the
    # Parquet; (no id, ЕГЭ, физика, основной, не пересдача) in CSV row 7 and Parquet row 5. As pandera
    # reports a schema-level unique: key column by key column, only where the cell is not empty.
    dup = [(p.column, p.file, p.row) for p in rep.problems if p.code == "multiple_fields_uniqueness"]
    assert dup[:5] == [("Код участника", "region_01.csv", 4), ("Код участника", "region_01.csv", 10),
                       ("participant_id", "region_02.parquet", 2), ("Форма ГИА", "region_01.csv", 4),
                       ("Форма ГИА", "region_01.csv", 7)]
    assert len(dup) == 3 + 4 * 5
    ids = {p.value for p in rep.problems if p.code == "multiple_fields_uniqueness" and p.column == "Код участника"}
    assert len(ids) == 1 and len(ids.pop()) == 20  # the pseudonym, never «p1»
    assert any("код «sch80012» исправлен на «sch080012»" in w for w in rep.warnings)
    assert any("строка 12 повторяет заголовок" in w for w in rep.warnings)
    # loaded: CSV row 5 (p2) and Parquet row 3 (q2); row 8's code is repaired but its score −1 rejected
    assert [(r[1], r[-2]) for r in loaded] == [("s1", 5), ("s2", 3)]
    assert rep.rows_in == 12 and rep.rows_loaded == 2
    assert all("p1" not in raw for *_, raw in quarantine)  # ids pseudonymised in the quarantine


def test_plain_csv_is_read_by_pyarrow_with_the_excel_rows(tmp_path):
    from schemas.sources import SOURCES as S
    from tasks.read import read_csv_arrow

    _gia_plain_csv_inbox(tmp_path)
    t = read_csv_arrow(tmp_path / "2022" / "gia" / "region_03.csv", S["gia"])
    assert t is not None and list(t.row_numbers) == [2, 3, 4, 5]
    assert t.frame.column("primary_score").to_pylist() == ["20,8", "х", " 7 ", "7"]
    assert t.headers["participant_id"] == "Код участника"
