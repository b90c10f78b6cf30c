"""Rendering at country scale: every municipality's documents of one cycle (справка,
addressed recommendations, plan report; HTML, DOCX and PDF) from a warehouse of N
municipalities, in parallel processes sized to the cores (tasks/render.py).

    .venv/bin/python -m bench.render_country --cycle september --municipalities 2300 \\
        [--source var/warehouse.duckdb] [--workers 0] [--formats html,docx,pdf] [--keep-in-memory] [--identical]

The warehouse is made from the demo's (`make demo`): every table that has a school or a
municipality column is copied N times with the codes suffixed, so each municipality has
the demo municipality's 30 schools (2,300 × 30 ≈ 69,000 schools, more than the 40,000
of the country), its names and counts varied per copy (--identical: not varied). Prints wall time, CPU time of this process and its workers,
per municipality, the peak resident memory of the largest process and of the whole
rendering tree (the parent and its workers, summed, sampled every 0.5 s). Each
municipality's documents are written to --out as they arrive, as a store would take them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import time
from pathlib import Path

import duckdb

from bench.memory import MemorySampler


# Each copy is made different, as real municipalities are: its schools' and its own names
# carry the copy's number and these counts grow by copy mod 7 (so every share, figure and
# paragraph differs; Typst cannot reuse one municipality's layout for the next). The
# documents' code paths are the demo's.
VARIED_COUNTS = ("low_count", "participants", "numerator", "denominator", "with_iom", "failing",
                 "failing_in_extra_classes", "students_total", "teachers_total", "teachers_load_36plus",
                 "contingent_count")
VARIED_NAMES = ("short_name", "school_name", "municipality_name")


def replicate(source: Path, target: Path, n: int, identical: bool = False) -> None:
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
    for (t,) in tables:
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE src.{t}").fetchall()}
        repl = [f"{c} || '~' || _copy AS {c}" for c in ("school_code", "municipality_code") if c in types]
        if not repl:
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM src.{t}")
            continue
        if not identical:
            repl += [f"{c} + (_copy % 7)::{types[c]} AS {c}" for c in VARIED_COUNTS
                     if c in types and types[c] in ("BIGINT", "INTEGER", "HUGEINT", "DOUBLE")]
            repl += [f"{c} || ' (' || (_copy + 1) || ')' AS {c}" for c in VARIED_NAMES
                     if c in types and types[c] == "VARCHAR"]
        con.execute(f"CREATE TABLE {t} AS SELECT * REPLACE ({', '.join(repl)}) "
                    f"FROM src.{t}, range({n}) r(_copy)")
    con.execute("DETACH src")
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycle", default="september")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--municipalities", type=int, default=2300)
    ap.add_argument("--source", type=Path, default=Path("var/warehouse.duckdb"))
    ap.add_argument("--target", type=Path, default=Path("var/bench/render_country.duckdb"))
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--formats", default="html,docx,pdf")
    ap.add_argument("--keep-in-memory", action="store_true",
                    help="collect every document in one dict (as the flow does) instead of writing each "
                         "municipality's to --out as it arrives")
    ap.add_argument("--out", type=Path, default=Path("var/bench/render_country_out"))
    ap.add_argument("--identical", action="store_true", help="copies identical to the demo municipality")
    a = ap.parse_args()
    a.target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    # in a process of its own: DuckDB's memory for building the copies is not the rendering's
    proc = multiprocessing.get_context("spawn").Process(
        target=replicate, args=(a.source, a.target, a.municipalities, a.identical))
    proc.start()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"replicate failed: {proc.exitcode}")
    build_s = time.perf_counter() - t0

    from edumon.config import load_config
    from tasks import render

    cfg = load_config(overrides={"report": {"formats": a.formats.split(","), "workers": a.workers}})
    con = duckdb.connect(str(a.target), read_only=True)
    run = {"run_id": "bench", "definitions_version": cfg.definitions_version}
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the replicating process's CPU is not rendering's
    w0, c0 = time.perf_counter(), time.process_time()
    sizes: dict[str, int] = {}

    def write(part: dict[str, bytes]) -> None:  # a store's put, on the local disk
        for key, data in part.items():
            path = a.out / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            sizes[key] = len(data)

    if a.out.exists():
        shutil.rmtree(a.out)
    # this process and its workers, summed, every 0.5 s (each sample walks /proc: its CPU is counted)
    with MemorySampler(interval=0.5) as mem:
        docs = render.render_spravki(con, a.ay, a.cycle, cfg, run, sink=None if a.keep_in_memory else write)
    sizes.update({k: len(v) for k, v in docs.items()})
    wall = time.perf_counter() - w0
    own_cpu = time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own_cpu + kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    munis = len({k.split("/")[1] for k in sizes})
    out = {"cycle": a.cycle, "varied": not a.identical, "in_memory": a.keep_in_memory, "municipalities": munis,
           "documents": len(sizes), "bytes": sum(sizes.values()), "formats": a.formats,
           "workers": render._workers(cfg, munis), "cores": os.cpu_count(), "warehouse_build_s": round(build_s, 1),
           "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_per_municipality_s": round(cpu / max(munis, 1), 3),
           "wall_per_municipality_s": round(wall / max(munis, 1), 3), "peak_rss_mb_parent": round(parent_mb),
           "peak_rss_mb_render_tree": round(mem.peak / 2**20)}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
