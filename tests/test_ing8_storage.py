"""Issue 12, session 8: the pseudonymised participant ids of a bulk source's rows table are
stored uncompressed (`tasks.warehouse.COLUMN_STORAGE`), the other columns as DuckDB chooses.
Readers see the same view; a warehouse made before (its `participant_id` compressed as
DuckDB chose) keeps working: the next load adds to it, and what it shows is what a new
warehouse shows. Expected values by hand (the hashes with hashlib here)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from tasks import warehouse
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

SALT = "edumon-demo-salt"  # [privacy] default_salt of config/edumon.toml


def _hashed(pid: str) -> str:
    return hashlib.sha256(f"{SALT}|{pid}".encode()).hexdigest()[:20]


def _inbox(inbox: Path) -> Path:
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("s1", "s2")])
    for ay, pids in ((2021, ["a1", "a2"]), (2022, ["b1", "b2", "b3"])):
        folder = inbox / str(ay) / "gia"
        folder.mkdir(parents=True, exist_ok=True)
        n = len(pids)
        pq.write_table(pa.table({"participant_id": pids, "school_code": ["s1"] + ["s2"] * (n - 1),
                                 "exam": ["ege"] * n, "subject": ["russian"] * n, "test_score": [70.0] * n}),
                       folder / "region_01.parquet")
    return inbox


EXPECTED = [(2021, 2, _hashed("a1"), "s1", "ege", "russian", 70.0),
            (2021, 3, _hashed("a2"), "s2", "ege", "russian", 70.0),
            (2022, 2, _hashed("b1"), "s1", "ege", "russian", 70.0),
            (2022, 3, _hashed("b2"), "s2", "ege", "russian", 70.0),
            (2022, 4, _hashed("b3"), "s2", "ege", "russian", 70.0)]


def _shown(con) -> list[tuple]:
    return con.execute("SELECT ay, _row, participant_id, school_code, exam, subject, test_score FROM raw_gia "
                       "ORDER BY ay, _row").fetchall()


def _definition(con, table: str) -> str:
    return con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0]


def _compression(con, table: str) -> dict[str, set[str]]:
    con.execute("CHECKPOINT")
    out: dict[str, set[str]] = {}
    for column, compression in con.execute(
            "SELECT column_name, compression FROM pragma_storage_info(?) WHERE segment_type = 'VARCHAR'",
            [table]).fetchall():
        out.setdefault(column, set()).add(compression)
    return out


def _load(con, inbox, ay, run_id):
    return ingest_source(con, inbox, "gia", ay, run_id, load_config())


def test_new_warehouse_stores_ids_uncompressed_and_shows_the_same(tmp_path):
    inbox = _inbox(tmp_path / "inbox")
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", load_config())
    for ay in (2021, 2022):
        rep = _load(con, inbox, ay, f"r{ay}")
        assert rep.rows_quarantined == 0
    assert _shown(con) == EXPECTED
    assert "participant_id VARCHAR USING COMPRESSION Uncompressed" in _definition(con, "raw_gia__rows")
    assert "school_code VARCHAR," in _definition(con, "raw_gia__rows")  # left to DuckDB
    assert "participant_id VARCHAR USING COMPRESSION Uncompressed" in _definition(con, "raw_vpr_participants__rows")
    stored = _compression(con, "raw_gia__rows")
    assert stored["participant_id"] == {"Uncompressed"}
    # the view's types are the contract's, whatever the storage
    types = dict((r[0], r[1]) for r in con.execute("DESCRIBE raw_gia").fetchall())
    assert types["participant_id"] == "VARCHAR" and types["school_code"] == "VARCHAR"
    con.close()


def test_warehouse_made_before_keeps_working(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path / "inbox")
    path = tmp_path / "w.duckdb"
    # a warehouse made by the code before this change: the same tables, no storage clause
    monkeypatch.setattr(warehouse, "COLUMN_STORAGE", {})
    con = connect(path)
    ingest_source(con, inbox, "schools", None, "r0", load_config())
    assert _load(con, inbox, 2021, "r2021").rows_loaded == 2
    assert "USING COMPRESSION" not in _definition(con, "raw_gia__rows")
    con.close()
    monkeypatch.undo()
    # opened by this code: nothing is rebuilt, the next load adds to it, a rerun replaces its AY
    con = connect(path)
    assert "USING COMPRESSION" not in _definition(con, "raw_gia__rows")
    assert _load(con, inbox, 2022, "r2022").rows_loaded == 3
    assert _shown(con) == EXPECTED
    # a corrected 2021 file replaces the AY's rows written by the earlier code
    pq.write_table(pa.table({"participant_id": ["a1"], "school_code": ["s1"], "exam": ["ege"], "subject": ["russian"],
                             "test_score": [75.0]}), inbox / "2021" / "gia" / "region_01.parquet")
    assert _load(con, inbox, 2021, "r2021b").rows_loaded == 1
    assert _shown(con) == [(2021, 2, _hashed("a1"), "s1", "ege", "russian", 75.0)] + EXPECTED[2:]
    assert con.execute("SELECT count(*) FROM raw_gia__rows").fetchall()[0][0] == 4
    con.close()


def test_earlier_single_table_moved_into_the_new_storage(tmp_path):
    """A warehouse of the release with one table `raw_gia`: its rows are moved into
    `raw_gia__rows`, which is made as a new warehouse makes it; nothing lost."""
    import duckdb

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE raw_gia (participant_id VARCHAR, school_code VARCHAR, exam VARCHAR, subject VARCHAR, "
                "period VARCHAR, is_retake BOOLEAN, category VARCHAR, primary_score DOUBLE, test_score DOUBLE, "
                "mark BIGINT, passed_min BOOLEAN, ay INTEGER, _file VARCHAR, _sheet VARCHAR, _row INTEGER, "
                "_sha256 VARCHAR, _run_id VARCHAR, _loaded_at TIMESTAMP)")
    con.execute("INSERT INTO raw_gia (participant_id, school_code, exam, subject, test_score, ay, _file, _sheet, _row, "
                "_sha256, _run_id) VALUES ('h1', 's1', 'ege', 'russian', 70.0, 2021, 'a.parquet', '', 2, 'x', 'r'), "
                "('h2', 's2', 'ege', 'russian', 71.0, 2021, 'a.parquet', '', 3, 'x', 'r')")
    con.close()
    con = connect(path)
    assert "participant_id VARCHAR USING COMPRESSION Uncompressed" in _definition(con, "raw_gia__rows")
    assert con.execute("SELECT participant_id, school_code, test_score, ay, _file, _row FROM raw_gia ORDER BY _row"
                       ).fetchall() == [("h1", "s1", 70.0, 2021, "a.parquet", 2), ("h2", "s2", 71.0, 2021, "a.parquet", 3)]
    con.close()
