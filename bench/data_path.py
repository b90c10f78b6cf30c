"""The September data path of edumon, measured in one fresh process: ingest (with the
validation inside it) + compute (reference, models, marts) + Parquet of every output table —
the same functions the flow runs (the Prefect tasks' `.fn`), no XLSX, no documents.

Writes a JSON document (wall, CPU, peak RSS per stage and in all) and the ШНОР list of
the cycle's AY (`mart_shnor`, is_shnor) one school code a line, so that bench/peers.py can
check the three lists are equal before any figure is quoted.

    python -m bench.data_path --data var/bench/data/region-s7 --work var/bench/work/dp \
        --json /tmp/dp.json --shnor /tmp/dp.shnor
    python -m bench.data_path ... --profile /tmp/dp.prof   # cProfile of the ingest stage;
        # prints the top functions (own and cumulative time) and ingest seconds per source-year
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
import uuid
from pathlib import Path


def run(inbox: Path, work: Path, ay: int, sampler, profile: Path | None = None) -> tuple[dict, list[str]]:
    """The bodies of the flow's ingest, compute and export tasks (tasks/pipeline.py), called
    directly so that neither Prefect nor the document renderer is imported (≈ 13 s of
    imports on this machine, which the data path does not need)."""
    from edumon.config import load_config
    from schemas.sources import SOURCES
    from tasks import export, indicators
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect

    cfg = load_config()
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
        loads = []
        prof = None
        if profile is not None:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        con = connect(warehouse)
        try:
            for source, offsets in spec["sources"].items():
                years = sorted(ay + o for o in offsets) if SOURCES[source].yearly else [None]
                for y in years:
                    t0, c0 = time.perf_counter(), time.process_time()
                    rep = ingest_source(con, inbox, source, y, run_id, cfg)
                    loads.append({"source": source, "ay": y, "rows_in": rep.rows_in,
                                  "rows_quarantined": rep.rows_quarantined,
                                  "seconds": round(time.perf_counter() - t0, 3),
                                  "cpu_seconds": round(time.process_time() - c0, 3)})
        finally:
            con.close()
            if prof is not None:
                prof.disable()
                prof.dump_stats(str(profile))
        return loads

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
    ap.add_argument("--profile", type=Path, default=None, help="cProfile загрузки в этот файл (pstats)")
    a = ap.parse_args(argv)

    from bench.memory import MemorySampler
    from bench.scales import CYCLE_AY

    if a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True)
    with MemorySampler(limit_bytes=int(a.memory_limit_gb * 2**30)) as sampler:
        t0, c0 = time.perf_counter(), time.process_time()
        out, shnor = run(a.data / "inbox", a.work, a.ay or CYCLE_AY, sampler, a.profile)
        out["wall_seconds"] = round(time.perf_counter() - t0, 3)
        out["cpu_seconds_total"] = round(time.process_time() - c0, 3)
    out["peak_rss_mb_total"] = round(sampler.peak / 2**20)
    out["pid"] = os.getpid()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    a.shnor.write_text("".join(c + "\n" for c in shnor))
    if a.profile is not None:
        import pstats

        for x in sorted(out["ingest_by_source"], key=lambda x: -x["cpu_seconds"]):
            print(f"{x['source']:>18} {x['ay'] or '':>4}: {x['rows_in']:>9,} rows, {x['seconds']:6.2f} s, "
                  f"CPU {x['cpu_seconds']:6.2f} s")
        for key in ("tottime", "cumulative"):
            pstats.Stats(str(a.profile)).sort_stats(key).print_stats(30)


if __name__ == "__main__":
    main()
