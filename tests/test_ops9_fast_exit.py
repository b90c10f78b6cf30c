"""The CLI's exit without the interpreter's finalisation (edumon/cli.py::_exit_now, ops9):
the flow run's last log line still reaches the Prefect API, the exit code is the command's,
and what the command printed is all there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CODE = r"""
import sys
from prefect import flow, get_run_logger
from edumon.cli import _run_app

@flow(name='ops9-exit-probe', flow_run_name='ops9-exit-probe-' + sys.argv[1])
def probe():
    get_run_logger().info('последняя строка ' + sys.argv[1])
    print('напечатано ' + sys.argv[1])
    return 3

_run_app(probe)
print('never printed')
"""


@pytest.mark.xdist_group("ops9_fast_exit")
def test_the_last_log_line_reaches_the_api_and_the_exit_code_is_kept(cli_temporary_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, LogFilter, LogFilterFlowRunId

    mark = str(time.time_ns())
    script = tmp_path / "edumon"   # the console script's name: the fast exit applies
    script.write_text(CODE, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), mark], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PREFECT_LOGGING_TO_API_ENABLED": "true",
                                                          "PREFECT_LOGGING_LEVEL": "INFO"})  # make test exports WARNING
    assert out.returncode == 3, out.stderr
    assert f"напечатано {mark}" in out.stdout and "never printed" not in out.stdout
    with get_client(sync_client=True) as c:
        runs = c.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"ops9-exit-probe-{mark}"])))
        assert [r.state.type.value for r in runs] == ["COMPLETED"]
        logs = c.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[runs[0].id])))
    assert f"последняя строка {mark}" in [l.message for l in logs]
