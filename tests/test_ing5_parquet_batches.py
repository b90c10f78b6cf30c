"""Issue 12, session 5: the regional Parquet files of a clerk source are typed together
(tasks/parse.py::table_frames) and reported file by file, exactly as one file at a time.
Expected messages written out by hand."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from schemas.sources import SOURCES
from tasks import parse
from tasks.ingest import check_files
from tests.helpers import write_csv


def _rdr(path, codes, grades, subjects, participants):
    pq.write_table(pa.table({"school_code": codes, "grade": pa.array(grades, pa.int64()), "subject": subjects,
                             "participants": pa.array(participants, pa.int64())}), path)


def _files(tmp_path):
    folder = tmp_path / "2022" / "rdr"
    folder.mkdir(parents=True)
    # region_01: row 3 has grade 14 (above 11); region_03: row 2 has the formula-like subject
    _rdr(folder / "region_01.parquet", ["s1", "s2"], [4, 14], ["math", "reading"], [10, 20])
    # a CSV between them, with its own shape (typed on its own): «x» is not a number
    write_csv(folder / "region_02.csv", [{"Код ОО": "s3", "Класс": "x", "Предмет": "math",
                                          "Кол-во участников": 5}], delimiter=";")
    _rdr(folder / "region_03.parquet", ["s4", "s5", "s6"], [5, 6, 7], ["=A1+1", "math", "math"], [1, 2, 3])
    # another Parquet shape (participants as float): a group of its own; −1 is below 0
    pq.write_table(pa.table({"school_code": ["s7"], "grade": pa.array([5], pa.int64()), "subject": ["math"],
                             "participants": [-1.0]}), folder / "region_04.parquet")
    return sorted(folder.iterdir())


def _messages(res):
    return [p.message() for p in res.problems]


def test_parquet_files_typed_together_are_reported_file_by_file(tmp_path, monkeypatch):
    files = _files(tmp_path)
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 100.0}})
    calls = []
    real = parse.parse_column
    monkeypatch.setattr(parse, "parse_column", lambda raw, col: calls.append(len(raw)) or real(raw, col))
    res = check_files(files, SOURCES["rdr"], cfg)
    # region_01 and region_03 (one shape, 5 rows) in one call per column; the CSV and region_04 alone
    assert sorted(calls) == sorted([5] * 4 + [1] * 4 + [1] * 4)
    msgs = _messages(res)
    assert "файл «region_01.parquet», строка 3, столбец «grade»: значение «14» — значение должно быть не больше 11" in msgs
    assert "файл «region_02.csv», строка 2, столбец «Класс»: значение «x» — ожидается целое число" in msgs
    assert any(m.startswith("файл «region_03.parquet», строка 2, столбец «subject»: значение «=A1+1»")
               for m in msgs)
    assert "файл «region_04.parquet», строка 2, столбец «participants»: значение «-1» — значение должно быть " \
           "не меньше 0" in msgs
    assert res.rows_in == 7 and len(res.good) == 3
    assert sorted(zip(res.good["_file"], res.good["_row"].astype(int))) == [
        ("region_01.parquet", 2), ("region_03.parquet", 3), ("region_03.parquet", 4)]


def test_the_same_result_as_one_file_at_a_time(tmp_path, monkeypatch):
    files = _files(tmp_path)
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 100.0}})
    together = check_files(files, SOURCES["rdr"], cfg)
    monkeypatch.setattr("tasks.ingest.table_frames", lambda ts, source: [parse.table_frame(t, source) for t in ts])
    alone = check_files(files, SOURCES["rdr"], cfg)
    assert _messages(together) == _messages(alone)
    assert together.warnings == alone.warnings
    assert together.good.astype(str).values.tolist() == alone.good.astype(str).values.tolist()
    assert together.rejected.astype(str).values.tolist() == alone.rejected.astype(str).values.tolist()
