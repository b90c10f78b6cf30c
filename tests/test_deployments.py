"""The project's prefect.yaml against a real Prefect server on loopback: the work pool is
created, `prefect deploy --all` registers every deployment, a process worker runs the
September deployment and a two-year backfill deployment to Completed; their tables are in
the store and their artifacts (summary, flagged schools, справка links, backfill
progress) are on the server. Everything started here is stopped here, also on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import query, write_csv
from tests.prefect_server import Prefect
from tests.publication import document_file, table_file

pytestmark = pytest.mark.slow


def make_inbox(root: Path) -> Path:
    write_csv(root / "schools" / "r.csv", [
        {"school_code": "a1", "school_name": "МБОУ «СОШ № 1»", "short_name": "СОШ № 1",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
        {"school_code": "b2", "school_name": "МБОУ «СОШ № 2»", "short_name": "СОШ № 2",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
    ])
    st = lambda c, g, s, n, m2: {"school_code": c, "grade": g, "subject": s, "participants": n, "mark2": m2,
                                 "mark3": n - m2, "mark4": 0, "mark5": 0}
    # a1: two low procedures in 2022 (40 %, 30 %) → ШНОР for 2023; in 2021 too → ШНОР for 2022
    for ay in (2021, 2022):
        write_csv(root / str(ay) / "vpr_stats" / "s.csv", [
            st("a1", 5, "math", 20, 8), st("a1", 5, "russian", 20, 6), st("b2", 5, "math", 20, 1),
            st("a1", 4, "math", 20, 5), st("b2", 4, "math", 20, 1)])
    ctx = lambda c, internet: {"school_code": c, "internet_stable": internet, "computers_enough": "да",
                               "teachers_total": 20, "teachers_load_36plus": 0, "teachers_no_subject_diploma": 0,
                               "students_total": 100, "students_registered": 0, "students_failing": 0}
    for ay in (2022, 2023):
        write_csv(root / str(ay) / "context" / "c.csv", [ctx("a1", "нет"), ctx("b2", "да")])
        write_csv(root / str(ay) / "prevention" / "p.csv", [
            {"school_code": c, "half": h, "has_prevention_system": "да", "students_total": 100,
             "low_achieving": 10, "failing": 4, "with_iom": 7, "failing_in_extra_classes": 2}
            for c in ("a1", "b2") for h in (1, 2)])
    write_csv(root / "2023" / "plan" / "p.csv", [
        {"measure_no": "1", "section": "Организационные меры", "title": "Приказ", "due": "Март 2024",
         "status": "Запланировано"},
        {"measure_no": "2", "section": "Организационные меры", "title": "Совещание", "due": "I квартал 2024",
         "status": "выполнено"}])
    return root


@pytest.fixture(scope="module")
def prefect(tmp_path_factory):
    srv = Prefect(tmp_path_factory.mktemp("prefect-home"))
    try:
        srv.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(srv.port))
        srv.wait_healthy()
        srv.cli("work-pool", "create", "edumon", "--type", "process")
        srv.cli("work-pool", "set-concurrency-limit", "edumon", "1")
        srv.cli("--no-prompt", "deploy", "--all")
        srv.start("worker", "worker", "start", "--pool", "edumon")
        yield srv
    finally:
        srv.stop()


def test_deploy_all_registers_every_cycle_with_schedules_and_russian_parameters(prefect):
    deps = {d["name"]: d for d in prefect.api("POST", "/deployments/filter", json={})}
    assert set(deps) == {"september", "october", "january", "june", "backfill"}
    crons = {n: [s["schedule"]["cron"] for s in d["schedules"]] for n, d in deps.items()}
    assert crons == {"september": ["0 6 15 9 *"], "october": ["0 6 20 10 *"], "january": ["0 6 20 1 *"],
                     "june": ["0 6 5 6 *"], "backfill": []}
    assert {s["schedule"]["timezone"] for d in deps.values() for s in d["schedules"]} == {"Asia/Yekaterinburg"}
    props = deps["backfill"]["parameter_openapi_schema"]["properties"]
    assert props["from_ay"]["type"] == "integer" and "Первый учебный год" in props["from_ay"]["description"]
    assert props["cycles"]["items"]["enum"] == ["september", "october", "january", "june"]
    assert "Учебный год" in deps["june"]["parameter_openapi_schema"]["properties"]["ay"]["description"]
    assert {d["work_pool_name"] for d in deps.values()} == {"edumon"}


def test_september_and_a_two_year_backfill_run_from_their_deployments(prefect, tmp_path):
    inbox = make_inbox(tmp_path / "inbox")
    sep_store, sep_wh = tmp_path / "sep-store", tmp_path / "sep.duckdb"
    sep = prefect.run_deployment("september-cycle/september", {
        "ay": 2023, "inbox": str(inbox), "store": str(sep_store), "warehouse": str(sep_wh)})
    assert sep["state"]["type"] == "COMPLETED", (sep["state"], prefect.worker_log())
    assert table_file(sep_store, 2023, "shnor", "parquet").is_file()
    mon = query(f"SELECT indicator_code, status FROM '{table_file(sep_store, 2022, 'shnor_monitoring', 'parquet')}'")
    assert len(mon) == 14 and ("shnor_teachers_diag_subject", "no_data") in mon   # no staff monitoring loaded
    keys = {a["key"]: a for a in prefect.artifacts([sep["id"]])}
    assert {"september-2023-summary", "september-2023-flagged", "september-2023-spravki"} <= set(keys)
    assert "Предупреждения" in keys["september-2023-summary"]["data"]
    assert "a1" in str(keys["september-2023-flagged"]["data"])   # a1 is ШНОР for 2023
    # the link goes to the municipality's index page, which follows the publication pointers
    assert "- [Справки mo1, 2023/2024](file://" in keys["september-2023-spravki"]["data"] and \
        "mo1/2023/index.html)" in keys["september-2023-spravki"]["data"]

    store, wh = tmp_path / "store", tmp_path / "w.duckdb"
    bf = prefect.run_deployment("backfill/backfill", {
        "from_ay": 2022, "to_ay": 2023, "inbox": str(inbox), "store": str(store), "warehouse": str(wh)})
    assert bf["state"]["type"] == "COMPLETED", (bf["state"], prefect.worker_log())
    for ay in (2022, 2023):
        for name in ("shnor", "risk_schools", "prevention_half1", "prevention", "plan_status", "plan_sections"):
            assert table_file(store, ay, name, "parquet").is_file(), (ay, name)
        for cycle in ("september", "october", "january", "june"):
            assert document_file(store, "mo1", ay, cycle, "spravka.html").is_file(), (ay, cycle)
    # the September 2023 run read the October 2022 list written earlier in the same backfill:
    # a1 (no stable Internet) is a risk school of 2022 → 1 of 2 schools
    [(num, den, pct)] = query(f"""SELECT numerator, denominator, value_pct
        FROM '{table_file(store, 2022, "risk_monitoring", "parquet")}' WHERE indicator_code = 'risk_found'""")
    assert (num, den, pct) == (1, 2, 50.0)
    # every prevention indicator is the same in both halves of both years → 0 change, «без изменений»
    # (the §4.5 measures of issue 14 are not in this inbox: those rows are «нет данных»)
    trends = query(f"SELECT DISTINCT trend_vs_prev_year FROM '{table_file(store, 2023, 'prevention', 'parquet')}' "
                   "WHERE half = 2 AND status = 'ok'")
    assert trends == [("same",)]
    june = document_file(store, "mo1", 2023, "june", "spravka.html").read_text(encoding="utf-8")
    assert "Анализ эффективности" in june and "Приказ" in june   # measure 1 is overdue on 10 June 2024

    arts = prefect.artifacts([bf["id"]])
    progress = [a for a in arts if a["type"] == "progress"]
    assert progress and progress[0]["data"] == 100.0
    summary = [a for a in arts if a["key"] == "backfill-2022-2023-summary"]
    assert summary and "Выполнено циклов: 8 из 8" in summary[0]["data"]


def test_a_failed_run_says_which_file_and_rule_failed(prefect, tmp_path):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "r.csv", [{"school_code": "a1", "school_name": "СОШ № 1",
                                             "municipality_code": "mo1", "municipality_name": "Город"}])
    # «Полугодие» must be 1 or 2: the only row is rejected, over the 20 % limit → the run stops
    write_csv(inbox / "2023" / "prevention" / "otchet.csv", [{"Код ОО": "a1", "Полугодие": 3, "Обучающихся всего": 10}])
    run = prefect.run_deployment("june-cycle/june", {
        "ay": 2023, "inbox": str(inbox), "store": str(tmp_path / "store"), "warehouse": str(tmp_path / "w.duckdb")})
    assert run["state"]["type"] == "FAILED"
    [failure] = [a for a in prefect.artifacts([run["id"]]) if a["key"] == "june-2023-failure"]
    # file, row (header is row 1), column as the file names it, value, rule — and what to do
    assert "«otchet.csv», строка 2, столбец «Полугодие»: значение «3»" in failure["data"]
    assert "не больше 2" in failure["data"] and "запустите цикл" in failure["data"]
