"""Issue 12, session 5: the bulk ingest's set-level checks run on the candidate rows only,
and text values that type to themselves are typed in DuckDB. Expected values by hand."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from edumon.config import load_config
from schemas.contracts import formula_like, parse_column
from schemas.sources import SOURCES, Col
from tasks import bulk
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv


def _plain(values: list, col: Col) -> list[bool]:
    con = duckdb.connect()
    try:
        con.register("t", pd.DataFrame({"v": pd.Series(values, dtype=object)}))
        return [bool(x) if x is not None else None for (x,) in con.execute(
            f"SELECT {bulk._plain_sql(col)} FROM t").fetchall()]
    finally:
        con.close()


TEXT_VALUES = ["p2022000001", "а", "Иванов И.", "ab cd", " p1", "p1 ", "p1\u00a0", "\u2009p1", "=A1", "+7",
               "-1", "@x", "", "\x00formula\x00=1", "ёж", "x)", "line\nbreak", None]


def test_plain_text_values_by_hand():
    got = _plain(TEXT_VALUES, Col("participant_id", "text"))
    assert got == [True, True, False, True, False, False, False, False, False, False,
                   False, False, False, False, True, False, True, None]
    code = _plain(["sch080012", "s-1", "-s1", "s 1", "s1.", "Ш_12", "", None], Col("school_code", "code"))
    assert code == [True, True, False, False, False, True, False, None]
    # vocabularies, dates and numbers always go to the Python rule
    assert bulk._plain_sql(Col("exam", "text")) is None
    assert bulk._plain_sql(Col("d", "text", dates=True)) is None
    assert bulk._plain_sql(Col("n", "int")) is None


def test_a_plain_value_types_to_itself():
    """Every value the SQL calls plain is typed by parse_column to itself, unflagged."""
    for col in (Col("participant_id", "text"), Col("school_code", "code")):
        vals = [v for v, p in zip(TEXT_VALUES + ["s-1", "Ш_12"], _plain(TEXT_VALUES + ["s-1", "Ш_12"], col)) if p]
        raw = pd.Series(vals, dtype=object)
        values, bad, rule = parse_column(raw, col)
        assert values.tolist() == vals
        assert not pd.Series(bad).any()
        assert not formula_like(values, col).any()


def _gia_inbox(inbox):
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": c, "municipality_code": "m", "municipality_name": "М"}
        for c in ("s1", "s2")])
    folder = inbox / "2022" / "gia"
    folder.mkdir(parents=True)
    # row 2: p1 ОГЭ math main; row 3: the same key again (both rejected, once per key column);
    # row 4: p1 ОГЭ math reserve, not a retake -> a second first attempt with rows 2 and 3;
    # row 5: p2 ОГЭ math main; row 6: p2 ОГЭ math reserve as a retake -> fine;
    # row 7: p3 ЕГЭ physics, alone; row 8: « p4» (spaces typed away), row 9: «=A1» (a formula)
    pq.write_table(pa.table({
        "participant_id": ["p1", "p1", "p1", "p2", "p2", "p3", " p4", "=A1"],
        "school_code": ["s1", "s1", "s1", "s2", "s2", "s2", "s1", "s1"],
        "exam": ["oge", "oge", "oge", "oge", "oge", "ege", "oge", "oge"],
        "subject": ["math", "math", "math", "math", "math", "physics", "math", "math"],
        "period": ["main", "main", "reserve", "main", "reserve", "main", "main", "main"],
        "is_retake": [False, False, False, False, True, False, False, False],
    }), folder / "region_01.parquet")


def test_repeats_and_first_attempts_by_hand(tmp_path):
    inbox = tmp_path / "inbox"
    _gia_inbox(inbox)
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 90.0}})
    con = connect(tmp_path / "w.duckdb")
    ingest_source(con, inbox, "schools", None, "r0", cfg)
    rep = ingest_source(con, inbox, "gia", 2022, "r1", cfg)
    uniq = sorted({p.row for p in rep.problems if p.code == "multiple_fields_uniqueness"})
    assert uniq == [2, 3]
    # five key columns, none empty: five findings per repeated row
    assert len([p for p in rep.problems if p.code == "multiple_fields_uniqueness"]) == 2 * 5
    first = sorted(p.row for p in rep.problems if p.code == "one_first_attempt")
    assert first == [2, 3, 4]
    formula = [p for p in rep.problems if p.row == 9]
    assert formula and formula[0].column == "participant_id"
    assert rep.rows_in == 8 and rep.rows_quarantined == 4 and rep.rows_loaded == 4
    loaded = con.execute("SELECT _row, school_code, period FROM raw_gia ORDER BY _row").fetchall()
    assert loaded == [(5, "s2", "main"), (6, "s2", "reserve"), (7, "s2", "main"), (8, "s1", "main")]
    # the trimmed id « p4» hashes as «p4» would: 20 hex characters, no raw id in the table
    ids = [r[0] for r in con.execute("SELECT participant_id FROM raw_gia ORDER BY _row").fetchall()]
    assert all(len(i) == 20 for i in ids) and not {"p2", "p3", "p4"} & set(ids)
    con.close()
