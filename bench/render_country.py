"""Rendering at country scale: every municipality's documents of one cycle (справка,
addressed recommendations, plan report; HTML, DOCX and PDF) from a warehouse of N
municipalities, in parallel processes sized to the cores (tasks/render.py).

    .venv/bin/python -m bench.render_country --cycle september --municipalities 2300 \\
        [--source var/warehouse.duckdb] [--workers 0] [--formats html,docx,pdf]

The warehouse is made from the demo's (`make demo`): every table that has a school or a
municipality column is copied N times with the codes suffixed, so each municipality has
the demo municipality's 30 schools and figures (2,300 × 30 ≈ 69,000 schools, more than
the 40,000 of the country). Prints wall time, CPU time of this process and its workers,
per municipality, and the peak resident memory (the largest process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import duckdb


def replicate(source: Path, target: Path, n: int) -> None:
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
    for (t,) in tables:
        cols = {r[0] for r in con.execute(f"DESCRIBE src.{t}").fetchall()}
        repl = [f"{c} || '~' || _copy AS {c}" for c in ("school_code", "municipality_code") if c in cols]
        if repl:
            con.execute(f"CREATE TABLE {t} AS SELECT * REPLACE ({', '.join(repl)}) "
                        f"FROM src.{t}, range({n}) r(_copy)")
        else:
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM src.{t}")
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
    a = ap.parse_args()
    a.target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    replicate(a.source, a.target, a.municipalities)
    build_s = time.perf_counter() - t0

    from edumon.config import load_config
    from tasks import render

    cfg = load_config(overrides={"report": {"formats": a.formats.split(","), "workers": a.workers}})
    con = duckdb.connect(str(a.target), read_only=True)
    run = {"run_id": "bench", "definitions_version": cfg.definitions_version}
    w0, c0 = time.perf_counter(), time.process_time()
    docs = render.render_spravki(con, a.ay, a.cycle, cfg, run)
    wall = time.perf_counter() - w0
    own_cpu = time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own_cpu + kids.ru_utime + kids.ru_stime
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, kids.ru_maxrss) / 1024
    munis = len({k.split("/")[1] for k in docs})
    out = {"cycle": a.cycle, "municipalities": munis, "documents": len(docs),
           "bytes": sum(len(v) for v in docs.values()), "formats": a.formats,
           "workers": render._workers(cfg, munis), "cores": os.cpu_count(), "warehouse_build_s": round(build_s, 1),
           "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_per_municipality_s": round(cpu / max(munis, 1), 3),
           "wall_per_municipality_s": round(wall / max(munis, 1), 3), "peak_rss_mb_largest_process": round(peak_mb)}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
