"""The Prefect conventions, on Prefect's test harness (a real throw-away server) and a real
SeaweedFS: a September run pulls its inbox from an S3 landing prefix with the keys held
in a Prefect `Secret` block (none in the environment), publishes to a folder and a bucket,
and is named `september-2023-mo7` with task runs named by source and AY; its link
artifacts give one address per store (file:// and http://), its summary lists real keys;
a rerun on the unchanged landing prefix downloads nothing; an error that cannot heal is
not retried, one that can is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prefect import flow
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter,
                                            FlowRunFilterId)

from tests.helpers import write_csv
from tests.s3server import ACCESS_KEY, SECRET_KEY, weed_server

pytestmark = pytest.mark.slow
AY = 2023


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from weed_server(tmp_path_factory, "landing", "edumon-pub")


def landing_inbox(server, root: Path) -> None:
    """A two-school municipality in the canonical contract, uploaded to s3://landing/mo7/."""
    write_csv(root / "schools" / "r.csv", [
        {"school_code": "a1", "school_name": "МБОУ «СОШ № 1»", "short_name": "СОШ № 1",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
        {"school_code": "b2", "school_name": "МБОУ «СОШ № 2»", "short_name": "СОШ № 2",
         "municipality_code": "mo1", "municipality_name": "Город Первый"}])
    st = lambda c, g, s, n, m2: {"school_code": c, "grade": g, "subject": s, "participants": n, "mark2": m2,
                                 "mark3": n - m2, "mark4": 0, "mark5": 0}
    for ay in (2021, 2022):
        write_csv(root / str(ay) / "vpr_stats" / "s.csv", [
            st("a1", 5, "math", 20, 8), st("a1", 5, "russian", 20, 6), st("b2", 5, "math", 20, 1)])
    client = server.client()
    for path in sorted(root.rglob("*.csv")):
        client.upload_file(str(path), "landing", f"mo7/{path.relative_to(root).as_posix()}")


def runs(flow_run_id) -> tuple[str, list[dict], list]:
    with get_client(sync_client=True) as c:
        fr = c.read_flow_run(flow_run_id)
        tasks = c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        arts = c.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return fr.name, [{"name": t.name, "runs": t.run_count, "state": t.state_type.value} for t in tasks], arts


def test_a_cycle_pulls_from_s3_with_block_credentials_and_names_its_runs(harness, server, tmp_path, monkeypatch):
    from flows.september import september_cycle

    landing_inbox(server, tmp_path / "src")
    Secret(value=json.dumps({"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY,
                             "endpoint_url": server.endpoint})).save("edumon-s3", overwrite=True)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "EDUMON_S3_ENDPOINT", "EDUMON_S3_CREATE_BUCKET"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("EDUMON_S3_CREDENTIALS_BLOCK", "secret/edumon-s3")
    monkeypatch.setenv("EDUMON_INBOX_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "store"
    params = dict(ay=AY, inbox="s3://landing/mo7", store=f"{folder},s3://edumon-pub/mo7",
                  warehouse=str(tmp_path / "w.duckdb"))
    state = september_cycle(**params, return_state=True)
    assert state.is_completed(), state.message
    run_id = state.state_details.flow_run_id
    name, tasks, arts = runs(run_id)

    assert name == "september-2023-mo7"
    names = {t["name"] for t in tasks}
    # September 2023 reads the registry, ВПР of 2022, 2021 and 2020 (offsets −1…−3)
    assert {"pull-inbox", "ingest-schools", "ingest-vpr_stats-2020-2022", "ingest-gia-2020-2022",
            "ingest-official_shnor-2022-2023", "render-september-2023", "quality-september-2023",
            "publish-september-2023"} <= names
    assert not any(re.fullmatch(r"ingest-source-\w+", n) for n in names)

    # the pulled cache is laid out as the inbox
    cache = tmp_path / "cache" / "landing" / "mo7"
    assert (cache / "2022" / "vpr_stats" / "s.csv").is_file() and (cache / "schools" / "r.csv").is_file()
    # three objects downloaded and recorded in the pull manifest (the log says «скачано 3»)
    pulled = json.loads((cache / ".edumon-pull.json").read_text())
    assert len(pulled) == 3
    inodes = {k: (cache / k).stat().st_ino for k in pulled}   # a download replaces the file

    # one artifact with the municipality's index page in each store (no link artifact a municipality)
    assert not [a.key for a in arts if "-spravka-" in (a.key or "")]
    [links] = [a.data for a in arts if a.key == "september-2023-spravki"]
    assert [line for line in links.splitlines() if line.startswith("- ")] == [
        f"- [Справки mo1, 2023/2024]({(folder / 'reports/mo1/2023/index.html').resolve().as_uri()})",
        f"- [Справки mo1, 2023/2024]({server.endpoint}/edumon-pub/mo7/reports/mo1/2023/index.html)"]
    # the summary names published keys, with their version folders, that exist
    [summary] = [a.data for a in arts if a.key == "september-2023-summary"]
    listed = re.findall(r"- `(reports/[^`]+)`", summary)
    assert listed and all((folder / k).is_file() for k in listed)
    assert any(re.fullmatch(r"reports/mo1/2023/september/[0-9a-f]{16}/spravka\.html", k) for k in listed)

    # a rerun on the unchanged landing prefix downloads nothing
    again = september_cycle(**params, return_state=True)
    assert again.is_completed()
    assert json.loads((cache / ".edumon-pull.json").read_text()) == pulled
    assert {k: (cache / k).stat().st_ino for k in pulled} == inodes


@flow(name="publish-only")
def publish_only(store: str):
    from tasks.pipeline import publish

    run = {"run_id": "r", "definitions_version": "d", "template_version": "t"}
    return publish(store, run, "september", AY, {}, {}, [], {})


def test_an_error_that_cannot_heal_is_not_retried_and_one_that_can_is(harness, server, monkeypatch):
    for k, v in server.env(secret="wrong-secret").items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("EDUMON_S3_CREDENTIALS_BLOCK", raising=False)
    monkeypatch.setenv("EDUMON_S3_MAX_ATTEMPTS", "1")
    state = publish_only("s3://edumon-pub/x", return_state=True)
    assert state.is_failed()
    _, tasks, _ = runs(state.state_details.flow_run_id)
    assert [(t["name"], t["runs"]) for t in tasks] == [("publish-september-2023", 1)]   # wrong key: once

    monkeypatch.setenv("EDUMON_S3_ENDPOINT", "http://127.0.0.1:9")   # nothing listens: may heal
    state = publish_only("s3://edumon-pub/x", return_state=True)
    assert state.is_failed()
    _, tasks, _ = runs(state.state_details.flow_run_id)
    assert [(t["name"], t["runs"]) for t in tasks] == [("publish-september-2023", 3)]   # 1 + 2 retries
