"""Render and publish every municipality's documents of a cycle at a scale of many
municipalities, the way the flow does it: streamed (each municipality's documents go to
the store as they arrive, `tasks/pipeline.py::render_to_store`) or, for the comparison, the
former way (every document collected in one dict, then `publish_cycle`).

    .venv/bin/python -m bench.stream_publish --source WAREHOUSE --copies 9 [--in-memory]

The warehouse is a cycle's warehouse (e.g. the region's, 27 municipalities, left by
`bench.cycle --keep`); every table the documents read (the marts, `stg_*`, the quality
results and the ingest log; no participant-level table) is copied `--copies` times with the
municipality and school codes suffixed, so 27 × 85 ≈ the country's 2,300 municipalities.
The tables are published first (as the `export-tables` task leaves them: here the
cycle's Parquet only), then the documents, then the pointer. Prints wall, CPU (this
process and its render workers) and the peak resident memory of the whole tree (sampled
every 0.5 s).
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


def replicate(source: Path, target: Path, n: int) -> None:
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
              if not t.startswith(("raw_", "quarantine", "int_"))]
    for t in tables:
        cols = {r[0] for r in con.execute(f"DESCRIBE src.{t}").fetchall()}
        repl = [f"{c} || '~' || _copy AS {c}" for c in ("school_code", "municipality_code") if c in cols]
        if not repl:
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM src.{t}")
            continue
        con.execute(f"CREATE TABLE {t} AS SELECT * REPLACE ({', '.join(repl)}) FROM src.{t}, range({n}) r(_copy)")
    con.execute("DETACH src")
    con.close()


def tables_present(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=9)
    ap.add_argument("--cycle", default="september")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--target", type=Path, default=Path("var/bench/stream_publish.duckdb"))
    ap.add_argument("--store", type=Path, default=Path("var/bench/stream_publish_store"))
    ap.add_argument("--in-memory", action="store_true", help="the former way: one dict, then publish_cycle")
    ap.add_argument("--reuse", action="store_true", help="use --target as it is (made by an earlier run)")
    ap.add_argument("--flow", action="store_true",
                    help="the flow's three steps as it runs them: export-tables (every table, whole and per "
                         "municipality), render-spravki, publish (pointer, followers, index pages, what the flow reads back)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="cProfile of this process (the flow's parent) in CPU time, written to this file")
    ap.add_argument("--workers", type=int, default=None, help="[report] workers (default: the configuration's)")
    ap.add_argument("--formats", default=None, help="[report] formats, e.g. html (default: the configuration's)")
    a = ap.parse_args()
    a.target.parent.mkdir(parents=True, exist_ok=True)
    if not (a.reuse and a.target.exists()):
        proc = multiprocessing.get_context("spawn").Process(target=replicate, args=(a.source, a.target, a.copies))
        proc.start()
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"replicate failed: {proc.exitcode}")

    from edumon.config import load_config
    from tasks import export, keys, pipeline, render
    from tasks.publish import Publication, publish_cycle
    from tasks.store import LocalStore

    cfg = load_config()
    if a.workers is not None:
        cfg["report"]["workers"] = a.workers
    if a.formats:
        cfg["report"]["formats"] = a.formats.split(",")
    run = {"run_id": "bench", "definitions_version": cfg.definitions_version,
           "template_version": render.template_version(cfg)}
    marts = [(m, a.ay + o) for m, o in cfg["cycles"][a.cycle]["marts"]]
    shutil.rmtree(a.store, ignore_errors=True)
    store = LocalStore(a.store)
    inputs = [{"source": "bench", "ay": a.ay, "file": "x", "sha256": "0" * 64}]
    con = duckdb.connect(str(a.target), read_only=True)
    tables = {keys.table(ay, export.OUTPUT_TABLES[m][0], "parquet"): export.parquet_bytes(con, m, ay)
              for m, ay in marts if pipeline.export.OUTPUT_TABLES.get(m) and
              con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [m]).fetchone()[0]}
    con.close()

    prof = None
    if a.profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)
    steps: dict[str, float] = {}
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0, c0 = time.perf_counter(), time.process_time()
    with MemorySampler(interval=0.5) as mem:
        if prof is not None:
            prof.enable()
        if a.flow:
            loc = str(a.store)
            marts_here = [(m, ay) for m, ay in marts if m in tables_present(a.target)]
            t = time.process_time()
            states = pipeline.export_to_store.fn(loc, str(a.target), run, a.cycle, a.ay, marts_here, {}, inputs,
                                                 cfg["publish"])
            steps["export_parent_cpu_s"] = time.process_time() - t
            t = time.process_time()
            states = pipeline.render_to_store.fn(loc, str(a.target), a.ay, a.cycle, run, cfg, states)
            steps["render_parent_cpu_s"] = time.process_time() - t
            t = time.process_time()
            out = pipeline.publish_pointer.fn(loc, dict(run), a.cycle, a.ay, states, cfg["publish"])
            steps["publish_parent_cpu_s"] = time.process_time() - t
            n_docs = len(out["documents"])
        elif a.in_memory:
            documents = pipeline.render_documents.fn(str(a.target), a.ay, a.cycle, run, cfg)
            publish_cycle(store, dict(run), a.cycle, a.ay, tables, documents, inputs)
            n_docs = len(documents)
            del documents
        else:
            pub = Publication(store, run, a.cycle, a.ay, inputs)
            pub.add_tables(tables)
            states = pipeline.render_to_store.fn(str(a.store), str(a.target), a.ay, a.cycle, run, cfg,
                                                 {str(a.store): pub.state()})
            Publication.resume(store, states[str(a.store)]).finish()
            n_docs = len(states[str(a.store)]["documents"])
        if prof is not None:
            prof.disable()
            prof.dump_stats(str(a.profile))
    wall, own = time.perf_counter() - w0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own + kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    munis = len([p for p in (a.store / "reports").iterdir() if p.is_dir()])
    print(json.dumps({"mode": "in-memory" if a.in_memory else "streamed", "cycle": a.cycle,
                      "municipalities": munis, "documents": n_docs, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                      "cpu_per_municipality_s": round(cpu / max(munis, 1), 3),
                      "parent_cpu_s": round(own, 1), "parent_cpu_per_municipality_ms": round(1000 * own / max(munis, 1), 1),
                      **{k: round(v, 1) for k, v in steps.items()},
                      "peak_rss_mb_tree": round(mem.peak / 2**20), "load_at_end": round(os.getloadavg()[0], 1),
                      "command": f"python -m bench.stream_publish --source {a.source} --copies {a.copies}"
                                 + (" --in-memory" if a.in_memory else "") + (" --flow" if a.flow else "")
                                 + (f" --formats {a.formats}" if a.formats else "")}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
