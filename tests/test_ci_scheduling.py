"""The suite's scheduling (tests/conftest.py, docs/testing.md), on a small suite of its own
run by a real pytest with two xdist workers: the tests of one file stay on one worker
(pytest 9 + xdist 3.8 would otherwise schedule every test alone), a file can split a test
into a group of its own, and the files are sent heaviest first by tests/durations.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")

TEST_FILE = '''
import os, time

def _log(name):
    with open(os.environ["CI_LOG"], "a") as f:
        f.write(f"{__name__} {name} {os.environ.get('PYTEST_XDIST_WORKER')}\\n")
    time.sleep(0.3)

def test_one(): _log("one")
def test_two(): _log("two")
def test_three(): _log("three")
def test_four(): _log("four")
'''


def _suite(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    shutil.copy(CONFTEST, root / "tests" / "conftest.py")
    for name in ("test_light", "test_middle", "test_heavy"):
        (root / "tests" / f"{name}.py").write_text(TEST_FILE, encoding="utf-8")
    # weights by hand: heavy 300 s, middle 100 s, light 1 s
    (root / "tests" / "durations.json").write_text(json.dumps({"groups": {
        "tests/test_heavy.py": 300, "tests/test_middle.py": 100, "tests/test_light.py": 1}}), encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n", encoding="utf-8")
    return root


def _env(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "EDUMON_TEST_"))}
    return {**env, "PREFECT_HOME": str(root / "prefect"), "CI_LOG": str(root / "log.txt"), **extra}


def test_a_files_tests_stay_on_one_worker_under_loadgroup(tmp_path):
    root = _suite(tmp_path)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
                          "--no-loadscope-reorder", "-p", "no:cacheprovider"],
                         cwd=root, env=_env(root, EDUMON_TEST_DURATIONS=str(root / "d.json")),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "12 passed" in out.stdout, out.stdout
    workers: dict[str, set[str]] = {}
    for line in (root / "log.txt").read_text().splitlines():
        module, _, worker = line.split()
        workers.setdefault(module, set()).add(worker)
    assert sorted(workers) == ["test_heavy", "test_light", "test_middle"]
    assert all(len(w) == 1 for w in workers.values()), workers
    # the measured seconds are written per group (each file: 4 tests of at least 0.3 s)
    doc = json.loads((root / "d.json").read_text())
    assert sorted(doc["groups"]) == ["tests/test_heavy.py", "tests/test_light.py", "tests/test_middle.py"]
    assert all(v >= 1.2 for v in doc["groups"].values()), doc
    assert sorted(doc["workers"]) == ["gw0", "gw1"]


def test_files_are_ordered_heaviest_first_on_a_worker(tmp_path):
    root = _suite(tmp_path)
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                         cwd=root, env=_env(root, PYTEST_XDIST_WORKER="gw0"), capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    files = [line.split("::")[0] for line in out.stdout.splitlines() if "::" in line]
    assert files == ["tests/test_heavy.py"] * 4 + ["tests/test_middle.py"] * 4 + ["tests/test_light.py"] * 4
    # without xdist the order is the collection order
    plain = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                           cwd=root, env=_env(root), capture_output=True, text=True, timeout=300)
    files = [line.split("::")[0] for line in plain.stdout.splitlines() if "::" in line]
    assert files == ["tests/test_heavy.py"] * 4 + ["tests/test_light.py"] * 4 + ["tests/test_middle.py"] * 4
