"""Test session settings (docs/testing.md).

- Under pytest-xdist (`make test` runs the suite on several workers) each worker gets its
  own PREFECT_HOME: Prefect's temporary server keeps its state in a SQLite file there, and
  two servers on one file lock each other out. Set before any test module imports Prefect.
- Scheduling: `make test` uses `--dist loadgroup --no-loadscope-reorder`. Every test
  without an `xdist_group` mark is put in the group of its file (so a file's module
  fixtures are built once, as with `--dist loadfile`), and the groups are sent heaviest
  first, by the seconds each group took in the last measured run (tests/durations.json;
  a group not measured yet weighs what its file weighed, else DEFAULT_SECONDS). The longest files start first instead of last,
  so no worker is left with a long file while the others are idle. A file may split its
  slowest tests into groups of their own (`@pytest.mark.xdist_group("file-part")`) so
  that they run on another worker beside the rest of the file.
- `EDUMON_TEST_DURATIONS=path` writes each group's seconds (setup + call + teardown of its
  tests) and each worker's busy seconds to that JSON file at the end of the run; copy it
  to tests/durations.json to refresh the weights (`make test-durations`)."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    base = Path(os.environ.get("PREFECT_HOME") or Path(__file__).resolve().parents[1] / "var" / "prefect")
    home = base.parent / f"{base.name}-{_worker}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(home)


import pytest  # noqa: E402  (after PREFECT_HOME is set)

DURATIONS = Path(__file__).with_name("durations.json")
DEFAULT_SECONDS = 30.0   # a file not measured yet: about the median file

# The slowest files' tests that run in a group of their own, on another worker than the
# rest of their file (each group builds the file's module fixtures again: split only where
# the tests cost much more than the fixtures). Node id (or its start) → group name.
SPLIT: dict[str, str] = {
}


@pytest.fixture(scope="module")
def harness():
    """Prefect's test harness (a real temporary Prefect server, its own SQLite database)
    for the tests of one module; every test module that needs flows on a server asks for it."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# The variables the CLI sets for its flows once it started its temporary server
# (edumon/cli.py::_TemporaryServer): the API address, the mark that the server is the
# temporary one (no Prefect concurrency limit: the warehouse's file lock serialises), no UI.
_CLI_SERVER_ENV = ("PREFECT_API_URL", "EDUMON_TEMPORARY_SERVER", "PREFECT_UI_URL")
_CLI_DEFAULTS = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
                 "PREFECT_HOME": str(Path(__file__).resolve().parents[1] / "var" / "prefect")}


@pytest.fixture(scope="module")
def cli_temporary_server():
    """One temporary Prefect server for every `edumon run` of a test module.

    It is the server the CLI starts for each run (`edumon/cli.py::_TemporaryServer`, the
    same class and command line), started once here instead of once per run: each start
    costs 11–23 s of CPU. The fixture puts the variables the CLI would set in this
    process's environment (which every `edumon` subprocess of the module inherits): the
    CLI then sees a configured server and starts none, and the flows still see the
    temporary server (the file lock alone serialises the warehouse, as in a user's run).
    Restored, and the server stopped, at the end of the module. A module that tests the
    CLI's own start of the server does not use this (tests/test_qual5_cli.py,
    tests/test_regions_s3.py's single-process run, test_damaged_inputs.py's first run)."""
    from edumon import cli

    saved = {k: os.environ.get(k) for k in (*_CLI_SERVER_ENV, *_CLI_DEFAULTS)}
    for k in _CLI_SERVER_ENV:
        os.environ.pop(k, None)
    for k, v in _CLI_DEFAULTS.items():   # what the CLI's _prefect_defaults() sets
        os.environ.setdefault(k, v)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    server = cli._TemporaryServer()   # sets PREFECT_API_URL, EDUMON_TEMPORARY_SERVER, PREFECT_UI_URL
    try:
        timeout = float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) + 120
        assert server.answers(timeout), (f"the temporary Prefect server did not answer /health "
                                         f"(exit code {server.proc.poll()})")
        yield server
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- scheduling --------------------------------------------------------------------------

def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _weights() -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads(DURATIONS.read_text(encoding="utf-8"))["groups"].items()}
    except (OSError, ValueError, KeyError):
        return {}


def _group_of(item) -> str | None:
    for mark in item.iter_markers("xdist_group"):
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker: every unmarked test joins its file's group, and the groups are
    ordered heaviest first. Order inside a group is kept."""
    if not _worker:
        return
    weights = _weights()
    for item in items:
        if _group_of(item) is None:
            split = next((g for prefix, g in SPLIT.items() if item.nodeid.startswith(prefix)), None)
            item.add_marker(pytest.mark.xdist_group(split or _file_of(item.nodeid)))
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(_group_of(item), i)

    def key(pair):
        i, item = pair
        group = _group_of(item)
        seconds = weights.get(group, weights.get(_file_of(item.nodeid), DEFAULT_SECONDS))
        return (-seconds, first_seen[group], i)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
    # The scheduler reads a test's group from the `@group` suffix of its node id. xdist 3.8
    # writes it to `item._nodeid`, which pytest 9 no longer reads (the id is `item._id`, a
    # NodeId): without this every test would be scheduled on its own, and a file's module
    # fixtures built again on each worker.
    if getattr(config.option, "loadgroup", False):
        for item in items:
            if "@" not in item.nodeid[item.nodeid.rfind("]") + 1:]:
                _set_nodeid(item, f"{item.nodeid}@{_group_of(item)}")


def _set_nodeid(item, nodeid: str) -> None:
    try:
        from _pytest.nodeid import NodeId
    except ImportError:   # pytest < 9: the id is a plain string
        item._nodeid = nodeid
    else:
        item._id = NodeId.parse(nodeid)


# -- measuring ---------------------------------------------------------------------------

_group_seconds: dict[str, float] = defaultdict(float)
_worker_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    nodeid, _, group = report.nodeid.partition("@")
    _group_seconds[group.split("@")[-1] or _file_of(nodeid)] += report.duration
    node = getattr(report, "node", None)
    if node is not None:
        _worker_seconds[node.gateway.id] += report.duration


def pytest_sessionfinish(session):
    out = os.environ.get("EDUMON_TEST_DURATIONS")
    if not out or _worker:
        return
    groups = dict(sorted(((k, round(v, 1)) for k, v in _group_seconds.items()), key=lambda kv: -kv[1]))
    doc = {"groups": groups, "workers": {k: round(v, 1) for k, v in sorted(_worker_seconds.items())}}
    Path(out).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
