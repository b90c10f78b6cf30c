"""Render справки: one per municipality and cycle, from the marts, with jinja2.

This module only gathers what a template shows (rows from the marts, the rule values
from the configuration for the sentences of method); templates only format.
"""

from __future__ import annotations

from datetime import date

import jinja2

from edumon.config import TEMPLATES_DIR
from reports import labels, typography


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(typography.FILTERS)
    env.filters["procedure"] = labels.procedure_title
    env.filters["risk_section"] = lambda c: labels.RISK_SECTIONS.get(c, c)
    env.filters["risk_item"] = lambda c: labels.RISK_ITEMS.get(c, c)
    env.filters["list_change"] = lambda c: labels.LIST_CHANGES.get(c, "") if c else ""
    env.filters["official"] = lambda c: labels.OFFICIAL.get(c, "") if c else ""
    env.filters["subject"] = labels.subject_title
    env.filters["plan_status"] = lambda c: labels.PLAN_STATUSES.get(c, c or "")
    env.filters["trend"] = lambda c: labels.TRENDS.get(c, "нет данных") if c else "нет данных"
    env.filters["half"] = lambda h: labels.HALVES.get(h, str(h))
    env.filters["risk_factor"] = lambda c: labels.RISK_FACTORS.get(c, c)
    return env


def _records(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def municipalities(con, ay: int, mart: str) -> list[dict]:
    return _records(con, f"""
        SELECT DISTINCT municipality_code, municipality_name FROM {mart}
        WHERE ay = ? ORDER BY municipality_code""", [ay])


def september_context(con, ay: int, municipality: str, cfg) -> dict:
    rows = _records(con, """
        SELECT * FROM mart_shnor WHERE ay = ? AND municipality_code = ? ORDER BY short_name""",
                    [ay, municipality])
    lows = _records(con, """
        SELECT p.school_code, p.ay, p.procedure, p.participants, p.low_count, p.low_share_pct, p.is_weak
        FROM int_procedure_results p JOIN stg_schools s USING (school_code)
        WHERE s.municipality_code = ? AND p.ay IN (?, ?) AND p.is_low
          AND list_contains(?, p.procedure) AND p.participants >= ?
        ORDER BY p.school_code, p.ay DESC, p.procedure""",
                    [municipality, ay - 1, ay - 2, cfg["shnor"]["procedures"], cfg["shnor"]["min_participants"]])
    by_school: dict[str, list[dict]] = {}
    for r in lows:
        by_school.setdefault(r["school_code"], []).append(r)
    shnor = [dict(r, lows=by_school.get(r["school_code"], [])) for r in rows if r["is_shnor"]]
    return {
        "schools_total": len(rows),
        "shnor": shnor,
        "left": [r for r in rows if r["list_change"] == "left"],
        "entered": [r for r in rows if r["list_change"] == "entered"],
        "only_official": [r for r in rows if r["official_comparison"] == "only_official"],
        "official_loaded": any(r["in_official_list"] is not None for r in rows),
        "no_data": [r for r in rows if r["no_data"]],
        "rules": cfg["shnor"],
    }


def october_context(con, ay: int, municipality: str, cfg) -> dict:
    rows = _records(con, """
        SELECT * FROM mart_risk_schools WHERE ay = ? AND municipality_code = ? ORDER BY short_name""",
                    [ay, municipality])
    risk = [r for r in rows if r["is_risk"]]
    by_section = {s: [r for r in risk if s in r["risk_sections"]] for s in labels.RISK_SECTIONS}
    return {
        "schools_total": len(rows),
        "risk": risk,
        "by_section": by_section,
        "no_data": [r for r in rows if r["no_data_sections"]],
        "rules": cfg["risk"],
        "objectivity": objectivity_context(con, ay - 1, municipality, cfg),
    }


def objectivity_context(con, vpr_ay: int, municipality: str, cfg) -> dict:
    """Schools with signs of biased ВПР results of `vpr_ay` (mart_objectivity_flags), for the
    self-diagnostics list of the October справка (seeds 000 item 20, 001 item 3.2)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                         "'mart_objectivity_flags' AND table_schema = 'main'").fetchone()[0]
    rows = _records(con, """
        SELECT * FROM mart_objectivity_flags WHERE ay = ? AND municipality_code = ?
        ORDER BY short_name, subject, grade""", [vpr_ay, municipality]) if exists else []
    flagged = [r for r in rows if r["is_flagged"]]
    by_school: dict[str, dict] = {}
    for r in flagged:
        s = by_school.setdefault(r["school_code"], {"school_code": r["school_code"],
                                                    "short_name": r["short_name"], "groups": []})
        s["groups"].append(r)
    return {"vpr_ay": vpr_ay, "computed": bool(rows), "groups_total": len(rows),
            "small_groups": sum(1 for r in rows if r["is_small_group"]),
            "schools": list(by_school.values()), "rules": cfg["objectivity"]}


def quality_records(con, run: dict, cycle: str) -> list[dict]:
    """This run's quality checkpoint results (schemas/quality.py), for the annex."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'quality_results'"
                         ).fetchone()[0]
    if not exists:
        return []
    from schemas.quality import TABLE_TITLES

    rows = _records(con, """
        SELECT * FROM quality_results WHERE run_id = ? AND cycle = ?
        ORDER BY severity, success NULLS LAST, table_name, ay, check_text""", [run["run_id"], cycle])
    return [dict(r, table_title=TABLE_TITLES.get(r["table_name"], r["table_name"])) for r in rows]


def _school_names(con, municipality: str) -> dict[str, str]:
    return {r["school_code"]: r["short_name"] for r in _records(
        con, "SELECT school_code, short_name FROM stg_schools WHERE municipality_code = ?", [municipality])}


def _indicators(con, mart: str, ay: int, municipality: str, extra: str = "") -> list[dict]:
    return _records(con, f"""
        SELECT * FROM {mart} WHERE ay = ? AND municipality_code = ? {extra}
        ORDER BY sort_order{', half' if 'prevention' in mart else ''}""", [ay, municipality])


def september_monitoring_context(con, ay: int, municipality: str, cfg) -> dict:
    """Seed 003 §2.3 and §3.3, seed 004: the monitoring of the year that ended (AY − 1)."""
    return {
        "monitored_ay": ay - 1,
        "names": _school_names(con, municipality),
        "shnor_monitoring": _indicators(con, "mart_shnor_monitoring", ay - 1, municipality),
        "risk_monitoring": _indicators(con, "mart_risk_monitoring", ay - 1, municipality),
        "project_500plus": _indicators(con, "mart_project_500plus", ay - 1, municipality),
        "monitoring_rules": cfg["monitoring"],
    }


def september_full_context(con, ay: int, municipality: str, cfg) -> dict:
    return {**september_context(con, ay, municipality, cfg),
            **september_monitoring_context(con, ay, municipality, cfg)}


def january_context(con, ay: int, municipality: str, cfg) -> dict:
    """Seed 003 §4.3–4.4: prevention of academic failure, first half of AY."""
    return {"names": _school_names(con, municipality),
            "prevention": _indicators(con, "mart_prevention_half1", ay, municipality)}


def june_context(con, ay: int, municipality: str, cfg) -> dict:
    """Seed 003 §4.3–4.5 and SPEC §4.8: both halves, the effectiveness analysis, the plan."""
    rows = _indicators(con, "mart_prevention", ay, municipality)
    plan = _records(con, "SELECT * FROM mart_plan_status WHERE ay = ? ORDER BY measure_order", [ay])
    sections = _records(con, """SELECT * FROM mart_plan_sections WHERE ay = ?
                                ORDER BY section_order, status_order""", [ay])
    by_section: dict[str, list[dict]] = {}
    for r in sections:
        by_section.setdefault(r["section"], []).append(r)
    return {
        "names": _school_names(con, municipality),
        "half1": [r for r in rows if r["half"] == 1],
        "half2": [r for r in rows if r["half"] == 2],
        "plan": plan,
        "plan_sections": by_section,
        "overdue": [r for r in plan if r["status"] == "overdue"],
        "reference_date": plan[0]["reference_date"] if plan else None,
    }


CONTEXTS = {"september": september_full_context, "october": october_context,
            "january": january_context, "june": june_context}
MARTS = {"september": "mart_shnor", "october": "mart_risk_schools",
         "january": "mart_prevention_half1", "june": "mart_prevention"}


def render_spravki(con, ay: int, cycle: str, cfg, run: dict, today: date | None = None) -> dict[str, bytes]:
    """{object key: HTML bytes} for every municipality of the cycle's main mart."""
    env = environment()
    template = env.get_template(f"spravka_{cycle}.html.j2")
    docs = {}
    quality = quality_records(con, run, cycle)
    for m in municipalities(con, ay, MARTS[cycle]):
        ctx = CONTEXTS[cycle](con, ay, m["municipality_code"], cfg)
        html = template.render(
            ay=ay, cycle=cycle, cycle_title=labels.CYCLES[cycle], municipality=m,
            department=cfg["report"]["department"], today=today or date.today(), run=run, quality=quality,
            **ctx)
        docs[f"reports/{m['municipality_code']}/{ay}/{cycle}/spravka.html"] = html.encode("utf-8")
    return docs
