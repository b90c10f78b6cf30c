"""ГИА's set-level rule `one_first_attempt` recorded per source-year (`ingest_set_rules`) and
sql/int_gia_first_attempts.sql skipping its sort of the keys for the AYs with the record.

The load records the rule when it ran over every staged row of the AY (the AY's rows are
replaced by exactly those rows, less the rejected ones); the record goes with the AY's rows
(`delete_ay`), so a load by the pandas path, or a warehouse of an earlier release, has none
and the model sorts that AY as before. Every expected figure is worked out here by hand.
"""

from __future__ import annotations

import dataclasses

import pytest

from edumon.config import load_config
from schemas.sources import SOURCES
from tasks import indicators
from tasks.ingest import IngestError, ingest_source
from tasks.warehouse import connect
from tests.helpers import compute, rows, write_csv

AY = 2023  # September of 2023 reads ГИА of 2022 and 2021


def gia(pid, exam, subject, *, period="main", retake="нет", passed="", score=""):
    return {"participant_id": pid, "school_code": "s1", "exam": exam, "subject": subject, "period": period,
            "is_retake": retake, "category": "current", "test_score": score, "mark": "", "passed_min": passed}


@pytest.fixture
def inbox(tmp_path):
    root = tmp_path / "inbox"
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": "s1", "school_name": "Школа 1", "short_name": "Школа 1", "municipality_code": "mo01",
         "municipality_name": "Тестовый округ"}])
    # ОГЭ maths 2022: p0, p1 fail in the main period, p2–p9 pass
    write_csv(root / "2022" / "gia" / "gia.csv",
              [gia(f"p{i}", "oge", "math", passed="нет" if i < 2 else "да") for i in range(10)])
    # ЕГЭ Russian 2021: scores 20, 30, 35, 50; the shipped minimum is 24 (from 2014): one below
    write_csv(root / "2021" / "gia" / "gia.csv",
              [gia(f"f{i}", "ege", "russian", score=s) for i, s in enumerate((20, 30, 35, 50))])
    return root


def records(con) -> list[tuple]:
    return con.execute("SELECT source, ay, rule, run_id FROM ingest_set_rules ORDER BY ay").fetchall()


def first_attempts(con, ay) -> tuple[int, int]:
    """(rows, rows below the minimum) of int_gia_first_attempts in the AY."""
    return con.execute("SELECT count(*), count(*) FILTER (WHERE NOT passed_min) FROM int_gia_first_attempts "
                       "WHERE ay = ?", [ay]).fetchone()


def rebuild(con, overrides=None) -> None:
    cfg = load_config(overrides=overrides)
    indicators.build_staging(con, {**cfg.sql_params(), "definitions_version": cfg.definitions_version,
                                   "run_id": "test-run"})


def write_twice(con, ay, pid_row_filter: str, period: str, sets: str) -> None:
    """A second first attempt of one participant written behind the ingest's back (as a
    warehouse of an earlier release could hold it): the row copied with another period."""
    con.execute(f"INSERT INTO raw_gia__rows BY NAME SELECT * REPLACE ('{period}' AS period, {sets}, "
                f"_row + 100 AS _row) FROM raw_gia__rows WHERE ay = {ay} AND {pid_row_filter}")


def test_the_load_records_the_rule_for_each_ay(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    assert records(con) == [("gia", 2021, "one_first_attempt", "test-run"),
                            ("gia", 2022, "one_first_attempt", "test-run")]
    assert first_attempts(con, 2022) == (10, 2)
    assert first_attempts(con, 2021) == (4, 1)
    con.close()


def test_an_ay_without_the_record_is_sorted_and_its_earliest_period_counts(inbox, tmp_path):
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    # 2021: f0 (score 20, main) written again in the reserve period with 50; the record gone,
    # as in a warehouse of an earlier release
    write_twice(con, 2021, "test_score = 20", "reserve", "50.0 AS test_score")
    con.execute("DELETE FROM ingest_set_rules WHERE ay = 2021")
    # 2022: p0 (failed, main) written again in the reserve period, passed; the record kept
    write_twice(con, 2022, "passed_min = false AND _row = 2", "reserve", "true AS passed_min")
    rebuild(con)
    # 2021 sorted: f0's main attempt (20 < 24) counts, its reserve one not — 4 rows, 1 below
    # (5 rows if not sorted; 0 below if the reserve day won)
    assert first_attempts(con, 2021) == (4, 1)
    # 2022 with the record: the model trusts it and does not look for keys twice, so the row
    # written behind the ingest's back counts too — 11 rows, 2 below (only a load writes it)
    assert first_attempts(con, 2022) == (11, 2)
    # retakes counted: the record says nothing about them, every AY is sorted — 2022: p0's
    # main attempt (failed) wins, 10 rows, 2 below
    rebuild(con, {"gia": {"exclude_retakes": False}})
    assert first_attempts(con, 2022) == (10, 2)
    assert first_attempts(con, 2021) == (4, 1)
    con.close()


def test_the_record_lives_and_dies_with_the_ays_rows(inbox, tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    con, cfg = compute(inbox, path, "september", AY)
    folder = inbox / "2022" / "gia"
    # a rerun with a file added: p1 written again (main, not a retake) — both of p1's rows
    # rejected (2 of 11 rows, under the 20 % limit), the AY replaced, the rule recorded again
    write_csv(folder / "extra.csv", [gia("p1", "oge", "math", period="reserve", passed="да")])
    rep = ingest_source(con, inbox, "gia", 2022, "r2", cfg)
    assert (rep.rows_in, rep.rows_quarantined) == (11, 2)
    assert records(con) == [("gia", 2021, "one_first_attempt", "test-run"),
                            ("gia", 2022, "one_first_attempt", "r2")]
    rebuild(con)
    assert first_attempts(con, 2022) == (9, 1)  # p0 fails, p2–p9 pass
    # over the limit of rejects: 4 repeated participants (8 of 14 rows) — the AY's earlier rows
    # stay, and so does their record
    write_csv(folder / "extra.csv", [gia(f"p{i}", "oge", "math", period="reserve", passed="да")
                                     for i in range(1, 5)])
    with pytest.raises(IngestError):
        ingest_source(con, inbox, "gia", 2022, "r3", cfg)
    assert records(con)[1] == ("gia", 2022, "one_first_attempt", "r2")
    assert con.execute("SELECT count(*) FROM raw_gia WHERE ay = 2022").fetchone()[0] == 9
    # the pandas path replaces the AY without recording the rule: 2022's record is gone
    (folder / "extra.csv").unlink()
    monkeypatch.setitem(SOURCES, "gia", dataclasses.replace(SOURCES["gia"], bulk=False))
    ingest_source(con, inbox, "gia", 2022, "r4", cfg)
    assert records(con) == [("gia", 2021, "one_first_attempt", "test-run")]
    rebuild(con)
    assert first_attempts(con, 2022) == (10, 2)
    con.close()


def test_a_warehouse_made_before_has_no_record_and_keeps_the_sort(inbox, tmp_path):
    path = tmp_path / "w.duckdb"
    con, _ = compute(inbox, path, "september", AY)
    write_twice(con, 2021, "test_score = 20", "reserve", "50.0 AS test_score")
    con.execute("DROP TABLE ingest_set_rules")  # the layout of an earlier release
    con.close()
    con = connect(path)
    assert records(con) == []
    rebuild(con)
    assert first_attempts(con, 2021) == (4, 1)
    assert first_attempts(con, 2022) == (10, 2)
    con.close()
