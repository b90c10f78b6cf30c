"""The former XLSX writer of `tasks/export.py` (xlsxwriter, rows streamed from DuckDB, one
Python call per cell), kept as the peer of the SQL-made sheet XML: `bench/export_tables.py`
measures both, `bench/xlsx_compare.py` checks that they write the same cells, formats,
widths, sheets. Not used by the product."""

from __future__ import annotations

import io
import itertools
from datetime import datetime

import xlsxwriter

from reports import tables as wording
# What the tables hold and how each column reads is the product's (one layout for both
# writers, so the comparison is of the writers alone); only the writing is the former one.
from tasks import export
from tasks.export import (CONSTANT_MEMORY_ROWS, OUTPUT_TABLES, WIDTH_SAMPLE, XLSX_MAX_ROWS, Layout,  # noqa: F401
                          TableQuery, _columns, _has_table, _layout, parquet_bytes, table_frame, table_query)

FETCH_ROWS = 20_000  # rows fetched from DuckDB at a time


def _ordered(sql: str, by_municipality: bool) -> str:
    """The product's numbered rows (`__mun`, `__rn`, cells) as the former writer read them:
    in sheet order, led by the municipality only for the per-municipality workbooks."""
    lead = "__mun, " if by_municipality else ""
    return f"SELECT {lead}* EXCLUDE (__mun, __rn) FROM ({sql}) ORDER BY __mun, __rn"


def _data_sql(layout: Layout, source: str, where: str, order: str, by_municipality: bool) -> tuple[str, list]:
    sql, params = export._data_sql(layout, source, where, order, by_municipality)
    return _ordered(sql, by_municipality), params


def _schools_sql(con, layout: Layout, source: str, where: str, order: str,
                 by_municipality: bool) -> tuple[str, list]:
    sql, params = export._schools_sql(con, layout, source, where, order, by_municipality)
    return _ordered(sql, by_municipality), params


def _stream(cursor):
    while True:
        batch = cursor.fetchmany(FETCH_ROWS)
        if not batch:
            return
        yield from batch


# ---------------------------------------------------------------------------------------
# Writing a workbook

class _Book:
    """One XLSX workbook in constant-memory mode: sheets written row by row, in order."""

    def __init__(self, title: str, rows: int):
        self.buffer = io.BytesIO()
        mode = {"constant_memory": True} if rows > CONSTANT_MEMORY_ROWS else {"in_memory": True}
        self.wb = xlsxwriter.Workbook(self.buffer, {
            **mode,
            # a school name like "=HYPERLINK(…)" from a registry file stays text
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        # a fixed creation time: the same table gives the same bytes (publication identity)
        self.wb.set_properties({"created": datetime(2020, 1, 1), "title": title})
        self.title = self.wb.add_format({"bold": True, "font_size": 12})
        self.head = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                        "bg_color": "#EEEEEE", "border": 1})
        self.formats = {"share": self.wb.add_format({"num_format": wording.SHARE_FORMAT}),
                        "count": self.wb.add_format({"num_format": wording.COUNT_FORMAT}),
                        "date": self.wb.add_format({"num_format": wording.DATE_FORMAT}),
                        "number": None, "text": None, "bool": None, "ay": None}
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str, title: str, columns: list[Column], rows, skip: int = 0) -> int:
        """Write `rows` (tuples; the first `skip` values are not shown) under a title row and
        a header, continuing on «<name> (2)», … past XLSX_MAX_ROWS. Returns the row count."""
        rows = iter(rows)
        sample = list(itertools.islice(rows, WIDTH_SAMPLE))
        widths = [min(max(min(len(c.title), 24), *(len(_shown(r[i + skip])) for r in sample), 6) + 2, 60)
                  for i, c in enumerate(columns)] if sample else [max(min(len(c.title), 24), 10) + 2 for c in columns]
        rows = itertools.chain(sample, rows)
        total, part = 0, 0
        ws = None
        n = len(columns)
        writers = []
        fmts = [self.formats[c.kind] for c in columns]
        r = 0
        for row in rows:
            if ws is None or r > XLSX_MAX_ROWS + 1:
                if ws is not None:
                    ws.autofilter(1, 0, r - 1, max(n - 1, 0))
                part += 1
                ws = self._start(name if part == 1 else f"{name} ({part})", title, columns, widths)
                writers = [_writer(ws, c.kind) for c in columns]
                r = 2
            for i in range(n):
                v = row[i + skip]
                if v is not None:
                    writers[i](r, i, v, fmts[i])
            r += 1
            total += 1
        if ws is None:
            ws = self._start(name, title, columns, widths)
            r = 2
        ws.autofilter(1, 0, max(r - 1, 1), max(n - 1, 0))
        return total

    def _start(self, name, title, columns, widths):
        ws = self.wb.add_worksheet(name[:31])
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.write_string(0, 0, title, self.title)
        ws.set_row(1, 45)
        for i, c in enumerate(columns):
            ws.write_string(1, i, c.title, self.head)
        ws.freeze_panes(2, 0)
        return ws

    def notes(self, title: str, facts: list[tuple[str, str]], columns: list[Column]):
        ws = self.wb.add_worksheet(wording.SHEET_NOTES)
        ws.set_column(0, 0, 45)
        ws.set_column(1, 1, 80)
        ws.write_string(0, 0, title, self.title)
        r = 2
        for k, v in facts:
            ws.write_string(r, 0, k, self.head)
            ws.write_string(r, 1, str(v), self.wrap)
            r += 1
        r += 1
        ws.write_string(r, 0, "Столбец", self.head)
        ws.write_string(r, 1, "Что содержит", self.head)
        for c in columns:
            r += 1
            ws.write_string(r, 0, c.title, self.wrap)
            note = wording.KIND_NOTES["list"] if c.name in wording.SCHOOL_LISTS else wording.KIND_NOTES[c.kind]
            ws.write_string(r, 1, note, self.wrap)

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


def _shown(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def _writer(ws, kind: str):
    if kind in ("share", "count", "number"):
        return ws.write_number
    if kind == "date":
        return ws.write_datetime
    return ws.write_string


def _write_table(layout: Layout, ay: int | None, municipality: str | None, data_rows, school_rows,
                 rows: int, skip: int = 0) -> bytes:
    title = wording.title_row(layout.table, ay, municipality)
    book = _Book(title, rows)
    n = book.sheet(wording.SHEET_DATA, title, layout.columns, data_rows, skip)
    n_schools = None
    if layout.schools:
        n_schools = book.sheet(wording.SHEET_SCHOOLS, f"{title}: школы по показателям", layout.schools,
                               school_rows() if callable(school_rows) else school_rows, skip)
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
    book.notes(title, facts, layout.columns + [c for c in layout.schools if c not in layout.columns])
    return book.close()


def _whole_table(con, source: str, table: str, where: str, params: list, order: str, ay: int | None) -> bytes:
    layout = _layout(con, source, table, where, params)
    rows = con.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]
    sql, p = _data_sql(layout, source, where, order, False)
    cur = con.cursor()
    try:
        data = _stream(cur.execute(sql, p + params))

        def schools():
            s_sql, s_p = _schools_sql(con, layout, source, where, order, False)
            return _stream(cur.execute(s_sql, params + s_p))  # the WITH's WHERE comes first

        return _write_table(layout, ay, None, data, schools, rows)
    finally:
        cur.close()


def xlsx_bytes(source, sheet: str | None = None, titles: dict[str, str] | None = None) -> bytes:
    """The analyst's workbook of one table: `source` is a `table_query(con, mart, ay)` (the
    export streams it from the warehouse) or, for small tables in tests and notebooks, a
    pandas DataFrame named by `sheet` (its published table name). `titles` is ignored (kept
    for old callers: the titles are `reports/tables.py::COLUMN_TITLES`)."""
    if isinstance(source, TableQuery):
        _, order = OUTPUT_TABLES[source.mart]
        return _whole_table(source.con, source.mart, source.name, "ay = ?", [source.ay], order, source.ay)
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


def municipality_xlsx(con, mart: str, ay: int) -> dict[str, bytes]:
    """Each municipality's own workbook of the table, {municipality_code: bytes} (see
    `iter_municipality_xlsx`, which hands them on one at a time)."""
    return dict(iter_municipality_xlsx(con, mart, ay))


def iter_municipality_xlsx(con, mart: str, ay: int):
    """Each municipality's own workbook of the table, (municipality_code, bytes) one at a
    time, when the table spans more than one municipality (a region or the country);
    nothing otherwise (the whole table is then the municipality's). One ordered pass over
    the table, not one per municipality."""
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
    layout = _layout(con, mart, name, where, params)
    sql, p = _data_sql(layout, mart, where, order, True)
    data_cur, school_cur = con.cursor(), con.cursor()
    try:
        data = _stream(data_cur.execute(sql, p + params))
        schools = iter(())
        if layout.schools:
            s_sql, s_p = _schools_sql(con, layout, mart, where, order, True)
            schools = _stream(school_cur.execute(s_sql, params + s_p))
        pending = next(schools, None)
        for mun, rows in itertools.groupby(data, key=lambda r: r[0]):
            own = []
            while pending is not None and pending[0] <= mun:
                if pending[0] == mun:
                    own.append(pending)
                pending = next(schools, None)
            yield mun, _write_table(layout, ay, names.get(mun) or mun, rows, own, sizes[mun], skip=1)
    finally:
        data_cur.close()
        school_cur.close()
