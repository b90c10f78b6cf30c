"""The queries the documents read: each mart and each sql/report_*.sql query read once
per cycle for every municipality (`cycle_data`), the plan rows and the run's quality
checkpoint. SQL computes (exact numerators and denominators); the contexts
(tasks/report_contexts.py) word, the templates format. docs/documents.md.
"""

from __future__ import annotations

import re

from edumon.config import SQL_DIR, Config


def _records(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _table_exists(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone()[0] > 0


# -- the document queries: each mart and sql/report_*.sql read once per cycle ----------

def report_sql(name: str) -> str:
    """The text of sql/report_<name>.sql (the queries the documents read)."""
    return (SQL_DIR / f"report_{name}.sql").read_text(encoding="utf-8")


def _query(con, sql: str, params: dict) -> list[dict]:
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    cur = con.execute(sql, {k: params[k] for k in used})
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _by_municipality(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["municipality_code"], []).append(r)
    return out


# A chunk of municipalities (render_spravki reads the cycle [report].chunk_municipalities at
# a time, so the parent never holds the country's rows): every read of the chunk keeps only
# its municipalities' rows, still one set-based read per query and chunk.
_IN_CHUNK = "municipality_code IN (SELECT unnest($municipalities::VARCHAR[]))"


def _mart(con, mart: str, ay: int, order: str = "", municipalities: list[str] | None = None) -> dict[str, list[dict]]:
    """Every municipality's rows of a mart for AY (or the chunk's), in one read."""
    if not _table_exists(con, mart):
        return {}
    if municipalities is None:
        return _by_municipality(_records(con, f"SELECT * FROM {mart} WHERE ay = ? {order}", [ay]))
    return _by_municipality(_query(con, f"SELECT * FROM {mart} WHERE ay = $ay AND {_IN_CHUNK} {order}",
                                   {"ay": ay, "municipalities": municipalities}))


def _report(con, name: str, params: dict, needs: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    if any(not _table_exists(con, t) for t in needs):
        return {}
    sql = report_sql(name)
    # a query that takes $municipalities (NULL: all) filters where it reads its tables; any
    # other is filtered around (its own order kept: a filter keeps it)
    if params.get("municipalities") is not None and "$municipalities" not in sql:
        sql = f"SELECT * FROM (\n{sql.rstrip().rstrip(';')}\n) AS _q WHERE {_IN_CHUNK}"
    return _by_municipality(_query(con, sql, params))


# the table each cycle's municipalities are taken from (the context's MAIN rows)
MAIN_TABLES = {"september": "mart_shnor", "october": "mart_risk_schools",
               "january": "mart_prevention_half1", "june": "mart_prevention"}


def cycle_municipalities(con, ay: int, cycle: str) -> dict[str, str]:
    """{code: name} of the municipalities that have a cycle's documents (rows in its main
    mart for AY), in code order: one small read, before the chunks."""
    table = MAIN_TABLES[cycle]
    if not _table_exists(con, table):
        return {}
    rows = con.execute(f"SELECT municipality_code, min(municipality_name) FROM {table} WHERE ay = ? "
                       "GROUP BY ALL ORDER BY 1", [ay]).fetchall()
    return dict(rows)


def cycle_data(con, ay: int, cycle: str, cfg, municipalities: list[str] | None = None) -> dict[str, dict[str, list[dict]]]:
    """What a cycle's documents show, for every municipality at once (or for the chunk
    `municipalities`): {name: {municipality: rows}}. One read of each mart and each document
    query per cycle (per chunk)."""
    params = {**Config.sql_params(cfg), "ay": ay,  # also for a plain dict of the configuration
              "privacy_small_group_below": cfg["privacy"]["small_group_below"], "municipalities": municipalities}
    chunk = municipalities

    def mart(name: str, year: int, order: str = "") -> dict[str, list[dict]]:
        return _mart(con, name, year, order, chunk)

    where = "" if chunk is None else f"WHERE {_IN_CHUNK}"
    names = _by_municipality(_query(con, "SELECT municipality_code, school_code, short_name, school_name "
                                         f"FROM stg_schools {where} ORDER BY short_name", params))
    data = {"schools": names}
    ordered = "ORDER BY municipality_code, sort_order"
    if cycle == "september":
        data["shnor"] = mart("mart_shnor", ay, "ORDER BY municipality_code, short_name")
        data["lows"] = _report(con, "school_lows", params, ("int_procedure_results",))
        data["dynamics"] = _report(con, "procedure_dynamics", params, ("int_procedure_results",))
        data["effect"] = _report(con, "shnor_effect", params, ("int_shnor_list", "int_procedure_results"))
        data["shnor_monitoring"] = mart("mart_shnor_monitoring", ay - 1, ordered)
        data["risk_monitoring"] = mart("mart_risk_monitoring", ay - 1, ordered)
        data["project_500plus"] = mart("mart_project_500plus", ay - 1, ordered)
        # the other assessments and the target groups (worded by tasks/assessments_report.py)
        data["assessment_summary"] = _report(con, "assessment_summary", params, ("mart_assessment_results",))
        data["shvor"] = mart("mart_shvor", ay, "ORDER BY municipality_code, short_name")
        data["shnsu"] = mart("mart_shnsu", ay, "ORDER BY municipality_code, short_name")
        data["curators"] = mart("mart_curators", ay,
                                 "ORDER BY municipality_code, short_name, curator_short_name")
        # whether the curators' list was loaded at all: the country's, not the chunk's
        data["curators_loaded"] = _table_exists(con, "mart_curators") and bool(con.execute(
            "SELECT coalesce(bool_or(has_curator), false) FROM mart_curators WHERE ay = ?", [ay]).fetchone()[0])
    elif cycle == "october":
        data["risk"] = mart("mart_risk_schools", ay, "ORDER BY municipality_code, short_name")
        data["risk_prev"] = mart("mart_risk_schools", ay - 1, "ORDER BY municipality_code, short_name")
        # the flagged groups only (the October справка lists those; a country holds ≈ 70 groups
        # a school, a few flagged) and every municipality's number of groups checked
        data["objectivity"] = mart("mart_objectivity_flags", ay - 1,
                                   "AND is_flagged ORDER BY municipality_code, short_name, subject, grade")
        if _table_exists(con, "mart_objectivity_flags"):
            where = "" if chunk is None else f"AND {_IN_CHUNK}"
            data["objectivity_groups"] = _by_municipality(_query(
                con, "SELECT municipality_code, count(*) AS groups_total, "
                     "count(*) FILTER (WHERE is_small_group) AS small_groups FROM mart_objectivity_flags "
                     f"WHERE ay = $ay {where} GROUP BY ALL", {"ay": ay - 1, "municipalities": chunk}))
        data["objectivity_signs"] = _report(con, "objectivity_signs", params, ("mart_objectivity_flags",))
        data["risk_deficits"] = _report(con, "risk_deficits", params, ("mart_risk_schools",))
    elif cycle in ("january", "june"):
        data["prevention"] = mart("mart_prevention_half1" if cycle == "january" else "mart_prevention",
                                   ay, ordered + ", half")
        data["prevention_schools"] = _report(con, "prevention_schools", params, ("raw_prevention",))
    if cycle == "june":
        data["plan"] = data["plan_effect"] = _plan_rows(con, ay, municipalities=chunk)
    elif cycle == "september":
        # the year that ended, at its September checkpoint (mart_plan_checkpoint, issue 14)
        data["plan"] = data["plan_effect"] = _plan_rows(con, ay - 1, "mart_plan_checkpoint", chunk)
    return data


def _plan_rows(con, ay: int, table: str = "mart_plan_status",
               municipalities: list[str] | None = None) -> dict[str, list[dict]]:
    """Plan rows of AY by municipality (the chunk's, and the regional ones); a regional plan
    (no municipality column, or NULL) is under the key None and applies to every municipality."""
    if not _table_exists(con, table):
        return {}
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = ?", [table]).fetchall()}
    if municipalities is None or "municipality_code" not in cols:
        rows = _records(con, f"SELECT * FROM {table} WHERE ay = ?", [ay])
    else:
        rows = _query(con, f"SELECT * FROM {table} WHERE ay = $ay AND ({_IN_CHUNK} OR municipality_code IS NULL)",
                      {"ay": ay, "municipalities": municipalities})
    out: dict = {}
    for r in rows:
        out.setdefault(r.get("municipality_code") if "municipality_code" in cols else None, []).append(r)
    return out


def quality_records(con, run: dict, cycle: str) -> list[dict]:
    """This run's quality checkpoint results (schemas/quality.py), for the technical page."""
    if not _table_exists(con, "quality_results") or not run.get("run_id"):
        return []
    from schemas.quality import TABLE_TITLES

    rows = _records(con, """
        SELECT * FROM quality_results WHERE run_id = ? AND cycle = ?
        ORDER BY severity, success NULLS LAST, table_name, ay, check_text""", [run["run_id"], cycle])
    return [dict(r, table_title=TABLE_TITLES.get(r["table_name"], r["table_name"])) for r in rows]
