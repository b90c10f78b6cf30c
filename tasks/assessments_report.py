"""What the September справка shows of the other assessments and the target groups
(issue 14): the municipality's results of НИКО, ВсОШ, итоговое собеседование, functional
literacy and the international studies of the year that ended (`mart_assessment_results`,
totals by `sql/report_assessment_summary.sql`), the working list for addressed work with
its basis (`mart_shnor.in_working_list`, `working_list_basis`), ШВОР with its rule
(`mart_shvor`), ШНСУ (`mart_shnsu`) and the curator pairs (`mart_curators`).

SQL computes every figure; the rows are read with the cycle's other document queries
(tasks/report_queries.py::cycle_data); this module only puts Russian words on codes
(templates `_assessments.html.j2`, `_target_groups.html.j2`).
"""

from __future__ import annotations

from reports import labels

BASIS = {"both": "в обоих перечнях (по методике и ФИОКО)", "ours": "только по методике муниципалитета",
         "official": "только в перечне ФИОКО"}
ASSESSMENT_ORDER = ["niko", "olympiad", "interview", "literacy", "intl_studies"]


def _assessment_groups(rows: list[dict]) -> list[dict]:
    groups = []
    for code in ASSESSMENT_ORDER:
        items = [dict(r, title=labels.assessment_procedure_title(r["procedure"])) for r in rows
                 if r["assessment"] == code]
        if items:
            groups.append({"code": code, "title": labels.ASSESSMENTS[code], "rows": items})
    return groups


def september_context(data: dict, ay: int, mun: str, cfg) -> dict:
    shnor_rows = data.get("shnor", {}).get(mun, [])
    working = [dict(r, basis_text=BASIS.get(r.get("working_list_basis"), "")) for r in shnor_rows
               if r.get("in_working_list")]
    shvor_rows = data.get("shvor", {}).get(mun, [])
    shnsu_rows = data.get("shnsu", {}).get(mun, [])
    pairs = [dict(r, status_text=labels.PAIR_STATUSES.get(r["pair_status"], r["pair_status"]))
             for r in data.get("curators", {}).get(mun, [])]
    return {
        "assessment_groups": _assessment_groups(data.get("assessment_summary", {}).get(mun, [])),
        "assessment_rules": cfg["assessments"],
        "working_list": working,
        "working_list_mode": cfg["shnor"].get("working_list", "union"),
        "working_official_only": [r for r in working if r.get("working_list_basis") == "official"],
        "shvor_rules": cfg["shvor"],
        "shvor": [r for r in shvor_rows if r["is_shvor"]],
        "shvor_known": bool(shvor_rows) and not all(r["no_data"] for r in shvor_rows),
        "shnsu": [r for r in shnsu_rows if r["is_shnsu"]],
        "shnsu_loaded": any(r["shnsu_list_loaded"] for r in shnsu_rows),
        "curator_pairs": [r for r in pairs if r["has_curator"]],
        "curator_missing": [r for r in pairs if not r["has_curator"]],
        "curator_flagged": [r for r in pairs if r["pair_status"] in ("curator_not_shvor", "not_shnor")],
        "curators_loaded": data["curators_loaded"] if "curators_loaded" in data else
        any(r["has_curator"] for rows in data.get("curators", {}).values() for r in rows),
    }
