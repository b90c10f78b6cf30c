"""Issue 12, session 6: a bulk source stores the columns that are the same for every row of
a sheet (file, sheet, sha256, run id, load time) once per sheet, in `raw_<source>__files`;
the view `raw_<source>` gives every reader the columns of before. Expected values by hand."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

# the columns of raw_gia as a table of any other source has them: canonical, then the meta
GIA_COLUMNS = ["participant_id", "school_code", "exam", "subject", "period", "is_retake", "category",
               "primary_score", "test_score", "mark", "passed_min", "ay", "_file", "_sheet", "_row", "_sha256",
               "_run_id", "_loaded_at"]


def _inbox(inbox):
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("s1", "s2")])
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"participant_id": ["p1", "p2"], "school_code": ["s1", "s1"],
                             "exam": ["oge", "oge"], "subject": ["math", "math"]}), folder / "region_01.parquet")
    pq.write_table(pa.table({"participant_id": ["p3", "p4", "p5"], "school_code": ["s2", "s2", "s2"],
                             "exam": ["ege", "ege", "ege"], "subject": ["physics", "math", "math"]}),
                   folder / "region_02.parquet")
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.iterdir()}


def test_per_file_columns_once_per_sheet(tmp_path):
    inbox = tmp_path / "inbox"
    shas = _inbox(inbox)
    cfg = load_config()
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    for run in ("r1", "r2"):  # a rerun replaces the AY: the same rows, the sheets once each
        if run == "r2":  # a file changed (its rows the same, its metadata not): the AY is loaded again
            path = inbox / "2022" / "gia" / "region_02.parquet"
            pq.write_table(pq.read_table(path).replace_schema_metadata({"v": "2"}), path)
            shas["region_02.parquet"] = hashlib.sha256(path.read_bytes()).hexdigest()
        ingest_source(con, inbox, "gia", 2022, run, cfg)
        described = con.execute("DESCRIBE raw_gia").fetchall()
        assert [r[0] for r in described] == GIA_COLUMNS
        types = {r[0]: r[1] for r in described}
        assert (types["ay"], types["_row"], types["_file"], types["_loaded_at"]) == (
            "INTEGER", "INTEGER", "VARCHAR", "TIMESTAMP")
        rows = con.execute("SELECT _file, _sheet, _row, school_code, subject, ay, _sha256, _run_id "
                           "FROM raw_gia ORDER BY _file, _row").fetchall()
        one, two = shas["region_01.parquet"], shas["region_02.parquet"]
        assert [r[:6] for r in rows] == [
            ("region_01.parquet", "", 2, "s1", "math", 2022), ("region_01.parquet", "", 3, "s1", "math", 2022),
            ("region_02.parquet", "", 2, "s2", "physics", 2022), ("region_02.parquet", "", 3, "s2", "math", 2022),
            ("region_02.parquet", "", 4, "s2", "math", 2022)]
        assert [r[6] for r in rows] == [one, one, two, two, two] and {r[7] for r in rows} == {run}
        assert con.execute("SELECT count(*), count(DISTINCT _fid) FROM raw_gia__files").fetchall() == [(2, 2)]
        stored = [r[0] for r in con.execute("DESCRIBE raw_gia__rows").fetchall()]
        assert not {"_file", "_sheet", "_sha256", "_run_id", "_loaded_at"} & set(stored)
        assert con.execute("SELECT count(*) FROM raw_gia__rows").fetchall() == [(5,)]
    con.close()


def test_earlier_warehouse_keeps_its_rows(tmp_path):
    """A warehouse of an earlier release has one table raw_gia; opening it moves the rows,
    every one kept with its file, sheet and sha256 (two files of 2021, one of 2022)."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    types = {"is_retake": "BOOLEAN", "primary_score": "DOUBLE", "test_score": "DOUBLE", "mark": "BIGINT",
             "passed_min": "BOOLEAN", "ay": "INTEGER", "_row": "INTEGER", "_loaded_at": "TIMESTAMP"}
    columns = ", ".join(f"{c} {types.get(c, 'VARCHAR')}" for c in GIA_COLUMNS)
    old.execute(f"CREATE TABLE raw_gia ({columns})")
    t = datetime(2026, 9, 1, 10, 0)
    data = [("a", "s1", 2021, "f1.csv", 2, "h1", "run1"), ("b", "s1", 2021, "f1.csv", 3, "h1", "run1"),
            ("c", "s2", 2021, "f2.xlsx", 5, None, "run1"), ("d", "s2", 2022, "f1.csv", 2, "h9", "run2")]
    for pid, school, ay, file, row, sha, run in data:
        old.execute("INSERT INTO raw_gia (participant_id, school_code, ay, _file, _sheet, _row, _sha256, _run_id, "
                    "_loaded_at) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)", [pid, school, ay, file, row, sha, run, t])
    old.close()
    con = connect(path)
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'raw_gia'"
                       ).fetchall() == [("VIEW",)]
    got = con.execute("SELECT participant_id, school_code, ay, _file, _row, _sha256, _run_id, _loaded_at "
                      "FROM raw_gia ORDER BY participant_id").fetchall()
    assert got == [(p, s, a, f, r, h, run, t) for p, s, a, f, r, h, run in data]
    assert con.execute("SELECT count(*) FROM raw_gia__files").fetchall() == [(3,)]
    con.close()
    con = connect(path)  # opened again: nothing moves twice
    assert con.execute("SELECT count(*) FROM raw_gia").fetchall() == [(4,)]
    con.close()
