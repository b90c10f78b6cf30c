"""One measured run of the cycles on one data folder, in this process, without Prefect.

Runs the same functions the flows run (the Prefect tasks' own `.fn`), in the order of
`flows/common.py::run_cycle`, and records per stage the wall time and the peak RSS:

    ingest    read files, parse cells, load raw_* and quarantine (tasks/ingest.py)
    validate  the pandera contract (`tasks.ingest._contract_problems`), timed inside ingest
    compute   reference tables, stg_/int_ models, marts (tasks/indicators.py)
    export    marts as Parquet and XLSX (tasks/export.py)
    render    справки, one per municipality (tasks/render.py)
    publish   tables, справки and manifests to the store (tasks/publish.py)

`ingest` is reported without the validation time inside it. Writes a JSON document
to `--json`. Run by `bench.run` in a fresh process per repetition, so peaks do not
carry over.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

STAGES = ["ingest", "validate", "compute", "export", "render", "publish"]


class StageClock:
    def __init__(self, sampler):
        self.sampler = sampler
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # CPU time of this process (all threads): robust to a loaded machine
        self._nested = 0.0
        self._nested_cpu = 0.0

    @contextmanager
    def stage(self, name: str):
        self.sampler.stage(name)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0
            self.sampler.stage(None)

    def wrap_validation(self):
        """Time the contract check inside ingest; returns a function that undoes it."""
        import tasks.ingest as ingest

        original = getattr(ingest, "_contract_problems", None)
        if original is None:  # the ingest was reworked: validation is not separable here
            return lambda: None
        clock = self

        def timed(*args, **kwargs):
            clock.sampler.stage("validate")
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                dt, dc = time.perf_counter() - t0, time.process_time() - c0
                clock.seconds["validate"] = clock.seconds.get("validate", 0.0) + dt
                clock.cpu["validate"] = clock.cpu.get("validate", 0.0) + dc
                clock._nested += dt
                clock._nested_cpu += dc
                clock.sampler.stage("ingest")

        ingest._contract_problems = timed
        return lambda: setattr(ingest, "_contract_problems", original)


def bulk_ingest(inbox: Path, warehouse: str, source: str, ays: list[int], run_id: str, cfg, clock) -> list[dict]:
    """bench/bulk_load.py instead of the product's ingest (see there); same report shape."""
    from bench.bulk_load import load_source, validate_source
    from schemas.sources import SOURCES
    from tasks.warehouse import connect

    out = []
    con = connect(warehouse)
    try:
        for ay in (ays if SOURCES[source].yearly else [None]):
            rep = load_source(con, inbox, source, ay, run_id, cfg)
            if not rep["files"]:
                continue
            with clock.stage("validate"):
                rep["contract_violations"] = validate_source(con, source, ay)
            out.append(rep)
    finally:
        con.close()
    return out


def run_cycles(inbox: Path, work: Path, cycles: list[str], ay: int, sampler, ingest_mode: str = "product",
               skip_xlsx: bool = False) -> dict:
    from edumon.config import load_config
    from tasks import export, pipeline

    if skip_xlsx:  # measured separately: XLSX of country-wide tables is beyond Excel's row limit
        export.xlsx_bytes = lambda df, sheet, titles=None: b""
        export.municipality_xlsx = lambda con, mart, ay: {}

    cfg = load_config()
    warehouse = str(work / "warehouse.duckdb")
    store = str(work / "store")
    out = {}
    for cycle in cycles:
        spec = cfg["cycles"][cycle]
        run = {"run_id": f"bench-{uuid.uuid4()}", "definitions_version": cfg.definitions_version,
               "small_group_below": cfg["privacy"]["small_group_below"]}
        clock = StageClock(sampler)
        undo = clock.wrap_validation()
        t_cycle = time.perf_counter()
        try:
            loads = []
            for source, offsets in spec["sources"].items():
                ays = sorted(ay + o for o in offsets)
                if ingest_mode == "bulk":
                    with clock.stage("ingest"):
                        n_validate = clock.seconds.get("validate", 0.0)
                        c_validate = clock.cpu.get("validate", 0.0)
                        loads += bulk_ingest(inbox, warehouse, source, ays, run["run_id"], cfg, clock)
                        # validation ran inside this block but is reported on its own
                        clock._nested += clock.seconds.get("validate", 0.0) - n_validate
                        clock._nested_cpu += clock.cpu.get("validate", 0.0) - c_validate
                else:
                    with clock.stage("ingest"):
                        loads += pipeline.ingest_source_years.fn(inbox, warehouse, source, ays, run["run_id"], cfg)
        finally:
            undo()
        clock.seconds["ingest"] -= clock._nested
        clock.cpu["ingest"] -= clock._nested_cpu
        marts = [(name, ay + offset) for name, offset in spec["marts"]]
        with clock.stage("compute"):
            counts = pipeline.compute_indicators.fn(warehouse, str(inbox), marts, run, cfg)
        with clock.stage("export"):
            tables = pipeline.export_tables.fn(warehouse, marts)
        with clock.stage("render"):
            documents = pipeline.render_documents.fn(warehouse, ay, cycle, run, cfg)
        inputs = [{"source": x["source"], "ay": x["ay"], **f} for x in loads for f in x["files"]]
        with clock.stage("publish"):
            pipeline.publish.fn(store, run, cycle, ay, tables, documents, inputs)
        total = time.perf_counter() - t_cycle
        out[cycle] = {
            "seconds": {s: round(clock.seconds.get(s, 0.0), 3) for s in STAGES},
            "cpu_seconds": {s: round(clock.cpu.get(s, 0.0), 3) for s in STAGES},
            "peak_rss_mb": {s: round(sampler.peaks.get(s, 0) / 2**20) for s in STAGES},
            "total_seconds": round(total, 3),
            "rows_in": sum(x["rows_in"] for x in loads),
            "rows_quarantined": sum(x["rows_quarantined"] for x in loads),
            "marts": counts,
            "documents": len(documents),
            "spravki": sum(1 for k in documents if k.endswith("/spravka.html")),
            "table_bytes": sum(len(v) for v in tables.values()),
            "ingest_mode": ingest_mode,
            "xlsx": "skipped" if skip_xlsx else "written",
            "contract_violations": sum(x.get("contract_violations", 0) for x in loads),
            "shaped_ingest_seconds": round(sum(x.get("shaped_seconds", 0.0) for x in loads), 3),
        }
        sampler.peaks.clear()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Один замер циклов по этапам (без Prefect).")
    ap.add_argument("--data", type=Path, required=True, help="папка данных масштаба (с inbox/)")
    ap.add_argument("--work", type=Path, required=True, help="рабочая папка: хранилище DuckDB и публикации")
    ap.add_argument("--cycles", default="september,october")
    ap.add_argument("--ay", type=int, default=None)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--memory-limit-gb", type=float, default=12.0, help="остановить замер выше этого RSS")
    ap.add_argument("--ingest", choices=["product", "bulk"], default="product",
                    help="product: tasks/ingest.py; bulk: bench/bulk_load.py (оценка предела)")
    ap.add_argument("--skip-xlsx", action="store_true", help="не писать XLSX при выгрузке таблиц")
    a = ap.parse_args(argv)

    from bench.memory import MemorySampler
    from bench.scales import CYCLE_AY

    if a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True)
    with MemorySampler(limit_bytes=int(a.memory_limit_gb * 2**30)) as sampler:
        t0 = time.perf_counter()
        cycles = run_cycles(a.data / "inbox", a.work, a.cycles.split(","), a.ay or CYCLE_AY, sampler,
                            a.ingest, a.skip_xlsx)
        wall = time.perf_counter() - t0
    result = {"cycles": cycles, "wall_seconds": round(wall, 3), "peak_rss_mb": round(sampler.peak / 2**20),
              "pid": os.getpid()}
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
