"""A set-based load of the inbox, for measuring what the compute stages cost when ingest
is not the bottleneck — NOT the product's ingest (tasks/ingest.py is; issue 5 reworks it).

For every source-year a cycle reads:
- canonical Parquet files go straight from `read_parquet` into `raw_<source>` (one
  `INSERT … SELECT`, the meta columns filled, participant ids hashed with the same
  salted sha256 the product uses, done in SQL);
- files in the real export shapes (cp1251 CSV, XLSX) go through the product's own
  `ingest_source`, on a folder holding only them, first (it replaces the AY);
- the contract's column rules (required, min, max, one row per key) are then checked in
  SQL over the loaded rows and counted: the validation a set-based backend would do.

Used by `bench.stages --ingest bulk`; the results say which ingest was measured.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from schemas.contracts import DUCKDB_TYPES
from schemas.sources import SOURCES
from tasks.ingest import _salt, ingest_source, list_files, source_folder
from tasks.warehouse import delete_ay, files_table, next_fid, raw_table, rows_table, split_meta


def load_source(con, inbox: Path, source_name: str, ay: int | None, run_id: str, cfg) -> dict:
    src = SOURCES[source_name]
    files = list_files(source_folder(inbox, src, ay))
    parquet = [f for f in files if f.suffix.lower() == ".parquet"]
    shaped = [f for f in files if f.suffix.lower() != ".parquet"]
    out = {"source": source_name, "ay": ay, "files": [{"file": f.name} for f in files], "rows_in": 0,
           "rows_loaded": 0, "rows_quarantined": 0, "shaped_seconds": 0.0}
    table = raw_table(src)
    if shaped:  # the product's ingest for the real shapes; it replaces the AY
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            folder = source_folder(Path(tmp), src, ay)
            folder.mkdir(parents=True)
            for f in shaped:
                shutil.copyfile(f, folder / f.name)  # the inbox refuses links that leave it
            rep = ingest_source(con, Path(tmp), source_name, ay, run_id, cfg)
        out["rows_in"] += rep.rows_in
        out["rows_loaded"] += rep.rows_loaded
        out["rows_quarantined"] += rep.rows_quarantined
        out["shaped_seconds"] = time.perf_counter() - t0
    else:
        delete_ay(con, src, ay)
    if parquet:
        present = {r[0] for r in con.execute(f"SELECT name FROM parquet_schema('{parquet[0]}')").fetchall()}
        cols = []
        for c in src.columns:
            if c.name not in present:
                continue
            expr = f"CAST({c.name} AS {DUCKDB_TYPES[c.type]})"
            if src.participant_level and c.name == "participant_id":
                expr = "sha256($salt || '|' || participant_id)[:20]"
            cols.append(f"{expr} AS {c.name}")
        files_sql = "[" + ", ".join(f"'{f}'" for f in parquet) + "]"
        if split_meta(src):  # the per-file columns once per file (tasks.warehouse)
            base = next_fid(con, src)
            fmap = ", ".join(f"('{f}', {base + i})" for i, f in enumerate(parquet))
            con.execute(f"INSERT INTO {files_table(src)} BY NAME SELECT _fid, $ay AS ay, parse_filename(filename) AS _file, "
                        f"'' AS _sheet, '' AS _sha256, $run_id AS _run_id, now()::TIMESTAMP AS _loaded_at "
                        f"FROM (VALUES {fmap}) m(filename, _fid)", {"ay": ay, "run_id": run_id})
            sql = (f"INSERT INTO {rows_table(src)} BY NAME SELECT {', '.join(cols)}, $ay AS ay, "
                   f"CAST(file_row_number + 2 AS INTEGER) AS _row, m._fid FROM read_parquet({files_sql}, "
                   f"filename = true, file_row_number = true) r JOIN (VALUES {fmap}) m(filename, _fid) "
                   f"ON r.filename = m.filename")
            params = {"ay": ay}
        else:
            sql = (f"INSERT INTO {table} BY NAME SELECT {', '.join(cols)}, $ay AS ay, "
                   f"parse_filename(filename) AS _file, '' AS _sheet, "
                   f"CAST(file_row_number + 2 AS INTEGER) AS _row, '' AS _sha256, $run_id AS _run_id, "
                   f"now()::TIMESTAMP AS _loaded_at FROM read_parquet({files_sql}, filename = true, "
                   f"file_row_number = true)")
            params = {"ay": ay, "run_id": run_id}
        if "$salt" in sql:
            params["salt"] = _salt(cfg)
        n = con.execute(sql, params).fetchone()[0]
        out["rows_in"] += n
        out["rows_loaded"] += n
    return out


def validate_source(con, source_name: str, ay: int | None) -> int:
    """Count rows breaking the contract's column rules, in SQL over the loaded AY."""
    src = SOURCES[source_name]
    table = raw_table(src)
    conds = []
    for c in src.columns:
        if c.required:
            conds.append(f"{c.name} IS NULL")
        if c.min is not None:
            conds.append(f"{c.name} < {float(c.min)}")
        if c.max is not None:
            conds.append(f"{c.name} > {float(c.max)}")
    bad = con.execute(f"SELECT count(*) FILTER (WHERE {' OR '.join(conds) or 'false'}) FROM {table} "
                      f"WHERE ay IS NOT DISTINCT FROM ?", [ay]).fetchone()[0]
    if src.key:
        key = ", ".join(src.key)
        bad += con.execute(f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {table} "
                           f"WHERE ay IS NOT DISTINCT FROM ? GROUP BY {key} HAVING count(*) > 1)",
                           [ay]).fetchone()[0]
    return int(bad)
