"""Issue 12, session 10: the participant ids' dictionary of a bulk batch is grouped by a scan
of its own (not in the one list(DISTINCT …) of the other columns); the ids that type to
themselves are hashed in DuckDB, the others typed in Python (a space trimmed) — and both
meet again in the typed rows and the set-level checks. Expected values by hand (the hashes
with hashlib here)."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

SALT = "edumon-demo-salt"  # [privacy] default_salt of config/edumon.toml


def _hashed(pid: str) -> str:
    return hashlib.sha256(f"{SALT}|{pid}".encode()).hexdigest()[:20]


def test_plain_and_trimmed_ids_hash_alike_and_repeat(tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "r.csv", [{"school_code": "s1", "school_name": "s1", "municipality_code": "m",
                                             "municipality_name": "М"}])
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True)
    # rows 2..6: «p1» and « p1» are one participant once the space is trimmed: the same key
    # twice (both rows rejected); row 5 has no id (required); «p2» and «p3» load, and so do
    # rows 7..16 (ten more pupils, to stay under the share of rejects that stops a load)
    pids = ["p1", " p1", "p2", None, "p3"] + [f"q{i}" for i in range(10)]
    n = len(pids)
    pq.write_table(pa.table({"participant_id": pids, "school_code": ["s1"] * n, "exam": ["oge"] * n,
                             "subject": ["math"] * n, "mark": [4, 4, 5, 3, 2] + [3] * 10}),
                   folder / "region_01.parquet")
    cfg = load_config()
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    rep = ingest_source(con, inbox, "gia", 2022, "r1", cfg)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (15, 12, 3)
    assert con.execute("SELECT _row, participant_id, mark FROM raw_gia ORDER BY _row").fetchall() == [
        (4, _hashed("p2"), 5), (6, _hashed("p3"), 2)] + [(7 + i, _hashed(f"q{i}"), 3) for i in range(10)]
    assert [r[0] for r in con.execute("SELECT DISTINCT row FROM quarantine WHERE source = 'gia' "
                                      "ORDER BY row").fetchall()] == [2, 3, 5]
    raw = con.execute("SELECT raw_json FROM quarantine WHERE source = 'gia' AND row = 2").fetchall()[0][0]
    assert _hashed("p1") in raw and '"p1"' not in raw  # the reject's id pseudonymised
    con.close()
