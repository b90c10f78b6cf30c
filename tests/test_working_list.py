"""The working list for addressed work (`[shnor] working_list`): the rule's list, the ФИОКО
list or their union, and the ШНОР monitoring populations following it.

Every expected figure is worked out here by hand. Registry: one municipality, three schools.
  sO — on our list of AY 2022 by criterion 1: ВПР maths 5 and Russian 5 of 2021 at
       10/20 = 50 % each (two low procedures); not on the ФИОКО list.
  sF — not on our list (ВПР maths 5 of 2021 at 1/20 = 5 %), but the ФИОКО list of AY 2022
       names it: a ФИОКО-only school.
  sN — on neither list (ВПР maths 5 of 2021 at 2/20 = 10 %).
Staff monitoring of AY 2022:
  sO: 10 teachers, 4 diagnosed for subject deficits, 5 with PD courses;
  sF: 20 teachers, 10 diagnosed, 2 with PD courses;
  sN: 40 teachers, 40 diagnosed, 40 with PD courses (never in a ШНОР population).
So for AY 2022 (shnor_teachers_diag_subject; p500_teachers_pd):
  "ours":     population {sO}      → 4 / 10 = 40.0 %;          5 / 10 = 50.0 %
  "official": population {sF}      → 10 / 20 = 50.0 %;         2 / 20 = 10.0 %
  "union":    population {sO, sF}  → (4 + 10) / (10 + 20) = 14 / 30 = 46.67 %;
                                     (5 + 2) / 30 = 7 / 30 = 23.33 %
"""

from __future__ import annotations

import pytest

from edumon.config import load_config
from tasks import indicators
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import rows, write_csv

AY = 2022


def vpr(code, subject, n, m2):
    return {"school_code": code, "grade": 5, "subject": subject, "participants": n,
            "mark2": m2, "mark3": n - m2, "mark4": 0, "mark5": 0}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}",
         "municipality_code": "mo01", "municipality_name": "Тестовый округ"} for c in ("sO", "sF", "sN")])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [
        vpr("sO", "math", 20, 10), vpr("sO", "russian", 20, 10),
        vpr("sF", "math", 20, 1), vpr("sN", "math", 20, 2)])
    write_csv(root / str(AY) / "official_shnor" / "fioko.csv", [{"school_code": "sF"}])
    write_csv(root / str(AY) / "staff" / "s.csv", [
        {"school_code": "sO", "teachers_total": 10, "diag_subject": 4, "teachers_pd": 5},
        {"school_code": "sF", "teachers_total": 20, "diag_subject": 10, "teachers_pd": 2},
        {"school_code": "sN", "teachers_total": 40, "diag_subject": 40, "teachers_pd": 40}])
    return root


def _build(inbox, wh, working_list: str | None):
    cfg = load_config(overrides={"shnor": {"working_list": working_list}} if working_list else None)
    con = connect(wh)
    for source, ay in (("schools", AY), ("vpr_stats", AY - 1), ("official_shnor", AY), ("staff", AY)):
        rep = ingest_source(con, inbox, source, ay, "test-run", cfg)
        assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    indicators.build_staging(con, params)
    indicators.build_marts(con, [("mart_shnor", AY), ("mart_shnor_monitoring", AY),
                                 ("mart_project_500plus", AY)], params)
    return con


@pytest.fixture(scope="module", params=[None, "ours", "official", "union"])
def built(request, inbox, tmp_path_factory):
    con = _build(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb", request.param)
    yield request.param, con
    con.close()


def _indicator(con, mart, code):
    [r] = rows(con, f"SELECT * FROM {mart} WHERE ay = ? AND indicator_code = ?", AY, code)
    return r


EXPECTED = {
    # mode: (population, diag_subject num/den/%, teachers_pd num/den/%)
    "ours": (["sO"], (4, 10, 40.0), (5, 10, 50.0)),
    "official": (["sF"], (10, 20, 50.0), (2, 20, 10.0)),
    "union": (["sF", "sO"], (14, 30, 46.67), (7, 30, 23.33)),
}


def test_monitoring_population_follows_the_working_list(built):
    mode, con = built
    population, diag, pd = EXPECTED[mode or "union"]  # the default is "union"
    d = _indicator(con, "mart_shnor_monitoring", "shnor_teachers_diag_subject")
    assert (d["numerator"], d["denominator"], d["value_pct"]) == diag
    assert d["schools"] == population and d["shnor_total"] == len(population)
    p = _indicator(con, "mart_project_500plus", "p500_teachers_pd")
    assert (p["numerator"], p["denominator"], p["value_pct"]) == pd


def test_fioko_only_school_is_on_the_working_list_under_union_and_official(built):
    mode, con = built
    shnor = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_shnor WHERE ay = ?", AY)}
    # the rule's own columns never change with the working list
    assert shnor["sF"]["is_shnor"] is False and shnor["sF"]["official_comparison"] == "only_official"
    assert shnor["sO"]["is_shnor"] is True and shnor["sO"]["official_comparison"] == "only_ours"
    if mode == "ours":
        assert (shnor["sF"]["in_working_list"], shnor["sF"]["working_list_basis"]) == (False, None)
        assert (shnor["sO"]["in_working_list"], shnor["sO"]["working_list_basis"]) == (True, "ours")
    elif mode == "official":
        assert (shnor["sF"]["in_working_list"], shnor["sF"]["working_list_basis"]) == (True, "official")
        assert (shnor["sO"]["in_working_list"], shnor["sO"]["working_list_basis"]) == (False, None)
    else:
        assert (shnor["sF"]["in_working_list"], shnor["sF"]["working_list_basis"]) == (True, "official")
        assert (shnor["sO"]["in_working_list"], shnor["sO"]["working_list_basis"]) == (True, "ours")
    assert (shnor["sN"]["in_working_list"], shnor["sN"]["working_list_basis"]) == (False, None)


def test_unknown_working_list_is_refused(inbox, tmp_path):
    import duckdb

    with pytest.raises(duckdb.Error, match="working_list"):
        _build(inbox, tmp_path / "w.duckdb", "both_lists")
