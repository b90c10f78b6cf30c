"""The generator's planted cases (edumon/sample/planted.py) come out of the real SQL as
worked by hand below, and the справки name them with reasons.

The expected lists are worked here from the planted counts (seed 003 §2.1: a procedure is
low at ≥ 30 % «2» / below the minimum; ШНОР of L = two low in L−1, or low in L−1 and in
L−2; §3.2: ВПР «2» ≥ 20 % in two procedures, staff / contingent / failing above 10 %,
any material item «нет»), not taken from the generator:
- shnor_c1: L−1 ВПР математика 5 10/25 = 40 %, ОГЭ математика 7/20 = 35 % → criterion 1;
- shnor_c2_any: L−1 ВПР русский 6 6/20 = 30,0 %, L−2 ВПР математика 6 8/22 = 36,4 % → criterion 2;
- shnor_c2_same: ОГЭ русский L−1 8/25 = 32 %, L−2 9/24 = 37,5 % → criterion 2;
- near_miss: 7/24 = 29,17 % twice → not low; retake_only: 5/25 = 20 % → not low;
- left_list: two low in L−2 → ШНОР in L−1, none in L−1 → «left» in L;
- risk: risk_material (chemistry lab «нет»), risk_staff (4/39 = 10,26 %), risk_no_diploma
  (1 > 0), risk_contingent (55/500 = 11 %), risk_results (ВПР 4 матем. 20 %, 8 рус. 25 %),
  risk_failing (44/400 = 11 %), primary_two_high (25 % and 20 %); not: staff_exact_10
  (3/30 = 10 %), contingent_exact_10 (48/480 = 10 %), primary_one_high (one procedure).
"""

from __future__ import annotations

from datetime import date

import pytest

from edumon.generate import generate
from reports import typography
from tasks.render import render_spravki
from tests.helpers import compute, rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    planted = generate(inbox, seed=7, schools=24, years=(2020, 2023))
    ay = planted["ay"]
    wh = tmp_path_factory.mktemp("wh") / "w.duckdb"
    con, cfg = compute(inbox, wh, "september", ay)
    con.close()
    con, cfg = compute(inbox, wh, "october", ay)
    yield planted, con, cfg
    con.close()


SHNOR = {"shnor_c1": "1", "shnor_c2_any": "2", "shnor_c2_same": "2"}  # case → criterion, AY L
LIST_CHANGE = {"shnor_c1": "entered", "shnor_c2_any": "entered", "shnor_c2_same": "entered", "left_list": "left"}
RISK = {"risk_material": ["material"], "risk_staff": ["staff"], "risk_no_diploma": ["staff"],
        "risk_contingent": ["contingent"], "risk_results": ["results"], "risk_failing": ["results"],
        "primary_two_high": ["results"]}


def test_every_planted_case_is_found_and_no_other_school(demo):
    planted, con, _ = demo
    ay = planted["ay"]
    shnor = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shnor WHERE ay = ?", ay)}
    risk = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_risk_schools WHERE ay = ?", ay)}
    code = {c["case"]: c["code"] for c in planted["cases"]}
    assert len(code) == 18
    for case, c in code.items():
        assert shnor[c]["is_shnor"] == (case in SHNOR), case
        assert shnor[c]["criterion"] == SHNOR.get(case), case
        assert shnor[c]["list_change"] == LIST_CHANGE.get(case), case
        assert risk[c]["is_risk"] == (case in RISK), case
        assert sorted(risk[c]["risk_sections"]) == RISK.get(case, []), case
    others = set(shnor) - set(code.values())
    assert others and not any(shnor[c]["is_shnor"] or risk[c]["is_risk"] for c in others)


def test_planted_json_says_what_was_worked_by_hand(demo):
    """planted.json (what the demo shows a user about its sample) agrees with the lists above."""
    planted, _, _ = demo
    for c in planted["cases"]:
        e = c["expect"]
        assert (e["shnor"], e["criterion"], e["list_change"]) == (c["case"] in SHNOR, SHNOR.get(c["case"]),
                                                                  LIST_CHANGE.get(c["case"])), c["case"]
        assert (e["risk"], e["risk_sections"]) == (c["case"] in RISK, RISK.get(c["case"], [])), c["case"]


def test_spravki_name_the_planted_schools_with_reasons(demo):
    planted, con, cfg = demo
    ay = planted["ay"]
    run = {"run_id": "t", "definitions_version": cfg.definitions_version, "small_group_below": 10}
    names = {r["school_code"]: r["short_name"] for r in rows(con, "SELECT * FROM stg_schools")}
    sep = render_spravki(con, ay, "september", cfg, run, today=date(2023, 9, 15))
    html = sep[f"reports/mo01/{ay}/september/spravka.html"].decode()
    assert "15 сентября 2023 г." in html
    for c in planted["cases"]:
        if c["expect"]["shnor"]:
            # the name with «№» tied to its number; the code only in the XLSX (issue 10)
            assert typography.tie(names[c["code"]]) in html and c["code"] not in html
    assert "ВПР, русский язык, 6 класс — 30,0\u00a0%" in html  # shnor_c2_any: exactly 30 % in L−1
    octo = render_spravki(con, ay, "october", cfg, run)
    html = octo[f"reports/mo01/{ay}/october/spravka.html"].decode()
    for c in planted["cases"]:
        if c["expect"]["risk"]:  # names only in the risk table too (issue 10)
            assert typography.tie(names[c["code"]]) in html and c["code"] not in html
    assert "лабораторное оборудование по химии" in html


def test_self_diagnostics_list_names_only_unexplained_sharp_improvements(demo):
    """Issue 13: the demo's objectivity list. The generator writes no participant files and its
    journal shares stay under 5 % «повысили», so the only sign it can show is an improvement:
    the two planted schools whose ВПР «2» share was high in L−2 and normal in L−1 (left_list:
    ВПР математика 5, 7 of 20 → 2 of 36; shnor_c2_any: ВПР математика 6, 8 of 22 → 1 of 26)
    while their ОГЭ and КДР did not move. No school is listed because its «2» share rose."""
    planted, con, _ = demo
    ay = planted["ay"]
    code = {c["case"]: c["code"] for c in planted["cases"]}
    got = {(r["school_code"], r["grade"], r["subject"]): r["flags"] for r in rows(
        con, "SELECT school_code, grade, subject, flags FROM mart_objectivity_flags WHERE ay = ? AND is_flagged", ay - 1)}
    assert got == {(code["left_list"], 5, "math"): ["improvement"],
                   (code["shnor_c2_any"], 6, "math"): ["improvement"]}
    assert rows(con, """SELECT count(*) AS n FROM mart_objectivity_flags
                        WHERE ay = ? AND share2_change_pp > 0 AND is_flagged""", ay - 1) == [{"n": 0}]
