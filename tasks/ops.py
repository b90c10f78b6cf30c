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
        SELECT measure_no AS "№", title AS "Мероприятие", coalesce(responsible, '') AS "Ответственные",
               coalesce(due, '') AS "Срок", coalesce(status_text, '') AS "Статус в отчёте"
        FROM mart_plan_status WHERE ay = ? AND status = 'overdue' ORDER BY measure_order"""),
}

# monitoring marts whose 'no_data' rows are listed as warnings
_INDICATOR_MARTS = ("mart_shnor_monitoring", "mart_risk_monitoring", "mart_project_500plus",
                    "mart_prevention_half1", "mart_prevention")


def _rows(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def cycle_digest(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]]) -> dict:
    con = connect(warehouse)
    try:
        digest: dict = {"flagged_title": None, "flagged": [], "changes": {}, "no_data": []}
        if cycle in _FLAGGED:
            title, sql = _FLAGGED[cycle]
            digest["flagged_title"] = title
            digest["flagged"] = _rows(con, sql, [ay])
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
