"""The ГИА first attempts' two ways of reading the counted rows (sql/int_gia_first_attempts.sql):
with no key written twice every row is its own first attempt and is read without its key;
with a key written twice anywhere (here only in AY 2022) every AY goes through the anti and
semi joins. Either way each first attempt counts once, in every AY. The inbox is the one of
tests/test_comp_first_attempts.py; every figure is worked out here by hand.
"""

from __future__ import annotations

from tests.helpers import compute, rows
from tests.test_comp_first_attempts import AY, inbox, procedure  # noqa: F401 (the fixture)

# p0–p3 wrote ОГЭ maths in the main period (failed) and again in the additional one (passed):
# counted only once retakes and the additional period count
TWICE = {"gia": {"exclude_retakes": False, "count_periods": ["main", "reserve", "additional"]}}


def test_no_key_twice_each_row_counts_once(inbox, tmp_path):  # noqa: F811
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    # default filters: no key is written twice. 2022: p0–p9 main, 4 failed; 2021 ЕГЭ Russian
    # scores 20, 30, 35, 50 with the minimum 24: one below
    assert procedure(con, 2022, "oge_math") == (10, 4, 40.0)
    assert procedure(con, 2021, "ege_russian") == (4, 1, 25.0)
    # 10 ОГЭ + 4 ЕГЭ rows in 2022, 4 ЕГЭ rows in 2021: no row twice, none lost
    assert rows(con, "SELECT ay, count(*) AS n FROM int_gia_first_attempts GROUP BY ay ORDER BY ay") == [
        {"ay": 2021, "n": 4}, {"ay": 2022, "n": 14}]
    con.close()


def test_a_key_twice_in_one_ay_leaves_the_other_ays_counted_once(inbox, tmp_path):  # noqa: F811
    con, _ = compute(inbox, tmp_path / "w.duckdb", "september", AY, overrides=TWICE)
    # 2022: p0–p3 once each (main: failed), p4–p9 passed, p10's additional attempt failed
    assert procedure(con, 2022, "oge_math") == (11, 5, 45.45)
    # 2021 has no key twice: its four ЕГЭ rows count once each (8 if both ways read them,
    # 0 if neither did)
    assert procedure(con, 2021, "ege_russian") == (4, 1, 25.0)
    assert rows(con, "SELECT ay, count(*) AS n FROM int_gia_first_attempts GROUP BY ay ORDER BY ay") == [
        {"ay": 2021, "n": 4}, {"ay": 2022, "n": 15}]
    con.close()
