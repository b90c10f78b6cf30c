"""A real `edumon run september` killed (SIGKILL) while its ingest runs on two lanes: paused
as the staff monitoring starts in its lane (`EDUMON_TEST_PAUSE_AT=ingest:staff`) while the
other lane goes on through the queue (killed in whichever load it is in), then a rerun: the published tables and
справки equal an uninterrupted run's, and every pointer names a complete version
(the helpers and fixtures of tests/test_one_writer_and_kills.py)."""

from __future__ import annotations

import os
import signal

import pytest

from tests.test_one_writer_and_kills import inbox, published, reference, start_run, wait_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("cli_temporary_server")


def test_a_run_killed_while_the_other_lane_loads_then_rerun_equals_an_uninterrupted_run(inbox, reference,  # noqa: F811
                                                                                          tmp_path):
    wh, store = tmp_path / "w.duckdb", tmp_path / "store"
    marker = tmp_path / "paused"
    proc = start_run(inbox, wh, store, env={"EDUMON_TEST_PAUSE_AT": "ingest:staff",
                                            "EDUMON_TEST_PAUSE_MARKER": str(marker)})
    wait_for(marker, proc)
    assert marker.read_text(encoding="utf-8").startswith("ingest:staff ")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not store.exists() or published(store) == {}
    rerun = start_run(inbox, wh, store)
    _, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err
    assert published(store) == reference["content"]
