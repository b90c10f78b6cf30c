"""A warehouse built by an earlier release: a mart whose model gained a column or changed a
column's type is rebuilt in place — the rerun neither fails nor keeps the old type, and the
mart's other AYs stay."""

from __future__ import annotations

from tasks import indicators
from tests.helpers import compute, rows
from tests.test_shvor_rules import AY, inbox  # noqa: F401 — the hand-made inbox fixture


def test_a_mart_of_an_earlier_release_gains_the_new_column_and_type(inbox, tmp_path):  # noqa: F811
    con, cfg = compute(inbox, tmp_path / "w.duckdb", "september", AY)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'mart_shvor'").fetchall())
        # the earlier release: no `was_shvor_last_year`, counts stored as DOUBLE, and an older AY
        con.execute("ALTER TABLE mart_shvor DROP COLUMN was_shvor_last_year")
        con.execute("ALTER TABLE mart_shvor ALTER COLUMN participants_prev TYPE DOUBLE")
        con.execute("INSERT INTO mart_shvor BY NAME SELECT * EXCLUDE (ay) REPLACE (20.0 AS participants_prev), "
                    "2019 AS ay FROM mart_shvor WHERE school_code = 'h_exact'")
        params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "rerun"}
        indicators.build_marts(con, [("mart_shvor", AY)], params)
        after = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'mart_shvor'").fetchall())
        assert after["was_shvor_last_year"] == types["was_shvor_last_year"]
        assert after["participants_prev"] == types["participants_prev"] != "DOUBLE"
        r = rows(con, "SELECT * FROM mart_shvor WHERE ay = ? AND school_code = 'h_exact'", AY)[0]
        assert r["participants_prev"] == 20 and r["is_shvor"] and r["run_id"] == "rerun"
        assert rows(con, "SELECT participants_prev FROM mart_shvor WHERE ay = 2019") == [{"participants_prev": 20}]
    finally:
        con.close()
