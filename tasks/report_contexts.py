"""Each municipality's context for the documents of a cycle, from the rows the queries
returned once for every municipality (tasks/report_queries.py::cycle_data): the
September ШНОР and monitoring, the October risk schools and objectivity signs, the
January and June prevention, the plan report; the addressed recommendations from the
catalogue (config/recommendations.yaml); the documents' date and number. Plain data in,
plain data out (picklable for the worker processes of tasks/render.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from edumon.config import ROOT
from reports import labels, typography
from tasks import assessments_report

PLAN_STATUSES = labels.PLAN_STATUSES


# -- the recommendation catalogue ---------------------------------------------------------

_CATALOGUES: dict[tuple[str, int], dict] = {}


def load_catalogue(cfg) -> dict:
    """The recommendation catalogue, read once per process (and again when the file changes):
    every municipality's documents use the same one."""
    path = Path(cfg["report"].get("recommendations", "config/recommendations.yaml"))
    path = path if path.is_absolute() else ROOT / path
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CATALOGUES:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(path, encoding="utf-8") as f:
            _CATALOGUES[key] = yaml.load(f, Loader=loader) or {}  # noqa: S506 (a safe loader)
    return _CATALOGUES[key]


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


def numbered_measures(recommendations: list[dict]) -> list[dict]:
    """The addressed recommendations' measures, each once, numbered for the document's list
    («Перечень рекомендуемых мер»), in the order the schools first need them; each school's
    deficits get the numbers of their measures (`measure_nos`) and the school the numbers of
    its measures that answer no one deficit (`general_nos`: the general ones). The schools'
    pages then name measures by number instead of repeating the catalogue's text for every
    school with the same deficit (January and June: the same few measures for most schools)."""
    listed: dict[str, dict] = {}
    for s in recommendations:
        for m in s["measures"]:
            if m["measure"] not in listed:
                listed[m["measure"]] = {**m, "no": len(listed) + 1}
    for s in recommendations:
        own = [(m["key"], listed[m["measure"]]["no"]) for m in s["measures"]]
        answered = set()
        deficits = []
        for d in s["deficits"]:
            nos = [no for key, no in own if key in d["keys"]]
            answered.update(nos)
            deficits.append({**d, "measure_nos": nos})
        s["deficits"] = deficits
        s["general_nos"] = [no for _, no in own if no not in answered]
    return list(listed.values())


def _plan_for(data: dict, mun: str, key: str = "plan") -> list[dict]:
    plan = data.get(key, {})
    return sorted(plan.get(mun, []) + plan.get(None, []), key=lambda r: _measure_order(r["measure_no"]))


# -- September: ШНОР ----------------------------------------------------------------------

def _trend_lists(rows: list[dict]) -> dict:
    return {k: [r for r in rows if r["trend"] == k] for k in ("better", "worse", "same", "no_data")}


def september_context(data: dict, ay: int, mun: str, cfg) -> dict:
    rules = cfg["shnor"]
    rows = data["shnor"].get(mun, [])
    by_school: dict[str, list[dict]] = {}
    for r in data["lows"].get(mun, []):
        by_school.setdefault(r["school_code"], []).append(r)
    shnor = [dict(r, lows=by_school.get(r["school_code"], [])) for r in rows if r["is_shnor"]]

    dyn = data["dynamics"].get(mun, [])
    years = sorted({r["ay"] for r in dyn})
    procs = [p for p in rules["procedures"] if any(r["procedure"] == p for r in dyn)]
    cell = {(r["procedure"], r["ay"]): r for r in dyn}
    dynamics = [{"procedure": p, "cells": [cell.get((p, y)) for y in years]} for p in procs]
    last = [cell[(p, ay - 1)] for p in procs if (p, ay - 1) in cell]
    # the conclusion of §2: each procedure of the last year against the year before, and the
    # schools with low results behind it
    lows_last = [r for r in data["lows"].get(mun, []) if r["ay"] == ay - 1]
    dynamics_findings = []
    for r in last:
        dynamics_findings.append(dict(r, schools=[x for x in lows_last if x["procedure"] == r["procedure"]]))
    chart_spec = None
    if dyn:
        chart_spec = ("grouped_shares", [labels.procedure_short(p) for p in procs],
                      {typography.academic_year_short(y): [100.0 * cell[(p, y)]["low_count"] / cell[(p, y)]["participants"]
                                                           if (p, y) in cell else None for p in procs] for y in years},
                      "Доля участников с отметкой «2» / ниже минимального порога, %")

    effect = _trend_lists(data["effect"].get(mun, []))
    effect["all"] = data["effect"].get(mun, [])
    effect["left"] = [r for r in effect["all"] if not r["stays_on_list"]]
    effect["stay"] = [r for r in effect["all"] if r["stays_on_list"]]
    plan = _plan_for(data, mun, "plan_effect")

    catalogue = load_catalogue(cfg)
    recommendations = []
    # addressed work follows the working list ([shnor] working_list; a school only ФИОКО
    # names gets recommendations too); a table built before the working list: the rule's list
    working = [dict(r, lows=by_school.get(r["school_code"], [])) for r in rows
               if (r["in_working_list"] if r.get("in_working_list") is not None else r["is_shnor"])]
    for s in working:
        deficits = [{"keys": key_chain(low["procedure"]), "title": labels.procedure_title(low["procedure"]),
                     "ay": low["ay"], "value": low["low_share_pct"], "threshold": rules["low_share_pct"],
                     "comparator": "≥", "detail": f"{low['low_count']} из {low['participants']}",
                     "is_weak": low["is_weak"], "kind": "pct"} for low in s["lows"]]
        if s.get("working_list_basis") == "official":
            deficits.append({"keys": ["shnor_official"], "title": "Включение в перечень ШНОР, сформированный ФИОКО",
                             "value": "включена", "threshold": "—", "comparator": "", "detail": "",
                             "is_weak": False, "kind": "list"})
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
        "dynamics_findings": dynamics_findings,
        "effect": effect,
        "plan_done": [m for m in plan if m["status"] == "done"],
        "plan_total": len(plan),
        "plan_overdue": [m for m in plan if m["status"] == "overdue"],
        "charts": {"dynamics": chart_spec},
        "recommendations": recommendations,
        "recommendations_title": "школам, включённым в перечень ШНОР",
    }


# -- October: risk schools ----------------------------------------------------------------

RISK_DEFICIT_KEYS = {"staff_load36": ["staff_load36", "staff"], "staff_no_diploma": ["staff_no_diploma", "staff"],
                     "contingent": ["contingent"], "failing": ["failing", "results"]}


def _risk_deficits(rows: list[dict]) -> list[dict]:
    """A risk school's deficits as the recommendations word them, from the rows of
    sql/report_risk_deficits.sql (which compares each figure with its threshold)."""
    out = []
    for d in rows:
        code = d["deficit"]
        if code == "material":
            out.append({"keys": [d["item"], "material"], "title": labels.RISK_ITEMS.get(d["item"], d["item"]),
                        "kind": "yesno", "value": "нет", "threshold": "да", "comparator": "требуется", "detail": "",
                        "is_weak": False})
        elif code == "results_vpr":
            out.append({"keys": key_chain(d["item"]) + ["results"], "kind": "pct",
                        "title": f"доля отметок «2», {labels.procedure_title(d['item'])}",
                        "value": d["value_pct"], "comparator": "≥", "threshold": d["threshold_pct"], "ay": d["vpr_ay"],
                        "detail": f"{d['denominator']} участников", "is_weak": d["is_weak"]})
        else:
            out.append({"keys": RISK_DEFICIT_KEYS[code], "kind": "pct", "title": labels.RISK_DEFICITS[code],
                        "value": d["value_pct"], "comparator": ">", "threshold": d["threshold_pct"],
                        "detail": f"{d['numerator']} из {d['denominator']}", "is_weak": False})
    return out


def october_context(data: dict, ay: int, mun: str, cfg) -> dict:
    rules = {**cfg["risk"], "_weak_below": cfg["privacy"]["small_group_below"]}
    rows = data["risk"].get(mun, [])
    for r in rows:
        for v in r["results_vpr_shares"] or []:
            v["is_weak"] = v["participants"] < rules["_weak_below"]
    risk = [r for r in rows if r["is_risk"]]
    prev = data["risk_prev"].get(mun, [])
    prev_risk = [r for r in prev if r["is_risk"]]
    by_section = {s: [r for r in risk if s in r["risk_sections"]] for s in labels.RISK_SECTIONS}
    prev_by_section = {s: [r for r in prev_risk if s in r["risk_sections"]] for s in labels.RISK_SECTIONS}
    # dynamics: the number of risk schools by section, last year beside this year
    series = {}
    if prev:
        series[typography.academic_year_short(ay - 1)] = [len(v) for v in prev_by_section.values()]
    series[typography.academic_year_short(ay)] = [len(v) for v in by_section.values()]
    chart = ("counts_by_year", [labels.RISK_SECTIONS[s] for s in by_section], series,
             "Число школ с риском по разделам") if rows else None
    prev_codes = {r["school_code"] for r in prev_risk}
    cur_codes = {r["school_code"] for r in risk}
    catalogue = load_catalogue(cfg)
    deficits: dict[str, list[dict]] = {}
    for d in data.get("risk_deficits", {}).get(mun, []):
        deficits.setdefault(d["school_code"], []).append(d)
    recommendations = [_school_recommendations(s, _risk_deficits(deficits.get(s["school_code"], [])), catalogue, [])
                       for s in risk]
    objectivity = objectivity_context(data, ay - 1, mun, cfg)
    return {
        "schools_total": len(rows),
        "risk": risk,
        "by_section": by_section,
        "prev_loaded": bool(prev),
        "prev_by_section": prev_by_section,
        "prev_risk": prev_risk,
        "risk_new": [r for r in risk if r["school_code"] not in prev_codes],
        "risk_left": [r for r in prev_risk if r["school_code"] not in cur_codes],
        "no_data": [r for r in rows if r["no_data_sections"]],
        "rules": rules,
        "objectivity": objectivity,
        "charts": {"sections": chart},
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


def objectivity_context(data: dict, vpr_ay: int, mun: str, cfg) -> dict:
    """Schools with signs of biased ВПР results of `vpr_ay` (mart_objectivity_flags), for the
    self-diagnostics list of the October справка (seeds 000 item 20, 001 item 3.2): the
    flagged groups, per sign how many groups were checked and why the others were not
    («не проверялось: …», sql/report_objectivity_signs.sql), and addressed recommendations
    per flagged school from the catalogue keys `objectivity_<sign>` then `objectivity`
    (config/recommendations.yaml). `recommendations` has the shape of the recommendations
    document's entries, so the October document lists these schools too."""
    rules = cfg["objectivity"]
    rows = data.get("objectivity", {}).get(mun, [])
    # the groups checked: counted in SQL (tasks/report_queries.py reads only the flagged rows)
    # or, for rows of every group, counted here
    counts = (data["objectivity_groups"].get(mun) or [{"groups_total": 0, "small_groups": 0}])[0] \
        if "objectivity_groups" in data else \
        {"groups_total": len(rows), "small_groups": sum(1 for r in rows if r["is_small_group"])}
    signs = []
    if counts["groups_total"]:
        by_sign = {t["sign"]: t for t in data.get("objectivity_signs", {}).get(mun, [])}
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
    return {"vpr_ay": vpr_ay, "computed": bool(counts["groups_total"]), "groups_total": counts["groups_total"],
            "small_groups": counts["small_groups"],
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


def _names(data: dict, mun: str) -> dict[str, str]:
    return {r["school_code"]: r["short_name"] for r in data["schools"].get(mun, [])}


def _indicator_rows(rows: list[dict]) -> list[dict]:
    """Indicator rows as the document shows them: the programme's reference, the reason
    without table names."""
    return [dict(r, programme_ref=labels.programme_ref(r.get("seed_ref")),
                 reason=labels.official_text(r.get("no_data_reason"))) for r in rows]


def september_monitoring_context(data: dict, ay: int, mun: str, cfg) -> dict:
    """Seed 003 §2.3 and §3.3, seed 004: the monitoring of the year that ended (AY − 1)."""
    return {
        "monitored_ay": ay - 1,
        "names": _names(data, mun),
        "shnor_monitoring": _indicator_rows(data["shnor_monitoring"].get(mun, [])),
        "risk_monitoring": _indicator_rows(data["risk_monitoring"].get(mun, [])),
        "project_500plus": _indicator_rows(data["project_500plus"].get(mun, [])),
        "monitoring_rules": cfg["monitoring"],
    }


def september_full_context(data: dict, ay: int, mun: str, cfg) -> dict:
    return {**september_context(data, ay, mun, cfg), **september_monitoring_context(data, ay, mun, cfg),
            **assessments_report.september_context(data, ay, mun, cfg)}


def _share(num, den):
    return None if not den or num is None else 100.0 * num / den


def prevention_schools(rows: list[dict], ay: int, half: int) -> list[dict]:
    """Each school's prevention report of (AY, half) with its deficits (seed 003 §4.3):
    no prevention system; not every weak or failing pupil has an ИОМ; not every failing
    pupil attends extra classes. Exact shares; the template rounds them once."""
    out = []
    for r in rows:
        if r["ay"] != ay or r["half"] != half:
            continue
        d = dict(r, iom_pct=_share(r["with_iom"], r["iom_needed"]),
                 extra_pct=_share(r["failing_in_extra_classes"], r["failing"]),
                 failing_pct=_share(r["failing"], r["students_total"]))
        d["no_system"] = r["reported"] and r["has_prevention_system"] is False
        d["iom_gap"] = d["iom_pct"] is not None and r["with_iom"] < r["iom_needed"]
        d["extra_gap"] = d["extra_pct"] is not None and r["failing_in_extra_classes"] < r["failing"]
        out.append(d)
    return out


def _prevention_recommendations(schools: list[dict], catalogue: dict) -> list[dict]:
    recs = []
    for s in schools:
        deficits = []
        if s["no_system"]:
            deficits.append({"keys": ["prevention_system"], "kind": "yesno", "value": "нет", "threshold": "да",
                             "comparator": "требуется", "detail": "", "is_weak": False,
                             "title": "внутришкольная система профилактики учебной неуспешности сформирована"})
        if s["iom_gap"]:
            deficits.append({"keys": ["prevention_iom"], "kind": "pct", "value": s["iom_pct"], "threshold": 100.0,
                             "comparator": "=", "detail": f"{s['with_iom']} из {s['iom_needed']}", "is_weak": False,
                             "title": "доля слабоуспевающих и неуспевающих обучающихся, для которых разработан ИОМ"})
        if s["extra_gap"]:
            deficits.append({"keys": ["prevention_extra_classes"], "kind": "pct", "value": s["extra_pct"],
                             "threshold": 100.0, "comparator": "=", "is_weak": False,
                             "detail": f"{s['failing_in_extra_classes']} из {s['failing']}",
                             "title": "доля неуспевающих, посещающих дополнительные занятия"})
        if deficits:
            recs.append(_school_recommendations(s, deficits, catalogue, []))
    return recs


def _prevention_common(data: dict, ay: int, mun: str, half: int, cfg) -> dict:
    rows = data.get("prevention_schools", {}).get(mun, [])
    cur = prevention_schools(rows, ay, half)
    prev = {r["school_code"]: r for r in prevention_schools(rows, ay - 1, half)}
    for s in cur:
        p = prev.get(s["school_code"])
        s["prev_failing_pct"] = p["failing_pct"] if p else None
    indicators = _indicator_rows(data["prevention"].get(mun, []))
    # dynamics chart: each indicator in this half against the same half of last year
    series, cats = {}, []
    prev_rows = [r for r in prevention_schools(rows, ay - 1, half) if r["reported"]]
    cur_rows = [r for r in cur if r["reported"]]
    if cur_rows:
        def pooled(rs):
            def tot(k):
                return sum(r[k] or 0 for r in rs if r[k] is not None)
            system = [r for r in rs if r["has_prevention_system"] is not None]
            return [_share(sum(1 for r in system if r["has_prevention_system"]), len(system)),
                    _share(tot("with_iom"), tot("iom_needed")),
                    _share(tot("failing_in_extra_classes"), tot("failing"))]
        cats = ["сформирована система профилактики", "разработан ИОМ", "посещают доп. занятия"]
        if prev_rows:
            series[f"{labels.HALVES[half]} {typography.academic_year_short(ay - 1)}"] = pooled(prev_rows)
        series[f"{labels.HALVES[half]} {typography.academic_year_short(ay)}"] = pooled(cur_rows)
    catalogue = load_catalogue(cfg)
    return {
        "names": _names(data, mun),
        "schools_total": len(cur),
        "reported": cur_rows,
        "not_reported": [s for s in cur if not s["reported"]],
        "no_system": [s for s in cur if s["no_system"]],
        "iom_gap": [s for s in cur if s["iom_gap"]],
        "extra_gap": [s for s in cur if s["extra_gap"]],
        "prevention_by_school": cur,
        "charts": {"prevention": ("grouped_shares", cats, series, "Показатели профилактики учебной неуспешности, %")
                   if series else None},
        "recommendations": _prevention_recommendations(cur, catalogue),
        "recommendations_title": f"общеобразовательным организациям по итогам {'I' if half == 1 else 'II'} "
                                 "полугодия (профилактика учебной неуспешности)",
        "indicators": indicators,
    }


def january_context(data: dict, ay: int, mun: str, cfg) -> dict:
    """Seed 003 §4.3–4.4: prevention of academic failure, first half of AY."""
    ctx = _prevention_common(data, ay, mun, 1, cfg)
    return {**ctx, "prevention": ctx["indicators"]}


def june_context(data: dict, ay: int, mun: str, cfg) -> dict:
    """Seed 003 §4.3–4.5 and SPEC §4.8: both halves, the effectiveness analysis, the plan."""
    ctx = _prevention_common(data, ay, mun, 2, cfg)
    rows = ctx["indicators"]
    half1 = {s["school_code"]: s for s in prevention_schools(data.get("prevention_schools", {}).get(mun, []), ay, 1)}
    for s in ctx["prevention_by_school"]:
        h = half1.get(s["school_code"])
        s["half1_failing_pct"] = h["failing_pct"] if h else None
        s["half1_no_system"] = h["no_system"] if h else None
    plan = _plan_for(data, mun)
    return {
        **ctx,
        "half1": [r for r in rows if r["half"] == 1],
        "half2": [r for r in rows if r["half"] == 2],
        "system_built": [s for s in ctx["prevention_by_school"] if s["half1_no_system"] and not s["no_system"]
                         and s["reported"]],
        "plan": plan,
        "plan_done": [m for m in plan if m["status"] == "done"],
        "overdue": [m for m in plan if m["status"] == "overdue"],
        "reference_date": plan[0]["reference_date"] if plan and "reference_date" in plan[0] else None,
        "plan_sections": _plan_sections(plan),
    }


def _plan_sections(plan: list[dict]) -> list[dict]:
    sections: list[dict] = []
    for r in plan:
        if not sections or sections[-1]["section"] != r["section"]:
            sections.append({"section": r["section"], "measures": []})
        sections[-1]["measures"].append(r)
    for s in sections:
        s["total"] = len(s["measures"])
        s["counts"] = {k: sum(1 for m in s["measures"] if m["status"] == k) for k in PLAN_STATUSES}
    return sections


# -- the plan of measures (seed 000) -----------------------------------------------------

def _measure_order(no) -> tuple:
    text = str(no or "")
    return tuple(int(p) if p.isdigit() else 10**6 for p in text.replace(")", "").split(".") if p) or (10**6,)


def plan_context(data: dict, ay: int, mun: str, cfg) -> dict | None:
    """The plan report's rows, or None when `mart_plan_status` is absent or empty for AY."""
    rows = _plan_for(data, mun)
    if not rows:
        return None
    sections = _plan_sections(rows)
    totals = {k: sum(s["counts"][k] for s in sections) for k in PLAN_STATUSES}
    chart = ("stacked_statuses", [s["section"] for s in sections],
             {title: [s["counts"][code] for s in sections] for code, title in PLAN_STATUSES.items()
              if totals[code]},
             "Мероприятия по разделам плана: число по статусам")
    return {"sections": sections, "totals": totals, "total": len(rows), "statuses": PLAN_STATUSES,
            "ay": rows[0]["ay"], "reference_date": rows[0].get("reference_date"),
            "overdue": [r for r in rows if r["status"] == "overdue"], "charts": {"plan": chart},
            "definitions_version": rows[0].get("definitions_version")}


CONTEXTS = {"september": september_full_context, "october": october_context,
            "january": january_context, "june": june_context}
MAIN = {"september": "shnor", "october": "risk", "january": "prevention", "june": "prevention"}


# -- dates, numbers and the signature: the cycle's, from the configuration ----------------

def document_date(cfg, cycle: str, ay: int, municipality: str, today: date | None = None) -> date:
    """The date of a cycle's documents: [report.municipalities.<code>].dates.<cycle>, else
    [report.dates].<cycle> (month-day; September and October in the AY's first calendar
    year, January and June in its second). Never the day of the run; `today` (tests,
    a hand-made reissue) overrides both."""
    if today is not None:
        return today
    report = cfg["report"]
    own = (report.get("municipalities", {}).get(municipality, {}) or {}).get("dates", {})
    text = own.get(cycle) or report.get("dates", {}).get(cycle) or DEFAULT_DATES[cycle]
    if len(text) == 10:
        return date.fromisoformat(text)
    month, day = (int(x) for x in text.split("-"))
    return date(ay if cycle in ("september", "october") else ay + 1, month, day)


DEFAULT_DATES = {"september": "09-15", "october": "10-31", "january": "01-20", "june": "06-10"}


def document_number(cfg, cycle: str, municipality: str) -> str:
    report = cfg["report"]
    own = (report.get("municipalities", {}).get(municipality, {}) or {}).get("numbers", {})
    return own.get(cycle) or report.get("numbers", {}).get(cycle) or "__________"
