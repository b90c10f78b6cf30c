"""The Prefect side of "one writer" and the failure artifact (issues 11 and 15):

- on a real Prefect server (the test harness's), a run holds one slot of the global
  concurrency limit `edumon-warehouse` (created when missing); a second holder times out
  with a Russian message;
- the failure artifact groups a failed load's problems by rule and column: one line per
  missing column, «во всех N строках файла …», never one line per row, the first line whole.
"""

from __future__ import annotations

import threading

import pytest

from edumon.config import load_config
from tasks import ops
from tasks.ingest import IngestError, ingest_source
from tasks.warehouse import connect
from tests.helpers import write_csv


def test_a_run_holds_the_prefect_warehouse_limit_and_a_second_one_times_out(harness):
    from prefect.client.orchestration import get_client

    from flows.common import prefect_warehouse_limit

    name = "edumon-warehouse-test"
    inside, release, result = threading.Event(), threading.Event(), {}

    def first():
        with prefect_warehouse_limit(name, 30):
            inside.set()
            release.wait(60)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(60)
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert limit.limit == 1 and limit.active_slots == 1
    try:
        with pytest.raises(RuntimeError) as info:
            with prefect_warehouse_limit(name, 1):
                result["second"] = "entered"
        assert "second" not in result
        assert str(info.value) == (f"Хранилище занято другим запуском (лимит Prefect «{name}»): ждали 1 с. "
                                   "Дождитесь окончания того запуска и повторите.")
    finally:
        release.set()
        t.join(60)
    with prefect_warehouse_limit(name, 5):  # free again
        pass


def test_failure_artifact_groups_a_missing_column_into_one_line(tmp_path):
    inbox = tmp_path / "inbox"
    rows = [{"Полугодие": 1, "Обучающихся всего": 10, "Слабоуспевающих": 1, "Неуспевающих": 0, "Имеют ИОМ": 1}
            for i in range(1, 13)]  # no «Код ОО»: every one of the 12 rows is rejected
    write_csv(inbox / "2022" / "prevention" / "профилактика.csv", rows, delimiter=";")
    cfg = load_config()
    wh = tmp_path / "w.duckdb"
    con = connect(wh)
    try:
        with pytest.raises(IngestError):
            ingest_source(con, inbox, "prevention", 2022, "run-x", cfg)
    finally:
        con.close()
    groups = ops.failure_groups(str(wh), "run-x")
    lines = [ops.group_line(g) for g in groups]
    missing = [line for line in lines if "нет обязательного столбца" in line]
    assert missing, lines
    for line in missing:  # one line per missing column, covering all 12 rows
        assert line.endswith("— во всех 12 строках файла «профилактика.csv»"), line
    assert len(lines) == len({(g["column"], g["rule"]) for g in groups})
    assert all(g["count"] <= 12 for g in groups)

    from flows.common import _failure_markdown

    md = _failure_markdown("january", 2022, IngestError("Источник «Профилактика» за 2022/2023 учебный год: "
                                                        "отклонено 12 из 12 строк. Данные этого года не заменены."
                                                        "\n  • файл …"), groups)
    assert ("**Источник «Профилактика» за 2022/2023 учебный год: отклонено 12 из 12 строк. Данные этого года "
            "не заменены.**") in md
    assert "шт." not in md and "ещё" not in md
    assert md.count("— во всех 12 строках") == len(missing)
