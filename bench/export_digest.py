"""Are the export's files byte for byte what they were? The sha256 of every XLSX the export
writes from a warehouse (each output table's whole workbook and each municipality's), saved
as JSON, then compared against an earlier save (e.g. made on main before a change):

    .venv/bin/python -m bench.export_digest --warehouse var/bench/work/export/region-cycle/warehouse.duckdb --save /tmp/before.json
    .venv/bin/python -m bench.export_digest --warehouse var/bench/work/export/region-cycle/warehouse.duckdb --against /tmp/before.json

Prints how many files are the same and names the first differing ones; exit status 1 on a
difference (a changed layout is expected to differ: then use bench/xlsx_compare.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import duckdb

from tasks import export


def digests(warehouse: str, municipalities: bool = True) -> dict[str, str]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        out = {}
        for mart in export.OUTPUT_TABLES:
            if mart not in tables:
                continue
            name = export.OUTPUT_TABLES[mart][0]
            for (ay,) in con.execute(f"SELECT DISTINCT ay FROM {mart} ORDER BY 1").fetchall():
                try:
                    if municipalities:  # as the flow writes them (tasks/pipeline.py::table_units)
                        for mun, data in export.iter_table_xlsx(con, mart, ay):
                            key = f"{ay}/{name}.xlsx" if mun is None else f"{ay}/{mun}/{name}.xlsx"
                            out[key] = hashlib.sha256(data).hexdigest()
                    else:
                        out[f"{ay}/{name}.xlsx"] = hashlib.sha256(
                            export.xlsx_bytes(export.table_query(con, mart, ay), name)).hexdigest()
                except duckdb.Error as e:  # an older warehouse (the demo's plan tables): noted, compared too
                    out[f"{ay}/{name}.xlsx"] = f"error: {type(e).__name__}"
        return out
    finally:
        con.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Контрольные суммы выгружаемых XLSX: те же ли байты.")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--save")
    ap.add_argument("--against")
    ap.add_argument("--whole-only", action="store_true")
    args = ap.parse_args(argv)
    found = digests(args.warehouse, not args.whole_only)
    if args.save:
        with open(args.save, "w") as f:
            json.dump(found, f, indent=1, sort_keys=True)
    if not args.against:
        print(f"{len(found)} files digested")
        return 0
    with open(args.against) as f:
        earlier = json.load(f)
    differ = sorted(k for k in earlier.keys() | found.keys() if earlier.get(k) != found.get(k))
    print(f"{len(found)} files, {len(found) - len(differ)} byte-identical, {len(differ)} differ")
    for k in differ[:20]:
        print("  differs:", k)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
