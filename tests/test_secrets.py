"""Secrets never printed (issue 11): real `edumon` runs against a real Prefect server and a
real SeaweedFS on loopback, with the S3 secret key in the environment (it is the real key
the runs publish with) and in a foreign error (a zero-byte Parquet file whose name holds
the secret: pyarrow's message, the traceback and the Russian message all repeat the
name). Then the console log file of each run, everything the Prefect server holds (logs,
artifacts, flow and task runs with their parameters and state messages, events) and the
messages are read back: the secret is in none of them. A location parameter carrying a
secret is refused before anything runs and never stays on the server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_csv
from tests.prefect_server import ROOT, Prefect
from tests.s3server import SECRET_KEY, weed_server

pytestmark = pytest.mark.slow
BUCKET = "edumon-sec"
SECRET = SECRET_KEY          # the real secret key of the SeaweedFS identity
EDUMON = str(Path(sys.executable).with_name("edumon"))


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    yield from weed_server(tmp_path_factory, BUCKET)


@pytest.fixture(scope="module")
def prefect(tmp_path_factory):
    srv = Prefect(tmp_path_factory.mktemp("prefect-home"))
    try:
        srv.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(srv.port))
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


def make_inbox(root: Path) -> Path:
    write_csv(root / "schools" / "r.csv", [
        {"school_code": "a1", "school_name": "МБОУ «СОШ № 1»", "short_name": "СОШ № 1",
         "municipality_code": "mo1", "municipality_name": "Город Первый"},
        {"school_code": "b2", "school_name": "МБОУ «СОШ № 2»", "short_name": "СОШ № 2",
         "municipality_code": "mo1", "municipality_name": "Город Первый"}])
    st = lambda c, n, m2: {"school_code": c, "grade": 5, "subject": "math", "participants": n, "mark2": m2,
                           "mark3": n - m2, "mark4": 0, "mark5": 0}
    for ay in (2021, 2022):
        write_csv(root / str(ay) / "vpr_stats" / "s.csv", [st("a1", 20, 8), st("b2", 20, 1)])
    return root


def edumon(prefect: Prefect, weed, log: Path, *args: str) -> subprocess.CompletedProcess:
    """`edumon …` pointed at the real Prefect server, S3 keys in the environment, every
    logger at DEBUG (botocore's too); stdout and stderr go to the log file."""
    env = {**prefect.env, **weed.env(), "EDUMON_S3_MAX_ATTEMPTS": "1",
           "PREFECT_LOGGING_LEVEL": "DEBUG", "PREFECT_LOGGING_ROOT_LEVEL": "DEBUG",
           "PREFECT_LOGGING_EXTRA_LOGGERS": "botocore,boto3,urllib3", "EDUMON_PROGRESS": "0"}
    with open(log, "w") as out:
        r = subprocess.run([EDUMON, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                           timeout=900)
    return r


def test_runs_on_s3_never_print_the_secret_in_logs_artifacts_or_events(prefect, weed, tmp_path):
    inbox = make_inbox(tmp_path / "inbox")
    html_only = tmp_path / "mo.toml"
    html_only.write_text('[report]\nformats = ["html"]\n', encoding="utf-8")
    common = ["--ay", "2023", "--store", f"s3://{BUCKET}/mo1", "--config", str(html_only)]

    ok_log = tmp_path / "ok.log"
    ok = edumon(prefect, weed, ok_log, "run", "september", "--inbox", str(inbox),
                "--warehouse", str(tmp_path / "ok.duckdb"), *common)
    ok_text = ok_log.read_text(encoding="utf-8", errors="replace")
    assert ok.returncode == 0, ok_text[-3000:]
    keys = [o["Key"] for o in weed.client().list_objects_v2(Bucket=BUCKET, Prefix="mo1/")["Contents"]]
    assert any(k.endswith("spravka.html") for k in keys)          # it really published with the key
    assert "botocore" in ok_text                                   # botocore's debug lines are in the log

    # a foreign error that carries the secret: pyarrow names the zero-byte file
    bad = tmp_path / "bad-inbox"
    subprocess.run(["cp", "-r", str(inbox), str(bad)], check=True)
    (bad / "2022" / "vpr_stats" / f"{SECRET}.parquet").write_bytes(b"")
    fail_log = tmp_path / "fail.log"
    failed = edumon(prefect, weed, fail_log, "run", "september", "--inbox", str(bad),
                    "--warehouse", str(tmp_path / "fail.duckdb"), *common)
    fail_text = fail_log.read_text(encoding="utf-8", errors="replace")
    assert failed.returncode == 1, fail_text[-3000:]
    assert "Ошибка" in fail_text and "***.parquet" in fail_text    # the message names the file, masked

    server = prefect.everything()
    assert "september-2023-summary" in server and "september-2023-failure" in server
    assert "***.parquet" in server                                  # the failure reached the server, masked
    for where, text in (("console log of the run", ok_text), ("console log of the failed run", fail_text),
                        ("Prefect server (logs, artifacts, runs, events)", server)):
        assert SECRET not in text, where


def test_a_location_with_a_secret_is_refused_and_not_kept_on_the_server(prefect, weed, tmp_path):
    inbox = make_inbox(tmp_path / "inbox")
    # on the command line: refused before any flow run exists
    log = tmp_path / "cli.log"
    r = edumon(prefect, weed, log, "run", "september", "--ay", "2023", "--inbox", str(inbox),
               "--store", f"s3://edumon-test:{SECRET}@{BUCKET}/mo1", "--warehouse", str(tmp_path / "w.duckdb"))
    text = log.read_text(encoding="utf-8")
    assert r.returncode == 1 and "учётные данные" in text and "Traceback" not in text, text[-2000:]
    assert SECRET not in text

    # a flow called with a secret in a parameter (as a deployment run would be): the run stops,
    # and the parameters the server keeps are masked
    code = ("from flows.september import september_cycle\n"
            f"september_cycle(ay=2023, inbox={str(inbox)!r}, warehouse={str(tmp_path / 'w2.duckdb')!r}, "
            f"store='s3://{BUCKET}/mo1?aws_secret_access_key={SECRET}')\n")
    env = {**prefect.env, **weed.env(), "PREFECT_LOGGING_LEVEL": "DEBUG"}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode != 0
    assert SECRET not in p.stdout + p.stderr
    runs = prefect.api("POST", "/flow_runs/filter", json={"limit": 200})
    stores = [r["parameters"].get("store", "") for r in runs if r["parameters"].get("ay") == 2023]
    assert any("aws_secret_access_key=***" in s for s in stores), stores
    assert SECRET not in prefect.everything()
