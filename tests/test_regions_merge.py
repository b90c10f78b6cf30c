"""The partitioned cycle's one serial step: each region's warehouse holds its own marts;
`merge_regions` writes the national marts from all of them, once per AY (a rerun
replaces, never duplicates)."""

from __future__ import annotations

import duckdb

from flows.regions import merge_regions
from tests.helpers import compute, query, write_csv

AY = 2023


def _region(root, code: str, mun: str, math5_low: int):
    inbox = root / "inbox" / code
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": f"s{code}", "school_name": f"Школа {code}", "municipality_code": mun,
         "municipality_name": f"МО {mun}"}])
    write_csv(inbox / "2022" / "vpr_stats" / "s.csv", [
        {"school_code": f"s{code}", "grade": 5, "subject": "math", "participants": 20, "mark2": math5_low,
         "mark3": 20 - math5_low}])
    write_csv(inbox / "2021" / "vpr_stats" / "s.csv", [
        {"school_code": f"s{code}", "grade": 5, "subject": "math", "participants": 20, "mark2": math5_low,
         "mark3": 20 - math5_low}])
    # the other assessments of the year that ended (issue 14): one НИКО result per region
    write_csv(inbox / "2022" / "niko" / "n.csv", [
        {"school_code": f"s{code}", "grade": 5, "subject": "math", "participants": 20, "mark2": math5_low,
         "mark3": 20 - math5_low}])
    con, _ = compute(inbox, root / "work" / code / "warehouse.duckdb", "september", AY)
    con.close()


def test_national_marts_are_the_union_of_the_regions(tmp_path):
    # region 01: maths 5 at 8 of 20 = 40 % «2» in 2022 and 2021 → low in both years → ШНОР (criterion 2)
    # region 02: 2 of 20 = 10 % → never low → not ШНОР
    _region(tmp_path, "01", "mo1", 8)
    _region(tmp_path, "02", "mo2", 2)
    national = tmp_path / "work" / "national" / "warehouse.duckdb"
    for _ in range(2):  # the second merge replaces the first
        counts = merge_regions.fn("september", AY, str(tmp_path / "work"), ["01", "02"], str(national))
    # one school per region: 2 rows of shnor for 2023; 1 procedure × 2 schools for each of 2022 and 2021
    assert {k: v for k, v in counts.items() if k.startswith(("mart_shnor/", "mart_procedure_results/"))} == {
        "mart_shnor/2023": 2, "mart_procedure_results/2022": 2, "mart_procedure_results/2021": 2}
    # every other mart of the cycle (the monitoring tables, per municipality): the national
    # rows are exactly the regions' rows together
    for key, n in counts.items():
        name, ay = key.split("/")
        per_region = 0
        for code in ("01", "02"):
            c = duckdb.connect(str(tmp_path / "work" / code / "warehouse.duckdb"), read_only=True)
            per_region += c.execute(f"SELECT count(*) FROM {name} WHERE ay = ?", [int(ay)]).fetchone()[0]
            c.close()
        assert n == per_region, key
        # every mart has rows per municipality, except the plan checkpoint: it lists the measures
        # of a loaded plan, and these regions sent none
        assert per_region > 0 or name == "mart_plan_checkpoint", key
    con = duckdb.connect(str(national), read_only=True)
    rows = con.execute("SELECT school_code, municipality_code, is_shnor, criterion FROM mart_shnor "
                       "ORDER BY school_code").fetchall()
    con.close()
    assert rows == [("s01", "mo1", True, "2"), ("s02", "mo2", False, None)]
    shnor = tmp_path / "work" / "national" / "tables" / str(AY) / "shnor.parquet"
    assert query(f"SELECT count(*) FROM '{shnor}'")[0][0] == 2
