"""Rendering at country scale: every municipality's documents of one cycle (справка,
addressed recommendations, plan report; HTML, DOCX and PDF) from a warehouse of N
municipalities, in parallel processes sized to the cores (tasks/render.py).

    .venv/bin/python -m bench.render_country --cycle september --municipalities 2300 \\
        [--source var/warehouse.duckdb] [--workers 0] [--formats html,docx,pdf] [--keep-in-memory] [--identical] \\
        [--schools country|30] [--reuse] [--chunk 500]

The warehouse is made from the demo's (`make demo`): every table that has a school or a
municipality column is copied N times with the codes suffixed. Each copy is a subset of
the demo municipality's 30 schools, its size drawn so that the sizes follow the country's
(40,000 schools in 2,300 municipalities, ≈ 17.4 each, many small rural districts and few
large ones: `municipality_sizes`); --schools 30 gives every copy all 30 (the old
benchmark). Names and counts are varied per copy (--identical: not varied). Prints wall time, CPU time of this process and its workers,
per municipality, the peak resident memory of the largest process and of the whole
rendering tree (the parent and its workers, summed, sampled every 0.25 s). Each
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


COUNTRY_SCHOOLS, COUNTRY_MUNICIPALITIES = 40_000, 2_300
SCHOOL_LISTS = ("schools", "schools_no_data")  # lists of school codes in the municipality marts


def municipality_sizes(n: int, largest: int, total: int | None = None) -> list[int]:
    """Schools per municipality for n copies: a log-normal spread (median ≈ 14, a long
    tail of large ones, as the country's rural districts and cities), capped at the demo's
    `largest` and at least 3, scaled so the sum is `total` (default: the country's ratio,
    40,000 / 2,300 × n). Deterministic; the order is shuffled so neighbours differ."""
    import math
    import random
    from statistics import NormalDist

    total = round(COUNTRY_SCHOOLS * n / COUNTRY_MUNICIPALITIES) if total is None else total
    total = max(min(total, largest * n), 3 * n)
    z = [NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)]
    lo, hi = 0.1, 100.0  # the median, found by bisection so the capped sizes sum to total
    for _ in range(60):
        med = (lo + hi) / 2
        sizes = [min(largest, max(3, round(med * math.exp(0.6 * x)))) for x in z]
        lo, hi = (med, hi) if sum(sizes) < total else (lo, med)
    diff = total - sum(sizes)  # the rounding's remainder, one school at a time
    order = sorted(range(n), key=lambda i: sizes[i])
    i = 0
    while diff:
        j = order[i % n] if diff > 0 else order[-1 - i % n]
        step = 1 if diff > 0 else -1
        if 3 <= sizes[j] + step <= largest:
            sizes[j] += step
            diff -= step
        i += 1
    random.Random(n).shuffle(sizes)
    return sizes


def replicate(source: Path, target: Path, n: int, identical: bool = False, schools: str = "country") -> None:
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    demo = [r[0] for r in con.execute("SELECT DISTINCT school_code FROM src.stg_schools ORDER BY 1").fetchall()]
    sizes = [len(demo)] * n if schools != "country" else municipality_sizes(n, len(demo))
    con.execute("CREATE TEMP TABLE _sizes AS SELECT unnest(range(?)) AS _copy, unnest(?::INTEGER[]) AS _size",
                [n, sizes])
    # each copy's schools: the first _size of the demo's in an order of the copy's own
    con.execute("""CREATE TEMP TABLE _members AS
        SELECT _copy, school_code FROM (
            SELECT z._copy, z._size, s.school_code,
                   row_number() OVER (PARTITION BY z._copy ORDER BY hash(s.school_code || '~' || z._copy)) AS _rank
            FROM (SELECT DISTINCT school_code FROM src.stg_schools) s, _sizes z)
        WHERE _rank <= _size""")
    con.execute("CREATE TEMP TABLE _lists AS SELECT _copy, list(school_code) AS _codes FROM _members GROUP BY _copy")
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
        if "school_code" in types:  # school rows: only the copy's schools
            frm = f"src.{t} JOIN _members USING (school_code)"
        else:  # municipality rows: every copy, its lists of schools cut to the copy's
            frm = f"src.{t}, _lists"
            repl += [f"list_transform(list_filter({c}, lambda s: list_contains(_codes, s)), "
                     f"lambda s: s || '~' || _copy) AS {c}" for c in SCHOOL_LISTS if types.get(c) == "VARCHAR[]"]
        con.execute(f"CREATE TABLE {t} AS SELECT * EXCLUDE (_copy{', _codes' if '_lists' in frm else ''}) "
                    f"REPLACE ({', '.join(repl)}) FROM {frm}")
    con.execute("DETACH src")
    con.execute("CREATE TABLE _bench_copies AS SELECT ? AS copies, ? AS identical, ? AS schools",
                [n, identical, schools])
    con.close()


def built(target: Path, n: int, identical: bool, schools: str) -> bool:
    """Is `target` a warehouse replicate() made with these settings (--reuse)?"""
    if not target.is_file():
        return False
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            return con.execute("SELECT copies, identical, schools FROM _bench_copies").fetchone() == (n, identical, schools)
    except duckdb.Error:
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycle", default="september")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--municipalities", type=int, default=2300)
    ap.add_argument("--source", type=Path, default=Path("var/warehouse.duckdb"))
    ap.add_argument("--target", type=Path, default=Path("var/bench/render_country.duckdb"))
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=None,
                    help="municipalities read at a time ([report].chunk_municipalities; 0: the whole cycle at once)")
    ap.add_argument("--formats", default="html,docx,pdf")
    ap.add_argument("--keep-in-memory", action="store_true",
                    help="collect every document in one dict (as the flow does) instead of writing each "
                         "municipality's to --out as it arrives")
    ap.add_argument("--out", type=Path, default=Path("var/bench/render_country_out"))
    ap.add_argument("--identical", action="store_true", help="copies identical to the demo municipality")
    ap.add_argument("--reuse", action="store_true",
                    help="keep --target when it was built with the same copies (another cycle of the same warehouse)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="write a cProfile of the parent (CPU time) to this file")
    ap.add_argument("--schools", default="country", choices=("country", "30"),
                    help="country: copies' sizes follow the country's (≈ 17.4 schools each); 30: all the demo's")
    a = ap.parse_args()
    a.target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    # in a process of its own: DuckDB's memory for building the copies is not the rendering's
    if not (a.reuse and built(a.target, a.municipalities, a.identical, a.schools)):
        proc = multiprocessing.get_context("spawn").Process(
            target=replicate, args=(a.source, a.target, a.municipalities, a.identical, a.schools))
        proc.start()
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"replicate failed: {proc.exitcode}")
    build_s = time.perf_counter() - t0

    from edumon.config import load_config
    from tasks import render

    report = {"formats": a.formats.split(","), "workers": a.workers}
    if a.chunk is not None:
        report["chunk_municipalities"] = a.chunk
    cfg = load_config(overrides={"report": report})
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
    # this process and its workers, summed, every 0.25 s (the samples' CPU, ≈ 1.3 ms a second, is counted)
    prof = None
    if a.profile:
        import cProfile
        prof = cProfile.Profile(time.process_time)
        prof.enable()
    with MemorySampler(interval=0.25) as mem:  # the tree's own /proc files: ≈ 1 ms a sample
        docs = render.render_spravki(con, a.ay, a.cycle, cfg, run, sink=None if a.keep_in_memory else write)
    if prof:
        prof.disable()
        prof.dump_stats(str(a.profile))
    sizes.update({k: len(v) for k, v in docs.items()})
    wall = time.perf_counter() - w0
    own_cpu = time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    cpu = own_cpu + workers_cpu
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    munis = len({k.split("/")[1] for k in sizes})
    schools = con.execute("SELECT count(DISTINCT school_code) FROM stg_schools").fetchone()[0]
    out = {"cycle": a.cycle, "varied": not a.identical, "schools": schools, "in_memory": a.keep_in_memory, "municipalities": munis,
           "documents": len(sizes), "bytes": sum(sizes.values()), "formats": a.formats,
           "workers": render._workers(cfg, munis), "chunk_municipalities": cfg["report"].get("chunk_municipalities", 0), "cores": os.cpu_count(), "warehouse_build_s": round(build_s, 1),
           "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_per_municipality_s": round(cpu / max(munis, 1), 3),
           "parent_cpu_s": round(own_cpu, 1), "workers_cpu_s": round(workers_cpu, 1),
           "wall_per_municipality_s": round(wall / max(munis, 1), 3), "peak_rss_mb_parent": round(parent_mb),
           "peak_rss_mb_render_tree": round(mem.peak / 2**20)}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
