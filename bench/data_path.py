"""The September data path of edumon, measured in one fresh process: ingest (with the
validation inside it) + compute (reference, models, marts) + Parquet of every output table —
the same functions the flow runs (the Prefect tasks' bodies; the ingest through
tasks/ingest_cycle.py, the sources on lanes as the flow loads them), no XLSX, no documents.

Writes a JSON document (wall, CPU, peak RSS per stage and in all) and the ШНОР list of
the cycle's AY (`mart_shnor`, is_shnor) one school code a line, so that bench/peers.py can
check the three lists are equal before any figure is quoted.

    python -m bench.data_path --data var/bench/data/region-s7 --work var/bench/work/dp \
        --json /tmp/dp.json --shnor /tmp/dp.shnor
    python -m bench.data_path ... --profile /tmp/dp.prof   # cProfile of the ingest stage (the
        # sources one at a time); prints the top functions (own and cumulative time) and
        # the ingest seconds of each source
    python -m bench.data_path ... --lanes 1                # the sources one after another
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import threading
import time
import uuid
from pathlib import Path


def run(inbox: Path, work: Path, ay: int, sampler, profile: Path | None = None,
        lanes: int | None = None) -> tuple[dict, list[str]]:
    """The bodies of the flow's ingest, compute and export tasks (tasks/pipeline.py), called
    directly so that neither Prefect nor the document renderer is imported (≈ 13 s of
    imports on this machine, which the data path does not need)."""
    from edumon.config import load_config
    from tasks import export, indicators
    from tasks.ingest_cycle import ingest_sources, lanes as configured_lanes, load_source_years
    from tasks.warehouse import connect

    cfg = load_config()
    quiet = logging.getLogger("bench.data_path.loads")   # the flow logs each load's warnings; here nobody reads them
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    warehouse = str(work / "warehouse.duckdb")
    spec = cfg["cycles"]["september"]
    run_id = f"bench-{uuid.uuid4()}"
    seconds, cpu = {}, {}

    def stage(name, fn):
        sampler.stage(name)
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        seconds[name] = round(time.perf_counter() - t0, 3)
        cpu[name] = round(time.process_time() - c0, 3)
        sampler.stage(None)
        return out

    def ingest():
        # the flow's ingest (tasks/ingest_cycle.py: the sources on lanes), each source's body
        # as its task runs it; per source its wall in its lane and its lane thread's CPU
        # (DuckDB's own threads not counted there: the stage's `cpu_seconds` has them)
        timing = {}

        def load(source, ays):
            t0, c0 = time.perf_counter(), time.thread_time()
            out = load_source_years(lambda: connect(warehouse), str(inbox), source, ays, run_id, cfg, quiet)
            timing[source] = {"seconds": round(time.perf_counter() - t0, 3),
                              "thread_cpu_seconds": round(time.thread_time() - c0, 3),
                              "lane": threading.current_thread().name}
            return out

        prof = None
        if profile is not None:  # cProfile sees the calling thread only: one lane
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        try:
            reads = [(s, sorted(ay + o for o in offsets)) for s, offsets in spec["sources"].items()]
            got = ingest_sources(reads, load, lambda: connect(warehouse), inbox=inbox,
                                 n_lanes=1 if profile else (lanes or configured_lanes(cfg.get("warehouse", {}))))
        finally:
            if prof is not None:
                prof.disable()
                prof.dump_stats(str(profile))
        return [{"source": x["source"], "ay": x["ay"], "rows_in": x["rows_in"],
                 "rows_quarantined": x["rows_quarantined"], **timing[x["source"]]} for x in got]

    marts = [(name, ay + offset) for name, offset in spec["marts"]]

    def compute():
        con = connect(warehouse)
        try:
            indicators.load_reference(con, inbox)
            params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": run_id}
            indicators.build_staging(con, params, marts)
            return indicators.build_marts(con, marts, params)
        finally:
            con.close()

    def parquet():
        con = connect(warehouse)
        try:
            return {f"{m}/{a}": len(export.parquet_bytes(con, m, a)) for m, a in marts}
        finally:
            con.close()

    loads = stage("ingest", ingest)
    counts = stage("compute", compute)
    tables = stage("parquet", parquet)
    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    try:
        shnor = [r[0] for r in con.execute("SELECT school_code FROM mart_shnor WHERE ay = ? AND is_shnor "
                                           "ORDER BY school_code", [ay]).fetchall()]
    finally:
        con.close()
    out = {"seconds": seconds, "cpu_seconds": cpu,
           "peak_rss_mb": {s: round(sampler.peaks.get(s, 0) / 2**20) for s in seconds},
           "rows_in": sum(x["rows_in"] for x in loads), "rows_quarantined": sum(x["rows_quarantined"] for x in loads),
           "marts": counts, "parquet_bytes": sum(tables.values()), "shnor": len(shnor), "ingest_by_source": loads}
    return out, shnor


def main(argv=None):
    ap = argparse.ArgumentParser(description="Сентябрьский путь данных edumon (без XLSX и справок), один замер.")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--shnor", type=Path, required=True, help="куда записать перечень ШНОР")
    ap.add_argument("--ay", type=int, default=None)
    ap.add_argument("--memory-limit-gb", type=float, default=12.0)
    ap.add_argument("--profile", type=Path, default=None,
                    help="cProfile загрузки в этот файл (pstats); источники тогда грузятся по одному")
    ap.add_argument("--lanes", type=int, default=None,
                    help="сколько источников грузить одновременно (по умолчанию EDUMON_INGEST_LANES или [warehouse] ingest_lanes; 1 — по одному)")
    a = ap.parse_args(argv)

    from bench.memory import MemorySampler
    from bench.scales import CYCLE_AY

    if a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True)
    with MemorySampler(limit_bytes=int(a.memory_limit_gb * 2**30)) as sampler:
        t0, c0 = time.perf_counter(), time.process_time()
        out, shnor = run(a.data / "inbox", a.work, a.ay or CYCLE_AY, sampler, a.profile, a.lanes)
        out["wall_seconds"] = round(time.perf_counter() - t0, 3)
        out["cpu_seconds_total"] = round(time.process_time() - c0, 3)
    out["peak_rss_mb_total"] = round(sampler.peak / 2**20)
    out["pid"] = os.getpid()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    a.shnor.write_text("".join(c + "\n" for c in shnor))
    if a.profile is not None:
        import pstats

        for x in sorted(out["ingest_by_source"], key=lambda x: -x["thread_cpu_seconds"]):
            print(f"{x['source']:>18} {x['ay'] or '':>4}: {x['rows_in']:>9,} rows; the source: {x['seconds']:6.2f} s, "
                  f"CPU {x['thread_cpu_seconds']:6.2f} s")
        for key in ("tottime", "cumulative"):
            pstats.Stats(str(a.profile)).sort_stats(key).print_stats(30)


if __name__ == "__main__":
    main()
