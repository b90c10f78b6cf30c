"""Cross-field rules of the contracts (pandera dataframe-level checks) and the check of
ВПР participants against ОО-1, with the Russian messages a clerk acts on."""

from __future__ import annotations

import pandas as pd
import pytest

from edumon.config import load_config
from schemas.contracts import pandera_schema
from schemas.sources import SOURCES
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


CFG = load_config(overrides={"ingest": {"max_rejected_share_pct": 100.0}})


def test_with_iom_not_above_low_achieving_plus_failing_and_counts_not_above_totals(tmp_path, con):
    write_csv(tmp_path / "inbox" / "2023" / "prevention" / "p.csv", [
        # row 2: ИОМ 5 ≤ 3 + 2 = 5 — fine
        {"Код ОО": "s1", "Полугодие": 1, "Обучающихся всего": 100, "Слабоуспевающих": 3, "Неуспевающих": 2,
         "Имеют ИОМ": 5},
        # row 3: ИОМ 6 > 3 + 2 = 5
        {"Код ОО": "s2", "Полугодие": 1, "Обучающихся всего": 100, "Слабоуспевающих": 3, "Неуспевающих": 2,
         "Имеют ИОМ": 6},
        # row 4: 120 неуспевающих of 100 students
        {"Код ОО": "s3", "Полугодие": 1, "Обучающихся всего": 100, "Слабоуспевающих": 0, "Неуспевающих": 120,
         "Имеют ИОМ": 0},
    ], delimiter=";")
    rep = ingest_source(con, tmp_path / "inbox", "prevention", 2023, "r1", CFG)
    assert sorted(p.message() for p in rep.problems) == [
        "файл «p.csv», строка 3, столбец «Имеют ИОМ»: значение «6 > 3 + 2» — «Имеют ИОМ» не может быть больше, "
        "чем «Слабоуспевающих» + «Неуспевающих»",
        "файл «p.csv», строка 4, столбец «Неуспевающих»: значение «120 > 100» — «Неуспевающих» не может быть "
        "больше, чем «Обучающихся всего»",
    ]
    assert con.execute("SELECT school_code FROM raw_prevention").fetchall() == [("s1",)]
    assert con.execute("SELECT row FROM quarantine ORDER BY row").fetchall() == [(3,), (4,)]


def test_vpr_marks_sum_to_participants_exactly_for_counts_and_within_one_for_percentages(tmp_path, con):
    folder = tmp_path / "inbox" / "2022" / "vpr_stats"
    write_csv(folder / "counts.csv", [
        # row 2: 2+10+6+2 = 20 participants — fine
        {"Логин": "s1", "Класс": 5, "Предмет": "Математика", "Кол-во участников": 20,
         "Кол-во «2»": 2, "Кол-во «3»": 10, "Кол-во «4»": 6, "Кол-во «5»": 2},
        # row 3: 2+10+6+1 = 19 ≠ 20
        {"Логин": "s2", "Класс": 5, "Предмет": "Математика", "Кол-во участников": 20,
         "Кол-во «2»": 2, "Кол-во «3»": 10, "Кол-во «4»": 6, "Кол-во «5»": 1},
    ], delimiter=";")
    write_csv(folder / "pct.csv", [
        # row 2: 3 participants at 33,3 % each → 1+1+1+0 = 3 — fine
        {"Логин": "s3", "Класс": 5, "Предмет": "Русский язык", "Кол-во участников": 3,
         "2": "33,3", "3": "33,3", "4": "33,3", "5": "0"},
        # row 3: 6 participants, 16,7 % ×4 → 1+1+1+1 = 4 — off by 2, beyond ±1
        {"Логин": "s4", "Класс": 5, "Предмет": "Русский язык", "Кол-во участников": 6,
         "2": "16,7", "3": "16,7", "4": "16,7", "5": "16,7"},
    ], delimiter=";")
    rep = ingest_source(con, tmp_path / "inbox", "vpr_stats", 2022, "r1", CFG)
    assert sorted(p.message() for p in rep.problems) == [
        "файл «counts.csv», строка 3, столбец «Кол-во участников»: значение «2 + 10 + 6 + 1 = 19, участников 20» — "
        "сумма отметок «2»+«3»+«4»+«5» должна равняться числу участников",
        "файл «pct.csv», строка 3, столбец «Кол-во участников»: значение «1 + 1 + 1 + 1 = 4, участников 6» — "
        "сумма отметок «2»+«3»+«4»+«5» (из процентов) должна равняться числу участников (допустимо расхождение "
        "на 1 из-за округления процентов)",
    ]
    assert con.execute("SELECT school_code FROM raw_vpr_stats ORDER BY 1").fetchall() == [("s1",), ("s3",)]


def test_participants_not_above_the_grade_in_oo1_of_the_same_year(tmp_path, con):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "2022" / "oo1" / "o.csv", [
        {"school_code": "s1", "students_total": 300, "students_g5": 25},
    ])
    assert ingest_source(con, inbox, "oo1", 2022, "r1", CFG).problems == []
    write_csv(inbox / "2022" / "vpr_stats" / "v.csv", [
        {"Логин": "s1", "Класс": 5, "Предмет": "Математика", "Кол-во участников": 25,
         "Кол-во «2»": 5, "Кол-во «3»": 20, "Кол-во «4»": 0, "Кол-во «5»": 0},
        # 26 participants but 25 fifth-graders in ОО-1 of 2022
        {"Логин": "s1", "Класс": 5, "Предмет": "Русский язык", "Кол-во участников": 26,
         "Кол-во «2»": 6, "Кол-во «3»": 20, "Кол-во «4»": 0, "Кол-во «5»": 0},
    ], delimiter=";")
    rep = ingest_source(con, inbox, "vpr_stats", 2022, "r1", CFG)
    assert [p.message() for p in rep.problems] == [
        "файл «v.csv», строка 3, столбец «Кол-во участников»: значение «26» — участников больше, чем обучающихся "
        "5 класса этой школы по форме ОО-1 того же года (25)"]


def test_one_row_per_key_is_a_schema_level_unique_that_the_ibis_backend_honours_too():
    """pandera's ibis backend ignores Column(unique=True); the contract uses the
    schema-level `unique=[...]`, which every backend checks."""
    schema = pandera_schema(SOURCES["oo2"], ["school_code", "computers_total"])
    assert schema.unique == ["school_code"]
    assert all(not c.unique for c in schema.columns.values())
    df = pd.DataFrame({"school_code": pd.array(["a", "b", "a"], dtype="string"),
                       "computers_total": pd.array([1, 2, 3], dtype="Int64")})
    with pytest.raises(Exception) as exc:
        schema.validate(df, lazy=True)
    fc = exc.value.failure_cases
    assert sorted(fc["index"].dropna().astype(int).tolist()) == [0, 2]


def test_ibis_backend_ignores_column_unique_but_catches_schema_level_unique():
    """The trap behind the contract's schema-level `unique`, shown on the real ibis/DuckDB
    backend: three rows, the code «a» twice."""
    import ibis
    import ibis.expr.datatypes as dt
    import pandera.ibis as pi

    table = ibis.memtable({"school_code": ["a", "b", "a"], "n": [1, 2, 3]})
    column_level = pi.DataFrameSchema({"school_code": pi.Column(dt.String(), unique=True),
                                       "n": pi.Column(dt.Int64())})
    column_level.validate(table, lazy=True)  # no error: the duplicate slips through
    schema_level = pi.DataFrameSchema({"school_code": pi.Column(dt.String()), "n": pi.Column(dt.Int64())},
                                      unique=["school_code"])
    with pytest.raises(Exception) as exc:
        schema_level.validate(table, lazy=True)
    assert "unique" in str(exc.value) or "duplicate" in str(exc.value).lower()
