"""Render the documents of a cycle: per municipality, the справка, the addressed
recommendations per school (адресные рекомендации) and, where the plan of measures is
tracked, its execution report (seed 000).

One data context per document feeds one jinja2 template; its HTML is the published
HTML, WeasyPrint prints it to PDF and `reports/docx.py` turns it into an editable DOCX.
This module only gathers what a template shows (rows from the marts, the rule values
from the configuration for the sentences of method, measures from the recommendation
catalogue, charts); templates only format.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import jinja2
import yaml

from edumon.config import ROOT, TEMPLATES_DIR
from reports import charts, labels, typography

DOCUMENT_TITLES = {
    "spravka": "Аналитическая справка",
    "recommendations": "Адресные рекомендации",
    "plan": "Отчёт об исполнении плана мероприятий",
}
PLAN_STATUSES = labels.PLAN_STATUSES


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
    env.filters["data_uri"] = charts.data_uri
    return env


def template_version(cfg) -> str:
    """What the documents' wording depends on besides the data: templates, report code,
    the recommendation catalogue, the [report] settings and [publish].template_version."""
    h = hashlib.sha256()
    files = sorted(TEMPLATES_DIR.glob("*.j2")) + sorted((ROOT / "reports").glob("*.py"))
    files.append(ROOT / cfg["report"].get("recommendations", "config/recommendations.yaml"))
    for f in files:
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    h.update(repr(sorted(cfg["report"].items())).encode())
    return f"{cfg.get('publish', {}).get('template_version', '0')}+{h.hexdigest()[:8]}"


def _records(con, sql: str, args: list) -> list[dict]:
    cur = con.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _table_exists(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone()[0] > 0


def municipalities(con, ay: int, mart: str) -> list[dict]:
    return _records(con, f"""
        SELECT DISTINCT municipality_code, municipality_name FROM {mart}
        WHERE ay = ? ORDER BY municipality_code""", [ay])


# -- the recommendation catalogue ---------------------------------------------------------

def load_catalogue(cfg) -> dict:
    path = Path(cfg["report"].get("recommendations", "config/recommendations.yaml"))
    path = path if path.is_absolute() else ROOT / path
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def key_chain(code: str) -> list[str]:
    """vpr_math_5 → [vpr_math_5, vpr_math, vpr]: most specific catalogue key first."""
    parts = code.split("_")
    return ["_".join(parts[:i]) for i in range(len(parts), 0, -1)]


def measures_for(catalogue: dict, keys: list[str]) -> list[dict]:
    """Every measure the catalogue holds for these keys, most specific first, once each."""
    out, seen = [], set()
    for k in keys:
        for m in (catalogue.get(k) or {}).get("measures", []):
            if m["measure"] not in seen:
                seen.add(m["measure"])
                out.append({**m, "key": k, "deficit": catalogue[k].get("title", k)})
    return out


def _school_recommendations(school: dict, deficits: list[dict], catalogue: dict, general: list[str]) -> dict:
    keys = []
    for d in deficits:
        keys += d["keys"]
    return {**school, "deficits": deficits, "measures": measures_for(catalogue, general + keys)}


# -- September: ШНОР ----------------------------------------------------------------------

def september_context(con, ay: int, municipality: str, cfg) -> dict:
    rules = cfg["shnor"]
    weak_below = cfg["privacy"]["small_group_below"]
    rows = _records(con, """
        SELECT * FROM mart_shnor WHERE ay = ? AND municipality_code = ? ORDER BY short_name""",
                    [ay, municipality])
    lows = _records(con, """
        SELECT p.school_code, p.ay, p.procedure, p.participants, p.low_count, p.low_share_pct,
               p.participants < ? AS is_weak
        FROM int_procedure_results p JOIN stg_schools s USING (school_code)
        WHERE s.municipality_code = ? AND p.ay IN (?, ?) AND p.is_low
          AND list_contains(?, p.procedure) AND p.participants >= ?
        ORDER BY p.school_code, p.ay DESC, p.procedure""",
                    [weak_below, municipality, ay - 1, ay - 2, rules["procedures"], rules["min_participants"]])
    by_school: dict[str, list[dict]] = {}
    for r in lows:
        by_school.setdefault(r["school_code"], []).append(r)
    shnor = [dict(r, lows=by_school.get(r["school_code"], [])) for r in rows if r["is_shnor"]]

    # dynamics: the municipality's share of «2» / below the minimum, by procedure and AY
    dyn = _records(con, """
        SELECT p.procedure, p.ay, sum(p.participants) AS participants, sum(p.low_count) AS low_count,
               100.0 * sum(p.low_count) / sum(p.participants) AS low_share_pct,
               count(*) AS schools
        FROM int_procedure_results p JOIN stg_schools s USING (school_code)
        WHERE s.municipality_code = ? AND p.ay BETWEEN ? AND ? AND list_contains(?, p.procedure)
          AND p.participants > 0
        GROUP BY ALL ORDER BY p.procedure, p.ay""",
                   [municipality, ay - 3, ay - 1, rules["procedures"]])
    years = sorted({r["ay"] for r in dyn})
    procs = [p for p in rules["procedures"] if any(r["procedure"] == p for r in dyn)]
    cell = {(r["procedure"], r["ay"]): dict(r, is_weak=r["participants"] < weak_below) for r in dyn}
    dynamics = [{"procedure": p, "cells": [cell.get((p, y)) for y in years]} for p in procs]
    chart = None
    if dyn:
        chart = charts.grouped_shares(
            [labels.procedure_short(p) for p in procs],
            {typography.academic_year_short(y): [cell[(p, y)]["low_share_pct"] if (p, y) in cell else None
                                                 for p in procs] for y in years},
            "Доля участников с отметкой «2» / ниже минимального порога, %")

    catalogue = load_catalogue(cfg)
    recommendations = []
    for s in shnor:
        deficits = [{"keys": key_chain(low["procedure"]), "title": labels.procedure_title(low["procedure"]),
                     "ay": low["ay"], "value": low["low_share_pct"], "threshold": rules["low_share_pct"],
                     "comparator": "≥", "detail": f"{low['low_count']} из {low['participants']}",
                     "is_weak": low["is_weak"], "kind": "pct"} for low in s["lows"]]
        recommendations.append(_school_recommendations(s, deficits, catalogue, ["shnor"]))
    return {
        "schools_total": len(rows),
        "shnor": shnor,
        "left": [r for r in rows if r["list_change"] == "left"],
        "entered": [r for r in rows if r["list_change"] == "entered"],
        "stayed": [r for r in rows if r["list_change"] == "stayed"],
        "only_official": [r for r in rows if r["official_comparison"] == "only_official"],
        "only_ours": [r for r in rows if r["official_comparison"] == "only_ours"],
        "official_loaded": any(r["in_official_list"] is not None for r in rows),
        "no_data": [r for r in rows if r["no_data"]],
        "rules": rules,
        "years": years,
        "dynamics": dynamics,
        "chart": chart,
        "recommendations": recommendations,
        "recommendations_title": "школам, включённым в перечень ШНОР",
    }


# -- October: risk schools ----------------------------------------------------------------

def _risk_deficits(s: dict, rules: dict) -> list[dict]:
    out = []
    if s["flag_material"]:
        for item in s["material_no_items"]:
            out.append({"keys": [item, "material"], "title": labels.RISK_ITEMS.get(item, item), "kind": "yesno",
                        "value": "нет", "threshold": "да", "comparator": "требуется", "detail": "", "is_weak": False})
    if s["flag_staff"] and s["teachers_total"]:
        t = s["teachers_total"]
        if 100.0 * s["teachers_load_36plus"] / t > rules["staff_load36_share_pct_above"]:
            out.append({"keys": ["staff_load36", "staff"], "title": "доля учителей с нагрузкой 36 часов и более",
                        "kind": "pct", "value": s["staff_load36_share_pct"], "comparator": ">",
                        "threshold": rules["staff_load36_share_pct_above"],
                        "detail": f"{s['teachers_load_36plus']} из {t}", "is_weak": False})
        if 100.0 * s["teachers_no_subject_diploma"] / t > rules["staff_no_diploma_share_pct_above"]:
            out.append({"keys": ["staff_no_diploma", "staff"], "kind": "pct",
                        "title": "доля учителей без диплома (переподготовки) по преподаваемому предмету",
                        "value": s["staff_no_diploma_share_pct"], "comparator": ">",
                        "threshold": rules["staff_no_diploma_share_pct_above"],
                        "detail": f"{s['teachers_no_subject_diploma']} из {t}", "is_weak": False})
    if s["flag_contingent"]:
        out.append({"keys": ["contingent"], "kind": "pct",
                    "title": "доля обучающихся, состоящих на учёте, с ОВЗ, инофонов и систематически пропускающих занятия (в сумме)",
                    "value": s["contingent_share_pct"], "comparator": ">",
                    "threshold": rules["contingent_sum_share_pct_above"],
                    "detail": f"{s['contingent_count']} из {s['students_total']}", "is_weak": False})
    if s["flag_results"]:
        for v in s["results_vpr_shares"] or []:
            if v["procedure"] in s["results_vpr_high_procedures"]:
                out.append({"keys": key_chain(v["procedure"]) + ["results"], "kind": "pct",
                            "title": f"доля отметок «2», {labels.procedure_title(v['procedure'])}",
                            "value": v["share2_pct"], "comparator": "≥",
                            "threshold": rules["results_vpr_share2_pct_at_least"], "ay": s["vpr_ay"],
                            "detail": f"{v['participants']} участников",
                            "is_weak": v["participants"] < rules.get("_weak_below", 10)})
        if s["students_total"] and s["students_failing"] is not None and \
                100.0 * s["students_failing"] / s["students_total"] > rules["results_failing_share_pct_above"]:
            out.append({"keys": ["failing", "results"], "kind": "pct", "title": "доля неуспевающих",
                        "value": s["failing_share_pct"], "comparator": ">",
                        "threshold": rules["results_failing_share_pct_above"],
                        "detail": f"{s['students_failing']} из {s['students_total']}", "is_weak": False})
    return out


def october_context(con, ay: int, municipality: str, cfg) -> dict:
    rules = {**cfg["risk"], "_weak_below": cfg["privacy"]["small_group_below"]}
    rows = _records(con, """
        SELECT * FROM mart_risk_schools WHERE ay = ? AND municipality_code = ? ORDER BY short_name""",
                    [ay, municipality])
    for r in rows:
        for v in r["results_vpr_shares"] or []:
            v["is_weak"] = v["participants"] < rules["_weak_below"]
    risk = [r for r in rows if r["is_risk"]]
    by_section = {s: [r for r in risk if s in r["risk_sections"]] for s in labels.RISK_SECTIONS}
    chart = charts.horizontal_counts([labels.RISK_SECTIONS[s] for s in by_section],
                                     [len(v) for v in by_section.values()],
                                     "Число школ с риском по разделам") if rows else None
    catalogue = load_catalogue(cfg)
    recommendations = [_school_recommendations(s, _risk_deficits(s, rules), catalogue, []) for s in risk]
    objectivity = objectivity_context(con, ay - 1, municipality, cfg)
    return {
        "schools_total": len(rows),
        "risk": risk,
        "by_section": by_section,
        "no_data": [r for r in rows if r["no_data_sections"]],
        "rules": rules,
        "objectivity": objectivity,
        "chart": chart,
        # the schools for self-diagnostics get their addressed recommendations too (issue 13)
        "recommendations": recommendations + objectivity["recommendations"],
        "recommendations_title": "школам, функционирующим в зоне риска снижения образовательных результатов"
                                 + (", и школам с признаками необъективности результатов ВПР"
                                    if objectivity["recommendations"] else ""),
    }


# -- objectivity signs (issue 13): one self-contained block -------------------------------

OBJECTIVITY_SIGNS = {  # sign code → (title in the справка, catalogue key)
    "raised": ("отметка за ВПР выше отметки по журналу («повысили»)", "objectivity_raised"),
    "gap2": ("отметка за ВПР выше отметки по журналу на два балла и более", "objectivity_gap2"),
    "lowered": ("отметка за ВПР ниже отметки по журналу («понизили»)", "objectivity_lowered"),
    "boundary": ("пик распределения первичных баллов на границе отметки", "objectivity_boundary"),
    "vs_gia": ("результаты ВПР значительно выше результатов ГИА школы", "objectivity_vs_gia"),
    "improvement": ("резкое улучшение результатов ВПР, не подтверждённое ГИА и КДР", "objectivity_improvement"),
}


def objectivity_context(con, vpr_ay: int, municipality: str, cfg) -> dict:
    """Schools with signs of biased ВПР results of `vpr_ay` (mart_objectivity_flags), for the
    self-diagnostics list of the October справка (seeds 000 item 20, 001 item 3.2): the
    flagged groups, per sign how many groups were checked and why the others were not
    («не проверялось: …»), and addressed recommendations per flagged school from the
    catalogue keys `objectivity_<sign>` then `objectivity` (config/recommendations.yaml).
    `recommendations` has the shape of the recommendations document's entries, so the
    October document lists these schools too."""
    exists = _table_exists(con, "mart_objectivity_flags")
    rules = cfg["objectivity"]
    rows = _records(con, """
        SELECT * FROM mart_objectivity_flags WHERE ay = ? AND municipality_code = ?
        ORDER BY short_name, subject, grade""", [vpr_ay, municipality]) if exists else []
    # per sign: groups checked, found, and each reason it was not checked (SQL counts)
    signs = []
    if rows:
        tally = _records(con, """
            WITH s AS (
                SELECT 'raised' AS sign, flag_raised AS flag, raised_not_checked AS reason FROM mart_objectivity_flags
                  WHERE ay = $1 AND municipality_code = $2
                UNION ALL SELECT 'gap2', flag_gap2, gap2_not_checked FROM mart_objectivity_flags
                  WHERE ay = $1 AND municipality_code = $2
                UNION ALL SELECT 'boundary', flag_boundary, boundary_not_checked FROM mart_objectivity_flags
                  WHERE ay = $1 AND municipality_code = $2
                UNION ALL SELECT 'vs_gia', flag_vs_gia, vs_gia_not_checked FROM mart_objectivity_flags
                  WHERE ay = $1 AND municipality_code = $2
                UNION ALL SELECT 'improvement', flag_improvement, improvement_not_checked FROM mart_objectivity_flags
                  WHERE ay = $1 AND municipality_code = $2
            ), r AS (
                SELECT sign, list({'reason': reason, 'groups': n} ORDER BY n DESC, reason) AS not_checked
                FROM (SELECT sign, reason, count(*) AS n FROM s WHERE reason IS NOT NULL GROUP BY ALL)
                GROUP BY sign)
            SELECT sign, count(flag) AS checked, count(*) FILTER (WHERE flag) AS found, any_value(r.not_checked) AS not_checked
            FROM s LEFT JOIN r USING (sign)
            GROUP BY sign""", [vpr_ay, municipality])
        by_sign = {t["sign"]: t for t in tally}
        for code in ("raised", "gap2", "boundary", "vs_gia", "improvement"):
            t = by_sign.get(code, {"checked": 0, "found": 0, "not_checked": None})
            signs.append({"code": code, "title": OBJECTIVITY_SIGNS[code][0], "checked": t["checked"],
                          "found": t["found"], "not_checked": t["not_checked"] or []})
    flagged = [r for r in rows if r["is_flagged"]]
    by_school: dict[str, dict] = {}
    for r in flagged:
        s = by_school.setdefault(r["school_code"], {"school_code": r["school_code"],
                                                    "short_name": r["short_name"], "groups": []})
        s["groups"].append(r)
    catalogue = load_catalogue(cfg)
    recommendations = []
    for s in by_school.values():
        deficits = [_objectivity_deficit(g, sign, rules) for g in s["groups"] for sign in g["flags"]]
        keys = list(dict.fromkeys(k for d in deficits for k in d["keys"]))
        recommendations.append({"school_code": s["school_code"], "short_name": s["short_name"],
                                "school_name": f"{s['short_name']}: признаки необъективности результатов ВПР "
                                               f"{typography.academic_year_short(vpr_ay)} учебного года",
                                "deficits": deficits, "measures": measures_for(catalogue, keys + ["objectivity"])})
    return {"vpr_ay": vpr_ay, "computed": bool(rows), "groups_total": len(rows),
            "small_groups": sum(1 for r in rows if r["is_small_group"]),
            "schools": list(by_school.values()), "signs": signs, "rules": rules,
            "recommendations": recommendations}


def _objectivity_deficit(g: dict, sign: str, rules: dict) -> dict:
    """One found sign of a group as a deficit line of the recommendations document."""
    where = f"{g['grade']} класс, {labels.subject_title(g['subject']).lower()}"
    title = f"{OBJECTIVITY_SIGNS[sign][0]} ({where})"
    d = {"keys": [OBJECTIVITY_SIGNS[sign][1]], "title": title, "detail": "", "is_weak": False}
    if sign == "raised":
        return {**d, "kind": "pct", "value": g["raised_share_pct"], "comparator": ">",
                "threshold": rules["raised_share_pct_above"], "detail": f"{g['raised']} из {g['with_journal']}"}
    if sign == "lowered":
        return {**d, "kind": "pct", "value": g["lowered_share_pct"], "comparator": ">",
                "threshold": rules["lowered_share_pct_above"], "detail": f"{g['lowered']} из {g['with_journal']}"}
    if sign == "gap2":
        return {**d, "kind": "count", "value": typography.count(g["raised_by2"], "участник", "участника", "участников"),
                "threshold": f"не менее {rules['gap2_min_count']}"}
    if sign == "boundary":
        peaks = [b for b in g["boundary_evidence"] if b["mark"] in (g["boundary_peak_marks"] or [])]
        value = "; ".join(f"«{b['mark']}» ({typography.number(b['boundary'])} б.): {typography.pct(b['school_share_pct'])} "
                          f"при {typography.pct(b['reference_share_pct'])} по муниципалитету" for b in peaks)
        return {**d, "kind": "text", "value": value,
                "threshold": f"p < {typography.number(rules['boundary_alpha'], 2)}"}
    if sign == "vs_gia":
        return {**d, "kind": "text",
                "value": f"ВПР {typography.pct(g['vpr_good_pct'])}, {'ОГЭ' if g['gia_exam'] == 'oge' else 'ЕГЭ'} "
                         f"{typography.pct(g['oge_good_pct'])} «4» и «5»; превышение {typography.number(g['vpr_above_oge_pp'], 1)} п. п.",
                "threshold": f"не менее {typography.number(rules['vpr_above_oge_pp'])} п. п."}
    return {**d, "kind": "text",  # improvement
            "value": f"доля «2»: {typography.pct(g['prev_share2_pct'])} → {typography.pct(g['share2_pct'])}; "
                     f"«4» и «5»: {typography.pct(g['prev_good_pct'])} → {typography.pct(g['good_pct'])}",
            "threshold": f"снижение «2» на {typography.number(rules['improvement_share2_fall_pp'])} п. п. или рост «4» и «5» "
                         f"на {typography.number(rules['improvement_good_rise_pp'])} п. п."}


def quality_records(con, run: dict, cycle: str) -> list[dict]:
    """This run's quality checkpoint results (schemas/quality.py), for the annex."""
    if not _table_exists(con, "quality_results"):
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



# -- the plan of measures (seed 000) -----------------------------------------------------

def _measure_order(no) -> tuple:
    text = str(no or "")
    return tuple(int(p) if p.isdigit() else 10**6 for p in text.replace(")", "").split(".") if p) or (10**6,)


def plan_context(con, ay: int, municipality: str, cfg) -> dict | None:
    """The plan report's rows, or None when `mart_plan_status` is absent or empty for AY."""
    if not _table_exists(con, "mart_plan_status"):
        return None
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'mart_plan_status'").fetchall()}
    where, args = "ay = ?", [ay]
    if "municipality_code" in cols:
        where += " AND (municipality_code = ? OR municipality_code IS NULL)"
        args.append(municipality)
    rows = _records(con, f"SELECT * FROM mart_plan_status WHERE {where}", args)
    if not rows:
        return None
    rows.sort(key=lambda r: _measure_order(r["measure_no"]))
    sections: list[dict] = []
    for r in rows:
        if not sections or sections[-1]["section"] != r["section"]:
            sections.append({"section": r["section"], "measures": []})
        sections[-1]["measures"].append(r)
    for s in sections:
        n = len(s["measures"])
        s["total"] = n
        s["counts"] = {k: sum(1 for m in s["measures"] if m["status"] == k) for k in PLAN_STATUSES}
    totals = {k: sum(s["counts"][k] for s in sections) for k in PLAN_STATUSES}
    chart = charts.grouped_shares(
        [s["section"][:28] + ("…" if len(s["section"]) > 28 else "") for s in sections],
        {"выполнено": [100.0 * s["counts"]["done"] / s["total"] for s in sections],
         "выполняется": [100.0 * s["counts"]["in_progress"] / s["total"] for s in sections]},
        "Доля мероприятий по разделам плана, %")
    return {"sections": sections, "totals": totals, "total": len(rows), "statuses": PLAN_STATUSES,
            "overdue": [r for r in rows if r["status"] == "overdue"], "chart": chart,
            "definitions_version": rows[0].get("definitions_version")}


CONTEXTS = {"september": september_full_context, "october": october_context,
            "january": january_context, "june": june_context}
MARTS = {"september": "mart_shnor", "october": "mart_risk_schools",
         "january": "mart_prevention_half1", "june": "mart_prevention"}


def _formats(key_base: str, html: str, formats: list[str], title: str, author: str) -> dict[str, bytes]:
    out = {}
    if "html" in formats:
        out[f"{key_base}.html"] = html.encode("utf-8")
    if "docx" in formats:
        from reports.docx import html_to_docx  # noqa: PLC0415

        out[f"{key_base}.docx"] = html_to_docx(html, title=title, author=author)
    if "pdf" in formats:
        from reports.pdf import html_to_pdf  # noqa: PLC0415

        out[f"{key_base}.pdf"] = html_to_pdf(html)
    return out


def render_spravki(con, ay: int, cycle: str, cfg, run: dict, today: date | None = None) -> dict[str, bytes]:
    """{object key: bytes} for every municipality of the cycle's main mart: the справка,
    the addressed recommendations and (in the configured cycles) the plan report, each in
    every configured format. Keys: reports/<mun>/<AY>/<cycle>/<document>.<ext>."""
    if cycle not in CONTEXTS:
        return {}
    env = environment()
    report = cfg["report"]
    formats = report.get("formats", ["html"])
    basis = report.get("basis", {})
    docs = {}
    quality = quality_records(con, run, cycle)
    for m in municipalities(con, ay, MARTS[cycle]):
        mun = m["municipality_code"]
        common = dict(ay=ay, cycle=cycle, cycle_title=labels.CYCLES[cycle], municipality=m,
                      department=report["department"], methodical_centre=report.get("methodical_centre", ""),
                      signatory_position=report.get("signatory_position", ""),
                      signatory_name=report.get("signatory_name", ""), executor=report.get("executor", ""),
                      basis=basis.get(cycle, basis.get("default", "")),
                      today=today or date.today(), run=run, quality=quality,
                      weak_below=cfg["privacy"]["small_group_below"])
        ctx = CONTEXTS[cycle](con, ay, mun, cfg)
        base = f"reports/{mun}/{ay}/{cycle}"
        # what the index page shows about this publication (names, not data)
        docs[f"{base}/about.json"] = json.dumps(
            {"municipality_code": mun, "municipality_name": m["municipality_name"], "ay": ay, "cycle": cycle,
             "cycle_title": labels.CYCLES[cycle], "department": report["department"]},
            ensure_ascii=False, indent=2).encode("utf-8")
        html = env.get_template(f"spravka_{cycle}.html.j2").render(**common, **ctx)
        docs.update(_formats(f"{base}/spravka", html, formats, DOCUMENT_TITLES["spravka"], report["department"]))
        if ctx.get("recommendations"):
            html = env.get_template("recommendations.html.j2").render(**common, **ctx)
            docs.update(_formats(f"{base}/recommendations", html, formats,
                                 DOCUMENT_TITLES["recommendations"], report["department"]))
        if cycle in report.get("plan_report_cycles", []):
            plan = plan_context(con, ay, mun, cfg)
            if plan:
                html = env.get_template("plan_report.html.j2").render(
                    **{**common, "basis": basis.get("plan", common["basis"])}, plan=plan)
                docs.update(_formats(f"{base}/plan", html, formats, DOCUMENT_TITLES["plan"], report["department"]))
    return docs
