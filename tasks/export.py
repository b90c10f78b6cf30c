"""Output tables as files: Parquet (exact types) and XLSX (for analysts in Excel).

A mart's rows for one AY become `tables/<AY>/<name>.parquet` and `.xlsx`. Parquet keeps
the English column names of the output contract and exact types; the XLSX is for the
analyst in Excel: Russian column titles (`reports/labels.py::COLUMN_TITLES`), a frozen,
filterable header row, lists joined into text, booleans as «да»/«нет».
Participant-level data never reaches this module: only marts are exported.
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from reports.labels import COLUMN_TITLES

# mart table in the warehouse → published name (SPEC §4.9) and sort order
OUTPUT_TABLES = {
    "mart_procedure_results": ("procedure_results", "school_code, procedure"),
    "mart_shnor": ("shnor", "school_code"),
    "mart_shvor": ("shvor", "school_code"),
    "mart_risk_schools": ("risk_schools", "school_code"),
    "mart_objectivity_flags": ("objectivity_flags", "school_code, grade, subject"),
    "mart_shnor_monitoring": ("shnor_monitoring", "municipality_code, sort_order"),
    "mart_risk_monitoring": ("risk_monitoring", "municipality_code, sort_order"),
    "mart_project_500plus": ("project_500plus", "municipality_code, sort_order"),
    "mart_prevention_half1": ("prevention_half1", "municipality_code, sort_order"),
    "mart_prevention": ("prevention", "municipality_code, half, sort_order"),
    "mart_plan_status": ("plan_status", "measure_order, measure_no"),
    "mart_plan_sections": ("plan_sections", "section_order, status_order"),
}


def table_frame(con, mart: str, ay: int, municipality: str | None = None) -> pd.DataFrame:
    _, order = OUTPUT_TABLES[mart]
    where = "ay = ?" + (" AND municipality_code = ?" if municipality else "")
    args = [ay] + ([municipality] if municipality else [])
    return con.execute(f"SELECT * FROM {mart} WHERE {where} ORDER BY {order}", args).df()


def parquet_bytes(con, mart: str, ay: int) -> bytes:
    _, order = OUTPUT_TABLES[mart]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.parquet"
        con.execute(f"COPY (SELECT * FROM {mart} WHERE ay = {int(ay)} ORDER BY {order}) "
                    f"TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        return path.read_bytes()


XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows per sheet, less the header


def _cell(v):
    if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
        items = v.tolist() if hasattr(v, "tolist") else v
        return ", ".join(json.dumps(i, ensure_ascii=False, default=str) if isinstance(i, dict) else str(i)
                         for i in items)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    return v


def _yes_no(v):
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return None
    return "да" if v else "нет"


def xlsx_bytes(df: pd.DataFrame, sheet: str, titles: dict[str, str] | None = None) -> bytes:
    titles = COLUMN_TITLES if titles is None else titles
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype).lower() in ("bool", "boolean"):
            out[c] = out[c].astype(object).map(_yes_no)
        elif out[c].dtype == object:
            out[c] = out[c].map(_cell)
    if titles:
        out = out.rename(columns={c: titles.get(c, c) for c in out.columns})
    buf = io.BytesIO()
    # A sheet holds XLSX_MAX_ROWS data rows; a longer table (a country's procedure_results)
    # continues on sheets named "<name> (2)", "<name> (3)", … each with the header.
    parts = range(0, max(len(out), 1), XLSX_MAX_ROWS)
    # a school name like "=HYPERLINK(…)" from a registry file stays text, never a live formula
    with pd.ExcelWriter(buf, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        # a fixed creation time: the same table gives the same bytes (publication identity)
        xw.book.set_properties({"created": datetime(2020, 1, 1), "title": sheet})
        head = xw.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEEEEE",
                                   "border": 1})
        for n, start in enumerate(parts, start=1):
            part = out.iloc[start:start + XLSX_MAX_ROWS]
            name = sheet[:31] if n == 1 else f"{sheet[:31 - len(f' ({n})')]} ({n})"
            part.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for i, c in enumerate(out.columns):
                ws.write(0, i, c, head)
            ws.set_row(0, 45)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(part), 1), max(len(out.columns) - 1, 0))
            for i, c in enumerate(out.columns):
                width = min(max(min(len(str(c)), 24), *(len(str(x)) for x in out[c].head(200))) + 2, 60) if len(out) else 18
                ws.set_column(i, i, width)
    return buf.getvalue()
