"""Output tables as files: Parquet for machines, XLSX for analysts in Excel.

A mart's rows for one AY become `tables/<AY>/<name>.parquet` and `.xlsx` (docs/tables.md).

- **Parquet** (`parquet_bytes`) is written by DuckDB's `COPY … (FORMAT parquet)`: the English
  column names of the output contract, exact values, counts as 64-bit integers.
- **XLSX** (`xlsx_bytes`, `municipality_xlsx`): the sheet XML is made by DuckDB SQL, set
  based — every cell's `<c>` element an expression (text escaped in SQL as inline
  strings, numbers as `<v>` with the style of their number format, dates as Excel serial
  numbers), a row's cells joined with `concat`, the rows streamed from DuckDB as Arrow
  strings — into a package
  written by hand (styles, workbook, zip with fixed times, like reports/docx.py); no
  Python per cell, no pandas, no xlsxwriter. What a cell says is decided in SQL from the
  wording of `reports/tables.py`: Russian column titles,
  codes turned into words («нет данных», «лучше», «ВПР, математика, 5 класс»), booleans
  «да»/«нет», AY «2023/2024». Shares keep their exact value with the format «0,0» (Excel
  rounds half up, once, when it shows them), counts «# ##0», dates are Excel dates. A list
  of schools becomes rows of the sheet «Школы»; the sheet «Пояснения» says what each
  column holds and which run wrote the table. A title row, then a frozen, filterable header.
- At region and country scale (`municipality_xlsx`) each municipality also gets its own
  workbook of each table: one query over the table sorted by municipality gives every
  municipality's sheet XML (`PARTITION BY municipality_code`), not a loop per row; the
  parts every workbook shares are made (and deflated) once.

Participant-level data never reaches this module: only marts are exported.
"""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import io
import itertools
import os
import queue
import re
import struct
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from edumon.config import load_config
from reports import tables as wording

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
    "mart_plan_status": ("plan_status", "municipality_code, measure_order, measure_no"),
    "mart_plan_sections": ("plan_sections", "municipality_code, section_order, status_order"),
    "mart_plan_checkpoint": ("plan_checkpoint", "municipality_code, measure_order, measure_no"),
    "mart_assessment_results": ("assessment_results", "school_code, procedure"),
    "mart_shnsu": ("shnsu", "school_code"),
    "mart_curators": ("curators", "school_code, curator_code"),
}

# Excel's 1,048,576 rows per sheet, less the title row and the header: a longer table (a
# country's procedure_results) continues on sheets «Данные (2)», «Данные (3)», …
XLSX_MAX_ROWS = 1_048_574
# A workbook of more than ten times this many rows has Zip64 entries (a sheet's XML may pass
# 4 GB uncompressed: a country's procedure_results). The name is the former writer's
# (xlsxwriter's constant_memory mode above it), kept for callers and tests.
CONSTANT_MEMORY_ROWS = 50_000
WIDTH_SAMPLE = 200   # rows a column's width is measured on


def export_threads(threads: int | None = None, settings: dict | None = None) -> int:
    """Threads the XLSX export deflates in: `threads`, else the environment's
    EDUMON_EXPORT_THREADS, else `threads` of `settings` (the run's `[export]` section: a
    municipality's `--config` included), else of config/edumon.toml (read once a process);
    0 means one a core. 1: everything in the calling thread."""
    if threads is None:
        env = os.environ.get("EDUMON_EXPORT_THREADS", "").strip()
        threads = int(env) if env else int((_default_export() if settings is None else settings).get("threads", 0))
    return max(1, threads or os.cpu_count() or 1)


@functools.lru_cache(maxsize=1)
def _default_export() -> dict:
    """config/edumon.toml's `[export]` (a caller without the run's configuration)."""
    return dict(load_config().get("export", {}))


def table_frame(con, mart: str, ay: int, municipality: str | None = None):
    """The mart's rows as a pandas DataFrame (for tests and notebooks; the export streams)."""
    _, order = OUTPUT_TABLES[mart]
    where = "ay = ?" + (" AND municipality_code = ?" if municipality else "")
    args = [ay] + ([municipality] if municipality else [])
    return con.execute(f"SELECT * FROM {mart} WHERE {where} ORDER BY {order}", args).df()


@dataclass(frozen=True)
class TableQuery:
    """One AY of a mart in the warehouse, as the export reads it."""
    con: object
    mart: str
    ay: int

    @property
    def name(self) -> str:
        return OUTPUT_TABLES[self.mart][0]


def table_query(con, mart: str, ay: int) -> TableQuery:
    return TableQuery(con, mart, ay)


def _columns(con, source: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]


def parquet_bytes(con, mart: str, ay: int) -> bytes:
    """The contract's English columns, exact values; HUGEINT sums and whole-number DOUBLE
    counts (numerator, denominator) stored as BIGINT so machines read integers."""
    _, order = OUTPUT_TABLES[mart]
    casts = []
    for name, typ in _columns(con, mart):
        if typ == "HUGEINT" or (typ == "DOUBLE" and name in ("numerator", "denominator")):
            casts.append(f'CAST("{name}" AS BIGINT) AS "{name}"')
    replace = f" REPLACE ({', '.join(casts)})" if casts else ""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.parquet"
        con.execute(f"COPY (SELECT *{replace} FROM {mart} WHERE ay = {int(ay)} ORDER BY {order}) "
                    f"TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        return path.read_bytes()


# ---------------------------------------------------------------------------------------
# What each XLSX column shows: a SQL expression (with its bound parameters), a title and
# how the cell is written (kind → number format).

@dataclass
class Column:
    name: str
    title: str
    expr: str
    params: list = field(default_factory=list)
    kind: str = "text"  # share, count, number, date, bool, ay, text
    typ: str = "VARCHAR"  # the DuckDB type of `expr` (numbers and dates: their source's)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _case(expr: str, mapping: dict) -> tuple[str, list]:
    """`expr` as text, each code replaced by its Russian word (an unknown code stays)."""
    if not mapping:
        return f"CAST({expr} AS VARCHAR)", []
    sql = "CASE CAST(" + expr + " AS VARCHAR)" + " WHEN ? THEN ?" * len(mapping) + f" ELSE CAST({expr} AS VARCHAR) END"
    return sql, [x for kv in mapping.items() for x in (str(kv[0]), kv[1])]


def _number_text(expr: str) -> str:
    """A share inside a text cell: rounded half up to tenths, decimal comma («25,0»)."""
    return f"replace(printf('%.1f', round({expr}, 1)), '.', ',')"


def _joined(items: str) -> str:
    return f"nullif(array_to_string({items}, '; '), '')"


def _composite(name: str, q: str, procedures: dict) -> tuple[str, list] | None:
    """Lists of records as one readable cell: «ВПР, математика, 4 класс: 25,0 %; …»."""
    if name == "results_vpr_shares":
        label, params = _case("e.procedure", procedures)
        return _joined(f"list_transform({q}, lambda e: {label} || ': ' || {_number_text('e.share2_pct')} || ' %')"), params
    if name == "factors":
        label, params = _case("e.factor", wording.RISK_FACTORS)
        return _joined(f"list_transform({q}, lambda e: {label} || ': ' || CAST(e.schools AS VARCHAR))"), params
    if name == "boundary_evidence":
        return _joined(f"list_transform({q}, lambda e: 'отметка ' || CAST(e.mark AS VARCHAR) || ': на границе '"
                       f" || CAST(e.at_boundary AS VARCHAR) || ' (' || {_number_text('e.school_share_pct')}"
                       f" || ' % при ' || {_number_text('e.reference_share_pct')} || ' % в среднем)')"), []
    return None


def _vocabulary(name: str, table: str, procedures: dict, subjects: dict) -> dict | None:
    if name in wording.PROCEDURE_COLUMNS:
        return procedures
    if name in wording.SUBJECT_COLUMNS:
        return subjects
    if table.startswith("plan_") and name in wording.PLAN_VALUE_TITLES:
        return wording.PLAN_VALUE_TITLES[name]
    return wording.VALUE_TITLES.get(name)


def _column(name: str, typ: str, table: str, procedures: dict, subjects: dict) -> Column | None:
    title = wording.COLUMN_TITLES.get(name, name)
    if table.startswith("plan_"):
        title = wording.PLAN_COLUMN_TITLES.get(name, title)
    q = _q(name)
    if name in wording.XLSX_HIDDEN or name == wording.SCHOOL_DETAILS:
        return None
    if name in wording.SCHOOL_LISTS:
        return Column(name, title, f"len({q})", kind="count", typ="BIGINT")
    if typ == "BOOLEAN":
        return Column(name, title, f"CASE WHEN {q} THEN 'да' WHEN NOT {q} THEN 'нет' END", kind="bool")
    if name in wording.AY_COLUMNS:
        return Column(name, title, f"CAST({q} AS VARCHAR) || '/' || CAST({q} + 1 AS VARCHAR)", kind="ay")
    vocab = _vocabulary(name, table, procedures, subjects)
    if typ.endswith("[]"):
        if typ.startswith("STRUCT"):
            found = _composite(name, q, procedures)
            return Column(name, title, *found) if found else None
        label, params = _case("x", vocab or {})
        return Column(name, title, _joined(f"list_transform({q}, lambda x: {label})"), params)
    if vocab is not None:
        return Column(name, title, *_case(q, vocab))
    if typ in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
        return Column(name, title, q, kind="date", typ=typ)
    numeric = typ in ("DOUBLE", "FLOAT", "REAL") or typ.startswith("DECIMAL")
    integer = typ in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                      "UINTEGER", "UBIGINT")
    if numeric or integer:
        if wording.is_share(name):
            return Column(name, title, q, kind="share", typ=typ)
        if name in wording.NOT_COUNTS:
            return Column(name, title, q, kind="number", typ=typ)
        if integer or name in ("numerator", "denominator", "value"):
            return Column(name, title, q, kind="count", typ=typ)
        return Column(name, title, q, kind="number", typ=typ)
    if typ.startswith(("STRUCT", "MAP", "UNION")):
        return None  # no such column today; it stays in the Parquet
    return Column(name, title, f"CAST({q} AS VARCHAR)" if typ != "VARCHAR" else q)


def _codes(con, source: str, where: str, params: list, columns: dict[str, str], wanted) -> list[str]:
    """Distinct codes of the given columns (scalars, lists, or `procedure` of record lists)."""
    parts = []
    for name in wanted:
        if name not in columns:
            continue
        typ, q = columns[name], _q(name)
        if typ.startswith("STRUCT") and typ.endswith("[]"):
            parts.append(f"SELECT DISTINCT unnest(list_transform({q}, lambda e: e.procedure)) AS c "
                         f"FROM {source} WHERE {where}")
        elif typ.endswith("[]"):
            parts.append(f"SELECT DISTINCT unnest({q}) AS c FROM {source} WHERE {where}")
        else:
            parts.append(f"SELECT DISTINCT CAST({q} AS VARCHAR) AS c FROM {source} WHERE {where}")
    if not parts:
        return []
    sql = " UNION ".join(parts)
    return sorted(r[0] for r in con.execute(sql, params * len(parts)).fetchall() if r[0] is not None)


@dataclass
class Layout:
    """The sheets of one table's workbook: the data sheet's columns and, when the table has
    lists of schools, the query of the sheet «Школы»."""
    table: str
    columns: list[Column]
    schools: list[Column]
    has_municipality: bool
    provenance: list[tuple[str, str]]

    @functools.cached_property
    def noted(self) -> list[Column]:
        """The columns «Пояснения» explains: the data sheet's, then the schools' own (once
        per table, not per municipality's workbook)."""
        return self.columns + [c for c in self.schools if c not in self.columns]


def _layout(con, source: str, table: str, where: str, params: list) -> Layout:
    described = dict(_columns(con, source))
    procedures = wording.procedure_titles(_codes(con, source, where, params, described,
                                                 sorted(wording.PROCEDURE_COLUMNS | {"results_vpr_shares"})))
    subjects = wording.subject_titles(_codes(con, source, where, params, described, wording.SUBJECT_COLUMNS))
    columns = [c for name, typ in described.items()
               if (c := _column(name, typ, table, procedures, subjects)) is not None]
    schools: list[Column] = []
    if any(n in described for n in wording.SCHOOL_LISTS):
        keys = [c for c in columns if c.name in wording.SCHOOL_SHEET_KEYS]
        schools = keys + [
            Column("school_code", wording.COLUMN_TITLES["school_code"], "__school"),
            Column("short_name", wording.COLUMN_TITLES["short_name"], "__name"),
        ] + [Column(n, wording.SCHOOL_LISTS[n],
                    f"CASE WHEN __{n} THEN 'да' ELSE 'нет' END", kind="bool") for n in wording.SCHOOL_LISTS if n in described]
        if wording.SCHOOL_DETAILS in described:
            schools += [Column(f, t, f"__{f}", kind="share", typ="DOUBLE") for f, t in wording.DETAIL_TITLES.items()
                        if f" {f} " in described[wording.SCHOOL_DETAILS]]
    provenance = []
    if "definitions_version" in described and "run_id" in described:
        row = con.execute(f"SELECT string_agg(DISTINCT definitions_version, ', '), string_agg(DISTINCT run_id, ', ') "
                          f"FROM {source} WHERE {where}", params).fetchone()
        provenance = [("Версия методики", row[0] or ""), ("Запуск", row[1] or "")]
    return Layout(table, columns, schools, "municipality_code" in described, provenance)


def _data_sql(layout: Layout, source: str, where: str, order: str, by_municipality: bool) -> tuple[str, list]:
    """The data sheet's cells c0, c1, … of every table row, numbered `__rn` (1, 2, … within
    its municipality when `by_municipality`, else over the table) in the table's order."""
    exprs = [f"{c.expr} AS {_q('c' + str(i))}" for i, c in enumerate(layout.columns)]
    params = [p for c in layout.columns for p in c.params]
    mun = "municipality_code" if by_municipality else "NULL::VARCHAR"
    part = "PARTITION BY municipality_code " if by_municipality else ""
    return (f"SELECT {mun} AS __mun, row_number() OVER ({part}ORDER BY {order}) AS __rn, {', '.join(exprs)} "
            f"FROM {source} WHERE {where}"), params


def _schools_sql(con, layout: Layout, source: str, where: str, order: str,
                 by_municipality: bool) -> tuple[str, list]:
    """One row per table row × school named in any of its school lists (or its details),
    numbered `__rn` like `_data_sql`'s rows."""
    described = dict(_columns(con, source))
    lists = [n for n in wording.SCHOOL_LISTS if n in described]
    details = wording.SCHOOL_DETAILS in described
    detail_fields = [c.name for c in layout.schools if c.name in wording.DETAIL_TITLES]
    members = []
    for n in lists:
        flags = ", ".join(f"{'true' if m == n else 'false'} AS __{m}" for m in lists)
        nulls = "".join(f", NULL::DOUBLE AS __{f}" for f in detail_fields)
        members.append(f"SELECT __row, unnest({_q(n)}) AS __school, {flags}{nulls} FROM t")
    if details:
        flags = ", ".join(f"false AS __{m}" for m in lists)
        fields = "".join(f", d.{f} AS __{f}" for f in detail_fields)
        members.append(f"SELECT __row, d.school_code AS __school, {flags}{fields} "
                       f"FROM (SELECT __row, unnest({_q(wording.SCHOOL_DETAILS)}) AS d FROM t)")
    agg = ", ".join([f"bool_or(__{m}) AS __{m}" for m in lists] + [f"max(__{f}) AS __{f}" for f in detail_fields])
    names = ("LEFT JOIN (SELECT school_code AS __school, any_value(short_name) AS __name FROM stg_schools "
             "GROUP BY 1) s USING (__school)") if _has_table(con, "stg_schools") else ""
    name_col = "" if names else ", NULL AS __name"
    exprs = [f"{c.expr} AS {_q('c' + str(i))}" for i, c in enumerate(layout.schools)]
    params = [p for c in layout.schools for p in c.params]
    mun = "t.municipality_code" if by_municipality else "NULL::VARCHAR"
    part = "PARTITION BY t.municipality_code " if by_municipality else ""
    sql = (f"WITH t AS (SELECT *, row_number() OVER (ORDER BY {order}) AS __row FROM {source} WHERE {where}), "
           f"m AS ({' UNION ALL '.join(members)}), "
           f"g AS (SELECT __row, __school, {agg} FROM m WHERE __school IS NOT NULL GROUP BY ALL) "
           f"SELECT {mun} AS __mun, row_number() OVER ({part}ORDER BY __row, __school) AS __rn, {', '.join(exprs)} "
           f"FROM (SELECT * FROM g{name_col}) g JOIN t USING (__row) {names}")
    return sql, params


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])


# ---------------------------------------------------------------------------------------
# The sheet XML, made in SQL. Each row of a sheet becomes its `<row>` element in DuckDB:
# every cell's XML is an expression over the cell's value (text escaped, numbers as
# `<v>`, dates as Excel serial numbers, the style id of its number format), the cells of a
# row joined with `concat` (an empty cell is NULL and leaves no element). A sheet's rows are
# numbered once into a temporary table in sheet order (by municipality, then row); their
# `<row>` elements are streamed from it as Arrow strings, CHUNK_ROWS at a time, and Python
# copies the string buffer of each run of one municipality's rows into the zip member as it
# is (no Python per row, no `string_agg`: DuckDB holds no sheet's XML).

CHUNK_ROWS = 20_000   # rows of XML fetched from DuckDB at a time (one Arrow record batch)
# (the former writer joined a sheet's rows 100,000 a query with `string_agg`, since a
# country's procedure_results in one query ran out of the warehouse's 2 GB; streamed rows
# need no batches)
EXCEL_EPOCH = "DATE '1899-12-30'"  # Excel's day 0 (dates after 1900-02-28; 1 = 1900-01-01)
# cellXfs of xl/styles.xml (the `s` of a cell)
STYLE_TITLE, STYLE_HEAD, STYLE_WRAP = 1, 2, 6
KIND_STYLES = {"share": 3, "count": 4, "date": 5}
MAX_CELL_CHARS = 32_767  # Excel's limit on a cell's text (xlsxwriter truncated there too)
FLOATS = ("DOUBLE", "FLOAT", "REAL")
# the control characters XML 1.0 cannot hold, written as Excel does: "\x01" → "_x0001_",
# and a literal "_x0001_" → "_x005F_x0001_"
_CONTROL = [i for i in range(0x20) if i not in (0x09, 0x0A)]
_CONTROL_CHAR = r"'[\x00-\x08\x0B-\x1F\x{FFFE}\x{FFFF}]'"
_NEEDS_EXCEL_ESCAPE = r"'[\x00-\x08\x0B-\x1F\x{FFFE}\x{FFFF}]|_x[0-9A-Fa-f]{4}_'"


def _xml_plain_sql(x: str) -> str:
    """`&<>` escaped; `contains` first, three times cheaper than `replace` on a text
    without them (most texts)."""
    return (f"CASE WHEN contains({x}, '&') OR contains({x}, '<') OR contains({x}, '>') THEN "
            f"replace(replace(replace({x}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') ELSE {x} END")


def _xml_text_sql(x: str) -> str:
    """SQL of the text `x` escaped for an XML text node as xlsxwriter escapes it: `&<>`
    always; the rare text with a control character or a literal `_xHHHH_` (or longer than
    a cell holds) character by character. Kept short: the expression is repeated for every
    text column, and DuckDB's planning time grows with it."""
    plain = _xml_plain_sql(x)
    chars = (f"string_split(regexp_replace(left({x}, {MAX_CELL_CHARS}), '_(x[0-9A-Fa-f]{{4}}_)', '_x005F_\\1', 'g'), '')")
    rare = (f"array_to_string(list_transform({chars}, lambda ch: CASE WHEN regexp_matches(ch, {_CONTROL_CHAR}) "
            f"THEN '_x' || lpad(hex(ord(ch)), 4, '0') || '_' ELSE ch END), '')")
    rare = f"replace(replace(replace({rare}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    return (f"CASE WHEN strlen({x}) > {MAX_CELL_CHARS} OR regexp_matches({x}, {_NEEDS_EXCEL_ESCAPE}) "
            f"THEN {rare} ELSE {plain} END")


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


TEXT_KINDS = ("text", "bool", "ay")


def _present_sql(i: int, kind: str, typ: str) -> str:
    """SQL: does column i's cell get an element (the condition `_cell_sql` writes it under)?"""
    x = _q(f"c{i}")
    if kind in ("share", "count", "number"):
        return f"coalesce(isfinite({x}), false)" if typ in FLOATS else f"{x} IS NOT NULL"
    if kind == "date":
        return f"{x} IS NOT NULL"
    text = x if typ == "VARCHAR" else f"CAST({x} AS VARCHAR)"
    return f"coalesce({text} <> '', false)"


def _cell_sql(i: int, kind: str, typ: str, rare: bool, ref: bool = True) -> str:
    """SQL of the `<c>` element of column i (value `c<i>`, row number `__r` as text), NULL
    if empty; `rare`: the column holds a text that needs Excel's `_xHHHH_` escapes; `ref`:
    the element names its cell (`r="B5"`). Without it a reader puts the cell in the column
    after the row's previous cell (ECMA-376 makes `r` optional), so it is left out only
    where the cell to the left is written in every row of the sheet (`_sheet_facts_sql`):
    the numbers of every cell's reference are what deflate compresses worst (a year of a
    country's `procedure_results`: the sheet XML 14 % shorter, deflated 2.4 times smaller,
    deflate ≈ 35 % faster). One `concat` per cell (DuckDB's `||` chain copies the string at
    every step)."""
    x = _q(f"c{i}")
    ref = f"'<c r=\"{_col_letter(i)}', __r, '\"" if ref else "'<c"
    style = f' s="{KIND_STYLES[kind]}"' if kind in KIND_STYLES else ""
    if kind in ("share", "count", "number"):
        cell = f"concat({ref}{style}><v>', CAST({x} AS VARCHAR), '</v></c>')"
        return f"CASE WHEN {'isfinite' if typ in FLOATS else ''}({x}){'' if typ in FLOATS else ' IS NOT NULL'} THEN {cell} END"
    if kind == "date":
        if typ == "DATE":
            serial = f"CAST(datediff('day', {EXCEL_EPOCH}, {x}) AS VARCHAR)"
        else:
            serial = f"CAST(epoch(CAST({x} AS TIMESTAMP)) / 86400.0 + 25569 AS VARCHAR)"
        return f"CASE WHEN {x} IS NOT NULL THEN concat({ref}{style}><v>', {serial}, '</v></c>') END"
    text = x if typ == "VARCHAR" else f"CAST({x} AS VARCHAR)"
    escaped = _xml_text_sql(text) if rare else _xml_plain_sql(text)
    return (f"CASE WHEN {text} <> '' THEN concat({ref} t=\"inlineStr\"><is><t xml:space=\"preserve\">', "
            f"{escaped}, '</t></is></c>') END")


def _sheet_facts_sql(table: str, columns: list[Column]) -> str:
    """One scan of a sheet's rows (`table`: its cells c0, c1, …): (rare, present_0, …).
    `rare`: does any text cell hold a control character, a literal `_xHHHH_` or more than a
    cell holds? Then the sheet's text cells take the longer escape path (`_xml_text_sql`;
    for any other text it gives the same XML); one regular expression a row, over its texts
    joined (a match across two of them only costs the longer path); false for a sheet
    without free text (words and numbers only). `present_i`: is column i's cell written in
    every row (then the cell to its right needs no reference, `_cell_sql`)?"""
    texts = [f"CAST({_q(f'c{i}')} AS VARCHAR)" for i, c in enumerate(columns) if c.kind == "text"]
    row = f"concat({', '.join(texts)})"
    rare = (f"coalesce(bool_or(strlen({row}) > {MAX_CELL_CHARS} OR regexp_matches({row}, "
            f"{_NEEDS_EXCEL_ESCAPE})), false)") if texts else "false"
    present = [f"coalesce(bool_and({_present_sql(i, c.kind, c.typ)}), false)" for i, c in enumerate(columns)]
    return f"SELECT {', '.join([rare] + present)} FROM {table}"


def _rows_xml_sql(table: str, columns: list[Column], rare: bool, present: list[bool] | None = None) -> str:
    """(municipality, row within it, the row's `<row>` element) of every row of `table` (a
    sheet's rows in sheet order: a scan of one table keeps its insertion order). `present`:
    the columns written in every row (`_sheet_facts_sql`); the cell right of one has no
    reference. The first cell of a row always has one."""
    present = present or [False] * len(columns)
    cells = ", ".join(_cell_sql(i, c.kind, c.typ, rare, ref=i == 0 or not present[i - 1])
                      for i, c in enumerate(columns)) or "''"
    return (f"SELECT __mun, __rn, concat('<row r=\"', __r, '\">', {cells}, '</row>') AS __xml "
            f"FROM (SELECT *, CAST((__rn - 1) % {int(XLSX_MAX_ROWS)} + 3 AS VARCHAR) AS __r FROM {table})")


def _widths_sql(table: str, columns: list[Column]) -> str:
    """Each municipality's measured widths: the length of what the former writer showed
    (`_shown`: a float with one decimal, anything else as text) on its first WIDTH_SAMPLE
    rows."""
    widths = []
    for i, c in enumerate(columns):
        x = _q(f"c{i}")
        shown = f"printf('%.1f', {x})" if c.typ in FLOATS else f"CAST({x} AS VARCHAR)"
        widths.append(f"coalesce(max(length({shown})), 0)")
    return f"SELECT __mun, [{', '.join(widths)}] FROM {table} WHERE __rn <= {WIDTH_SAMPLE} GROUP BY __mun"


def _runs(batch, widths: dict):
    """A record batch of `_rows_xml_sql` cut where a municipality or a sheet part begins:
    (municipality, part, rows, widths, the rows' XML as one buffer) — a slice of the Arrow
    string column's data, not a copy per row."""
    import numpy as np
    import pyarrow as pa

    xml = batch.column(2)
    if not (pa.types.is_string(xml.type) or pa.types.is_large_string(xml.type)):
        xml = xml.cast(pa.large_string())
    wide = pa.types.is_large_string(xml.type)
    offsets = np.frombuffer(xml.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(xml) + 1,
                            offset=xml.offset * (8 if wide else 4))
    data = memoryview(xml.buffers()[2]) if xml.buffers()[2] is not None else memoryview(b"")
    rn = batch.column(1).to_numpy()
    starts = np.flatnonzero((rn - 1) % XLSX_MAX_ROWS == 0).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    muns = batch.column(0)
    for i, j in zip(starts, starts[1:] + [len(xml)]):
        mun = muns[i].as_py()
        yield (mun, int(rn[i] - 1) // XLSX_MAX_ROWS, j - i, widths.get(mun),
               data[int(offsets[i]):int(offsets[j])])


def _widths(columns: list[Column], measured) -> list[int]:
    """Column widths in characters: the title (up to 24) or the longest value of the first
    WIDTH_SAMPLE rows, 6 to 58, plus 2; a sheet without rows: the title, at least 10."""
    if measured is None:
        return [max(min(len(c.title), 24), 10) + 2 for c in columns]
    return [min(max(min(len(c.title), 24), m, 6) + 2, 60) for c, m in zip(columns, measured)]


# ---------------------------------------------------------------------------------------
# The package: the parts of a SpreadsheetML workbook written by hand (like reports/docx.py).

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # zip entries' time: the same table gives the same bytes
ZIP_LEVEL = 1  # deflate level: 1 costs a third of the default 6 here, files ≈ 25 % larger

STYLES_XML = _HEAD + (
    f'<styleSheet xmlns="{_MAIN}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{wording.SHARE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{wording.DATE_FORMAT}"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="12"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
    '</fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEEEEE"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>'
    '</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    '</styleSheet>')

ROOT_RELS_XML = _HEAD + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>')

APP_XML = _HEAD + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
    '<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>'
    '<AppVersion>12.0000</AppVersion></Properties>')


def _x(text: str) -> str:
    """Text for an XML text node or attribute (Python side: titles, sheet names, notes)."""
    text = xlsx_text(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_EXCEL_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def xlsx_text(text: str) -> str:
    """`text` as Excel keeps it in a cell: control characters as `_xHHHH_` (the Python twin
    of `_xml_text_sql`, for the few cells written from Python: titles, notes)."""
    text = str(text)[:MAX_CELL_CHARS]
    if not _EXCEL_ESCAPE.search(text):
        return text
    text = re.sub(r"(_x[0-9A-Fa-f]{4}_)", r"_x005F\1", text)
    return re.sub("[\x00-\x08\x0b-\x1f\ufffe\uffff]", lambda m: f"_x{ord(m.group()):04X}_", text)


def _inline(ref: str, text: str, style: int | None = None) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_x(text)}</t></is></c>' if text != "" else ""


def _col_width(width: float) -> str:
    """A width in characters as xlsxwriter's `set_column` writes it (pixels of Calibri 11)."""
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return f"{(pixels * 256 // 7) / 256.0:.16g}"


def _cols(widths) -> str:
    return _cols_cached(tuple(widths))


@functools.lru_cache(maxsize=4096)
def _cols_cached(widths: tuple) -> str:
    if not widths:
        return ""
    return "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{_col_width(w)}" customWidth="1"/>'
                              for i, w in enumerate(widths, 1)) + "</cols>"


_DOS_TIME = FIXED_DATE[3] << 11 | FIXED_DATE[4] << 5 | FIXED_DATE[5] // 2
_DOS_DATE = (FIXED_DATE[0] - 1980) << 9 | FIXED_DATE[1] << 5 | FIXED_DATE[2]
_EXTERNAL_ATTR = 0o644 << 16
_ZIP_LIMIT = (1 << 31) - 1  # zipfile's ZIP64_LIMIT


def _deflated(data: bytes) -> tuple[int, bytes, int]:
    """(crc32, raw deflate at ZIP_LEVEL, size) of one part, as zipfile compresses it."""
    c = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return zlib.crc32(data), c.compress(data) + c.flush(), len(data)


class _Zip:
    """A zip archive in memory, byte for byte what `zipfile.ZipFile(…, ZIP_DEFLATED,
    compresslevel=ZIP_LEVEL)` writes for members opened with `FIXED_DATE` and mode 0644
    (no Zip64: a large workbook keeps zipfile), without zipfile's per-member objects,
    seeks and header rewrites: a municipality's workbook has nine members, and the country
    writes ≈ 23,000 workbooks. A part that is the same in every workbook is deflated once
    (`_deflated`, cached by the caller)."""

    def __init__(self):
        self.out: list[bytes] = []
        self.offset = 0
        self.central: list[bytes] = []

    def add(self, name: str, entry: tuple[int, bytes, int]) -> None:
        crc, data, size = entry
        if size > _ZIP_LIMIT or len(data) > _ZIP_LIMIT:
            raise RuntimeError("File size too large, try using force_zip64")
        fn = name.encode("ascii")
        header = struct.pack("<4s2B4HL2L2H", b"PK\003\004", 20, 0, 0, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
                             crc, len(data), size, len(fn), 0)
        self.central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\001\002", 20, 3, 20, 0, 0, zipfile.ZIP_DEFLATED,
                                        _DOS_TIME, _DOS_DATE, crc, len(data), size, len(fn), 0, 0, 0, 0,
                                        _EXTERNAL_ATTR, self.offset) + fn)
        self.out += (header, fn, data)
        self.offset += len(header) + len(fn) + len(data)

    def open(self, name: str) -> "_ZipMember":
        return _ZipMember(self, name)

    def close(self) -> bytes:
        central = b"".join(self.central)
        if self.offset > _ZIP_LIMIT:
            raise RuntimeError("archive too large without Zip64")
        end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(self.central), len(self.central), len(central),
                          self.offset, 0)
        return b"".join(self.out) + central + end


class _ZipMember:
    """A member streamed into a `_Zip`: written in pieces, deflated as it comes."""

    def __init__(self, zip_: _Zip, name: str):
        self.zip, self.name = zip_, name
        self.deflate = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
        self.parts: list[bytes] = []
        self.crc = self.size = 0

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.parts.append(self.deflate.compress(data))

    def close(self) -> None:
        self.parts.append(self.deflate.flush())
        self.zip.add(self.name, (self.crc, b"".join(self.parts), self.size))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()


class _Background:
    """A member's writes done by a thread of their own, in order: crc32 and deflate release
    the GIL, so the caller makes (and DuckDB streams) the next rows while the previous ones
    are deflated on the other core. At most DEFLATE_QUEUE pieces wait (memory stays
    bounded); the member's bytes are what writing it directly gives."""

    def __init__(self, member):
        self.member = member
        self.queue: queue.Queue = queue.Queue(DEFLATE_QUEUE)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.member.write(data)
                except BaseException as e:  # handed to the caller at its next write or close
                    self.error = e

    def write(self, data) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join()

    def close(self) -> None:
        self.stop()
        if self.error is not None:
            raise self.error
        self.member.close()


DEFLATE_QUEUE = 4  # pieces (runs of rows, ≤ CHUNK_ROWS rows each) waiting for a member's deflate thread


@functools.lru_cache(maxsize=None)
def _fixed_part(text: str) -> tuple[int, bytes, int]:
    """A part the same in many workbooks (styles, rels, content types, properties),
    deflated once."""
    return _deflated(text.encode())


@functools.lru_cache(maxsize=256)
def _header_cells(titles: tuple[str, ...]) -> str:
    """The header row's cells (the same in every municipality's workbook of a table)."""
    return "".join(_inline(f"{_col_letter(i)}2", t, STYLE_HEAD) for i, t in enumerate(titles))


class _Workbook:
    """One XLSX package being written: sheets in order, each streamed into its zip member."""

    def __init__(self, title: str, large: bool = False, background: bool = False):
        self.title = title
        self.large = large
        self.background = background  # the sheets' rows deflated by a thread of their own
        if large:  # Zip64 entries: zipfile writes them
            self.buffer = io.BytesIO()
            self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
        else:
            self.zip = _Zip()
        self.sheets: list[str] = []
        self.filters: list[str | None] = []

    def _member(self, name: str):
        if not self.large:
            return self.zip.open(name)
        zi = zipfile.ZipInfo(name, date_time=FIXED_DATE)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi._compresslevel = ZIP_LEVEL  # (compress_level since Python 3.13, which keeps this alias)
        zi.external_attr = _EXTERNAL_ATTR
        return self.zip.open(zi, "w", force_zip64=True)

    def _begin(self, name: str, frozen: bool, widths: list[float], background: bool = False):
        self.sheets.append(name[:31])
        f = self._member(f"xl/worksheets/sheet{len(self.sheets)}.xml")
        if background:
            f = _Background(f)
        selected = ' tabSelected="1"' if len(self.sheets) == 1 else ""
        pane = ('<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/>') if frozen else ""
        f.write((f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
                 f'<sheetViews><sheetView{selected} workbookViewId="0">{pane}</sheetView></sheetViews>'
                 f'<sheetFormatPr defaultRowHeight="15"/>{_cols(widths)}<sheetData>').encode())
        return f

    def sheet(self, name: str, title: str, columns: list[Column], chunks) -> int:
        """A title row, a frozen header with a filter, then the rows of `chunks` ((part,
        rows, widths, XML) in order; the first chunk's widths), continuing on «<name> (2)», …
        for parts 1, 2, …; the row count."""
        header = _header_cells(tuple(c.title for c in columns))
        last = _col_letter(max(len(columns) - 1, 0))
        total, part, rows, f = 0, -1, 0, None
        widths = None

        def begin(p):
            out = self._begin(name if p == 0 else f"{name} ({p + 1})", True, _widths(columns, widths),
                              self.background)
            out.write((f'<row r="1">{_inline("A1", title, STYLE_TITLE)}</row>'
                       f'<row r="2" ht="45" customHeight="1">{header}</row>').encode())
            return out

        def end(out, n):
            ref = f"A2:{last}{max(n + 2, 2)}"
            self.filters.append(ref)
            out.write(f'</sheetData><autoFilter ref="{ref}"/>'
                      '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                      '</worksheet>'.encode())
            out.close()

        try:
            for p, n, measured, xml in chunks:
                if widths is None:
                    widths = measured
                if p != part:
                    if f is not None:
                        g, f = f, None
                        end(g, rows)
                    f, part, rows = begin(p), p, 0
                f.write(xml)
                rows += n
                total += n
            if f is None:
                f = begin(0)
            g, f = f, None
            end(g, rows)
        except BaseException:
            if isinstance(f, _Background):
                f.stop()  # its thread ends; the workbook is dropped
            raise
        return total

    def notes(self, title: str, facts: list[tuple[str, str]], columns: list[Column]):
        f = self._begin(wording.SHEET_NOTES, False, [45, 80])
        self.filters.append(None)
        rows = [f'<row r="1">{_inline("A1", title, STYLE_TITLE)}</row>']
        r = 3
        for k, v in facts:
            rows.append(f'<row r="{r}">{_inline(f"A{r}", k, STYLE_HEAD)}{_inline(f"B{r}", str(v), STYLE_WRAP)}</row>')
            r += 1
        notes = tuple((c.title, wording.KIND_NOTES["list"] if c.name in wording.SCHOOL_LISTS
                       else wording.KIND_NOTES[c.kind]) for c in columns)
        rows.append(_column_notes(notes, r + 1))
        f.write(("".join(rows) + '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                 'header="0.3" footer="0.3"/></worksheet>').encode())
        f.close()

    def close(self) -> bytes:
        n = len(self.sheets)
        sheets = "".join(f'<sheet name="{_x(s)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(self.sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_x(chr(39) + s.replace(chr(39), chr(39) * 2) + chr(39))}!{_absolute(ref)}</definedName>"
            for i, (s, ref) in enumerate(zip(self.sheets, self.filters)) if ref)
        parts = {
            "xl/workbook.xml": _HEAD + (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><workbookPr defaultThemeVersion="124226"/>'
                '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>'
                f'</bookViews><sheets>{sheets}</sheets>'
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'),
            "xl/_rels/workbook.xml.rels": _workbook_rels(n),
            "xl/styles.xml": STYLES_XML,
            "docProps/core.xml": _HEAD + (
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:title>{_x(self.title)}</dc:title><dc:creator></dc:creator>'
                '<dcterms:created xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:created>'
                '<dcterms:modified xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:modified>'
                '</cp:coreProperties>'),
            "docProps/app.xml": APP_XML,
            "_rels/.rels": ROOT_RELS_XML,
            "[Content_Types].xml": _content_types(n),
        }
        if not self.large:
            for name, text in parts.items():
                self.zip.add(name, _fixed_part(text) if name in _FIXED_PARTS else _deflated(text.encode()))
            return self.zip.close()
        for name, text in parts.items():
            with self._member(name) as f:
                f.write(text.encode())
        self.zip.close()
        return self.buffer.getvalue()


# the parts that depend on nothing but the number of sheets
_FIXED_PARTS = frozenset(("xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/app.xml", "_rels/.rels",
                          "[Content_Types].xml"))


@functools.lru_cache(maxsize=None)
def _workbook_rels(n: int) -> str:
    return _HEAD + (
        f'<Relationships xmlns="{_PKG_REL}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, n + 1))
        + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


@functools.lru_cache(maxsize=None)
def _content_types(n: int) -> str:
    return _HEAD + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for i in range(1, n + 1))
        + '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '</Types>')


@functools.lru_cache(maxsize=64)
def _column_notes(notes: tuple[tuple[str, str], ...], first: int) -> str:
    """The «Пояснения» rows «Столбец / Что содержит» from row `first` (the same for every
    municipality's workbook of a table: made once)."""
    rows = [f'<row r="{first}">{_inline(f"A{first}", "Столбец", STYLE_HEAD)}'
            f'{_inline(f"B{first}", "Что содержит", STYLE_HEAD)}</row>']
    for r, (title, note) in enumerate(notes, first + 1):
        rows.append(f'<row r="{r}">{_inline(f"A{r}", title, STYLE_WRAP)}{_inline(f"B{r}", note, STYLE_WRAP)}</row>')
    return "".join(rows)


def _absolute(ref: str) -> str:
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


def _write_table(layout: Layout, ay: int | None, municipality: str | None, data_chunks, school_chunks,
                 rows: int, background: bool = False) -> bytes:
    """One workbook: «Данные» (and its continuations), «Школы» where the table has lists of
    schools, «Пояснения». The chunks are (part, rows, widths, XML) of `_Sheet.chunks`;
    `background`: each sheet deflated by a thread of its own while the next rows stream."""
    title = wording.title_row(layout.table, ay, municipality)
    book = _Workbook(title, large=rows > CONSTANT_MEMORY_ROWS * 10, background=background)
    n = book.sheet(wording.SHEET_DATA, title, layout.columns, data_chunks)
    n_schools = None
    if layout.schools:
        n_schools = book.sheet(wording.SHEET_SCHOOLS, f"{title}: школы по показателям", layout.schools,
                               school_chunks)
    facts = [("Таблица", wording.TABLE_TITLES.get(layout.table, layout.table))]
    if ay is not None:
        facts.append(("Учебный год", wording.ay_title(ay)))
    if municipality:
        facts.append(("Муниципалитет", municipality))
    facts.append(("Строк на листе «Данные»", str(n)))
    if n_schools is not None:
        facts.append(("Строк на листе «Школы»", str(n_schools)))
    facts += layout.provenance
    facts.append(("Таблица для программ", "файл Parquet той же таблицы: точные значения, имена столбцов по контракту"))
    book.notes(title, facts, layout.noted)
    return book.close()


class _Sheet:
    """The query of one sheet (data or schools) over `rows_sql` (`__mun`, `__rn`, c0 …)."""

    def __init__(self, con, rows_sql: str, params: list, columns: list[Column], rows: int):
        self.rows_sql, self.params, self.columns = rows_sql, params, columns

    def chunks(self, cursor):
        """(municipality, part, rows, widths, XML) in sheet order: the sheet's cells numbered
        into a temporary table sorted by municipality and row (one sort of the plain values,
        not of their XML), the widths measured on it, then its rows' XML streamed."""
        table = f"__xlsx_rows_{id(self)}"
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM ({self.rows_sql}) "
                       f"ORDER BY __mun, __rn", self.params)
        reader = None
        try:
            widths = dict(cursor.execute(_widths_sql(table, self.columns)).fetchall())
            rare, *present = cursor.execute(_sheet_facts_sql(table, self.columns)).fetchall()[0]
            reader = cursor.sql(_rows_xml_sql(table, self.columns, bool(rare), [bool(p) for p in present])
                                ).to_arrow_reader(CHUNK_ROWS)
            for batch in reader:
                yield from _runs(batch, widths)
        finally:
            if reader is not None:
                reader.close()  # (a caller that stops early leaves the result open)
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


class _Sheets:
    """The sheets of one table (data and, if any, schools) over `source`, either for the
    whole table or for each municipality (`by_municipality`)."""

    def __init__(self, con, layout: Layout, source: str, where: str, params: list, order: str,
                 by_municipality: bool, rows: int):
        rows_sql, p = _data_sql(layout, source, where, order, by_municipality)
        self.data = _Sheet(con, rows_sql, p + params, layout.columns, rows)
        self.schools = None
        if layout.schools:
            s_sql, s_p = _schools_sql(con, layout, source, where, order, by_municipality)
            self.schools = _Sheet(con, s_sql, params + s_p, layout.schools, rows)

    def school_chunks(self, cursor):
        if self.schools:
            yield from self.schools.chunks(cursor)


class _Stopped(Exception):
    """The caller of `iter_table_xlsx` stopped: its whole table's thread ends early."""


def _until(chunks, stop: threading.Event | None):
    for c in chunks:
        if stop is not None and stop.is_set():
            raise _Stopped
        yield c[1:]


def _whole_table(con, source: str, table: str, where: str, params: list, order: str, ay: int | None,
                 threads: int = 1, layout: Layout | None = None, stop: threading.Event | None = None) -> bytes:
    layout = layout or _layout(con, source, table, where, params)
    rows = con.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
    sheets = _Sheets(con, layout, source, where, params, order, False, rows)
    cur, school_cur = con.cursor(), con.cursor()
    data_chunks, school_chunks = sheets.data.chunks(cur), sheets.school_chunks(school_cur)
    try:
        data = _until(data_chunks, stop)
        schools = _until(school_chunks, stop)
        return _write_table(layout, ay, None, data, schools, rows, background=threads > 1)
    finally:
        data_chunks.close()  # (their temporary tables dropped before the cursors close)
        school_chunks.close()
        cur.close()
        school_cur.close()


def xlsx_bytes(source, sheet: str | None = None, titles: dict[str, str] | None = None,
               threads: int | None = None) -> bytes:
    """The analyst's workbook of one table: `source` is a `table_query(con, mart, ay)` (the
    export streams it from the warehouse) or, for small tables in tests and notebooks, a
    pandas DataFrame named by `sheet` (its published table name). `titles` is ignored (kept
    for old callers: the titles are `reports/tables.py::COLUMN_TITLES`). `threads`: see
    `export_threads` (more than one: a sheet's rows are deflated while the next stream)."""
    if isinstance(source, TableQuery):
        _, order = OUTPUT_TABLES[source.mart]
        return _whole_table(source.con, source.mart, source.name, "ay = ?", [source.ay], order, source.ay,
                            export_threads(threads))
    import duckdb

    con = duckdb.connect()
    try:
        con.register("__frame", source)
        con.execute("CREATE TABLE __table AS SELECT * FROM __frame")
        ays = con.execute("SELECT DISTINCT ay FROM __table").fetchall() if "ay" in source.columns else []
        ay = ays[0][0] if len(ays) == 1 else None
        return _whole_table(con, "__table", sheet or "", "true", [], "rowid", ay)
    finally:
        con.close()


def municipality_xlsx(con, mart: str, ay: int, threads: int | None = None) -> dict[str, bytes]:
    """Each municipality's own workbook of the table, {municipality_code: bytes} (see
    `iter_municipality_xlsx`, which hands them on one at a time)."""
    return dict(iter_municipality_xlsx(con, mart, ay, threads))


def iter_table_xlsx(con, mart: str, ay: int, threads: int | None = None):
    """The table's whole workbook and (region, country) each municipality's own:
    (None, the whole table's bytes) and (municipality_code, bytes), byte for byte
    `xlsx_bytes` and `iter_municipality_xlsx`. With more than one of `threads` the whole
    workbook is written by a thread of its own (its own DuckDB cursor) side by side with
    the municipalities' workbooks, and comes when it is done (usually last); with one it
    comes first, as before. The two share the table's layout (made once)."""
    threads = export_threads(threads)
    name, order = OUTPUT_TABLES[mart]
    if threads == 1:
        yield None, xlsx_bytes(table_query(con, mart, ay), threads=1)
        yield from iter_municipality_xlsx(con, mart, ay, threads=1)
        return
    layout = _layout(con, mart, name, "ay = ?", [ay])
    stop = threading.Event()
    side = con.cursor()
    runner = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="xlsx-whole")
    whole = runner.submit(_whole_table, side, mart, name, "ay = ?", [ay], order, ay, threads, layout, stop)
    units = iter_municipality_xlsx(con, mart, ay, threads, layout)
    try:
        for unit in units:
            if whole is not None and whole.done():
                yield None, whole.result()
                whole = None
            yield unit
        if whole is not None:
            yield None, whole.result()
            whole = None
    finally:
        stop.set()
        units.close()
        runner.shutdown(wait=True)
        side.close()


POOL_BATCH = 16  # municipalities' workbooks a pool thread makes in one go (fewer handoffs; or CHUNK_ROWS rows)


def _write_tables(batch: list) -> list[tuple[str, bytes]]:
    return [(mun, _write_table(*args)) for mun, args in batch]


def iter_municipality_xlsx(con, mart: str, ay: int, threads: int | None = None, layout: Layout | None = None):
    """Each municipality's own workbook of the table, (municipality_code, bytes) one at a
    time, when the table spans more than one municipality (a region or the country);
    nothing otherwise (the whole table is then the municipality's). One query over the
    table sorted by municipality gives every municipality's sheet XML (and one its
    schools'), not one query per municipality. With more than one of `threads`
    (`export_threads`) the workbooks are packed and deflated by that many threads while
    the calling thread streams the next municipalities' rows, POOL_BATCH workbooks (or
    CHUNK_ROWS rows) a task; they come in the same order, with the same bytes, at most
    2 × threads + 1 tasks in the making."""
    name, order = OUTPUT_TABLES[mart]
    described = dict(_columns(con, mart))
    if "municipality_code" not in described:
        return
    sizes = dict(con.execute(f"SELECT municipality_code, count(*) FROM {mart} WHERE ay = ? GROUP BY 1",
                             [ay]).fetchall())
    if len(sizes) <= 1:
        return
    where, params = "ay = ?", [ay]
    names = dict(con.execute(
        f"SELECT municipality_code, any_value(municipality_name) FROM {mart} WHERE ay = ? GROUP BY 1", [ay]).fetchall()
        if "municipality_name" in described else
        con.execute("SELECT municipality_code, any_value(municipality_name) FROM stg_schools GROUP BY 1").fetchall()
        if _has_table(con, "stg_schools") else [])
    layout = layout or _layout(con, mart, name, where, params)
    sheets = _Sheets(con, layout, mart, where, params, order, True, sum(sizes.values()))
    threads = export_threads(threads)
    data_cur, school_cur = con.cursor(), con.cursor()
    pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="xlsx") if threads > 1 else None
    made: collections.deque = collections.deque()  # futures of batches, in order
    batch: list = []
    batch_rows = 0
    data = sheets.data.chunks(data_cur)
    schools = sheets.school_chunks(school_cur)
    try:
        pending = next(schools, None)
        for mun, chunks in itertools.groupby(data, key=lambda r: r[0]):
            own = []
            while pending is not None and pending[0] <= mun:
                if pending[0] == mun:
                    own.append(pending[1:])
                pending = next(schools, None)
            args = (layout, ay, names.get(mun) or mun, [c[1:] for c in chunks], own, sizes[mun])
            if pool is None:
                yield mun, _write_table(*args)
                continue
            batch.append((mun, args))
            batch_rows += sizes[mun]
            if len(batch) < POOL_BATCH and batch_rows < CHUNK_ROWS:
                continue
            made.append(pool.submit(_write_tables, batch))
            batch, batch_rows = [], 0
            while len(made) > 2 * threads or (made and made[0].done()):
                yield from made.popleft().result()
        if batch:
            made.append(pool.submit(_write_tables, batch))
        while made:
            yield from made.popleft().result()
    finally:
        if pool is not None:
            for future in made:
                future.cancel()
            pool.shutdown(wait=True)
        data.close()  # (their temporary tables dropped before the cursors close)
        schools.close()
        data_cur.close()
        school_cur.close()
