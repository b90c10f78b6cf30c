"""One writer per warehouse and runs that survive a kill (issue 11), with real `edumon run`
processes on a generated municipality:

- two concurrent runs on one warehouse: the second waits for the first (or, with a short
  `[warehouse] lock_wait_seconds`, stops in Russian naming the holder's run and process),
  and the store ends up as after one run;
- SIGKILL at the start of ingest, compute, render and publish (the pause hook of
  flows/common.py makes the kill land at a known point), then a rerun: the published
  tables and справки equal an uninterrupted run's (run ids and version ids aside), and
  after every kill every pointer in the store names a complete version."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_shell_errors import edumon

# every run of the module on one temporary Prefect server (tests/conftest.py), not one each
pytestmark = pytest.mark.usefixtures("cli_temporary_server")
ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "edumon"
EDUMON = [str(_SCRIPT)] if _SCRIPT.exists() else [
    sys.executable, "-c", "import sys; from edumon.cli import app; sys.argv[0] = 'edumon'; app()"]
AY = 2023
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VERSION_SEGMENT = re.compile(r"/[0-9a-f]{16}/")


def start_run(inbox: Path, warehouse: Path, store: Path, env: dict | None = None, config: Path | None = None):
    args = ["run", "september", "--ay", str(AY), "--inbox", str(inbox), "--warehouse", str(warehouse),
            "--store", str(store)] + (["--config", str(config)] if config else [])
    full_env = {**os.environ, "EDUMON_PROGRESS": "0", **(env or {})}
    return subprocess.Popen([*EDUMON, *args], cwd=ROOT, env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(path: Path, proc, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"run ended before the pause: {proc.returncode}\n{proc.stderr.read()}")
        assert time.monotonic() < end, "the run never reached the pause"
        time.sleep(0.2)


def check_pointers(store: Path) -> list[str]:
    """Every pointer in the store names files that all exist with their sha256: no
    pointer names an incomplete version. Returns the keys the pointers name."""
    named = []
    for pointer in sorted(store.rglob("*.json")):
        if not (pointer.name == "current.json" or pointer.name.endswith(".current.json")):
            continue
        doc = json.loads(pointer.read_text(encoding="utf-8"))
        files = list(doc.get("files", []))
        if doc.get("manifest"):
            manifest = store / doc["manifest"]
            assert manifest.is_file(), f"{pointer} names a missing manifest {doc['manifest']}"
            files += json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
            named.append(doc["manifest"])
        for f in files:
            path = store / f["key"]
            assert path.is_file(), f"{pointer} names a missing object {f['key']}"
            if f.get("sha256"):
                assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"], f"{f['key']} differs"
            named.append(f["key"])
    return named


def published(store: Path) -> dict[str, str]:
    """What a reader gets through the pointers, run and version ids aside: each table's
    rows (without run_id), each HTML справка's text; keys without the version folder."""
    import pandas as pd

    out = {}
    for key in check_pointers(store):
        logical = VERSION_SEGMENT.sub("/", "/" + key)[1:]
        path = store / key
        if key.endswith(".parquet"):
            df = pd.read_parquet(path)
            df = df.drop(columns=[c for c in df.columns if c == "run_id" or c.endswith("_run_id")])
            df = df.astype("string").fillna("∅")
            out[logical] = df.sort_values(list(df.columns)).to_csv(index=False)
        elif key.endswith(".html") and key.startswith("reports/"):
            text = UUID.sub("RUN", path.read_text(encoding="utf-8"))
            out[logical] = re.sub(r"\b[0-9a-f]{16}\b", "VERSION", text)
        elif key.endswith("problems.xlsx"):
            import openpyxl

            ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["Ошибки"]
            out[logical] = json.dumps(sorted(map(str, ws.iter_rows(values_only=True))), ensure_ascii=False)
    return out


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen")
    out = edumon("generate", "--out", root, "--schools", "20", "--years", "2020-2023")
    assert out.returncode == 0, out.stderr
    return root


@pytest.fixture(scope="module")
def reference(inbox, tmp_path_factory) -> dict:
    """One uninterrupted run on a fresh warehouse: what every other scenario must give."""
    base = tmp_path_factory.mktemp("reference")
    proc = start_run(inbox, base / "w.duckdb", base / "store")
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    content = published(base / "store")
    assert any(k.endswith("shnor.parquet") for k in content), sorted(content)
    assert any(k.startswith("reports/") and k.endswith(".html") for k in content), sorted(content)
    return {"content": content, "warehouse": base / "w.duckdb", "store": base / "store"}


def test_a_second_run_waits_for_the_first_or_stops_in_russian_naming_it(inbox, reference, tmp_path):
    wh, store = tmp_path / "w.duckdb", tmp_path / "store"
    marker = tmp_path / "paused"
    first = start_run(inbox, wh, store, env={"EDUMON_TEST_PAUSE_AT": "compute", "EDUMON_TEST_PAUSE_MARKER": str(marker),
                                             "EDUMON_TEST_PAUSE_SECONDS": "120"})
    wait_for(marker, first)
    short = tmp_path / "short.toml"
    short.write_text("[warehouse]\nlock_wait_seconds = 1\n", encoding="utf-8")
    impatient = start_run(inbox, wh, store, config=short)
    _, err = impatient.communicate(timeout=600)
    assert impatient.returncode == 1, err
    assert "Traceback" not in err and "nanobind" not in err, err
    holder = json.loads((tmp_path / "w.duckdb.lock").read_text(encoding="utf-8"))
    assert f"Ошибка: Хранилище {wh} занято: его держит запуск {holder['run_id']}" in err, err
    assert f"процесс {first.pid}" in err and "Ждали 1 с ([warehouse] lock_wait_seconds)" in err, err

    patient = start_run(inbox, wh, store)
    _, first_err = first.communicate(timeout=900)
    first_done = time.monotonic()
    assert first.returncode == 0, first_err
    _, patient_err = patient.communicate(timeout=900)
    assert patient.returncode == 0, patient_err
    assert "занято" in patient_err  # it said it waited
    assert time.monotonic() >= first_done
    assert published(store) == reference["content"]


@pytest.mark.parametrize("stage", ["ingest", "compute", "render", "publish"])
def test_a_run_killed_at_a_stage_start_then_rerun_equals_an_uninterrupted_run(inbox, reference, tmp_path, stage):
    wh, store, box = tmp_path / "w.duckdb", tmp_path / "store", inbox
    before = published(store) if store.exists() else {}
    marker = tmp_path / "paused"
    proc = start_run(box, wh, store, env={"EDUMON_TEST_PAUSE_AT": stage, "EDUMON_TEST_PAUSE_MARKER": str(marker)})
    wait_for(marker, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # the kill left every pointer on a complete version, and the readers' view unchanged
    assert published(store) == before
    rerun = start_run(box, wh, store)
    _, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err
    assert published(store) == reference["content"]
