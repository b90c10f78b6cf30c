"""CPU of the September cycle's table export as `export-tables` runs it, without the upload:
every output table's whole-table XLSX, then every municipality's workbook of it, from an
existing warehouse (e.g. a copy of a country cycle's), in this one process.

    nice -n 10 .venv/bin/python -m bench.export_cycle_tables --warehouse <copy of warehouse.duckdb> --out r.json
    nice -n 10 .venv/bin/python -m bench.export_cycle_tables --warehouse … --module /tmp/export_before.py --out b.json

`--module`: another copy of tasks/export.py (e.g. `git show <commit>:tasks/export.py`) for a
before/after pair. A module with `iter_table_xlsx` is measured as the flow calls it (the whole
workbook beside the municipalities'; `--separate`: one after the other); `--threads N`
overrides `[export] threads` (1: no threads); `--only MART` measures one table. CPU is the process's (DuckDB's threads included); numpy and pyarrow are
imported before timing (tasks.pipeline imports them in the flow). Prints one line a table.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import sys
import time

import duckdb
import numpy  # noqa: F401  (imported by tasks.pipeline in the flow: not counted)
import pyarrow  # noqa: F401

MARTS = [("mart_procedure_results", -1), ("mart_procedure_results", -2), ("mart_shnor", 0),
         ("mart_shnor_monitoring", -1), ("mart_risk_monitoring", -1), ("mart_project_500plus", -1),
         ("mart_shvor", 0), ("mart_plan_checkpoint", -1), ("mart_assessment_results", -1), ("mart_shnsu", 0),
         ("mart_curators", 0)]  # config/edumon.toml [cycles.september] marts


def _per_thread(e, roles: dict) -> None:
    """Wrap the export's thread bodies to add up each thread's own CPU (time.thread_time) by
    role: `pool <thread>` (municipalities' workbooks), `whole` (the whole table's thread, or
    the main thread's whole table without threads), `deflate <thread>` (a sheet's deflate
    thread). The rest of the process CPU is DuckDB's own threads (and the main thread)."""
    import threading

    def timed(role, fn):
        def run(*a, **k):
            t = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                here = threading.current_thread()
                name = (("whole (main thread)" if here is threading.main_thread() else "whole") if role == "whole"
                        else f"{role} {here.name}")
                roles[name] = roles.get(name, 0.0) + time.thread_time() - t
        return run

    write_table = e._write_table
    e._write_table = lambda *a, **k: (timed("pool", write_table) if threading.current_thread()
                                      is not threading.main_thread() and not
                                      threading.current_thread().name.startswith("xlsx-whole")
                                      else write_table)(*a, **k)
    e._whole_table = timed("whole", e._whole_table)
    if hasattr(e, "_Background"):
        e._Background._run = timed("deflate", e._Background._run)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Замер выгрузки таблиц цикла (XLSX целиком и по муниципалитетам).")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--module", help="a copy of tasks/export.py to measure instead")
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--threads", type=int, help="[export] threads (default: the config's; 1: no threads)")
    ap.add_argument("--only", action="append", help="only this mart (repeatable; default: every mart of the cycle)")
    ap.add_argument("--separate", action="store_true",
                    help="whole table, then its municipalities (the calls before iter_table_xlsx)")
    ap.add_argument("--digest", help="also save the sha256 of every file here (JSON, the keys of "
                                      "bench/export_digest.py; ≈ 2 s of CPU a country counted in)")
    ap.add_argument("--per-thread", action="store_true",
                    help="also the CPU of each thread by role (main, whole table, pool, deflate): "
                         "the longest one bounds the wall on an idle machine")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.module:
        spec = importlib.util.spec_from_file_location("export_under_test", args.module)
        e = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = e  # (dataclasses look their module up while it loads)
        spec.loader.exec_module(e)
    else:
        from tasks import export as e
    con = duckdb.connect(args.warehouse, read_only=True)
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    res = {"module": args.module or "tasks/export.py", "warehouse": args.warehouse, "cores": os.cpu_count(),
           "load_before": [round(x, 2) for x in os.getloadavg()], "tables": []}
    kw = {} if args.threads is None else {"threads": args.threads}  # (an older module takes no threads)
    side_by_side = hasattr(e, "iter_table_xlsx") and not args.separate
    res.update(threads=args.threads, side_by_side=side_by_side)
    digests: dict[str, str] = {}

    def digest(ay, mart, mun, data):
        if args.digest:
            name = e.OUTPUT_TABLES[mart][0]
            digests[f"{ay}/{name}.xlsx" if mun is None else f"{ay}/{mun}/{name}.xlsx"] = hashlib.sha256(data).hexdigest()

    roles: dict[str, float] = {}
    if args.per_thread:
        _per_thread(e, roles)
    t0, w0 = time.process_time(), time.perf_counter()
    main0 = time.thread_time()
    for mart, offset in MARTS:
        if mart not in tables or (args.only and mart not in args.only):
            continue
        ay = args.ay + offset
        t, w = time.process_time(), time.perf_counter()
        if side_by_side:  # as tasks/pipeline.py::table_units calls it
            n = size = 0
            for mun, data in e.iter_table_xlsx(con, mart, ay, **kw):
                n, size = n + (mun is not None), size + len(data)
                digest(ay, mart, mun, data)
            row = {"mart": mart, "ay": ay, "cpu": round(time.process_time() - t, 2)}
        else:
            whole = e.xlsx_bytes(e.table_query(con, mart, ay), e.OUTPUT_TABLES[mart][0], **kw)
            size = len(whole)
            digest(ay, mart, None, whole)
            t1 = time.process_time()
            n = 0
            for mun, data in e.iter_municipality_xlsx(con, mart, ay, **kw):
                n, size = n + 1, size + len(data)
                digest(ay, mart, mun, data)
            row = {"mart": mart, "ay": ay, "whole_cpu": round(t1 - t, 2),
                   "municipalities_cpu": round(time.process_time() - t1, 2)}
        res["tables"].append({**row, "workbooks": n, "mb": round(size / 2**20, 1),
                              "wall": round(time.perf_counter() - w, 1)})
        print(res["tables"][-1], flush=True)
    if args.per_thread:
        roles["main"] = time.thread_time() - main0 - roles.get("whole (main thread)", 0.0)
        res["thread_cpu"] = {k: round(v, 1) for k, v in sorted(roles.items())}
        res["thread_cpu"]["duckdb_and_rest"] = round(time.process_time() - t0 - sum(roles.values()), 1)
        print("CPU by thread:", res["thread_cpu"])
    res.update(cpu=round(time.process_time() - t0, 1), wall=round(time.perf_counter() - w0, 1),
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
               load_after=[round(x, 2) for x in os.getloadavg()])
    print(f"CPU {res['cpu']} s, wall {res['wall']} s, peak RSS {res['peak_rss_mb']} MB")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)
    if args.digest:
        with open(args.digest, "w") as f:
            json.dump(digests, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
