"""CPU of the September cycle's table export as `export-tables` runs it, without the upload:
every output table's whole-table XLSX, then every municipality's workbook of it, from an
existing warehouse (e.g. a copy of a country cycle's), in this one process.

    nice -n 10 .venv/bin/python -m bench.export_cycle_tables --warehouse <copy of warehouse.duckdb> --out r.json
    nice -n 10 .venv/bin/python -m bench.export_cycle_tables --warehouse … --module /tmp/export_before.py --out b.json

`--module`: another copy of tasks/export.py (e.g. `git show <commit>:tasks/export.py`) for a
before/after pair. CPU is the process's (DuckDB's threads included); numpy and pyarrow are
imported before timing (tasks.pipeline imports them in the flow). Prints one line a table.
"""

from __future__ import annotations

import argparse
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Замер выгрузки таблиц цикла (XLSX целиком и по муниципалитетам).")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--module", help="a copy of tasks/export.py to measure instead")
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--threads", type=int, help="[export] threads (default: the config's; 1: no threads)")
    ap.add_argument("--only", action="append", help="only this mart (repeatable; default: every mart of the cycle)")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    if args.module:
        spec = importlib.util.spec_from_file_location("export_under_test", args.module)
        e = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(e)
    else:
        from tasks import export as e
    con = duckdb.connect(args.warehouse, read_only=True)
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    res = {"module": args.module or "tasks/export.py", "warehouse": args.warehouse, "cores": os.cpu_count(),
           "load_before": [round(x, 2) for x in os.getloadavg()], "tables": []}
    kw = {} if args.threads is None else {"threads": args.threads}  # (an older module takes no threads)
    res["threads"] = args.threads
    t0, w0 = time.process_time(), time.perf_counter()
    for mart, offset in MARTS:
        if mart not in tables or (args.only and mart not in args.only):
            continue
        ay = args.ay + offset
        t, w = time.process_time(), time.perf_counter()
        size = len(e.xlsx_bytes(e.table_query(con, mart, ay), e.OUTPUT_TABLES[mart][0], **kw))
        t1 = time.process_time()
        n = 0
        for _, data in e.iter_municipality_xlsx(con, mart, ay, **kw):
            n, size = n + 1, size + len(data)
        res["tables"].append({"mart": mart, "ay": ay, "whole_cpu": round(t1 - t, 2),
                              "municipalities_cpu": round(time.process_time() - t1, 2), "workbooks": n,
                              "mb": round(size / 2**20, 1), "wall": round(time.perf_counter() - w, 1)})
        print(res["tables"][-1], flush=True)
    res.update(cpu=round(time.process_time() - t0, 1), wall=round(time.perf_counter() - w0, 1),
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
               load_after=[round(x, 2) for x in os.getloadavg()])
    print(f"CPU {res['cpu']} s, wall {res['wall']} s, peak RSS {res['peak_rss_mb']} MB")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
