"""What the operator sees in the Prefect UI after a cycle: a digest read from the marts
the cycle wrote (entries and exits, flagged schools, indicators without data). Reads
school-level and municipality-level marts only: nothing participant-level."""

from __future__ import annotations

from reports import labels
from tasks.warehouse import connect

# per cycle: the flagged-schools table shown as an artifact
_FLAGGED = {
    "september": ("Перечень ШНОР", """
        SELECT municipality_name AS "Муниципалитет", school_code AS "Код ОО", short_name AS "Школа",
               criterion AS "Критерий", coalesce(list_change, '') AS "Изменение"
        FROM mart_shnor WHERE ay = ? AND is_shnor ORDER BY municipality_code, school_code"""),
    "october": ("Рисковые школы", """
        SELECT municipality_name AS "Муниципалитет", school_code AS "Код ОО", short_name AS "Школа",
               array_to_string(risk_sections, ', ') AS "Разделы риска"
        FROM mart_risk_schools WHERE ay = ? AND is_risk ORDER BY municipality_code, school_code"""),
    "january": ("Школы без системы профилактики (I полугодие)", """
        SELECT r.school_code AS "Код ОО", s.short_name AS "Школа", s.municipality_name AS "Муниципалитет"
        FROM raw_prevention r JOIN stg_schools s USING (school_code)
        WHERE r.ay = ? AND r.half = 1 AND NOT r.has_prevention_system ORDER BY r.school_code"""),
    "june": ("Просроченные мероприятия плана", """
        SELECT coalesce(municipality_name, municipality_code, '') AS "Муниципалитет", measure_no AS "№",
               title AS "Мероприятие", coalesce(responsible, '') AS "Ответственные",
               coalesce(due, '') AS "Срок", coalesce(status_text, result, '') AS "Статус в отчёте"
        FROM mart_plan_status WHERE ay = ? AND status = 'overdue'
        ORDER BY municipality_code, measure_order"""),
}

# per cycle: the published table that holds the whole flagged list and what its rows count
# (the artifact of a country's list gives the count per municipality, flows/common.py)
FLAGGED_TABLE = {"september": ("shnor", "Школ в перечне"), "october": ("risk_schools", "Рисковых школ"),
                 "january": ("prevention_half1", "Школ без системы"),
                 "june": ("plan_status", "Просроченных мероприятий")}

# monitoring marts whose 'no_data' rows are listed as warnings
_INDICATOR_MARTS = ("mart_shnor_monitoring", "mart_risk_monitoring", "mart_project_500plus",
                    "mart_prevention_half1", "mart_prevention")


def _rows(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def cycle_digest(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]],
                 settings: dict | None = None) -> dict:
    """`settings`: the run's `[warehouse]` section (else config/edumon.toml's)."""
    con = connect(warehouse, settings)
    try:
        digest: dict = {"flagged_title": None, "flagged": [], "flagged_by_municipality": [],
                        "changes": {}, "no_data": []}
        if cycle in _FLAGGED:
            title, sql = _FLAGGED[cycle]
            digest["flagged_title"] = title
            digest["flagged"] = _rows(con, sql, [ay])
            digest["flagged_by_municipality"] = _rows(con, f"""
                SELECT "Муниципалитет", count(*) AS "{FLAGGED_TABLE[cycle][1]}" FROM ({sql})
                GROUP BY ALL ORDER BY 2 DESC, 1""", [ay])
        if cycle == "september":
            for r in _rows(con, """SELECT list_change, count(*) AS n FROM mart_shnor
                                   WHERE ay = ? AND list_change IS NOT NULL GROUP BY ALL""", [ay]):
                digest["changes"][labels.LIST_CHANGES[r["list_change"]]] = r["n"]
        for mart, mart_ay in marts:
            if mart in _INDICATOR_MARTS:
                digest["no_data"] += _rows(con, f"""
                    SELECT DISTINCT indicator_code, indicator_title, no_data_reason FROM {mart}
                    WHERE ay = ? AND status = 'no_data' ORDER BY indicator_code""", [mart_ay])
        return digest
    finally:
        con.close()


def failure_groups(warehouse: str, run_id: str) -> list[dict]:
    """The failed run's rejects grouped by rule and column, per file and sheet, for the
    failure artifact: one group per (file, sheet, column, rule) with its row count, the
    number of rows of that file in the quarantine, and the first rows. A row with two
    problems counts once in each of its two groups, never twice in one."""
    import re

    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'quarantine'"
                           ).fetchone()[0]:
            return []
        rows = con.execute("""SELECT source, file, coalesce(sheet, '') AS sheet, row, reasons FROM quarantine
                              WHERE run_id = ? ORDER BY file, sheet, row NULLS FIRST""", [run_id]).fetchall()
    finally:
        con.close()
    per_file: dict[tuple, set] = {}
    groups: dict[tuple, dict] = {}
    for source, file, sheet, row, reasons in rows:
        per_file.setdefault((file, sheet), set()).add(row)
        for text in re.split(r"\n(?=файл «)", reasons or ""):
            column, rule = _column_and_rule(text, file, sheet, row)
            g = groups.setdefault((file, sheet, column, rule), {
                "source": source, "file": file, "sheet": sheet, "column": column, "rule": rule,
                "rows": set(), "first": text})
            g["rows"].add(row)
    out = []
    for (file, sheet, _, _), g in groups.items():
        g["count"] = len(g["rows"])
        g["file_rows"] = len(per_file[(file, sheet)])
        g["first_rows"] = sorted(r for r in g["rows"] if r is not None)[:5]
        del g["rows"]
        out.append(g)
    return sorted(out, key=lambda g: (-g["count"], g["file"], g["sheet"], g["column"], g["rule"]))


def _column_and_rule(text: str, file: str, sheet: str, row) -> tuple[str, str]:
    import re

    prefix = f"файл «{file}»" + (f", лист «{sheet}»" if sheet else "") + (f", строка {row}" if row is not None else "")
    rest = text[len(prefix):] if text.startswith(prefix) else text
    column = ""
    m = re.match(r"^, столбец «(.*?)»(?=: значение «| — )", rest, re.S)
    if m:
        column, rest = m[1], rest[m.end():]
    m = re.match(r"^: значение «.*» — ", rest, re.S)
    rule = rest[m.end():] if m else (rest[3:] if rest.startswith(" — ") else rest)
    return column, rule.strip()


def _n(v: int) -> str:
    return f"{v:,}".replace(",", "\u00a0")


def _rows_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "строке"
    return "строках"


def group_line(g: dict) -> str:
    """«в файле нет обязательного столбца «Код ОО» — во всех 2 612 строках файла «x.csv»»."""
    if g["count"] == 1 and g.get("first"):   # one row: the message whole (row, column, value, rule)
        return g["first"]
    where = f"файла «{g['file']}»" + (f", лист «{g['sheet']}»" if g["sheet"] else "")
    what = g["rule"] if not g["column"] or g["column"] in g["rule"] else f"столбец «{g['column']}»: {g['rule']}"
    if g["count"] and g["count"] == g["file_rows"] and "нет обязательного столбца" in g["rule"]:
        return f"{what} — во всех {_n(g['count'])} {_rows_word(g['count'])} {where}"
    if not g["first_rows"]:
        return f"{what} — {where}"
    rows = ", ".join(str(r) for r in g["first_rows"]) + (" …" if g["count"] > len(g["first_rows"]) else "")
    return f"{what} — в {_n(g['count'])} {_rows_word(g['count'])} {where} (строки {rows})"
