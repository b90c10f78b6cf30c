"""ШВОР's procedures (`[shvor] procedures`) are matched to the ВПР rows by subject and grade
(sql/int_shvor_list.sql): a code listed twice counts once, and a code that names no ВПР row
of the form `vpr_<subject>_<grade>` (another assessment, a grade written «05») selects
nothing, as when the codes were compared whole. The inbox and its hand-worked shares are
tests/test_shvor_rules.py's (AY 2022: ВПР maths grade 5; AY 2021: ВПР Russian grade 6).
"""

from __future__ import annotations

from tests.test_shvor_rules import inbox, shvor  # noqa: F401 (the fixture)


def test_a_procedure_listed_twice_counts_once(inbox, tmp_path):  # noqa: F811
    got = shvor(inbox, tmp_path / "w.duckdb", {"shvor": {"procedures": ["vpr_math_5", "vpr_math_5", "vpr_russian_6"]}})
    assert sorted(c for c, r in got.items() if r["is_shvor"]) == ["h_exact", "h_high", "k_top"]
    # h_exact: 20 participants in 2022 (not 40), 10 «4»+«5»; 10 participants in 2021
    r = got["h_exact"]
    assert (r["participants_prev"], r["good_count_prev"], r["participants_prev2"]) == (20, 10, 10)


def test_codes_that_name_no_vpr_row_select_nothing(inbox, tmp_path):  # noqa: F811
    got = shvor(inbox, tmp_path / "w.duckdb", {"shvor": {"procedures": ["vpr_math_05", "oge_math", "vpr_russian_6"]}})
    # only Russian grade 6 (AY 2021) is read: one year of results, so nobody is stably high
    assert not any(r["is_shvor"] for r in got.values())
    r = got["h_exact"]
    assert (r["participants_prev"], r["participants_prev2"], r["good_count_prev2"]) == (None, 10, 5)
