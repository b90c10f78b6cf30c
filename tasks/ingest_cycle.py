"""A cycle's ingest: every source of the cycle loaded, the independent ones at the same time.

The flow (flows/common.py, each source its own `ingest-source` task run) and the data path
benchmark (bench/data_path.py, the same body without Prefect) both call `ingest_sources`;
nothing here imports Prefect.

Order. The sources whose tables the ingest of other sources reads (`READ_BY_OTHERS`: the
registry, ОО-1) are loaded first, one after another. The others then run on `lanes()`
threads (two on this project's machines), the bulk sources first and, within each kind,
the source with the most input bytes first, so that ГИА's DuckDB years (≈ 1.8 cores busy)
and the clerk sources' single-threaded Python (pandas, calamine, pandera) overlap. Each
source is one call of `load(source, ays)`, which opens its own DuckDB connection on the
one warehouse file (one database instance in the process: one `[warehouse] threads` pool
and one `memory_limit` shared by the lanes). The results come back in the configured order.

Why this is safe, source by source (tests/test_par10_concurrent_ingest.py):
- each source writes only its own `raw_<source>` tables (or `raw_<source>__rows`/`__files`,
  with `next_fid` of its own `__files`) and all of a source's AYs run in one lane, in order;
- the shared `quarantine` and `ingest_files` get appends only; `excluded_files` deletes
  only the rows of its own run, source and AY; DuckDB's optimistic transactions conflict
  only when two write the same row or the catalog, so the catalog (and `excluded_files`,
  which the loads create when missing) is made before the lanes start (`_prepare`);
- temporary tables and registered frames (tasks/bulk.py `__bulk_*`, tasks/load.py
  `__good`) belong to their connection, and every lane has its own.

A failing source stops the ingest as the one-by-one loop did: no source starts after it;
the ones already running finish (each commits or rolls back on its own) and then its error
is raised — the first in the cycle's order when several failed.
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable

from schemas.sources import SOURCES

# Sources whose tables the ingest of other sources reads (and what reads them): loaded
# before every other source of the cycle, one after another in this order.
READ_BY_OTHERS = {
    "schools": "every school code is checked against the registry, raw_schools (tasks/registry_check.py, "
               "tasks/bulk.py `_registry`)",
    "oo1": "participants are checked against the grade's students in raw_oo1 (tasks/oo1_check.py, "
           "tasks/bulk.py `_oo1`, `_oo1_participants`, tasks/ingest.py `_has_oo1`)",
}
LANES_ENV = "EDUMON_INGEST_LANES"  # overrides `[warehouse] ingest_lanes` (the kill tests, a quick try)


def lanes(settings: dict | None = None) -> int:
    """How many sources load at once: `EDUMON_INGEST_LANES` if set, else `[warehouse]
    ingest_lanes` (`settings`: the run's `[warehouse]` table); 0 or missing: two, one on a
    one-core process."""
    value = os.environ.get(LANES_ENV, "").strip() or str((settings or {}).get("ingest_lanes", 0))
    if int(value) > 0:
        return int(value)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores > 1 else 1


def load_source_years(connect: Callable, inbox: str, source: str, ays: list[int], run_id: str, cfg,
                      log: logging.Logger | None = None) -> list[dict]:
    """Load one source for the given AYs (the registry once) on its own connection,
    `connect()` (the warehouse with the run's `[warehouse]` settings); unchanged files are
    skipped. One dict per AY that has files (the flow's summary)."""
    from tasks import ingest

    log = log or logging.getLogger("edumon")
    out = []
    con = connect()
    try:
        years = ays if SOURCES[source].yearly else [None]
        for ay in years:
            rep = ingest.ingest_source(con, Path(inbox), source, ay, run_id, cfg)
            for w in rep.warnings:
                log.warning(w)
            for p in rep.problems[:20]:
                log.warning(p.message())
            if rep.missing:
                continue
            log.info(f"{source}{'' if ay is None else f' {ay}'}: строк {rep.rows_in}, загружено {rep.rows_loaded}, "
                     f"в карантине {rep.rows_quarantined}{' (без изменений)' if rep.skipped_unchanged else ''}")
            out.append({"source": source, "ay": ay, "files": rep.files, "rows_in": rep.rows_in,
                        "rows_loaded": rep.rows_loaded, "rows_quarantined": rep.rows_quarantined,
                        "skipped_unchanged": rep.skipped_unchanged, "problems": len(rep.problems),
                        "problem_list": publishable_problems(rep), "warning_list": rep.warnings,
                        "excluded": rep.excluded})
    finally:
        con.close()
    return out


def publishable_problems(rep) -> list[dict]:
    """The load's problems as plain dicts for the published validation report. Values of
    participant-level sources are withheld (personal data stays in the warehouse); the
    file, sheet, row, column and rule are enough to find the cell."""
    from dataclasses import asdict

    hide = SOURCES[rep.source].participant_level
    return [dict(asdict(p), value="(скрыто: персональные данные)" if hide and p.value else p.value)
            for p in rep.problems]


def _input_bytes(inbox: str | Path | None, source: str, ays: list[int]) -> int:
    """The bytes of the source's files for these AYs (the lanes' longest-first order)."""
    if inbox is None:
        return 0
    from tasks.inbox import list_files, source_folder

    src = SOURCES[source]
    total = 0
    for ay in (ays if src.yearly else [None]):
        for f in list_files(source_folder(Path(inbox), src, ay), root=Path(inbox)):
            try:
                total += f.stat().st_size
            except OSError:
                pass
    return total


def plan(reads: list[tuple[str, list[int]]], inbox: str | Path | None = None) -> tuple[list, list]:
    """(the sources others read, in their dependency order; the rest, in the lanes' order:
    bulk sources first, then the most input bytes first, then the cycle's order)."""
    order = list(READ_BY_OTHERS)
    first = sorted((r for r in reads if r[0] in READ_BY_OTHERS), key=lambda r: order.index(r[0]))
    rest = [r for r in reads if r[0] not in READ_BY_OTHERS]
    size = {s: _input_bytes(inbox, s, ays) for s, ays in rest}
    pos = {s: i for i, (s, _) in enumerate(rest)}
    rest.sort(key=lambda r: (not SOURCES[r[0]].bulk, -size[r[0]], pos[r[0]]))
    return first, rest


def _prepare(connect: Callable):
    """The catalog made before any lane starts (a warehouse of an earlier release migrated,
    `excluded_files` created): two lanes creating one table at once would conflict. The
    connection is kept open for the ingest (one database instance for every lane)."""
    from tasks.ingest_log import EXCLUDED_DDL

    con = connect()
    try:
        con.execute(EXCLUDED_DDL)
    except BaseException:
        con.close()
        raise
    return con


def ingest_sources(reads: list[tuple[str, list[int]]], load: Callable[[str, list[int]], list[dict]],
                   connect: Callable, inbox: str | Path | None = None, n_lanes: int | None = None,
                   progress=None, on_start: Callable[[str], None] | None = None) -> list[dict]:
    """Load every (source, AYs) of `reads` with `load(source, ays)` (the flow: its Prefect
    task; the benchmark: the same body, `load_source_years`) and return the loads in the
    order of `reads`. `connect()`: the warehouse with the run's settings.

    `n_lanes`: sources at once (default `lanes()`, the environment's or two; 1: one after another in the calling
    thread). `progress`: a tasks.progress.StageProgress (each source a step). `on_start`:
    called with the source's name as it starts, in its lane (the kill tests' pause hook).
    Each lane runs in a copy of the caller's context (Prefect's flow run context: each
    `load` is then a task run of the flow, as with the task runner's `.submit`)."""
    n_lanes = lanes() if n_lanes is None else max(1, n_lanes)
    first, rest = plan(reads, inbox)
    done: dict[str, list[dict]] = {}

    stop = threading.Event()   # a source failed: none starts any more

    def one(source: str, ays: list[int]) -> list[dict]:
        if stop.is_set():
            return []
        if progress is not None:
            progress.begin("ingest", source)
        try:
            if on_start is not None:
                on_start(source)
            return load(source, ays)
        except BaseException:
            stop.set()
            raise
        finally:
            if progress is not None:
                progress.end(source)

    held = _prepare(connect)
    try:
        for source, ays in first:
            done[source] = one(source, ays)
        if n_lanes == 1 or len(rest) <= 1:   # one after another, in the cycle's order
            for source, ays in reads:
                if source not in done:
                    done[source] = one(source, ays)
        else:
            _lanes(rest, one, n_lanes, done, [s for s, _ in reads])
    finally:
        held.close()
    return [x for source, _ in reads for x in done[source]]


def _lanes(rest: list[tuple[str, list[int]]], one, n_lanes: int, done: dict, order: list[str]) -> None:
    """Run `one(source, ays)` for `rest` in its order, `n_lanes` at a time, into `done`. After
    a failure no source starts; the running ones finish, then the failure of the source
    first in `order` (the cycle's) is raised."""
    queue = list(rest)
    failed: dict[str, BaseException] = {}
    running = {}
    with ThreadPoolExecutor(max_workers=n_lanes, thread_name_prefix="ingest-lane") as pool:
        while running or (queue and not failed):
            while queue and not failed and len(running) < n_lanes:
                source, ays = queue.pop(0)
                ctx = contextvars.copy_context()   # one copy per call: a context runs in one thread at a time
                running[pool.submit(ctx.run, one, source, ays)] = source
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                source = running.pop(fut)
                if fut.exception() is not None:
                    failed[source] = fut.exception()
                else:
                    done[source] = fut.result()
    if failed:
        raise failed[min(failed, key=order.index)]
