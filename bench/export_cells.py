"""Do two versions of tasks/export.py write the same cells? Every XLSX the export writes from
a warehouse (each output table's whole workbook and each municipality's, as
`pipeline.table_units` calls it), written by both, opened with openpyxl and compared
exactly: sheet names, every cell's value and type, its number format, font, fill, border
and alignment, each column's width, the frozen pane, the filter's range, row heights and
the workbook's title; and every zip member of both the same bytes, the sheets once their
cells' references are taken out (`members`, for every file, also those not opened). Files
that are byte for byte the same are counted and not opened.

    git show main:tasks/export.py > /tmp/xo8/export_main.py
    .venv/bin/python -m bench.export_cells --warehouse <warehouse.duckdb> --module /tmp/xo8/export_main.py \
        [--only mart_shnor] [--municipalities 50]

Prints one line a table (files, identical bytes, cells compared, differences) and exits 1 on
any difference.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import re
import sys
import zipfile

import duckdb
from openpyxl import load_workbook

from tasks import export as after


def _load(path: str):
    spec = importlib.util.spec_from_file_location("export_other", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def _style(c) -> tuple:
    """The cell's style indices (font, fill, border, number format, alignment, …): exact,
    since both packages' xl/styles.xml are the same bytes (checked in `members`)."""
    return tuple(c._style) if getattr(c, "_style", None) is not None else ()


_REF = re.compile(rb'(<c) r="[A-Z]+[0-9]+"')


def members(a: bytes, b: bytes, label: str) -> list[str]:
    """Every zip member the same bytes, except the sheets, which must be the same once every
    cell's reference is taken out (the same cells in the same order, each the same element);
    where the cells stand is `compare`'s (openpyxl)."""
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    if za.namelist() != zb.namelist():
        return [f"{label}: members {za.namelist()} ≠ {zb.namelist()}"]
    out = []
    for name in za.namelist():
        x, y = za.read(name), zb.read(name)
        if name.startswith("xl/worksheets/"):
            x, y = _REF.sub(rb"\1", x), _REF.sub(rb"\1", y)
        if x != y:
            out.append(f"{label}: {name} differs")
    return out


def compare(a: bytes, b: bytes, label: str) -> tuple[int, list[str]]:
    wa, wb = load_workbook(io.BytesIO(a)), load_workbook(io.BytesIO(b))
    diffs: list[str] = []
    cells = 0
    if wa.sheetnames != wb.sheetnames:
        return 0, [f"{label}: sheets {wa.sheetnames} ≠ {wb.sheetnames}"]
    if wa.properties.title != wb.properties.title:
        diffs.append(f"{label}: title {wa.properties.title!r} ≠ {wb.properties.title!r}")
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        for what, x, y in (("dimensions", sa.dimensions, sb.dimensions), ("freeze", sa.freeze_panes, sb.freeze_panes),
                           ("filter", sa.auto_filter.ref, sb.auto_filter.ref),
                           ("widths", {k: d.width for k, d in sa.column_dimensions.items()},
                            {k: d.width for k, d in sb.column_dimensions.items()}),
                           ("heights", {k: d.height for k, d in sa.row_dimensions.items() if d.height},
                            {k: d.height for k, d in sb.row_dimensions.items() if d.height})):
            if x != y:
                diffs.append(f"{label} «{name}»: {what} {x} ≠ {y}")
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows()):
            if len(ra) != len(rb):
                diffs.append(f"{label} «{name}»: row {ra[0].row} has {len(ra)} ≠ {len(rb)} cells")
                continue
            for ca, cb in zip(ra, rb):
                cells += 1
                if (ca.value, ca.data_type) != (cb.value, cb.data_type) or _style(ca) != _style(cb):
                    diffs.append(f"{label} «{name}» {ca.coordinate}: {ca.value!r}/{ca.data_type} {_style(ca)} ≠ "
                                 f"{cb.value!r}/{cb.data_type} {_style(cb)}")
                    if len(diffs) > 20:
                        return cells, diffs
    return cells, diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Те же ли ячейки в XLSX двух версий выгрузки (openpyxl).")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--module", required=True, help="the other tasks/export.py (e.g. main's)")
    ap.add_argument("--only", action="append", help="only this mart (repeatable)")
    ap.add_argument("--municipalities", type=int, default=None,
                    help="open at most this many municipalities' workbooks a table (every one is still written)")
    ap.add_argument("--whole-max-mb", type=float, default=None,
                    help="open a whole table's workbook with openpyxl only up to this size (its members are "
                         "still compared)")
    a = ap.parse_args(argv)
    before = _load(a.module)
    con = duckdb.connect(a.warehouse, read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    failed = False
    total = {"files": 0, "same_bytes": 0, "cells": 0}
    for mart in after.OUTPUT_TABLES:
        if mart not in tables or (a.only and mart not in a.only):
            continue
        name = after.OUTPUT_TABLES[mart][0]
        for (ay,) in con.execute(f"SELECT DISTINCT ay FROM {mart} ORDER BY 1").fetchall():
            x = dict(before.iter_table_xlsx(con, mart, ay, 1))
            y = dict(after.iter_table_xlsx(con, mart, ay, 1))
            files = same = cells = opened = 0
            diffs: list[str] = []
            if x.keys() != y.keys():
                diffs.append(f"{name} {ay}: workbooks {sorted(map(str, x))[:5]} ≠ {sorted(map(str, y))[:5]}")
            for mun in sorted(x, key=str):
                files += 1
                if x[mun] == y.get(mun):
                    same += 1
                    continue
                diffs += members(x[mun], y[mun], f"{name} {ay} {mun or 'целиком'}")
                if mun is not None and a.municipalities is not None and opened >= a.municipalities:
                    continue
                if mun is None and a.whole_max_mb is not None and len(x[mun]) > a.whole_max_mb * 2**20:
                    continue
                opened += 1
                n, d = compare(x[mun], y[mun], f"{name} {ay} {mun or 'целиком'}")
                cells += n
                diffs += d
            print(f"{name} {ay}: files {files}, identical bytes {same}, opened {opened}, cells {cells}, "
                  f"differences {len(diffs)}", flush=True)
            for d in diffs[:10]:
                print("   ", d)
            failed |= bool(diffs)
            total["files"] += files
            total["same_bytes"] += same
            total["cells"] += cells
    print(total)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
