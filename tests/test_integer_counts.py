"""Published counts are whole numbers (issue 13): `procedure_results` used to store
`participants` and `low_count` as floats (20.0) when the ВПР came as the school-level
«Статистика по отметкам», whose marks are percentages turned into counts on ingest.

Fixture: ВПР 2022 (AY 2021) maths grade 5, two schools, read through the September cycle
of AY 2022 (which publishes `procedure_results` of AY 2021):
  sch_a: 20 participants, «2» 25 % → 5 pupils; sch_b: 12 participants, «2» 0 %.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks import export
from tests.helpers import compute, write_csv
from tests.test_fisoko import write_xlsx

AY = 2022


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("ints")
    inbox = root / "inbox"
    write_csv(inbox / "schools" / "schools.csv", [
        {"Код ОО": c, "Наименование ОО": f"МБОУ «Школа {c[-1].upper()}»", "Краткое наименование": f"Школа {c[-1].upper()}",
         "Код МО": "mo01", "Муниципалитет": "Мегион"} for c in ("sch_a", "sch_b")])
    write_xlsx(inbox / str(AY - 1) / "vpr_stats" / "Статистика по отметкам.xlsx", [
        ["ВПР 2022 Математика 5 класс"],
        ["Логин", "ОО", "Кол-во участников", "2", "3", "4", "5"],
        ["sch_a", "Школа A", 20, 25, 25, 25, 25],
        ["sch_b", "Школа B", 12, 0, 50, 50, 0],
    ])
    con, _ = compute(inbox, root / "w.duckdb", "september", AY)
    yield con
    con.close()


def test_procedure_results_counts_are_integers(con):
    frame = export.table_frame(con, "mart_procedure_results", AY - 1)
    got = {r.school_code: (r.participants, r.low_count, r.low_share_pct)
           for r in frame.itertuples() if r.procedure == "vpr_math_5"}
    assert got == {"sch_a": (20, 5, 25.0), "sch_b": (12, 0, 0.0)}
    assert str(frame["participants"].dtype) == "int64" and str(frame["low_count"].dtype) == "int64"
    # the file an analyst reads: integer columns, «20», not «20.0»
    import io
    schema = pq.read_table(io.BytesIO(export.parquet_bytes(con, "mart_procedure_results", AY - 1))).schema
    assert schema.field("participants").type == pa.int64()
    assert schema.field("low_count").type == pa.int64()


def test_school_stats_counts_are_bigint(con):
    """The school-level ВПР counts are stored as BIGINT, as the participant files' counts are
    (a sum of BIGINT is HUGEINT in DuckDB: 16 bytes a value to write, session 11 cmp11), with
    the same values: 25 % of 20 pupils = 5 each; 0 / 50 / 50 / 0 % of 12 = 0, 6, 6, 0."""
    types = {r[0]: r[1] for r in con.execute("DESCRIBE int_vpr_school_stats").fetchall()}
    counts = ["participants", "mark2", "mark3", "mark4", "mark5", "school_level_participants"]
    assert {c: types[c] for c in counts} == {c: "BIGINT" for c in counts}
    got = con.execute(f"SELECT school_code, {', '.join(counts)} FROM int_vpr_school_stats "
                      "WHERE grade = 5 AND subject = 'math' ORDER BY school_code").fetchall()
    assert got == [("sch_a", 20, 5, 5, 5, 5, 20), ("sch_b", 12, 0, 6, 6, 0, 12)]
