"""Test session settings. Under pytest-xdist (`make test` runs the files on several
workers) each worker gets its own PREFECT_HOME: Prefect's temporary server keeps its state
in a SQLite file there, and two servers on one file lock each other out. Set before any test
module imports Prefect."""

from __future__ import annotations

import os
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    base = Path(os.environ.get("PREFECT_HOME") or Path(__file__).resolve().parents[1] / "var" / "prefect")
    home = base.parent / f"{base.name}-{_worker}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(home)


import pytest  # noqa: E402  (after PREFECT_HOME is set)


@pytest.fixture(scope="module")
def harness():
    """Prefect's test harness (a real temporary Prefect server, its own SQLite database)
    for the tests of one module; every test module that needs flows on a server asks for it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
