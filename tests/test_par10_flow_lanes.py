"""The September flow with its sources on two lanes, on Prefect's test harness (a real
throw-away server) and a generated municipality: each source is its own `ingest-source`
task run of the flow run, named as before, two of them running at the same time; the
summary lists the loads in the configured order; a source that fails fails the flow with
its own error, its task run Failed, nothing after the ingest run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter,
                                            FlowRunFilterId)

from edumon.config import load_config
from edumon.generate import generate

AY = 2023


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inbox")
    generate(out, seed=5, schools=20, years=(2020, AY))
    return out


def flow_runs(flow_run_id):
    with get_client(sync_client=True) as c:
        tasks = c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        arts = c.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return tasks, arts


def test_each_source_is_its_own_task_run_two_at_once_and_the_summary_keeps_the_order(harness, inbox, tmp_path):
    from flows.september import september_cycle

    config = tmp_path / "html.toml"
    config.write_text('[report]\nformats = ["html"]\n', encoding="utf-8")
    state = september_cycle(ay=AY, inbox=str(inbox), store=str(tmp_path / "store"),
                            warehouse=str(tmp_path / "w.duckdb"), config=str(config), return_state=True)
    assert state.is_completed(), state.message
    tasks, arts = flow_runs(state.state_details.flow_run_id)
    ingests = [t for t in tasks if t.name.startswith("ingest-") and t.name != "ingest-source"]
    names = [t.name for t in ingests]
    assert len(names) == len(set(names))
    # September 2023 reads ВПР and ГИА of 2020–2022, the official lists of 2022–2023
    assert {"ingest-schools", "ingest-gia-2020-2022", "ingest-vpr_stats-2020-2022", "ingest-staff-2022",
            "ingest-official_shnor-2022-2023"} <= set(names), names
    assert all(t.state_type.value == "COMPLETED" for t in ingests)
    spans = sorted((t.start_time, t.end_time, t.name) for t in ingests)
    # the registry before every other source
    school = next(s for s in spans if s[2] == "ingest-schools")
    assert all(school[1] <= s[0] for s in spans if s is not school)
    overlaps = [(a[2], b[2]) for i, a in enumerate(spans) for b in spans[i + 1:] if b[0] < a[1]]
    assert overlaps, spans
    # the summary's table of loads: the configured order of the cycle's sources
    [summary] = [a.data for a in arts if a.key == f"september-{AY}-summary"]
    table = summary.split("## Загрузка", 1)[1].split("## Таблицы", 1)[0]
    listed = list(dict.fromkeys(re.findall(r"^\| ([a-z_0-9]+) \|", table, re.M)))
    configured = list(load_config()["cycles"]["september"]["sources"])
    assert listed == [s for s in configured if s in listed] and len(listed) >= 10, listed


def test_a_failing_source_fails_the_flow_with_its_error(harness, inbox, tmp_path):
    from flows.september import september_cycle

    box = tmp_path / "box"
    shutil.copytree(inbox, box)
    victim = sorted(p for p in (box / str(AY - 1) / "staff").rglob("*") if p.is_file())[0]
    victim.write_bytes(b"PK\x03\x04 not a workbook")
    state = september_cycle(ay=AY, inbox=str(box), store=str(tmp_path / "store"),
                            warehouse=str(tmp_path / "w.duckdb"), return_state=True)
    assert state.is_failed()
    assert "не является книгой Excel" in state.message and victim.name in state.message, state.message
    tasks, arts = flow_runs(state.state_details.flow_run_id)
    by_name = {t.name: t for t in tasks}
    assert by_name["ingest-staff-2022"].state_type.value == "FAILED"
    # the others that ran (the registry, the lanes' sources started before the failure) completed
    ingests = [t for t in tasks if t.name.startswith("ingest-")]
    assert "ingest-schools" in by_name and len(ingests) >= 2
    assert all(t.state_type.value == "COMPLETED" for t in ingests if t.name != "ingest-staff-2022")
    assert not any(t.name.startswith(("compute", "export", "render")) for t in tasks)
    assert any(a.key == f"september-{AY}-failure" for a in arts)
