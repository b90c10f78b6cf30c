"""cProfile of the product's ingest of one source-year (default: ГИА of 2021 at region
scale, a canonical Parquet file of ≈ 195k rows). Prints the top functions by own time
and cumulative time; docs/benchmarks.md summarises the output.

    python -m bench.profile_ingest --scale region --source gia --ay 2021
    python -m bench.profile_ingest --inbox DIR --source gia --ay 2022   # an inbox of your own

`--statements` instead: no profiler, the CPU seconds of every SQL statement the ingest of
the one source-year runs (summed over statements with the same first 110 characters), the
top `--top` of them with their wall seconds (CPU above wall: the statement ran on more
than one core), and the total against the SQL's share.

`--cpu` instead: no profiler, the CPU seconds (time.process_time) of the ingest of every
source-year of the September cycle (`cycles.september.sources`, `schools` first), or of
the `--sources` named, one fresh process, as JSON — the loop of bench/data_path.py's
ingest stage; run it in two trees back to back for a before/after pair at equal load:

    cd <tree> && PYTHONPATH=$PWD nice -n 10 .venv/bin/python -m bench.profile_ingest \
        --inbox var/bench/data/region-s7/inbox --cpu [--sources gia,staff] [--ay 2023]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import pstats
import tempfile
import time
from pathlib import Path


def cpu_loop(inbox: Path, ay: int, only: list[str] | None) -> dict:
    from edumon.config import load_config
    from schemas.sources import SOURCES
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect

    cfg = load_config()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        c00 = time.process_time()
        for source, offsets in cfg["cycles"]["september"]["sources"].items():
            if only and source not in only and source != "schools":
                continue
            for y in (sorted(ay + o for o in offsets) if SOURCES[source].yearly else [None]):
                c0 = time.process_time()
                ingest_source(con, inbox, source, y, "profile", cfg)
                out[f"{source}/{y}"] = round(time.process_time() - c0, 3)
        total = time.process_time() - c00
        con.close()
    return {"total_cpu": round(total, 3), **out}


class _TimedConnection:
    """A DuckDB connection whose `execute` calls are timed (CPU), everything else passed on."""

    def __init__(self, con):
        self._con = con
        self.cpu: collections.Counter = collections.Counter()
        self.wall: collections.Counter = collections.Counter()
        self.calls: collections.Counter = collections.Counter()

    def execute(self, sql, *args, **kwargs):
        c0, w0 = time.process_time(), time.perf_counter()
        out = self._con.execute(sql, *args, **kwargs)
        key = " ".join(sql.split())[:110]
        self.cpu[key] += time.process_time() - c0
        self.wall[key] += time.perf_counter() - w0
        self.calls[key] += 1
        return out

    def __getattr__(self, name):
        return getattr(self._con, name)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Профиль загрузки одного источника за один год.")
    ap.add_argument("--scale", default="region")
    ap.add_argument("--inbox", type=Path, default=None, help="папка входящих вместо сгенерированной")
    ap.add_argument("--source", default="gia")
    ap.add_argument("--ay", type=int, default=None, help="год источника (с --cpu: год цикла, по умолчанию 2023)")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--cpu", action="store_true", help="без профилировщика: CPU по источникам цикла сентября")
    ap.add_argument("--sources", default="", help="с --cpu: только эти источники (через запятую)")
    ap.add_argument("--statements", action="store_true", help="без профилировщика: CPU каждого SQL-запроса")
    a = ap.parse_args(argv)

    if a.inbox is not None:
        inbox = a.inbox
    else:
        from bench.generate import generate

        inbox = generate(a.scale) / "inbox"
    if a.cpu:
        print(json.dumps(cpu_loop(inbox, a.ay or 2023, [s for s in a.sources.split(",") if s] or None)))
        return

    from edumon.config import load_config
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect

    ay = a.ay or 2021
    cfg = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        if a.source != "schools":  # as the cycle does: the registry first (codes are checked)
            ingest_source(con, inbox, "schools", None, "profile", cfg)
        if a.statements:
            timed = _TimedConnection(con)
            c0, w0 = time.process_time(), time.perf_counter()
            rep = ingest_source(timed, inbox, a.source, ay, "profile", cfg)
            total, wall = time.process_time() - c0, time.perf_counter() - w0
            con.close()
            print(f"{a.source} {ay}: {rep.rows_in} rows in, {rep.rows_loaded} loaded; CPU {total:.2f} s "
                  f"(wall {wall:.2f} s), of it SQL {sum(timed.cpu.values()):.2f} s (wall {sum(timed.wall.values()):.2f} s)")
            for key, cpu in timed.cpu.most_common(a.top):
                print(f"{cpu:7.2f} s CPU {timed.wall[key]:7.2f} s wall {timed.calls[key]:5d}×  {key}")
            return
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        rep = ingest_source(con, inbox, a.source, ay, "profile", cfg)
        prof.disable()
        con.close()
    print(f"{a.source} {ay}: {rep.rows_in} rows in, {rep.rows_loaded} loaded")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(a.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
