"""The CLI's temporary Prefect server without automations (issue 12, ops9): its triggers and
actions services are off, and a real flow run on it still leaves what the engineer watches
in the Prefect UI — the flow run, its task runs, its log lines. A fresh interpreter: the CLI
starts the server as `edumon run` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CODE = r"""
import json, os, time
from edumon import cli
cli._prefect_defaults()
cli._TemporaryServer.wait()
server_env = dict(kv.split('=', 1) for kv in
                  open(f'/proc/{cli._TemporaryServer.current.proc.pid}/environ').read().split('\0') if '=' in kv)
from prefect import flow, task, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId

@task
def double(x):
    get_run_logger().info('удвоено %s', x)
    return 2 * x

@flow(name='ops9-probe')
def probe():
    return [double(1), double(2)]

state = probe(return_state=True)
run_id = state.state_details.flow_run_id
from prefect.logging.handlers import APILogWorker
from prefect.events.worker import EventsWorker
APILogWorker.drain_all(timeout=20); EventsWorker.drain_all(timeout=20)
with get_client(sync_client=True) as c:
    deadline = time.monotonic() + 60   # the task-run recorder writes task runs every 5 s
    while True:
        tasks = c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
        logs = c.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        done = sorted(t.state.type.value for t in tasks if t.state)
        if (done == ['COMPLETED', 'COMPLETED'] and sum('удвоено' in l.message for l in logs) == 2) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    flow_run = c.read_flow_run(run_id)
print(json.dumps({'triggers': server_env.get('PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED'),
                  'flow': [flow_run.name != '', flow_run.state.type.value],
                  'tasks': sorted(t.name.split('-')[0] for t in tasks), 'states': done,
                  'lines': sorted(l.message for l in logs if 'удвоено' in l.message)}))
"""


@pytest.mark.xdist_group("ops9_temporary_server")
def test_the_temporary_server_runs_no_automations_and_still_records_the_flow_run_its_task_runs_and_logs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "EDUMON_TEMPORARY_SERVER")}
    env.pop("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", None)
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300", PREFECT_LOGGING_TO_API_ENABLED="true",
               PREFECT_LOGGING_LEVEL="INFO")  # make test exports WARNING: the INFO lines must reach the API
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=500,
                         env=env)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"triggers": "false", "flow": [True, "COMPLETED"], "tasks": ["double", "double"],
                   "states": ["COMPLETED", "COMPLETED"], "lines": ["удвоено 1", "удвоено 2"]}
