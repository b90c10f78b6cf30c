"""Issue 12, session 7: a bulk source's rows are typed straight into `raw_<source>__rows`
under fresh sheet ids (`_fid`), invisible through the view `raw_<source>` until the load
commits their `__files` rows; rejected rows are deleted from them, a failed load deletes
them, and a killed load's orphans are deleted by the next load. Participant ids are hashed
on the typed dictionary. Expected values by hand (the hashes with hashlib here)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from edumon.config import load_config
from tasks import bulk
from tasks.errors import IngestError
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv

ROOT = Path(__file__).resolve().parents[1]
SALT = "edumon-demo-salt"  # [privacy] default_salt of config/edumon.toml


def _hashed(pid: str) -> str:
    return hashlib.sha256(f"{SALT}|{pid}".encode()).hexdigest()[:20]


def _gia(folder: Path, name: str, pids: list[str], schools: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    n = len(pids)
    pq.write_table(pa.table({"participant_id": pids, "school_code": schools, "exam": ["oge"] * n,
                             "subject": ["math"] * n, "mark": [4] * n}), folder / name)


def _inbox(inbox: Path) -> Path:
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("s1", "s2")])
    folder = inbox / "2022" / "gia"
    _gia(folder, "region_01.parquet", ["p1", "p2", "p3"], ["s1", "s1", "zz"])  # row 4: a school not in the registry
    _gia(folder, "region_02.parquet", ["p4", "p5", "p6"], ["s2", "s2", "s2"])
    return folder


def _visible(con) -> list[tuple]:
    return con.execute("SELECT _file, _row, participant_id, school_code, _run_id FROM raw_gia "
                       "ORDER BY _file, _row").fetchall()


def _stored(con) -> int:
    return con.execute("SELECT count(*) FROM raw_gia__rows").fetchall()[0][0]


FIRST = [("region_01.parquet", 2, _hashed("p1"), "s1", "r1"), ("region_01.parquet", 3, _hashed("p2"), "s1", "r1"),
         ("region_02.parquet", 2, _hashed("p4"), "s2", "r1"), ("region_02.parquet", 3, _hashed("p5"), "s2", "r1"),
         ("region_02.parquet", 4, _hashed("p6"), "s2", "r1")]


def _first_load(tmp_path):
    inbox = tmp_path / "inbox"
    folder = _inbox(inbox)
    cfg = load_config()
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    rep = ingest_source(con, inbox, "gia", 2022, "r1", cfg)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (6, 5, 1)
    return inbox, folder, cfg, con


def test_rejects_deleted_kept_in_quarantine_ids_hashed(tmp_path):
    inbox, folder, cfg, con = _first_load(tmp_path)
    assert _visible(con) == FIRST
    assert _stored(con) == 5  # the rejected row is deleted from the rows table, not only hidden
    q = con.execute("SELECT file, row, reasons, raw_json FROM quarantine WHERE source = 'gia'").fetchall()
    assert len(q) == 1 and q[0][:2] == ("region_01.parquet", 4) and "zz" in q[0][2] and "zz" in q[0][3]
    assert "p3" not in q[0][3] and _hashed("p3") in q[0][3]  # the reject's id pseudonymised too
    # a second load of a changed year replaces it: no duplicate, no row of the first left behind
    _gia(folder, "region_01.parquet", ["p1", "p7"], ["s1", "s1"])
    ingest_source(con, inbox, "gia", 2022, "r2", cfg)
    assert _visible(con) == [("region_01.parquet", 2, _hashed("p1"), "s1", "r2"),
                             ("region_01.parquet", 3, _hashed("p7"), "s1", "r2")] + [
        r[:4] + ("r2",) for r in FIRST[2:]]
    assert _stored(con) == 5 and con.execute("SELECT count(*) FROM raw_gia__files").fetchall() == [(2,)]
    con.close()


def test_failed_load_leaves_nothing_and_keeps_the_year(tmp_path, monkeypatch):
    inbox, folder, cfg, con = _first_load(tmp_path)
    # over the rejected-share limit: the rejects go to quarantine, the earlier year stays, the new rows go
    _gia(folder, "region_01.parquet", ["p1", "p2", "p3"], ["zz", "zz", "zz"])
    with pytest.raises(IngestError):
        ingest_source(con, inbox, "gia", 2022, "r2", cfg)
    assert _visible(con) == FIRST and _stored(con) == 5
    assert con.execute("SELECT count(*) FROM quarantine WHERE run_id = 'r2'").fetchall() == [(3,)]
    # a failure between the typing and the commit: the rows written under fresh ids are deleted
    _gia(folder, "region_01.parquet", ["p1", "p2", "p8", "p9"], ["s1", "s1", "s1", "s1"])

    def broken(*args, **kwargs):
        raise OSError("диск отключён")

    monkeypatch.setattr(bulk, "load", broken)
    with pytest.raises(OSError):
        ingest_source(con, inbox, "gia", 2022, "r3", cfg)
    assert _visible(con) == FIRST and _stored(con) == 5
    con.close()


KILLED = """
import os, sys
from pathlib import Path
from edumon.config import load_config
from schemas.sources import SOURCES
from tasks import bulk
from tasks.warehouse import connect
con = connect(Path(sys.argv[1]))
folder = Path(sys.argv[2])
st = bulk.stage_files(con, sorted(folder.iterdir()), SOURCES["gia"], load_config(), ay=2022)
con.execute("CHECKPOINT")
os._exit(9)  # killed after the typed rows were written, before the load's commit
"""


def test_killed_load_orphans_invisible_then_deleted(tmp_path):
    inbox, folder, cfg, con = _first_load(tmp_path)
    con.close()
    _gia(folder, "region_01.parquet", ["p1", "p2", "p8", "p9"], ["s1", "s1", "s1", "s1"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path / "w.duckdb"), str(folder)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    con = connect(tmp_path / "w.duckdb")
    assert _stored(con) == 5 + 7  # the killed load's rows are there …
    assert _visible(con) == FIRST  # … and none of them is visible
    ingest_source(con, inbox, "gia", 2022, "r4", cfg)  # the next load deletes them
    assert _visible(con) == [("region_01.parquet", r, _hashed(p), "s1", "r4")
                             for r, p in ((2, "p1"), (3, "p2"), (4, "p8"), (5, "p9"))] + [
        r[:4] + ("r4",) for r in FIRST[2:]]
    assert _stored(con) == 7
    con.close()
