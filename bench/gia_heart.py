"""The compute's largest statement at country scale, alone: the ГИА first attempts
(`sql/int_gia_first_attempts.sql`, or its text at another commit) grouped into the ГИА
half of `int_procedure_results` and written to a table, in one process at a given DuckDB
`memory_limit`. `load` puts the generated canonical ГИА Parquet (the real-shape CSV
regions left out) into a DuckDB file with the raw table's columns; `run` times the query.

    python -m bench.gia_heart load --data var/bench/data/country-s7 --db /tmp/gia.duckdb
    python -m bench.gia_heart run --db /tmp/gia.duckdb [--commit 7c9ca90] [--memory-limit 2GB]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
YEARS = (2020, 2021, 2022)


def _connect(db: Path, memory_limit: str):
    return duckdb.connect(str(db), config={"memory_limit": memory_limit, "threads": 2,
                                           "temp_directory": str(db) + ".tmp"})


def load(data: Path, db: Path, memory_limit: str) -> None:
    con = _connect(db, memory_limit)
    con.execute("""CREATE OR REPLACE TABLE raw_gia (participant_id VARCHAR, school_code VARCHAR, exam VARCHAR,
        subject VARCHAR, period VARCHAR, is_retake BOOLEAN, category VARCHAR, primary_score DOUBLE,
        test_score DOUBLE, mark INTEGER, passed_min BOOLEAN, ay INTEGER, _file VARCHAR, _sheet VARCHAR,
        _row INTEGER)""")
    for y in YEARS:
        files = sorted(str(p) for p in (data / "inbox" / str(y) / "gia").glob("*.parquet"))
        con.execute(f"""INSERT INTO raw_gia SELECT participant_id, school_code, exam::VARCHAR, subject::VARCHAR,
            period::VARCHAR, is_retake, category::VARCHAR, primary_score, test_score, mark::INTEGER, passed_min,
            {y}, filename, 'data', (file_row_number + 2)::INTEGER
            FROM read_parquet(?, filename = true, file_row_number = true)""", [files])
    con.execute("CREATE OR REPLACE TABLE reference_ege_min_scores AS "
                f"SELECT * FROM read_csv('{ROOT / 'config' / 'reference' / 'ege_min_scores.csv'}')")
    print(json.dumps({"rows": con.execute("SELECT count(*) FROM raw_gia").fetchone()[0]}))
    con.close()


def run(db: Path, commit: str | None, memory_limit: str) -> dict:
    from edumon.config import load_config
    from tasks.warehouse import _bind

    path = "sql/int_gia_first_attempts.sql"
    fa = (subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout if commit else (ROOT / path).read_text(encoding="utf-8"))
    sql = f"""WITH int_gia_first_attempts AS ({fa})
        SELECT ay, school_code, exam || '_' || subject AS procedure, exam AS kind,
               count(*)::BIGINT AS participants, count(*) FILTER (WHERE NOT passed_min)::BIGINT AS low_count
        FROM int_gia_first_attempts WHERE passed_min IS NOT NULL GROUP BY ay, school_code, exam, subject"""
    con = _connect(db, memory_limit)
    c0, t0 = time.process_time(), time.perf_counter()
    con.execute(f"CREATE OR REPLACE TEMP TABLE r AS {sql}", _bind(sql, load_config().sql_params()))
    n, s1, s2 = con.execute("SELECT count(*), sum(participants), sum(low_count) FROM r").fetchone()
    out = {"commit": commit or "worktree", "cpu_seconds": round(time.process_time() - c0, 2),
           "wall_seconds": round(time.perf_counter() - t0, 2), "rows": n, "participants": s1, "low": s2,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    con.close()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Первые попытки ГИА в масштабе страны: один запрос, замер.")
    ap.add_argument("action", choices=["load", "run"])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=ROOT / "var" / "bench" / "data" / "country-s7")
    ap.add_argument("--commit", default=None, help="SQL первых попыток из этого коммита")
    ap.add_argument("--memory-limit", default="2GB")
    a = ap.parse_args(argv)
    if a.action == "load":
        load(a.data, a.db, a.memory_limit)
    else:
        print(json.dumps(run(a.db, a.commit, a.memory_limit)))


if __name__ == "__main__":
    main()
