"""Test helpers: write a hand-made inbox in the canonical contract and compute marts
with the same functions the flows use, without a Prefect server."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from edumon.config import load_config
from tasks import indicators
from tasks.ingest import ingest_source
from tasks.warehouse import connect


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.DictWriter(f, fieldnames=fields, delimiter=delimiter)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def compute(inbox: Path, warehouse: Path, cycle: str, ay: int, overrides: dict | None = None):
    """Ingest what the cycle reads and build its marts; returns (connection, config)."""
    cfg = load_config(overrides=overrides)
    spec = cfg["cycles"][cycle]
    con = connect(warehouse)
    for source, offsets in spec["sources"].items():
        for o in offsets:
            rep = ingest_source(con, inbox, source, ay + o, "test-run", cfg)
            assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    indicators.build_staging(con, params)
    indicators.build_marts(con, [(m, ay + o) for m, o in spec["marts"]], params)
    return con, cfg


def compute_copy(loaded, tmp_path: Path, cycle: str, ay: int, lazy: bool, tag: str = ""):
    """Build a cycle's marts on a copy of an ingested warehouse: `loaded` is (inbox, warehouse,
    config); eagerly (every model over every AY) or lazily (the cycle's models and AYs).
    Returns (connection, the cycle's (mart, AY) pairs, the models materialised)."""
    inbox, warehouse, cfg = loaded
    path = tmp_path / f"{cycle}-{'lazy' if lazy else 'eager'}{tag}.duckdb"
    shutil.copy(warehouse, path)
    con = connect(path)
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    marts = [(m, ay + o) for m, o in cfg["cycles"][cycle]["marts"]]
    built = indicators.build_staging(con, params, marts if lazy else None)
    indicators.build_marts(con, marts, params)
    return con, marts, built


def rows(con, sql: str, *args) -> list[dict]:
    cur = con.execute(sql, list(args))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def query(sql: str, *args) -> list[tuple]:
    """Rows of a query on a fresh in-memory DuckDB (never the shared default connection,
    which refuses new work while an earlier result is unfinished)."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()
