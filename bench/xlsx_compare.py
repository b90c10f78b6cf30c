"""Does the SQL-made XLSX say what the former xlsxwriter writer said? Every table of a
warehouse (and each municipality's workbooks) written by both, opened with openpyxl, and
compared sheet by sheet: sheet names, every cell's value (floats to 1e-12 relative: the new
writer keeps DuckDB's shortest round-trip digits, xlsxwriter printed 16 significant ones),
number formats, bold titles, column widths, the frozen pane, the filter's range.

    .venv/bin/python -m bench.xlsx_compare --warehouse var/bench/work/export/region-cycle/warehouse.duckdb

Prints one line per table and the number of cells compared; exit status 1 on a difference.
"""

from __future__ import annotations

import argparse
import io
import math
import sys

import duckdb
from openpyxl import load_workbook

from bench import export_xlsxwriter as old
from tasks import export as new


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _widths(ws) -> dict[int, float]:
    """Column index → width (xlsxwriter writes one <col min max> for equal neighbours)."""
    return {i: round(d.width, 4) for d in ws.column_dimensions.values() if d.width
            for i in range(d.min, d.max + 1)}


def compare(a: bytes, b: bytes, label: str) -> tuple[int, list[str]]:
    wa, wb = load_workbook(io.BytesIO(a)), load_workbook(io.BytesIO(b))
    diffs, cells = [], 0
    if wa.sheetnames != wb.sheetnames:
        return 0, [f"{label}: sheets {wa.sheetnames} != {wb.sheetnames}"]
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        if (sa.max_row, sa.max_column) != (sb.max_row, sb.max_column):
            diffs.append(f"{label}/{name}: size {sa.max_row}×{sa.max_column} != {sb.max_row}×{sb.max_column}")
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows()):
            for ca, cb in zip(ra, rb):
                cells += 1
                if not _same(ca.value, cb.value):
                    diffs.append(f"{label}/{name}!{ca.coordinate}: {ca.value!r} != {cb.value!r}")
                elif ca.value is not None and (ca.number_format != cb.number_format or ca.font.b != cb.font.b
                                               or ca.alignment.wrap_text != cb.alignment.wrap_text):
                    diffs.append(f"{label}/{name}!{ca.coordinate}: format {ca.number_format}/{ca.font.b} != "
                                 f"{cb.number_format}/{cb.font.b}")
        for key in ("freeze_panes",):
            if getattr(sa, key) != getattr(sb, key):
                diffs.append(f"{label}/{name}: {key} {getattr(sa, key)} != {getattr(sb, key)}")
        if sa.auto_filter.ref != sb.auto_filter.ref:
            diffs.append(f"{label}/{name}: filter {sa.auto_filter.ref} != {sb.auto_filter.ref}")
        wa_cols, wb_cols = _widths(sa), _widths(sb)
        if wa_cols != wb_cols:
            diffs.append(f"{label}/{name}: widths {wa_cols} != {wb_cols}")
        if sa.row_dimensions[2].height != sb.row_dimensions[2].height:
            diffs.append(f"{label}/{name}: header height")
    return cells, diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Сравнение XLSX: прежний писатель (xlsxwriter) и XML из SQL.")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--municipalities", type=int, default=3, help="how many municipalities' workbooks per table")
    args = ap.parse_args(argv)
    con = duckdb.connect(args.warehouse, read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    total, failed = 0, False
    for mart in new.OUTPUT_TABLES:
        if mart not in tables:
            continue
        for (ay,) in con.execute(f"SELECT DISTINCT ay FROM {mart} ORDER BY 1").fetchall():
            try:
                a = old.xlsx_bytes(old.table_query(con, mart, ay))
            except duckdb.Error as e:  # a warehouse older than the table's order (OUTPUT_TABLES)
                print(f"{mart} {ay}: skipped, the former writer cannot read it ({type(e).__name__})")
                continue
            b = new.xlsx_bytes(new.table_query(con, mart, ay))
            cells, diffs = compare(a, b, f"{mart}/{ay}")
            olds, news = old.municipality_xlsx(con, mart, ay), new.municipality_xlsx(con, mart, ay)
            if sorted(olds) != sorted(news):
                diffs.append(f"{mart}/{ay}: municipalities differ")
            for mun in sorted(olds)[:args.municipalities]:
                c, d = compare(olds[mun], news.get(mun, b""), f"{mart}/{ay}/{mun}")
                cells += c
                diffs += d
            total += cells
            failed |= bool(diffs)
            print(f"{mart} {ay}: {cells} cells, {len(olds)} municipality workbooks, "
                  f"{'SAME' if not diffs else f'{len(diffs)} differences'}")
            for d in diffs[:10]:
                print("   ", d)
    print(f"cells compared: {total}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
