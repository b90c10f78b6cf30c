"""A municipality's own `--config` governs the run's `[warehouse]` and `[export]` settings,
not only its rules: the September cycle runs as a Prefect flow (Prefect's test harness, a
real throw-away server) with a rules file that sets them, and every DuckDB connection the
run's steps open on its warehouse has the file's threads, memory limit and spill folder,
and the XLSX export starts exactly the threads the file names (none at `threads = 1`).

The connections are seen from inside DuckDB (`current_setting`), the threads by their
names as they start.
"""

from __future__ import annotations

import sys
import threading

import duckdb
import pytest

from tests.helpers import write_csv
from tests.report_fixture import stats, write_schools

AY = 2023


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """Two municipalities (so each gets its own workbook of every table), three schools."""
    root = tmp_path_factory.mktemp("inbox")
    write_schools(root)
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        stats("a1", 5, "math", 20, 8), stats("a1", 5, "russian", 20, 6),
        stats("b2", 5, "math", 20, 1), stats("c3", 5, "math", 20, 0),
    ])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 2)])
    return root


def _rules(path, export_threads: int, warehouse: str) -> str:
    path.write_text(f'[report]\nformats = ["html"]\n\n[export]\nthreads = {export_threads}\n\n'
                    f'[warehouse]\n{warehouse}\n', encoding="utf-8")
    return str(path)


def _caller(frame) -> str:
    """The module that asked for the connection (the first frame outside tasks/warehouse.py
    and this file's spy)."""
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name not in ("tasks.warehouse", __name__) and not name.startswith("duckdb"):
            return name
        frame = frame.f_back
    return "?"


def _run(monkeypatch, harness, inbox, work, config: str) -> tuple[list, list[str]]:
    """The cycle with `config`; ([(module, (threads, memory_limit, temp_directory))] of every
    read-write connection to the run's warehouse, [names of the export's threads started])."""
    from flows.september import september_cycle

    for env in ("EDUMON_EXPORT_THREADS", "EDUMON_DUCKDB_THREADS", "EDUMON_DUCKDB_MEMORY_LIMIT",
                "EDUMON_DUCKDB_TEMP_DIRECTORY"):
        monkeypatch.delenv(env, raising=False)
    warehouse = work / "w.duckdb"
    seen: list = []
    started: list[str] = []
    real_connect, real_start = duckdb.connect, threading.Thread.start

    def connect(database=":memory:", *a, **kw):
        con = real_connect(database, *a, **kw)
        if str(database) == str(warehouse) and not kw.get("read_only"):
            seen.append((_caller(sys._getframe(1)), con.execute(
                "SELECT current_setting('threads'), current_setting('memory_limit'), "
                "current_setting('temp_directory')").fetchone()))
        return con

    def start(self, *a, **kw):
        if self.name.startswith("xlsx"):
            started.append(self.name)
        return real_start(self, *a, **kw)

    monkeypatch.setattr(duckdb, "connect", connect)
    monkeypatch.setattr(threading.Thread, "start", start)
    try:
        september_cycle(ay=AY, inbox=str(inbox), store=str(work / "store"), warehouse=str(warehouse), config=config)
    finally:
        monkeypatch.setattr(duckdb, "connect", real_connect)
        monkeypatch.setattr(threading.Thread, "start", real_start)
    return seen, started


@pytest.fixture(scope="module")
def runs(harness, inbox, tmp_path_factory):
    """The same inbox twice: a rules file with one export thread, one DuckDB thread, 300 MB
    and its own spill folder; then one with three export threads and 400 MB."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        one = tmp_path_factory.mktemp("one")
        spill = one / "spill"
        out["one"] = (one, spill, *_run(mp, harness, inbox, one, _rules(
            one / "mo.toml", 1, f'threads = 1\nmemory_limit = "300MB"\ntemp_directory = "{spill}"')))
        three = tmp_path_factory.mktemp("three")
        out["three"] = (three, None, *_run(mp, harness, inbox, three, _rules(
            three / "mo.toml", 3, 'threads = 2\nmemory_limit = "400MB"')))
    return out


def test_every_step_connects_with_the_files_warehouse_settings(runs):
    work, spill, seen, _ = runs["one"]
    steps = [(module, settings) for module, settings in seen if module != "tasks.validate"]
    # ingest (one per source read), compute, quality, export, render, the digest
    assert {m for m, _ in steps} == {"tasks.pipeline", "tasks.ops"}
    assert len([m for m, _ in steps if m == "tasks.pipeline"]) >= 5
    # 300 MB (10^6 bytes) is what DuckDB shows as 286.1 MiB; the default would be 2 threads, 1.8 GiB
    assert {s for _, s in steps} == {(1, "286.1 MiB", str(spill))}
    work, _, seen, _ = runs["three"]
    steps = [s for module, s in seen if module != "tasks.validate"]
    assert set(steps) == {(2, "381.4 MiB", str(work / "w.duckdb.tmp"))}


def test_the_validation_report_connects_with_them_too(runs):
    _, spill, seen, _ = runs["one"]
    assert [s for m, s in seen if m == "tasks.validate"] == [(1, "286.1 MiB", str(spill))]


def test_the_export_starts_the_threads_the_file_names(runs):
    assert runs["one"][3] == []   # threads = 1: every workbook in the calling thread
    started = runs["three"][3]
    # the whole table's thread and three pool threads for the municipalities' workbooks
    assert "xlsx-whole_0" in started and {"xlsx_0", "xlsx_1", "xlsx_2"} & set(started)
    assert not {n for n in started if n.startswith("xlsx_")} - {"xlsx_0", "xlsx_1", "xlsx_2"}

