"""The addressed recommendations list the catalogue's measures once, numbered, and each
school's page gives its deficits with the numbers of their measures (issue 10: the January
and June recommendations repeated the catalogue's text for every school with the same
deficit). The fixture of tests/report_fixture.py, October of AY 2023:

- a1 (СОШ № 1): teachers with ≥ 36 h 3 of 20 = 15,0 % > 10 % → keys staff_load36, staff
  (config/recommendations.yaml: one measure each) → measures 1, 2.
- b2 (СОШ № 2): no computers enough → computers_enough, material (one each) → 3, 4;
  ВПР maths 4 5 of 20 = 25,0 % → vpr_math (2), vpr (2), results (1) → 5, 6, 7, 8, 9;
  ВПР Russian 4 4 of 20 = 20,0 % → vpr_russian (2: the new 10, 11) and the vpr and results
  measures already listed (7, 8, 9) → 7, 8, 9, 10, 11.
So the list has 11 measures, each printed once.
"""

from __future__ import annotations

import lxml.html

from tasks import report_contexts
from tests.report_fixture import AY, build


def _rows(table) -> list[list[str]]:
    return [[" ".join(c.text_content().split()) for c in tr.xpath("./td")] for tr in table.xpath(".//tbody/tr")]


def test_measures_listed_once_and_named_by_number_per_school(tmp_path):
    *_, docs, _ = build(tmp_path, "october", formats=("html",))
    html = docs[f"reports/mo1/{AY}/october/recommendations.html"].decode("utf-8")
    root = lxml.html.document_fromstring(html)
    tables = root.xpath("//table")
    listed = _rows(tables[0])
    assert [r[0] for r in listed] == [str(i) for i in range(1, 12)]
    assert listed[0][1].startswith("Перераспределить учебную нагрузку")                 # staff_load36
    assert listed[2][1].startswith("Перераспределить компьютерную технику")             # computers_enough
    assert listed[9][1].startswith("Проанализировать орфографические и пунктуационные")  # vpr_russian
    # every measure's text once in the document, though b2's two ВПР deficits share three of them
    for r in listed:
        assert html.count(r[1][:60]) == 1, r[1]
    a1, b2 = _rows(tables[1]), _rows(tables[2])
    assert [r[-1] for r in a1] == ["1, 2"]
    assert [r[-1] for r in b2] == ["3, 4", "5, 6, 7, 8, 9", "7, 8, 9, 10, 11"]
    headings = [" ".join(h.text_content().split()) for h in root.xpath("//h2")]
    assert headings == ["Перечень рекомендуемых мер", "1. МБОУ «СОШ № 1»", "2. МБОУ «СОШ № 2»"]


def test_general_measures_are_those_no_deficit_answers():
    def m(text, key):
        return {"measure": text, "key": key, "deficit": key, "responsible": "", "due": ""}

    recs = [{"school_code": "x", "deficits": [{"keys": ["vpr_math", "vpr"]}],
             "measures": [m("общая", "shnor"), m("по математике", "vpr_math"), m("по ВПР", "vpr")]},
            {"school_code": "y", "deficits": [{"keys": ["oge"]}],
             "measures": [m("общая", "shnor"), m("по ОГЭ", "oge")]}]
    listed = report_contexts.numbered_measures(recs)
    assert [(x["no"], x["measure"]) for x in listed] == [(1, "общая"), (2, "по математике"), (3, "по ВПР"),
                                                          (4, "по ОГЭ")]
    assert recs[0]["deficits"][0]["measure_nos"] == [2, 3] and recs[0]["general_nos"] == [1]
    assert recs[1]["deficits"][0]["measure_nos"] == [4] and recs[1]["general_nos"] == [1]
