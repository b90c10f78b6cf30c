"""The floor: a bare DuckDB scan of the inputs a cycle reads — every file read once,
every column decoded, nothing aggregated beyond `count(COLUMNS(*))` (which forces each
column to be read; `count(*)` alone would let DuckDB skip the columns).

Parquet and CSV go through DuckDB. DuckDB has no offline cp1251 decoder, so a cp1251
CSV is scanned as latin-1 (one byte, one character: the same bytes are read and split).
XLSX has no DuckDB reader offline: it is read once with python-calamine, the reader the
product uses, and counted in the floor as such.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from schemas.sources import SOURCES
from tasks.ingest import list_files, source_folder


def cycle_files(inbox: Path, cfg, cycles: list[str], ay: int) -> list[Path]:
    files = []
    for cycle in cycles:
        for source, offsets in cfg["cycles"][cycle]["sources"].items():
            src = SOURCES[source]
            for year in (sorted(ay + o for o in offsets) if src.yearly else [None]):
                files += list_files(source_folder(inbox, src, year))
    return list(dict.fromkeys(files))


def scan(files: list[Path], threads: int | None = None) -> dict:
    con = duckdb.connect(config={"threads": threads} if threads else {})
    out = {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "rows": 0}
    t0 = time.perf_counter()
    for f in files:
        suffix = f.suffix.lower()
        if suffix == ".parquet":
            rel = f"read_parquet('{f}')"
        elif suffix in (".csv", ".txt"):
            rel = f"read_csv('{f}', encoding = 'latin-1', all_varchar = true, header = false)"
        else:
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(str(f))
            out["rows"] += sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)
            continue
        out["rows"] += con.execute(f"SELECT count(*), count(COLUMNS(*)) FROM {rel}").fetchone()[0]
    out["seconds"] = round(time.perf_counter() - t0, 3)
    con.close()
    return out
