"""The September and October cycles run as Prefect flows (on Prefect's test harness, a
real throw-away server) on an inbox written by hand in the canonical contract, and
publish tables, справки and manifests to the local store."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import write_csv
from tests.report_fixture import stats, write_schools
from tests import publication
from tests.helpers import query
from tests.publication import table_file

AY = 2023


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_schools(root)
    # a1: ВПР maths 5 at 40 % and Russian 5 at 30 % in 2022 → ШНОР, criterion 1
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        stats("a1", 5, "math", 20, 8), stats("a1", 5, "russian", 20, 6),
        stats("b2", 5, "math", 20, 1), stats("c3", 5, "math", 20, 0),
        stats("b2", 4, "math", 20, 5), stats("b2", 4, "russian", 20, 4),   # b2: 25 % and 20 % → results flag
    ])
    write_csv(root / "2021" / "vpr_stats" / "s.csv", [stats("a1", 5, "math", 20, 2)])
    write_csv(root / str(AY) / "context" / "c.csv", [
        {"school_code": c, "internet_stable": "да", "computers_enough": "да", "lab_physics": "да",
         "lab_chemistry": "да", "lab_biology": "да", "lab_geography": "да", "lab_technology": "да",
         "teachers_total": 20, "teachers_load_36plus": 1, "teachers_no_subject_diploma": 0,
         "students_total": 100, "students_registered": 1, "students_ovz": 1, "students_foreign_language": 0,
         "students_absent_systematic": 0, "students_failing": 1} for c in ("a1", "b2", "c3")])
    return root


@pytest.fixture(scope="module")
def published(harness, inbox, tmp_path_factory):
    from flows.october import october_cycle
    from flows.september import september_cycle

    work = tmp_path_factory.mktemp("run")
    store, wh = work / "store", work / "w.duckdb"
    sep = september_cycle(ay=AY, inbox=str(inbox), store=str(store), warehouse=str(wh))
    octo = october_cycle(ay=AY, inbox=str(inbox), store=str(store), warehouse=str(wh))
    return store, sep, octo


def document_file(store, mun, cycle, name):
    return publication.document_file(store, mun, AY, cycle, name)


def test_tables_are_published_as_parquet_and_xlsx(published):
    store, sep, _ = published
    for name in ("shnor", "risk_schools"):
        assert table_file(store, AY, name, "parquet").is_file()
        assert table_file(store, AY, name, "xlsx").is_file()
    shnor = query(f"SELECT school_code, is_shnor, criterion FROM '{table_file(store, AY, 'shnor', 'parquet')}' "
                       "ORDER BY school_code")
    assert shnor == [("a1", True, "1"), ("b2", False, None), ("c3", False, None)]
    risk = query(f"SELECT school_code, is_risk, flag_results FROM "
                      f"'{table_file(store, AY, 'risk_schools', 'parquet')}' ORDER BY school_code")
    assert risk == [("a1", False, False), ("b2", True, True), ("c3", False, False)]
    assert table_file(store, 2022, "procedure_results", "parquet").is_file()
    assert table_file(store, 2021, "procedure_results", "parquet").is_file()


def test_spravka_names_the_schools_with_their_reasons(published):
    store, _, _ = published
    html = document_file(store, "mo1", "september", "spravka.html").read_text(encoding="utf-8")
    assert "СОШ №\u00a01" in html and "ВПР, математика, 5 класс — 40,0\u00a0%" in html  # «№» tied
    assert "2023/2024 учебный год" in html
    html = document_file(store, "mo1", "october", "spravka.html").read_text(encoding="utf-8")
    assert "СОШ №\u00a02" in html and "ВПР, математика, 4 класс — «2» 25,0\u00a0%" in html
    assert document_file(store, "mo2", "october", "spravka.html").is_file()
    for ext in ("docx", "pdf"):
        assert document_file(store, "mo1", "september", f"spravka.{ext}").stat().st_size > 0
    assert (store / "reports" / "mo1" / str(AY) / "index.html").is_file()


def test_manifest_lists_every_object_with_its_checksum(published):
    store, sep, _ = published
    pointer = json.loads((store / "reports" / "mo1" / str(AY) / "september" / "current.json").read_text())
    m = json.loads((store / pointer["manifest"]).read_text())
    assert m["run_id"] == sep["run"]["run_id"] and m["definitions_version"].startswith("2026.1+")
    keys = {f["key"] for f in m["files"]}
    assert f"reports/mo1/{AY}/september/{m['version']}/spravka.html" in keys
    assert any(k.startswith(f"tables/{AY}/") and k.endswith("/shnor.parquet") for k in keys)
    for f in m["files"]:
        assert hashlib.sha256((store / f["key"]).read_bytes()).hexdigest() == f["sha256"]
    assert {(i["source"], i["ay"]) for i in m["inputs"]} >= {("vpr_stats", 2022), ("vpr_stats", 2021), ("schools", None)}


def test_quality_checkpoint_results_are_published_and_in_the_annex(published):
    store, _, _ = published
    pointer = json.loads((store / "reports" / "mo1" / str(AY) / "september" / "current.json").read_text())
    m = json.loads((store / pointer["manifest"]).read_text())
    keys = {f["key"] for f in m["files"]}
    # shared objects of the cycle are versioned like the tables: <folder>/<version>/<name>
    for folder, name in ((f"quality/{AY}/september", "checkpoint.html"), (f"quality/{AY}/september", "checkpoint.json"),
                         (f"validation/{AY}/september", "problems.xlsx")):
        assert any(k.startswith(folder + "/") and k.endswith("/" + name) for k in keys), (folder, name)
    checkpoint = next(k for k in keys if k.startswith(f"quality/{AY}/september/") and k.endswith("checkpoint.json"))
    body = json.loads((store / checkpoint).read_text())
    # shnor 2023 over the three registry schools: one row each, all present
    shnor = {r["expectation"]: r["success"] for r in body["results"] if r["table"] == "shnor"}
    assert shnor["expect_compound_columns_to_be_unique"] is True
    assert shnor["expect_column_distinct_values_to_contain_set"] is True
    # issue 10: the checkpoint is on the technical page published beside the справка, not in it
    html = document_file(store, "mo1", "october", "technical.html").read_text(encoding="utf-8")
    assert "Проверки качества рассчитанных таблиц" in html
    assert "Проверки качества" not in document_file(store, "mo1", "october", "spravka.html").read_text(encoding="utf-8")
