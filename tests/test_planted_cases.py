"""The generator's planted cases (edumon/generate.py writes what each school must be,
in planted.json) come out of the real SQL and the справки name them with reasons."""

from __future__ import annotations

import json
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


def test_every_planted_case_is_found_and_no_other_school(demo):
    planted, con, _ = demo
    ay = planted["ay"]
    shnor = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shnor WHERE ay = ?", ay)}
    risk = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_risk_schools WHERE ay = ?", ay)}
    expected = {c["code"]: c["expect"] for c in planted["cases"]}
    for code, e in expected.items():
        assert shnor[code]["is_shnor"] == e["shnor"], code
        assert shnor[code]["criterion"] == e["criterion"], code
        assert shnor[code]["list_change"] == e["list_change"], code
        assert risk[code]["is_risk"] == e["risk"], code
        assert sorted(risk[code]["risk_sections"]) == sorted(e["risk_sections"]), code
    others = set(shnor) - set(expected)
    assert others and not any(shnor[c]["is_shnor"] or risk[c]["is_risk"] for c in others)


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
        if c["expect"]["risk"]:
            assert c["code"] in html
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
