"""The published validation report is the warehouse's truth (issue 11): built from the
quarantine of the latest load of every file the cycle reads, so a rerun that reloads
one edited file (and skips the unchanged ones) still lists every problem."""

from __future__ import annotations

import io

import openpyxl

from edumon.config import load_config
from tasks.ingest import ingest_source
from tasks.validate import warehouse_report_objects
from tasks.warehouse import connect
from tests.helpers import write_csv

AY = 2023
KEY = f"validation/{AY}/september/problems.xlsx"


def _inbox(root, prevention_pupils: int):
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"МБОУ «СОШ {c}»", "short_name": f"СОШ {c}",
         "municipality_code": "mo1", "municipality_name": "Город"} for c in ("a1", "b2", "c3")])
    stats = lambda code, n: {"school_code": code, "grade": 5, "subject": "math", "participants": n,
                             "mark2": 1, "mark3": 1, "mark4": 0, "mark5": 0}
    write_csv(root / "2022" / "vpr_stats" / "s.csv", [
        stats("a1", 2), stats("b2", "два"), stats("c3", 2),             # row 3: text in a count
        stats("a1", 2) | {"grade": 6}, stats("b2", 2) | {"grade": 6, "subject": "russian"},
        stats("c3", 2) | {"grade": 6}, stats("a1", 2) | {"grade": 7}, stats("b2", 2) | {"grade": 7},
        stats("c3", 2) | {"grade": 7}, stats("zz9", 2) | {"grade": 8},  # row 11: not in the registry
    ])
    write_csv(root / "2022" / "prevention" / "p.csv", [
        {"school_code": c, "half": h, "students_total": prevention_pupils, "low_achieving": 1, "failing": 0,
         "with_iom": 1, "has_prevention_system": "да"} for c in ("a1", "b2", "c3") for h in (1, 2)])
    return root


def _load_all(inbox, warehouse, run_id, cfg):
    con = connect(warehouse)
    loads = []
    try:
        for source, offsets in cfg["cycles"]["september"]["sources"].items():
            for o in offsets:
                rep = ingest_source(con, inbox, source, AY + o, run_id, cfg)
                if not rep.missing:
                    loads.append({"source": source, "ay": rep.ay, "skipped": rep.skipped_unchanged,
                                  "warning_list": rep.warnings})
    finally:
        con.close()
    return loads


def _report_rows(warehouse, cfg, loads):
    reads = list(cfg["cycles"]["september"]["sources"].items())
    data = warehouse_report_objects(str(warehouse), "september", AY, reads, loads)[KEY]
    ws = openpyxl.load_workbook(io.BytesIO(data))["Ошибки"]
    return [r[1:] for r in ws.iter_rows(min_row=2, values_only=True)]


def test_rerun_after_editing_one_file_still_reports_every_problem(tmp_path):
    # min_rows_ratio 0: the fixed ВПР file below is legitimately shorter (10 → 1 rows)
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 50, "min_rows_ratio": 0}})
    inbox = _inbox(tmp_path / "inbox", 100)
    wh = tmp_path / "w.duckdb"
    first_loads = _load_all(inbox, wh, "run-1", cfg)
    first = _report_rows(wh, cfg, first_loads)
    # hand-worked: two rejected ВПР rows, each with one problem
    assert sorted((r[0], r[2], r[3], r[4]) for r in first) == [
        ("s.csv", 3, "participants", "два"),
        ("s.csv", 11, "school_code", "zz9"),
    ]
    assert {r[5] for r in first} == {"ожидается целое число", "кода ОО нет в реестре школ"}
    assert all(r[6].startswith("файл «s.csv», строка ") for r in first)

    # edit one value of the prevention file: only that source is reloaded, ВПР is skipped
    _inbox(tmp_path / "inbox", 101)
    second_loads = _load_all(inbox, wh, "run-2", cfg)
    assert {(x["source"], x["skipped"]) for x in second_loads} >= {("vpr_stats", True), ("prevention", False)}
    second = _report_rows(wh, cfg, second_loads)
    assert second == first

    # the report follows the warehouse: a fixed ВПР file clears its problems
    write_csv(inbox / "2022" / "vpr_stats" / "s.csv", [
        {"school_code": "a1", "grade": 5, "subject": "math", "participants": 2, "mark2": 1, "mark3": 1,
         "mark4": 0, "mark5": 0}])
    third = _report_rows(wh, cfg, _load_all(inbox, wh, "run-3", cfg))
    assert third == []
