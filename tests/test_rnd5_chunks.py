"""Rendering reads the cycle a chunk of municipalities at a time ([report].chunk_municipalities,
issue 10's memory bound): a chunk's reads hold only its municipalities' rows, and the
documents are the same as from one read of the whole cycle. The fixture of
tests/report_fixture.py: mo1 «Город Первый» (a1, b2), mo2 «Посёлок Второй» (c3)."""

from __future__ import annotations

import copy

import pytest

from tasks import render, report_queries
from tests.report_fixture import AY, TODAY, build


def _keys(data: dict) -> set:
    """Every municipality any read of the chunk returned (the regional plan's None aside)."""
    return {m for rows in data.values() if isinstance(rows, dict) for m in rows if m is not None}


@pytest.mark.parametrize("cycle", ["september", "october", "june"])
def test_chunked_reads_give_the_same_documents(tmp_path, cycle):
    con, cfg, run, whole, _ = build(tmp_path, cycle, with_plan=cycle == "september", formats=("html",))
    assert report_queries.cycle_municipalities(con, AY, cycle) == {"mo1": "Город Первый", "mo2": "Посёлок Второй"}

    # a chunk's read holds its municipality only; the two chunks together hold what one read holds
    one = report_queries.cycle_data(con, AY, cycle, cfg)
    first = report_queries.cycle_data(con, AY, cycle, cfg, ["mo1"])
    second = report_queries.cycle_data(con, AY, cycle, cfg, ["mo2"])
    assert _keys(one) == {"mo1", "mo2"}
    assert _keys(first) == {"mo1"} and _keys(second) == {"mo2"}
    for name, rows in one.items():
        if isinstance(rows, dict):
            for mun in ("mo1", "mo2"):
                part = first if mun == "mo1" else second
                assert part[name].get(mun, []) == rows.get(mun, []), (name, mun)
    assert [r["school_code"] for r in first["schools"]["mo1"]] == ["a1", "b2"]  # СОШ № 1, СОШ № 2 by name
    if cycle == "september":
        # the plan of the fixture is mo1's (3 measures), none of it in mo2's chunk
        assert len(first["plan"]["mo1"]) == 3 and second["plan"] == {}

    # the documents of a chunk of one municipality at a time are those of one read (whole: 0)
    chunked_cfg = copy.deepcopy(cfg)
    chunked_cfg["report"]["chunk_municipalities"] = 1
    chunked = render.render_spravki(con, AY, cycle, chunked_cfg, run, today=TODAY)
    whole_cfg = copy.deepcopy(cfg)
    whole_cfg["report"]["chunk_municipalities"] = 0
    assert render.render_spravki(con, AY, cycle, whole_cfg, run, today=TODAY) == whole
    assert sorted(chunked) == sorted(whole)
    assert f"reports/mo2/{AY}/{cycle}/spravka.html" in chunked
    for key in whole:
        assert chunked[key] == whole[key], key
