"""Table export, before and after (issue 12 «Tables for people and tables for machines»).

On one warehouse of a generated scale (the marts of the four cycles of `CYCLE_AY`), each
variant runs in a fresh process (its own peak RSS), three times, medians quoted:

- `before`  — the path before ops4: the mart read into pandas, `DataFrame.to_excel` (the
  xlsxwriter engine, pandas' per-cell formatter), lists joined into a cell; a copy of
  that `xlsx_bytes` kept here (not run by default: `--variants before,…`);
- `xlsxwriter` — the writer before xlsx5 (`bench/export_xlsxwriter.py`): rows streamed
  from DuckDB (`fetchmany`) into xlsxwriter, one Python call per cell;
- `xlsxwriter_municipalities` — its `municipality_xlsx`: a workbook per municipality and table;
- `after`   — `tasks/export.py::xlsx_bytes(table_query(…))`: each sheet's XML made by
  DuckDB SQL (cells escaped and joined by `concat` / `string_agg`), streamed into the zip;
- `after_municipalities` — `municipality_xlsx`: one query per table gives every
  municipality's sheets;
- `parquet` — `parquet_bytes` (DuckDB `COPY … (FORMAT parquet)`) of every table;
- `baseline` — the same process opening the warehouse and exporting nothing (the memory
  floor the others are read against).

    .venv/bin/python -m bench.export_tables --scale region --repeats 3
    .venv/bin/python -m bench.export_tables --warehouse-path <a cycle's warehouse.duckdb> --repeats 3

(`--warehouse-path`: every output table of every AY found in that warehouse, e.g. the region
September of `bench.cycle`.)

writes `bench/results/export_tables-<scale>-<date>.json` and prints the Markdown table
that docs/benchmarks.md quotes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from bench.generate import generate
from bench.scales import CYCLE_AY

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench" / "work" / "export"
CYCLES = ("september", "october", "january", "june")
VARIANTS = ("baseline", "xlsxwriter", "after", "xlsxwriter_municipalities", "after_municipalities", "parquet")


def build_warehouse(scale: str, seed: int) -> tuple[Path, list[tuple[str, int]]]:
    """The product's ingest and compute of the four cycles into one warehouse (cached)."""
    from edumon.config import load_config
    from tasks import pipeline

    inbox = generate(scale, seed=seed) / "inbox"
    cfg = load_config()
    marts = sorted({(m, CYCLE_AY + o) for c in CYCLES for m, o in cfg["cycles"][c]["marts"]})
    warehouse = WORK / f"{scale}-s{seed}" / "warehouse.duckdb"
    marker = warehouse.with_suffix(".done")
    if marker.is_file():
        return warehouse, marts
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    warehouse.unlink(missing_ok=True)
    run = {"run_id": f"bench-{uuid.uuid4()}", "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"]}
    sources: dict[str, set[int]] = {}
    for c in CYCLES:
        for source, offsets in cfg["cycles"][c]["sources"].items():
            sources.setdefault(source, set()).update(CYCLE_AY + o for o in offsets)
    for source, ays in sources.items():
        if not any((inbox / str(ay) / source).is_dir() for ay in ays) and source != "schools":
            continue
        pipeline.ingest_source_years.fn(str(inbox), str(warehouse), source, sorted(ays), run["run_id"], cfg)
    pipeline.compute_indicators.fn(str(warehouse), str(inbox), marts, run, cfg)
    marker.write_text(json.dumps(marts))
    return warehouse, marts


def before_xlsx_bytes(df, sheet: str) -> bytes:
    """The former `tasks/export.py::xlsx_bytes` (pandas → `to_excel`), kept as the peer."""
    from datetime import datetime as dt

    import pandas as pd

    from reports.tables import COLUMN_TITLES

    def cell(v):
        if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
            items = v.tolist() if hasattr(v, "tolist") else v
            return ", ".join(json.dumps(i, ensure_ascii=False, default=str) if isinstance(i, dict) else str(i)
                             for i in items)
        if isinstance(v, dict):
            return json.dumps(v, ensure_ascii=False, default=str)
        return v

    def yes_no(v):
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            return None
        return "да" if v else "нет"

    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype).lower() in ("bool", "boolean"):
            out[c] = out[c].astype(object).map(yes_no)
        elif out[c].dtype == object:
            out[c] = out[c].map(cell)
    out = out.rename(columns={c: COLUMN_TITLES.get(c, c) for c in out.columns})
    buf = io.BytesIO()
    limit = 1_048_575
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        xw.book.set_properties({"created": dt(2020, 1, 1), "title": sheet})
        head = xw.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEEEEE",
                                   "border": 1})
        for n, start in enumerate(range(0, max(len(out), 1), limit), start=1):
            part = out.iloc[start:start + limit]
            name = sheet[:31] if n == 1 else f"{sheet[:31 - len(f' ({n})')]} ({n})"
            part.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for i, c in enumerate(out.columns):
                ws.write(0, i, c, head)
            ws.set_row(0, 45)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(part), 1), max(len(out.columns) - 1, 0))
            for i, c in enumerate(out.columns):
                width = min(max(min(len(str(c)), 24), *(len(str(x)) for x in out[c].head(200))) + 2, 60) \
                    if len(out) else 18
                ws.set_column(i, i, width)
    return buf.getvalue()


def warehouse_marts(warehouse: Path) -> list[tuple[str, int]]:
    """Every output table and AY present in an existing warehouse."""
    import duckdb

    from tasks import export

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return [(m, ay) for m in export.OUTPUT_TABLES if m in tables
                for (ay,) in con.execute(f"SELECT DISTINCT ay FROM {m} ORDER BY 1").fetchall()]
    finally:
        con.close()


def measure(variant: str, warehouse: str, marts: list[tuple[str, int]]) -> dict:
    """Run one variant in this process; returns seconds and what it wrote."""
    import duckdb

    from bench import export_xlsxwriter as former
    from tasks import export

    con = duckdb.connect(warehouse, read_only=True)
    started = time.perf_counter()
    files, size, rows = 0, 0, 0
    for mart, ay in marts:
        name, _ = export.OUTPUT_TABLES[mart]
        rows += con.execute(f"SELECT count(*) FROM {mart} WHERE ay = ?", [ay]).fetchone()[0]
        if variant == "before":
            out = {name: before_xlsx_bytes(export.table_frame(con, mart, ay), name)}
        elif variant == "xlsxwriter":
            out = {name: former.xlsx_bytes(former.table_query(con, mart, ay), name)}
        elif variant == "xlsxwriter_municipalities":
            out = former.municipality_xlsx(con, mart, ay)
        elif variant == "after":
            out = {name: export.xlsx_bytes(export.table_query(con, mart, ay), name)}
        elif variant == "after_municipalities":
            out = export.municipality_xlsx(con, mart, ay)
        elif variant == "parquet":
            out = {name: export.parquet_bytes(con, mart, ay)}
        else:
            out = {}
        files += len(out)
        size += sum(len(b) for b in out.values())
    seconds = time.perf_counter() - started
    con.close()
    # this process's own high-water mark (ru_maxrss of a child would include the parent's
    # memory before exec)
    hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM"))
    return {"seconds": round(seconds, 3), "files": files, "bytes": size, "rows": rows, "peak_rss_mb": round(hwm / 1024)}


def run_child(variant: str, warehouse: Path, marts) -> dict:
    cmd = [sys.executable, "-m", "bench.export_tables", "--child", variant, "--warehouse", str(warehouse),
           "--marts", json.dumps(marts)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"{variant}: exit status {status}")
    result = json.loads(out.strip().splitlines()[-1])
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description="Замер выгрузки таблиц: до (pandas) и после (потоковый xlsxwriter).")
    ap.add_argument("--scale", default="region")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--warehouse-path", dest="existing", help="an existing warehouse instead of generating one")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--warehouse", help=argparse.SUPPRESS)
    ap.add_argument("--marts", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.warehouse, [tuple(m) for m in json.loads(args.marts)])))
        return
    if args.existing:
        warehouse = Path(args.existing)
        marts = warehouse_marts(warehouse)
    else:
        warehouse, marts = build_warehouse(args.scale, args.seed)
    runs: dict[str, list[dict]] = {}
    for _ in range(args.repeats):
        for variant in args.variants.split(","):  # interleaved, so load drifts hit every variant
            runs.setdefault(variant, []).append(run_child(variant, warehouse, marts))
    medians = {v: {k: statistics.median(r[k] for r in rs) for k in ("seconds", "cpu_seconds", "peak_rss_mb")}
               | {k: rs[0][k] for k in ("files", "bytes", "rows")} for v, rs in runs.items()}
    result = {"scale": args.scale, "seed": args.seed, "date": datetime.now().isoformat(timespec="seconds"),
              "load_before": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
              "command": "python -m bench.export_tables " + " ".join(argv if argv is not None else sys.argv[1:]),
              "warehouse": str(warehouse), "load_after": None,
              "marts": marts, "runs": runs, "medians": medians}
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    label = "warehouse" if args.existing else args.scale
    path = RESULTS / f"export_tables-{label}-{datetime.now():%Y-%m-%d-%H%M}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"| variant | wall, s | CPU, s | peak RSS, MB | files | MB written |\n| --- | --- | --- | --- | --- | --- |")
    for v, m in medians.items():
        print(f"| {v} | {m['seconds']:.2f} | {m['cpu_seconds']:.2f} | {m['peak_rss_mb']:.0f} | {m['files']} "
              f"| {m['bytes'] / 2**20:.1f} |")
    print(f"rows exported: {medians[next(iter(medians))]['rows']}; results: {path}")


if __name__ == "__main__":
    main()
