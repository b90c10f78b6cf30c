"""The former XLSX writer of `tasks/export.py` (xlsxwriter, rows streamed from DuckDB, one
Python call per cell), kept as the peer of the SQL-made sheet XML: `bench/export_tables.py`
measures both, `bench/xlsx_compare.py` checks that they write the same cells, formats,
widths, sheets. Not used by the product."""

from __future__ import annotations

import io
import itertools
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

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
FETCH_ROWS = 20_000  # rows fetched from DuckDB at a time
# Above this many rows a workbook is written in xlsxwriter's constant_memory mode (each
# row flushed to a temporary file as it is written: memory stays flat for a country's
# table); a smaller one is built in memory, which saves the temporary files' cost
# (≈ 0.1 s a workbook here — most of the time of a small municipality's workbook).
CONSTANT_MEMORY_ROWS = 50_000
WIDTH_SAMPLE = 200   # rows a column's width is measured on


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
        return Column(name, title, f"len({q})", kind="count")
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
        return Column(name, title, q, kind="date")
    numeric = typ in ("DOUBLE", "FLOAT", "REAL") or typ.startswith("DECIMAL")
    integer = typ in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                      "UINTEGER", "UBIGINT")
    if numeric or integer:
        if wording.is_share(name):
            return Column(name, title, q, kind="share")
        if name in wording.NOT_COUNTS:
            return Column(name, title, q, kind="number")
        if integer or name in ("numerator", "denominator", "value"):
            return Column(name, title, q, kind="count")
        return Column(name, title, q, kind="number")
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
            schools += [Column(f, t, f"__{f}", kind="share") for f, t in wording.DETAIL_TITLES.items()
                        if f" {f} " in described[wording.SCHOOL_DETAILS]]
    provenance = []
    if "definitions_version" in described and "run_id" in described:
        row = con.execute(f"SELECT string_agg(DISTINCT definitions_version, ', '), string_agg(DISTINCT run_id, ', ') "
                          f"FROM {source} WHERE {where}", params).fetchone()
        provenance = [("Версия методики", row[0] or ""), ("Запуск", row[1] or "")]
    return Layout(table, columns, schools, "municipality_code" in described, provenance)


def _data_sql(layout: Layout, source: str, where: str, order: str, by_municipality: bool) -> tuple[str, list]:
    exprs = [f"{c.expr} AS {_q('c' + str(i))}" for i, c in enumerate(layout.columns)]
    params = [p for c in layout.columns for p in c.params]
    lead = "municipality_code AS __mun, " if by_municipality else ""
    order = f"municipality_code, {order}" if by_municipality else order
    return f"SELECT {lead}{', '.join(exprs)} FROM {source} WHERE {where} ORDER BY {order}", params


def _schools_sql(con, layout: Layout, source: str, where: str, order: str,
                 by_municipality: bool) -> tuple[str, list]:
    """One row per table row × school named in any of its school lists (or its details)."""
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
    lead = "t.municipality_code AS __mun, " if by_municipality else ""
    mun_order = "t.municipality_code, " if by_municipality else ""
    sql = (f"WITH t AS (SELECT *, row_number() OVER (ORDER BY {order}) AS __row FROM {source} WHERE {where}), "
           f"m AS ({' UNION ALL '.join(members)}), "
           f"g AS (SELECT __row, __school, {agg} FROM m WHERE __school IS NOT NULL GROUP BY ALL) "
           f"SELECT {lead}{', '.join(exprs)} FROM (SELECT * FROM g{name_col}) g JOIN t USING (__row) {names} "
           f"ORDER BY {mun_order}__row, __school")
    return sql, params


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])


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
