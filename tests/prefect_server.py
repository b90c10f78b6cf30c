"""A real Prefect server (and workers) in subprocesses on a free loopback port, with their
own PREFECT_HOME, for the tests that run deployments on a work pool. Everything started
is stopped by `stop()` (workers with SIGINT: the process worker ignores SIGTERM)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prefect:
    """A real server and worker in subprocesses, with their own PREFECT_HOME."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": self.url,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "EDUMON_HOME": str(ROOT),
                    "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_LOGGING_LEVEL": "WARNING",
                    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
        self.logs = home / "logs"
        self.logs.mkdir(parents=True)
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "w")
        p = subprocess.Popen([PREFECT, *args], cwd=ROOT, env={**self.env, **(env or {})}, stdout=out,
                             stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def cli(self, *args: str) -> str:
        r = subprocess.run([PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"prefect {' '.join(args)}:\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"server did not answer: {(self.logs / 'server.log').read_text()[-3000:]}")

    def api(self, method: str, path: str, **kw):
        # the machine is shared and busy: a timeout or a 503 (server overloaded) is retried,
        # any other error status is not
        for attempt in range(6):
            try:
                r = httpx.request(method, f"{self.url}{path}", timeout=60, **kw)
                if r.status_code != 503 or attempt == 5:
                    break
            except httpx.TransportError:
                if attempt == 5:
                    raise
            time.sleep(3)
        r.raise_for_status()
        return r.json()

    def run_deployment(self, name: str, parameters: dict, timeout: float = 420) -> dict:
        dep = self.api("GET", f"/deployments/name/{name}")
        run = self.api("POST", f"/deployments/{dep['id']}/create_flow_run", json={"parameters": parameters})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.api("GET", f"/flow_runs/{run['id']}")
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run
            time.sleep(1)
        raise AssertionError(f"{name} did not finish: {run['state']}; worker log:\n"
                             f"{(self.logs / 'worker.log').read_text()[-3000:]}")

    def everything(self) -> str:
        """All the server holds about runs, as JSON text: flow and task runs (parameters,
        names, state messages), logs, artifacts and events (every page)."""
        import json

        parts = []
        for path in ("/flow_runs/filter", "/task_runs/filter", "/artifacts/filter"):
            parts.append(self.api("POST", path, json={"limit": 200}))
        offset = 0
        while True:
            page = self.api("POST", "/logs/filter", json={"limit": 200, "offset": offset})
            parts.append(page)
            if len(page) < 200:
                break
            offset += 200
        page = self.api("POST", "/events/filter", json={"limit": 50})
        while True:
            parts.append(page["events"])
            if not page.get("next_page"):
                break
            r = httpx.get(page["next_page"], timeout=60)
            r.raise_for_status()
            page = r.json()
        return json.dumps(parts, ensure_ascii=False)

    def worker_log(self, chars: int = 6000) -> str:
        return (self.logs / "worker.log").read_text()[-chars:]

    def artifacts(self, flow_run_ids: list[str]) -> list[dict]:
        return self.api("POST", "/artifacts/filter",
                        json={"artifacts": {"flow_run_id": {"any_": flow_run_ids}}, "limit": 200})

    def stop(self) -> None:
        # the worker first (it ignores SIGTERM: SIGINT), then the server
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGINT)
                except ProcessLookupError:
                    continue
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
