"""Per-AY laziness: a cycle builds each staging model only over the AYs its marts and
documents read, lookbacks included (tasks/indicators.py::ay_windows), and its marts are
the same, row for row, as those of a warehouse where every model was built over every AY.

The warehouse holds more history than any cycle declares: beside the documents' hand-made
municipality (tests/report_fixture.py) and the sources every cycle reads, ВПР of AY 2014
(nine years before 2023), 2019 and 2020 and ОГЭ of 2014 and 2019. Figures worked by hand:
- a1 ВПР maths 5: 9 of 20 «2» (45 %) in 2020 and 8 of 20 (40 %) in 2019 → low in both
  years, so a1 is on the ШНОР list of 2021 (criterion 2). The monitoring of AY 2022
  (a September mart) compares the lists of 2022 and 2021: the 2019 results matter to
  September, though it declares ГИА and ВПР back to 2020 only.
- AY 2014 is outside every window (September: 2023 − 4 documents' years − 2 the ШНОР list's
  lookback = 2017), so no lazy model holds it, while the eager build does.
"""

from __future__ import annotations

import pytest

from edumon.config import load_config
from tasks import indicators
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import compute_copy, write_csv
from tests.report_fixture import AY, stats, write_inbox

CYCLES = ("september", "october", "january", "june")
EXTRA = {"vpr_stats": (2014, 2019, 2020), "gia": (2014, 2019)}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("window")
    inbox = write_inbox(root / "inbox")
    write_csv(inbox / "2020" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 9), stats("b2", 5, "math", 20, 1)])
    write_csv(inbox / "2019" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 8), stats("b2", 5, "math", 20, 6)])
    write_csv(inbox / "2014" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 10), stats("c3", 5, "math", 20, 7)])
    # ОГЭ 2014: outside every window; in September the first attempts are inlined into the
    # procedure results, so the shadowed raw table sits inside an inlined model
    write_csv(inbox / "2014" / "gia" / "g.csv", [
        {"participant_id": f"ANCIENT-{i:03d}", "school_code": "c3", "exam": "oge", "subject": "math",
         "period": "main", "is_retake": "нет", "category": "current", "primary_score": 3, "mark": 2}
        for i in range(10)])
    write_csv(inbox / "2019" / "gia" / "g.csv", [
        {"participant_id": f"OLD-{i:03d}", "school_code": "b2", "exam": "oge", "subject": "math",
         "period": "main", "is_retake": "нет", "category": "current", "primary_score": 3 if i < 5 else 12,
         "mark": 2 if i < 5 else 4} for i in range(12)])
    cfg = load_config()
    warehouse = root / "loaded.duckdb"
    con = connect(warehouse)
    try:
        loads = {(s, AY + o) for c in CYCLES for s, offs in cfg["cycles"][c]["sources"].items() for o in offs}
        loads |= {(s, y) for s, years in EXTRA.items() for y in years}
        for source, ay in sorted(loads):
            rep = ingest_source(con, inbox, source, ay, "test-run", cfg)
            assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    finally:
        con.close()
    return inbox, warehouse, cfg


def _marts(con, marts) -> dict[str, list]:
    names = sorted({m for m, _ in marts})
    return {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in names}


def _ays(con, table: str) -> list[int]:
    return [r[0] for r in con.execute(f"SELECT DISTINCT ay FROM {table} ORDER BY ay").fetchall()]


@pytest.mark.parametrize("cycle", CYCLES)
def test_windowed_marts_equal_eager_marts_on_a_long_history(loaded, tmp_path, cycle):
    eager, marts, _ = compute_copy(loaded, tmp_path, cycle, AY, lazy=False)
    lazy, _, _ = compute_copy(loaded, tmp_path, cycle, AY, lazy=True)
    try:
        a, b = _marts(eager, marts), _marts(lazy, marts)
        for name in a:
            assert a[name] == b[name], name
    finally:
        eager.close()
        lazy.close()


def test_september_holds_only_the_years_it_reads(loaded, tmp_path):
    eager, _, _ = compute_copy(loaded, tmp_path, "september", AY, lazy=False)
    lazy, marts, _ = compute_copy(loaded, tmp_path, "september", AY, lazy=True)
    try:
        assert _ays(eager, "int_vpr_school_stats") == [2014, 2019, 2020, 2021, 2022]
        assert _ays(lazy, "int_vpr_school_stats") == [2019, 2020, 2021, 2022]
        assert _ays(lazy, "int_procedure_results") == [2019, 2020, 2021, 2022]
        # the ШНОР list of 2021 (from 2020 and 2019, a1 low in both) is read by the monitoring
        # of 2022; the list of 2016 (from 2014 and 2015) by nothing: not built
        assert 2021 in _ays(lazy, "int_shnor_list") and 2016 in _ays(eager, "int_shnor_list")
        assert 2016 not in _ays(lazy, "int_shnor_list")
        a1 = lazy.execute("SELECT is_shnor, criterion_2 FROM int_shnor_list WHERE ay = 2021 AND school_code = 'a1'")
        assert a1.fetchall() == [(True, True)]
        windows = indicators.ay_windows(marts, load_config().sql_params())
        # procedure results: the documents read 2023 − 4 … 2023 and the ШНОР lists of those
        # years two more back → 2017; ШВОР (two years) is within it
        assert windows["int_procedure_results"] == (2017, 2023)
        assert windows["int_shnor_list"] == (2019, 2023)
        # only a raw table holding AYs outside a model's window is filtered (ВПР and ГИА 2014
        # here); ВПР participants (none in the fixture) are read as they are
        assert indicators._to_shadow(lazy, windows) == {"int_vpr_school_stats": ["raw_vpr_stats"],
                                                        "int_gia_first_attempts": ["raw_gia"]}
        assert _ays(eager, "int_gia_first_attempts") == [2014, 2019, 2022]
        assert lazy.execute("SELECT count(*) FROM int_procedure_results WHERE school_code = 'c3' "
                            "AND procedure = 'oge_math'").fetchone()[0] == 0
    finally:
        eager.close()
        lazy.close()


def test_without_the_lookbacks_the_marts_would_differ(loaded, tmp_path, monkeypatch):
    """The fixture's history matters: with every lookback (and the documents' years) set
    to 0 the September marts are no longer the eager ones — so the equality above is not
    vacuous."""
    eager, marts, _ = compute_copy(loaded, tmp_path, "september", AY, lazy=False)
    monkeypatch.setattr(indicators, "lookback", lambda name, params: 0)
    monkeypatch.setattr(indicators, "DOCUMENT_LOOKBACK", 0)
    narrow, _, _ = compute_copy(loaded, tmp_path, "september", AY, lazy=True, tag="-narrow")
    try:
        a, b = _marts(eager, marts), _marts(narrow, marts)
        assert [n for n in a if a[n] != b[n]]
    finally:
        eager.close()
        narrow.close()


def test_every_model_naming_an_ay_offset_declares_its_lookback():
    """A model or mart whose SQL reads another AY than its own (`ay - 1`, `$ay - 1`,
    `ay + 2`, `BETWEEN y.ay - …`) declares `-- @lookback`: otherwise its window would be
    too narrow and nothing would say so."""
    import re

    from edumon.config import SQL_DIR
    from tasks.warehouse import model_sql

    offset = re.compile(r"\bay\s*[-+]\s*(\d|\$)|\$ay\s*[-+]")
    missing = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        name = path.stem
        if not name.startswith(("int_", "mart_")):
            continue
        sql = model_sql(name)
        code = re.sub(r"--[^\n]*", "", sql)
        code = re.sub(r"'[^']*'", "''", code)  # AYs in Russian texts («за $ay − 1 год») are not reads
        if offset.search(code) and not re.search(r"^--\s*@lookback\s", sql, re.MULTILINE):
            missing.append(name)
    assert missing == []
