"""The cycle's sources loaded on two lanes (tasks/ingest_cycle.py), on real DuckDB files and
a generated municipality (every source, every AY, planted errors: quarantine rows):

- two lanes write what one connection loading the sources one after another writes
  (every `raw_<source>`, `quarantine`, `ingest_files`, `excluded_files`; run ids and
  timestamps aside), with two sources' transactions provably open at the same moment (a
  barrier inside the load's transaction, just before the shared `quarantine` insert);
- again on the same warehouses: unchanged inputs skipped; then with the file log cleared,
  every source-year deleted and loaded again at once — nothing doubled, the same tables;
- the registry and ОО-1, which the other loads read, are complete before any other source starts;
- a failing source: its error raised (the first in the cycle's order when two fail), no
  source started after it, the running ones finished, the warehouse free for the
  failure artifact's read-only look;
- the progress bar names the sources running and moves once per source."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from edumon.config import load_config
from edumon.generate import generate
from schemas.sources import SOURCES
from tasks import bulk, ingest_cycle, load as load_mod, ops
from tasks.errors import IngestError
from tasks.ingest import ingest_source
from tasks.warehouse import connect

FIRST, LAST = 2020, 2023
# every source with every AY the generator writes (the union of the four cycles' reads)
READS = [(name, list(range(FIRST, LAST + 1)) if src.yearly else []) for name, src in SOURCES.items()]
LEFT_OUT = {"_run_id", "_loaded_at", "run_id", "loaded_at", "quarantined_at", "excluded_at"}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inbox")
    generate(out, seed=11, schools=24, years=(FIRST, LAST))
    # rows to reject (the generator's are clean): a school the registry lacks, in a bulk
    # source (ГИА) and a clerk one (ОО-2), both cp1251 `;` CSV
    for path in (out / str(LAST - 1) / "gia" / "oge_2022.csv", out / str(LAST - 1) / "oo2" / "oo2_2022.csv"):
        enc, sep = "cp1251", ";"
        text = path.read_text(encoding=enc)
        first = text.splitlines()[1]
        cells = first.split(sep)
        code = next(i for i, c in enumerate(cells) if c.startswith("sch"))
        unknown = cells[:code] + ["sch999999"] + cells[code + 1:]
        path.write_text(text.rstrip("\n") + "\n" + sep.join(unknown) + "\n", encoding=enc)
    return out


def one_after_another(inbox: Path, warehouse: Path, run_id: str, cfg) -> None:
    """The reference: every source-year on one connection, in the configured order."""
    con = connect(warehouse)
    try:
        for source, ays in READS:
            for ay in (ays if SOURCES[source].yearly else [None]):
                ingest_source(con, inbox, source, ay, run_id, cfg)
    finally:
        con.close()


class Recorder:
    """`load` for ingest_sources: the task's body, with each source's start, end and thread.
    `after`: source → a source whose failure it waits for before it loads."""

    def __init__(self, inbox: Path, warehouse: Path, run_id: str, cfg, after: dict[str, str] | None = None):
        self.args = (str(inbox), str(warehouse), run_id, cfg)
        self.spans: dict[str, tuple[float, float, str]] = {}
        self.after = after or {}
        self.failed = {s: threading.Event() for s in self.after.values()}

    def __call__(self, source: str, ays: list[int]) -> list[dict]:
        if source in self.after:
            assert self.failed[self.after[source]].wait(60)
        t0 = time.monotonic()
        try:
            inbox, warehouse, run_id, cfg = self.args
            return ingest_cycle.load_source_years(lambda: connect(warehouse), inbox, source, ays, run_id, cfg)
        except Exception:
            if source in self.failed:
                self.failed[source].set()
            raise
        finally:
            self.spans[source] = (t0, time.monotonic(), threading.current_thread().name)


@pytest.fixture
def rendezvous(monkeypatch):
    """The first two quarantine inserts (inside a load's transaction, after its raw rows are
    written) wait for each other: two sources' transactions are open at once, or the
    barrier breaks after 60 s and the load fails."""
    barrier = threading.Barrier(2, timeout=60)
    calls = {"n": 0, "threads": set()}
    lock = threading.Lock()

    def wrap(original):
        def write_quarantine(con, rows):
            with lock:   # the lanes' first two (the registry and ОО-1 load before, in this thread)
                lane = threading.current_thread().name.startswith("ingest-lane")
                calls["n"] += lane
                mine = lane and calls["n"] <= 2
            if mine:
                calls["threads"].add(threading.current_thread().name)
                barrier.wait()
            return original(con, rows)
        return write_quarantine

    monkeypatch.setattr(load_mod, "write_quarantine", wrap(load_mod.write_quarantine))
    monkeypatch.setattr(bulk, "write_quarantine", wrap(bulk.write_quarantine))
    return calls


def differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows of a, rows in a not in b, rows in b not in a) — EXCEPT ALL both ways,
    run ids and timestamps left out; only tables that differ."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        tables = [f"raw_{s}" for s in SOURCES] + ["quarantine", "ingest_files", "excluded_files"]
        out = {}
        for t in tables:
            cols = [r[0] for r in con.execute(f"DESCRIBE a.{t}").fetchall() if r[0] not in LEFT_OUT]
            sel = ", ".join(f'"{c}"' for c in cols)
            n = con.execute(f"SELECT count(*) FROM a.{t}").fetchone()[0]
            ab = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM a.{t} EXCEPT ALL SELECT {sel} FROM b.{t})"
                             ).fetchone()[0]
            ba = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM b.{t} EXCEPT ALL SELECT {sel} FROM a.{t})"
                             ).fetchone()[0]
            if ab or ba:
                out[t] = (n, ab, ba)
        return out
    finally:
        con.close()


def counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in [f"raw_{s}" for s in SOURCES] + ["quarantine", "ingest_files"]}
    finally:
        con.close()


def test_two_lanes_write_what_one_connection_writes_and_a_rerun_replaces_without_doubling(
        inbox, tmp_path, rendezvous):
    cfg = load_config()
    seq, par = tmp_path / "seq.duckdb", tmp_path / "par.duckdb"
    one_after_another(inbox, seq, "r1", cfg)
    rec = Recorder(inbox, par, "r1", cfg)
    loads = ingest_cycle.ingest_sources(READS, rec, lambda: connect(par), inbox=inbox, n_lanes=2)

    # two transactions were open at once, in two lanes
    assert rendezvous["n"] >= 2 and len(rendezvous["threads"]) == 2, rendezvous
    assert {t for _, _, t in rec.spans.values() if t.startswith("ingest-lane")} == \
        {"ingest-lane_0", "ingest-lane_1"}
    # the registry first, then ОО-1 (it is checked against the registry), then the others
    s = rec.spans
    assert s["schools"][1] <= s["oo1"][0]
    assert all(s["oo1"][1] <= s[x][0] for x in s if x not in ("schools", "oo1"))
    assert s["schools"][2] == s["oo1"][2] == threading.current_thread().name
    # the loads in the configured order, one per source-year that has files
    order = [x["source"] for x in loads]
    assert order == sorted(order, key=[r[0] for r in READS].index)
    with duckdb.connect(str(seq), read_only=True) as con:
        logged = sorted(con.execute("SELECT DISTINCT source, ay FROM ingest_files").fetchall(),
                        key=lambda r: (r[0], r[1] or 0))
    assert sorted(((x["source"], x["ay"]) for x in loads), key=lambda r: (r[0], r[1] or 0)) == logged
    # the planted rows: ГИА's copy and the row it copies (one key twice), ОО-2's one row
    assert {(x["source"], x["ay"]): x["rows_quarantined"] for x in loads if x["rows_quarantined"]} == \
        {("gia", LAST - 1): 2, ("oo2", LAST - 1): 1}
    assert differences(seq, par) == {}
    first = counts(par)
    assert first["quarantine"] == 3 and first["raw_gia"] > 0 and first["raw_vpr_stats"] > 0

    # the same inputs again: every source-year skipped as unchanged, at once
    again = ingest_cycle.ingest_sources(READS, Recorder(inbox, par, "r2", cfg), lambda: connect(par), inbox=inbox,
                                        n_lanes=2)
    assert all(x["skipped_unchanged"] for x in again) and len(again) == len(loads)
    assert counts(par) == first

    # the file log cleared in both: every source-year deletes its AY and loads it again, at once
    for path in (seq, par):
        with duckdb.connect(str(path)) as con:
            con.execute("DELETE FROM ingest_files")
    one_after_another(inbox, seq, "r3", cfg)
    ingest_cycle.ingest_sources(READS, Recorder(inbox, par, "r3", cfg), lambda: connect(par), inbox=inbox, n_lanes=2)
    assert differences(seq, par) == {}
    after = counts(par)
    # raw rows replaced, not doubled; quarantine and the log get this run's rows beside the first's
    assert {t: n for t, n in after.items() if t.startswith("raw_")} == \
        {t: n for t, n in first.items() if t.startswith("raw_")}
    assert after["quarantine"] == 2 * first["quarantine"]
    assert after["ingest_files"] == first["ingest_files"]


def _damage(inbox: Path, tmp_path: Path, *sources: str) -> Path:
    """A copy of the inbox with one file of each named source made unreadable."""
    import shutil

    box = tmp_path / "box"
    shutil.copytree(inbox, box)
    for source in sources:
        src = SOURCES[source]
        folder = box / str(LAST - 1) / source if src.yearly else box / source
        victim = sorted(p for p in folder.rglob("*") if p.is_file())[0]
        victim.write_bytes(b"PK\x03\x04 not a workbook at all")
        if victim.suffix.lower() not in (".xlsx", ".xls", ".parquet"):
            victim.rename(victim.with_suffix(".xlsx"))
    return box


def test_a_failing_source_stops_the_ingest_as_one_after_another_did(inbox, tmp_path, monkeypatch):
    cfg = load_config()
    box = _damage(inbox, tmp_path, "staff")
    ays = [LAST - 1]
    reads = [("schools", []), ("gia", ays), ("staff", ays), ("prevention", ays), ("rdr", ays), ("literacy", ays),
             ("olympiad", ays)]
    # the lanes' order made known: ГИА (bulk) and staff first, the others after them
    size = {"staff": 5, "prevention": 4, "rdr": 3, "literacy": 2, "olympiad": 1}
    monkeypatch.setattr(ingest_cycle, "_input_bytes", lambda inbox, source, ays: size.get(source, 0))
    # what the source raises on its own
    con = connect(tmp_path / "alone.duckdb")
    try:
        ingest_source(con, box, "schools", None, "r0", cfg)
        with pytest.raises(IngestError) as alone:
            ingest_source(con, box, "staff", LAST - 1, "r0", cfg)
    finally:
        con.close()
    assert "не является книгой Excel" in str(alone.value)

    wh = tmp_path / "w.duckdb"
    rec = Recorder(box, wh, "run-f", cfg, after={"gia": "staff"})   # ГИА still loading when staff fails
    with pytest.raises(IngestError) as got:
        ingest_cycle.ingest_sources(reads, rec, lambda: connect(wh), inbox=box, n_lanes=2)
    assert str(got.value) == str(alone.value)
    # nothing started after the failure; ГИА, running in the other lane, finished and committed
    assert set(rec.spans) == {"schools", "gia", "staff"}
    # the warehouse is free: the failure artifact opens it read-only in this process
    ops.failure_groups(str(wh), "run-f")
    with duckdb.connect(str(wh), read_only=True) as con:
        loaded = {r[0] for r in con.execute("SELECT DISTINCT source FROM ingest_files").fetchall()}
        staff_rows = con.execute("SELECT count(*) FROM raw_staff").fetchone()[0]
        gia_rows = con.execute("SELECT count(*) FROM raw_gia").fetchone()[0]
    assert loaded == {"schools", "gia"} and staff_rows == 0 and gia_rows > 0


def test_two_failing_sources_raise_the_first_in_the_cycles_order(inbox, tmp_path):
    cfg = load_config()
    box = _damage(inbox, tmp_path, "staff", "prevention")
    ays = [LAST - 1]
    for order in (["staff", "prevention"], ["prevention", "staff"]):
        reads = [("schools", [])] + [(s, ays) for s in order]
        wh = tmp_path / f"{order[0]}.duckdb"
        rec = Recorder(box, wh, "r", cfg)
        with pytest.raises(IngestError) as got:
            ingest_cycle.ingest_sources(reads, rec, lambda: connect(wh), inbox=box, n_lanes=2)
        assert set(rec.spans) == {"schools", "staff", "prevention"}   # both ran, at once
        assert {t for _, _, t in rec.spans.values()} >= {"ingest-lane_0", "ingest-lane_1"}
        assert f"«{SOURCES[order[0]].title}»" in str(got.value), str(got.value)
        assert f"«{SOURCES[order[1]].title}»" not in str(got.value)


def test_the_bar_names_the_sources_running_and_moves_once_per_source(inbox, tmp_path, monkeypatch):
    from tasks.progress import StageProgress

    monkeypatch.setenv("EDUMON_PROGRESS", "1")
    cfg = load_config()
    ays = [LAST - 1]
    reads = [("schools", []), ("staff", ays), ("prevention", ays), ("rdr", ays)]
    wh = tmp_path / "w.duckdb"
    seen = []
    both = threading.Barrier(2, timeout=60)
    body = Recorder(inbox, wh, "r", cfg)

    def load(source, ays):
        if source in ("staff", "prevention"):   # the two lanes' first sources: both running now
            both.wait()
            seen.append(bar._progress.tasks[0].description)
        return body(source, ays)

    with StageProgress("Сентябрь 2023/2024", len(reads) + 4) as bar:
        ingest_cycle.ingest_sources(reads, load, lambda: connect(wh), inbox=inbox, n_lanes=2, progress=bar)
        assert bar._progress.tasks[0].completed == 4   # one step a source
        bar.start("compute")
        assert bar._progress.tasks[0].completed == 4
        bar.start("export")
        assert bar._progress.tasks[0].completed == 5
    assert len(seen) == 2
    for d in seen:
        assert d.startswith("Сентябрь 2023/2024 — загрузка: ") and "staff" in d and "prevention" in d, d


def test_one_lane_loads_one_after_another_in_the_cycles_order(inbox, tmp_path):
    cfg = load_config()
    ays = [LAST - 1]
    reads = [("staff", ays), ("gia", ays), ("schools", []), ("prevention", ays)]
    wh = tmp_path / "w.duckdb"
    rec = Recorder(inbox, wh, "r", cfg)
    loads = ingest_cycle.ingest_sources(reads, rec, lambda: connect(wh), inbox=inbox, n_lanes=1)
    # the registry first (the others read it), then the cycle's order, all in this thread
    started = [s for s, _ in sorted(rec.spans.items(), key=lambda kv: kv[1][0])]
    assert started == ["schools", "staff", "gia", "prevention"]
    assert {t for _, _, t in rec.spans.values()} == {threading.current_thread().name}
    assert [x["source"] for x in loads] == ["staff", "gia", "schools", "prevention"]
