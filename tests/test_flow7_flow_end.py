"""The end of a cycle above `[publish] link_artifacts_max` municipalities (issue 12): one
line for the справки and one for the manifests instead of one per municipality, and a
flagged-schools artifact whose rows would pass `[publish] artifact_max_bytes` (a country's
ШНОР list, 5.6 MB, which Prefect's events refuse) given as counts per municipality.

One real September run (Prefect's test harness, one server for the file) on the small
inbox of tests/test_flows.py with both limits set low by a rules file; the run below the
limits is tests/test_flows.py's and tests/test_prefect_conventions.py's."""

from __future__ import annotations

import json

import pytest

from tests.test_flows import inbox  # noqa: F401  (the fixture: 3 schools, 2 municipalities, a1 is ШНОР)

AY = 2023


@pytest.fixture(scope="module")
def capped(harness, inbox, tmp_path_factory):  # noqa: F811
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.september import september_cycle

    work = tmp_path_factory.mktemp("run")
    config = work / "rules.toml"
    config.write_text('[publish]\nlink_artifacts_max = 1\nartifact_max_bytes = 300\n\n'
                      '[report]\nformats = ["html"]\n', encoding="utf-8")
    state = september_cycle(ay=AY, inbox=str(inbox), store=str(work / "store"), warehouse=str(work / "w.duckdb"),
                            config=str(config), return_state=True)
    with get_client(sync_client=True) as c:
        arts = c.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    return work / "store", state.result(), {a.key: a for a in arts if a.key}


def test_above_the_link_limit_two_lines_stand_for_every_municipality(capped):
    store, result, _ = capped
    index = (store / "reports" / "mo1" / "2023" / "index.html").resolve().as_uri()
    assert result["published_lines"] == [
        "Справки опубликованы для муниципалитетов: 2; адрес страницы каждого — в таблице "
        f"«september-2023-spravki» (артефакт запуска в Prefect), например mo1: {index}",
        "Манифестов муниципалитетов: 2 (reports/<муниципалитет>/2023/september/<версия>/manifest.json); "
        "все они и таблицы — по указателю цикла cycles/2023/september/current.json"]
    # the per-municipality lists are still in the result (the CLI prints the two lines instead)
    assert sorted(result["links"]) == ["mo1", "mo2"] and len(result["manifests"]) == 2


def test_above_the_link_limit_table_artifacts_and_no_link_artifacts(capped):
    _, _, arts = capped
    assert not [k for k in arts if "-spravka-" in k]
    # one address row takes ≈ 230 bytes here: over 300 bytes the table is split, one row a part
    assert sorted(k for k in arts if "-spravki" in k) == ["september-2023-spravki", "september-2023-spravki-2"]
    rows = [r for k in ("september-2023-spravki", "september-2023-spravki-2") for r in json.loads(arts[k].data)]
    assert [r["Муниципалитет"] for r in rows] == ["mo1", "mo2"]


def test_a_flagged_list_over_the_byte_limit_is_given_per_municipality(capped):
    _, _, arts = capped
    flagged = arts["september-2023-flagged"]
    # a1 (Город Первый) is the one ШНОР school; its row takes 380 bytes of JSON, its count 236 (ASCII escapes)
    assert json.loads(flagged.data) == [{"Муниципалитет": "Город Первый", "Школ в перечне": 1}]
    assert flagged.description == ("Перечень ШНОР, 2023/2024: 1, по муниципалитетам; полный перечень — в "
                                   "опубликованной таблице tables/2023/shnor.xlsx (и .parquet) и в справках "
                                   "муниципалитетов")


def test_below_the_limits_the_lines_and_the_list_are_whole():
    from flows.common import flagged_artifact, published_lines

    links = {"mo1": ["file:///s/reports/mo1/2023/index.html"], "mo2": ["file:///s/reports/mo2/2023/index.html"]}
    assert published_lines(links, ["m1", "m2"], "september", AY, links_max=2) == []
    row = {"Муниципалитет": "Город Первый", "Код ОО": "a1", "Школа": "СОШ № 1", "Критерий": "1", "Изменение": ""}
    digest = {"flagged_title": "Перечень ШНОР", "flagged": [row],
              "flagged_by_municipality": [{"Муниципалитет": "Город Первый", "Школ в перечне": 1}]}
    assert flagged_artifact(digest, "september", AY, 10_000) == {
        "key": "september-2023-flagged", "table": [row], "description": "Перечень ШНОР, 2023/2024"}
    # even the counts over the limit: the totals only
    tiny = flagged_artifact(digest, "september", AY, 10)
    assert tiny["table"] == [{"Всего": 1, "Муниципалитетов": 1}]


def test_the_spravki_table_over_the_byte_limit_is_split_and_keeps_every_address():
    from flows.common import link_artifacts

    links = {f"mo{i}": [f"file:///s/reports/mo{i}/2023/index.html"] for i in range(1, 6)}
    one = json.dumps({"Муниципалитет": "mo1", "Справки": links["mo1"][0]})   # 176 bytes with ASCII escapes
    assert len(one) == 176
    # "[]" + 2 rows × (176 + ", ") = 358 ≤ 360 < 536 for 3 rows: two rows a part → 2, 2, 1
    parts = link_artifacts(links, "september", AY, links_max=1, max_bytes=360)
    assert [kw["key"] for _, kw in parts] == ["september-2023-spravki", "september-2023-spravki-2",
                                              "september-2023-spravki-3"]
    assert [len(kw["table"]) for _, kw in parts] == [2, 2, 1]
    assert [r["Справки"] for _, kw in parts for r in kw["table"]] == [links[f"mo{i}"][0] for i in range(1, 6)]
    assert parts[2][1]["description"].endswith("(муниципалитетов: 5), часть 3 из 3")
    [(kind, whole)] = link_artifacts(links, "september", AY, links_max=1)   # no byte limit: one table
    assert whole["key"] == "september-2023-spravki" and len(whole["table"]) == 5
