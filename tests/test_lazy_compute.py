"""Lazy compute: a cycle builds only the staging/intermediate models its marts read (the
dependency graph read from the SQL files), and its marts are the same, row for row, as
those of a warehouse where every model was built (the eager way).

The inbox is the documents' hand-made municipality (tests/report_fixture.py: ВПР 2021–2022,
ОГЭ 2022, context 2023) plus prevention reports (2022 half 2, 2023 halves 1–2) and a plan
of measures for 2023, so that every one of the four cycles has rows to compare.
"""

from __future__ import annotations

import pytest

from edumon.config import load_config
from tasks import indicators
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import compute_copy, write_csv
from tests.report_fixture import AY, write_inbox

CYCLES = ("september", "october", "january", "june")


def prevention(code, half, system, total, weak, failing, iom, extra):
    return {"school_code": code, "half": half, "has_prevention_system": system, "students_total": total,
            "low_achieving": weak, "failing": failing, "with_iom": iom, "failing_in_extra_classes": extra}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One warehouse with every source every cycle reads, ingested once."""
    root = tmp_path_factory.mktemp("lazy")
    inbox = write_inbox(root / "inbox")
    write_csv(inbox / "2022" / "prevention" / "p.csv", [prevention("a1", 2, "да", 100, 10, 4, 7, 1),
                                                        prevention("b2", 2, "нет", 200, 20, 8, 2, 4)])
    write_csv(inbox / str(AY) / "prevention" / "p.csv", [
        prevention("a1", 1, "да", 100, 10, 5, 6, 4), prevention("b2", 1, "нет", 200, 20, 10, 3, 2),
        prevention("a1", 2, "да", 100, 8, 2, 10, 2), prevention("c3", 2, "да", 150, 16, 6, 12, 6)])
    write_csv(inbox / str(AY) / "plan" / "plan.csv", [
        {"measure_no": "1", "section": "Нормативное обеспечение", "title": "Программа",
         "responsible": "Департамент", "due": "I квартал 2024", "status": "выполнено"},
        {"measure_no": "2", "section": "Методическое сопровождение", "title": "Совещание",
         "due": "Июнь – август 2024", "status": ""}])
    cfg = load_config()
    warehouse = root / "loaded.duckdb"
    con = connect(warehouse)
    try:
        for cycle in CYCLES:
            for source, offsets in cfg["cycles"][cycle]["sources"].items():
                for o in offsets:
                    rep = ingest_source(con, inbox, source, AY + o, "test-run", cfg)
                    assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    finally:
        con.close()
    return inbox, warehouse, cfg


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'main'").fetchall()}


NO_INPUT_IN_FIXTURE = {"mart_assessment_results", "mart_shnsu", "mart_curators", "mart_plan_checkpoint"}


@pytest.mark.parametrize("cycle", CYCLES)
def test_lazy_marts_equal_eager_marts_row_for_row(loaded, tmp_path, cycle):
    eager, marts, _ = compute_copy(loaded, tmp_path, cycle, AY, lazy=False)
    lazy, _, _ = compute_copy(loaded, tmp_path, cycle, AY, lazy=True)
    try:
        for name in sorted({m for m, _ in marts}):
            cols = [r[0] for r in eager.execute(f"DESCRIBE {name}").fetchall()]
            assert cols == [r[0] for r in lazy.execute(f"DESCRIBE {name}").fetchall()], name
            a = eager.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
            b = lazy.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
            assert a == b, name
            # the fixture sends none of the other assessments, ШНСУ or curator lists, nor a plan of the year before
            assert a or name in NO_INPUT_IN_FIXTURE or cycle == "october" and name == "mart_objectivity_flags", \
                f"{name}: no rows to compare"
    finally:
        eager.close()
        lazy.close()


# Worked by hand from the FROM/JOIN names of sql/*.sql:
#   september marts → procedure results (ВПР school stats ← participant stats ← participant
#   marks; ГИА first attempts), the ШНОР list and working list, ШВОР; risk monitoring reads
#   `mart_risk_schools` (created empty when October never ran), which reads the context.
#   Not read: the prevention indicators. Read by one model only, so inlined into it: the
#   participant marks (→ participant stats), participant stats (→ school stats), ГИА first
#   attempts (→ procedure results). The school stats have two readers (procedure results,
#   ШВОР); the procedure results and the ШНОР list are read by the documents' queries.
#   october → the risk marts and the objectivity flags: the flags read the participant marks
#   and stats and the ГИА first attempts themselves, so nothing is inlined.
#   january, june → only the prevention indicators and the schools.
MATERIALISED = {
    "september": ["stg_schools", "stg_context", "int_vpr_school_stats", "int_procedure_results", "int_shnor_list",
                  "int_shnor_working_list", "int_shvor_list"],
    "october": ["stg_schools", "stg_context", "int_vpr_participant_marks", "int_vpr_participant_stats",
                "int_vpr_school_stats", "int_gia_first_attempts", "int_procedure_results"],
    "january": ["stg_schools", "int_prevention_indicators"],
    "june": ["stg_schools", "int_prevention_indicators"],
}
INLINED = {"september": {"int_vpr_participant_marks": "int_vpr_participant_stats",
                         "int_vpr_participant_stats": "int_vpr_school_stats",
                         "int_gia_first_attempts": "int_procedure_results"},
           "october": {}, "january": {}, "june": {}}


@pytest.mark.parametrize("cycle", CYCLES)
def test_a_cycle_builds_only_the_models_its_marts_read(loaded, tmp_path, cycle):
    con, marts, built = compute_copy(loaded, tmp_path, cycle, AY, lazy=True)
    try:
        assert built == MATERIALISED[cycle]
        assert indicators.compute_plan(marts) == (MATERIALISED[cycle], INLINED[cycle])
        tables = _tables(con)
        for name in indicators.STAGING_MODELS:
            assert (name in tables) == (name in MATERIALISED[cycle]), name
    finally:
        con.close()


def test_an_inlined_model_leaves_no_stale_table_and_the_marts_stay_equal(loaded, tmp_path):
    """October materialises the ГИА first attempts; a September run after it inlines them
    and drops the October table rather than leave rows no run refreshed."""
    inbox, warehouse, cfg = loaded
    con, _, _ = compute_copy(loaded, tmp_path, "october", AY, lazy=True)
    try:
        assert "int_gia_first_attempts" in _tables(con)
        params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
        marts = [(m, AY + o) for m, o in cfg["cycles"]["september"]["marts"]]
        indicators.build_staging(con, params, marts)
        indicators.build_marts(con, marts, params)
        assert "int_gia_first_attempts" not in _tables(con)
        got = con.execute("SELECT * FROM mart_procedure_results ORDER BY ALL").fetchall()
    finally:
        con.close()
    eager, _, _ = compute_copy(loaded, tmp_path, "september", AY, lazy=False)
    try:
        assert got == eager.execute("SELECT * FROM mart_procedure_results ORDER BY ALL").fetchall()
        # a1's ОГЭ maths 2022: 4 of 12 first attempts below the minimum (report_fixture)
        assert eager.execute("SELECT participants, low_count FROM mart_procedure_results WHERE ay = 2022 "
                             "AND school_code = 'a1' AND procedure = 'oge_math'").fetchall() == [(12, 4)]
    finally:
        eager.close()


def test_january_does_not_build_the_vpr_participant_models(loaded, tmp_path):
    con, _, _ = compute_copy(loaded, tmp_path, "january", AY, lazy=True)
    try:
        tables = _tables(con)
        assert "mart_prevention_half1" in tables
        assert not tables & {"int_vpr_participant_marks", "int_vpr_participant_stats", "int_gia_first_attempts"}
    finally:
        con.close()


def test_the_graph_is_read_from_the_sql_and_the_build_order_follows_it():
    assert indicators.model_reads("int_procedure_results") == {"int_vpr_school_stats", "int_gia_first_attempts"}
    assert indicators.model_reads("int_shnor_working_list") == {"int_shnor_list", "stg_schools"}
    # a name in a comment only is not a dependency: mart_shnor_monitoring mentions `mart_shnor`
    assert "mart_shnor" not in indicators.model_reads("mart_shnor_monitoring")
    order = indicators.STAGING_MODELS
    for i, name in enumerate(order):
        assert indicators.model_reads(name) <= set(order[:i]), name
