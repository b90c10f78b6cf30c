"""Issue 12, session 8: ГИА's participant ids are hashed as they enter the typed dictionary,
on both of its paths — the plain ids typed in SQL and the others (spaces around them, a
number read from XLSX-like text) typed by `parse_column` — and each id's text is the one
hashed. A missing id is a rejected row. Expected values by hand (hashlib)."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

SALT = "edumon-demo-salt"  # [privacy] default_salt of config/edumon.toml


def _hashed(pid: str) -> str:
    return hashlib.sha256(f"{SALT}|{pid}".encode()).hexdigest()[:20]


def test_plain_and_other_ids_hashed_alike(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "r.csv", [{"school_code": "s1", "school_name": "s1", "municipality_code": "m",
                                             "municipality_name": "М"}])
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True)
    # row 2: a plain id; row 3: the same kind with spaces around it (typed by parse_column,
    # trimmed); row 4: an id starting with «-» (not plain, kept as written); row 5: none;
    # rows 6–7: plain again (the rejected share stays under the limit)
    pids = ["p1", "  p2 ", "-p3", None, "p4", "p5"]
    pq.write_table(pa.table({"participant_id": pa.array(pids, pa.string()), "school_code": ["s1"] * 6,
                             "exam": ["ege"] * 6, "subject": ["math"] * 6,
                             "test_score": [50.0, 60.0, 70.0, 80.0, 90.0, 95.0]}), folder / "region_01.parquet")
    cfg = load_config()
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    rep = ingest_source(con, inbox, "gia", 2022, "r1", cfg)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (6, 5, 1)
    assert con.execute("SELECT _row, participant_id, test_score FROM raw_gia ORDER BY _row").fetchall() == [
        (2, _hashed("p1"), 50.0), (3, _hashed("p2"), 60.0), (4, _hashed("-p3"), 70.0), (6, _hashed("p4"), 90.0),
        (7, _hashed("p5"), 95.0)]
    (row, raw), = con.execute("SELECT row, raw_json FROM quarantine WHERE source = 'gia'").fetchall()
    assert row == 5 and json.loads(raw)["test_score"] == "80"
    con.close()
