"""Validation backends on participant-level data: pandas vs polars vs ibis/DuckDB (issue 5).

The same contract (participant-level ГИА: required ids, vocabularies, score and mark
ranges, one row per participant × exam × subject as a schema-level `unique`) is run by
pandera's three backends on the same Parquet file of N rows (default 10 million, the
yearly ГИА of the whole country is ~7.5 million). One duplicate key is planted, and
each backend must catch it (the ibis backend silently ignores `Column(unique=True)`,
hence the schema-level `unique`).

Each backend runs in its own process, so its peak memory (ru_maxrss) is its own:

    .venv/bin/python bench/validate_backends.py [--rows 10000000] [--out docs/bench_validate_backends.json]

Results go to stdout as a table and to the JSON file; docs/benchmarks.md holds the
figures and the choice ("Validation backends (issue 5)").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = ["participant_id", "exam", "subject"]
EXAMS = ["oge", "ege", "gve"]
SUBJECTS = ["russian", "math", "math_base", "math_profile", "physics", "chemistry", "biology", "history"]


def generate(path: Path, rows: int, seed: int = 5) -> None:
    """Synthetic ГИА rows: 40 000 schools, ids unique per exam × subject, one planted duplicate."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n = rows
    pid = pc.binary_join_element_wise(pa.array(np.full(n, "p"), pa.string()),
                                      pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string()), "")
    school = pc.binary_join_element_wise(pa.array(np.full(n, "sch"), pa.string()),
                                         pc.cast(pa.array(rng.integers(100000, 140000, n)), pa.string()), "")
    exam = pa.array(np.array(EXAMS)[rng.integers(0, 3, n)])
    subject = pa.array(np.array(SUBJECTS)[rng.integers(0, len(SUBJECTS), n)])
    primary = rng.integers(0, 60, n).astype("float64")
    test = np.where(exam.to_numpy(zero_copy_only=False) == "ege", rng.integers(0, 101, n), np.nan)
    mark = rng.integers(2, 6, n).astype("float64")
    table = pa.table({"participant_id": pid, "school_code": school, "exam": exam, "subject": subject,
                      "primary_score": primary, "test_score": pa.array(test, from_pandas=True), "mark": pa.array(mark).cast(pa.int64())})
    # plant one duplicate key: the last row repeats the first row's key
    first = table.slice(0, 1)
    table = pa.concat_tables([table.slice(0, n - 1), first])
    pq.write_table(table, path, row_group_size=1_000_000)


def _checks(pa_mod, backend: str):
    C = pa_mod.Check
    if backend == "ibis":
        import ibis.expr.datatypes as dt

        text, real, whole = dt.String(), dt.Float64(), dt.Int64()
    else:
        text, real, whole = str, float, int
    return {
        "participant_id": pa_mod.Column(text, nullable=False),
        "school_code": pa_mod.Column(text, nullable=False),
        "exam": pa_mod.Column(text, C.isin(EXAMS), nullable=False),
        "subject": pa_mod.Column(text, C.isin(SUBJECTS), nullable=False),
        "primary_score": pa_mod.Column(real, C.ge(0), nullable=True),
        "test_score": pa_mod.Column(real, [C.ge(0), C.le(100)], nullable=True),
        "mark": pa_mod.Column(whole, [C.ge(2), C.le(5)], nullable=True),
    }


def run_backend(backend: str, path: Path) -> dict:
    """Load (after imports) and validate; peak RSS of this process."""
    t_import = time.perf_counter()
    if backend == "pandas":
        import pandas as pd
        import pandera.pandas as pa_mod

        t0 = time.perf_counter()
        data = pd.read_parquet(path)
    elif backend == "polars":
        import pandera.polars as pa_mod
        import polars as pl

        t0 = time.perf_counter()
        data = pl.read_parquet(path)
    elif backend == "ibis":
        import ibis
        import pandera.ibis as pa_mod

        t0 = time.perf_counter()
        con = ibis.duckdb.connect()
        data = con.read_parquet(str(path))
    else:
        raise ValueError(backend)
    t1 = time.perf_counter()
    schema = pa_mod.DataFrameSchema(_checks(pa_mod, backend), unique=KEY)
    caught, failures = False, 0
    try:
        schema.validate(data, lazy=True)
    except Exception as exc:  # SchemaErrors: the planted duplicate
        fc = getattr(exc, "failure_cases", None)
        if fc is not None and hasattr(fc, "to_pandas"):
            fc = fc.to_pandas()
        failures = len(fc) if fc is not None else -1
        caught = fc is not None and any("unique" in str(c) or "duplicate" in str(c) for c in fc["check"])
    t2 = time.perf_counter()
    return {"backend": backend, "import_s": round(t0 - t_import, 2), "load_s": round(t1 - t0, 2), "validate_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "duplicate_caught": caught, "failure_rows": failures}


def run_ingest(path: Path) -> dict:
    """The project's own ingest path (tasks.ingest.check_files: read, type, contract,
    cross-field rules) on the same Parquet, as the ГИА source."""
    sys.path.insert(0, str(ROOT))
    t_import = time.perf_counter()
    from edumon.config import load_config
    from schemas.sources import SOURCES
    from tasks.ingest import check_files

    cfg = load_config()
    t0 = time.perf_counter()
    res = check_files([path], SOURCES["gia"], cfg)
    t1 = time.perf_counter()
    return {"backend": "edumon check_files (pandas)", "import_s": round(t0 - t_import, 2), "load_s": 0.0,
            "validate_s": round(t1 - t0, 2), "total_s": round(t1 - t0, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "duplicate_caught": any(p.code == "multiple_fields_uniqueness" or "ключом" in p.rule
                                    for p in res.problems),
            "failure_rows": len(res.rejected)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--data", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "bench_validate_backends.json")
    ap.add_argument("--backend", help=argparse.SUPPRESS)  # internal: run one backend in this process
    ap.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.backend:
        fn = run_ingest if args.backend == "ingest" else (lambda p: run_backend(args.backend, p))
        print(json.dumps(fn(args.path)))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"gia_participants_{args.rows}.parquet"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows)
        print(f"data: {path} ({path.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t:.1f} s")
    results = []
    for backend in ("pandas", "polars", "ibis", "ingest"):
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--backend", backend, "--path", str(path)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        runs.sort(key=lambda r: r["total_s"])
        median = runs[len(runs) // 2]
        results.append(median)
        print(f"{backend:7s} import {median['import_s']:5.1f} s  load {median['load_s']:6.1f} s  validate {median['validate_s']:6.1f} s  "
              f"peak {median['peak_rss_mb']:6d} MB  duplicate caught: {median['duplicate_caught']}")
    body = {"rows": args.rows, "repeat": args.repeat, "machine": {
        "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)},
        "results": results}
    args.out.write_text(json.dumps(body, indent=2) + "\n")


if __name__ == "__main__":
    main()
