"""The regional run on a shared S3 store with two workers (issue 12): a real Prefect server,
a process work pool with two process workers (`--limit 1` each), the September deployment
from this checkout, and SeaweedFS on loopback. `regional_cycle` sends three tiny regions to
the pool; each region has its own warehouse and publishes under
`s3://…/country/regions/<region>/`; the merge reads the regions' Parquet from the store
(following each region's cycle pointer) and publishes the national tables under
`s3://…/country/national/`. The merged ШНОР list equals the one a single `edumon run
september` gives over the same schools in one inbox, and the hand-worked list."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.helpers import write_csv
from tests.prefect_server import ROOT, Prefect
from tests.s3server import weed_server

pytestmark = pytest.mark.slow
BUCKET = "edumon-regions"
POOL = "edumon-regions"
AY = 2023
# region → (municipality, [(school, pupils, «2» in maths 5 in both 2021 and 2022)])
# 40 % ≥ 30 % two years running → ШНОР (criterion 2); 5 % and 10 % → not
REGIONS = {"r01": ("mo1", [("a1", 20, 8), ("b2", 20, 1)]),
           "r02": ("mo2", [("c3", 20, 8)]),
           "r03": ("mo3", [("d4", 20, 2), ("e5", 20, 1)])}
SHNOR = {"a1", "c3"}
IGNORED = {"run_id"}


def write_region(inbox: Path, schools) -> None:
    """Schools (municipality, code, pupils, «2») into an inbox in the canonical contract,
    appending to what is there (the single-process inbox holds every region)."""
    import csv

    def add(path: Path, rows: list[dict]) -> None:
        old = list(csv.DictReader(open(path, encoding="utf-8"))) if path.exists() else []
        write_csv(path, old + rows)

    add(inbox / "schools" / "r.csv", [{"school_code": c, "school_name": f"Школа {c}", "short_name": c,
                                       "municipality_code": m, "municipality_name": f"МО {m}"}
                                      for m, c, _, _ in schools])
    for ay in (2021, 2022):
        add(inbox / str(ay) / "vpr_stats" / "s.csv", [
            {"school_code": c, "grade": 5, "subject": "math", "participants": n, "mark2": m2,
             "mark3": n - m2, "mark4": 0, "mark5": 0} for _, c, n, m2 in schools])


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    yield from weed_server(tmp_path_factory, BUCKET)


@pytest.fixture(scope="module")
def pool(tmp_path_factory, weed):
    srv = Prefect(tmp_path_factory.mktemp("prefect-home"))
    srv.env.update(weed.env())
    try:
        srv.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(srv.port))
        srv.wait_healthy()
        srv.cli("work-pool", "create", POOL, "--type", "process")
        deploy = subprocess.run([sys.executable, "-c", (
            "from flows.september import september_cycle as f; "
            f"f.from_source(source={str(ROOT)!r}, entrypoint='flows/september.py:september_cycle')"
            f".deploy(name='regions', work_pool_name={POOL!r}, build=False, push=False, print_next_steps=False)")],
            env=srv.env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert deploy.returncode == 0, deploy.stderr[-2000:]
        for i in (1, 2):
            srv.start(f"worker{i}", "worker", "start", "--pool", POOL, "--limit", "1", "--name", f"w{i}")
        yield srv
    finally:
        srv.stop()


def shnor_rows(data: bytes) -> list[tuple]:
    t = pq.read_table(io.BytesIO(data))
    cols = sorted(c for c in t.column_names if c not in IGNORED)
    return sorted((tuple(r[c] for c in cols) for r in t.select(cols).to_pylist()), key=repr), cols


def test_three_regions_on_two_workers_merge_from_s3_to_the_single_process_list(pool, weed, tmp_path):
    inbox_root, single = tmp_path / "regions", tmp_path / "single"
    for region, (mun, schools) in REGIONS.items():
        rows = [(mun, c, n, m2) for c, n, m2 in schools]
        write_region(inbox_root / region, rows)
        write_region(single, rows)
    html_only = tmp_path / "rules.toml"
    html_only.write_text('[report]\nformats = ["html"]\n', encoding="utf-8")
    store = f"s3://{BUCKET}/country"

    code = ("import json; from flows.regions import regional_cycle; "
            f"r = regional_cycle(cycle='september', ay={AY}, inbox_root={str(inbox_root)!r}, "
            f"work_root={str(tmp_path / 'work')!r}, deployment='september-cycle/regions', store={store!r}, "
            f"config={str(html_only)!r}); print('RESULT ' + json.dumps(r))")
    parent = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=pool.env, capture_output=True,
                            text=True, timeout=1500)
    assert parent.returncode == 0, (parent.stderr[-3000:], pool.worker_log())
    result = json.loads(next(x for x in parent.stdout.splitlines() if x.startswith("RESULT "))[7:])
    assert result["regions"] == sorted(REGIONS) and result["states"] == ["COMPLETED"] * 3
    assert result["rows"]["mart_shnor/2023"] == 5            # five schools in three regions

    # the three region runs went to the pool and both workers took some
    runs = [r for r in pool.api("POST", "/flow_runs/filter", json={"limit": 200})
            if r["parameters"].get("store", "").startswith(f"{store}/regions/")]
    assert sorted(r["parameters"]["store"].rsplit("/", 1)[1] for r in runs) == sorted(REGIONS)
    # each worker's "submitted-flow-run" / "executed-flow-run" events name the runs it took
    # (the worker sends its events in the background: wait for them)
    deadline = time.monotonic() + 90
    while True:
        events = pool.api("POST", "/events/filter", json={"filter": {"event": {"name": [
            "prefect.worker.submitted-flow-run", "prefect.worker.executed-flow-run"]}}, "limit": 50})["events"]
        taken: dict[str, set[str]] = {}
        for e in events:
            taken.setdefault(e["resource"]["prefect.resource.name"], set()).update(
                r["prefect.resource.id"].removeprefix("prefect.flow-run.") for r in e.get("related", [])
                if r.get("prefect.resource.role") == "flow-run")
        if set().union(*taken.values()) >= {r["id"] for r in runs} or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert set(taken) == {"w1", "w2"}, taken
    assert sorted(sum(map(sorted, taken.values()), [])) == sorted(r["id"] for r in runs), taken

    # each region published its own cycle in the shared store; the merge names the versions it read
    s3 = weed.client()
    get = lambda key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    made = json.loads(get(f"country/national/cycles/{AY}/september/regions.json"))
    for region in REGIONS:
        pointer = json.loads(get(f"country/regions/{region}/cycles/{AY}/september/current.json"))
        assert made["regions"][region] == pointer["version"]
    national, cols = shnor_rows(get(f"country/national/tables/{AY}/shnor.parquet"))
    i_code, i_flag = cols.index("school_code"), cols.index("is_shnor")
    assert {r[i_code] for r in national if r[i_flag]} == SHNOR

    # the single-process run over the same schools in one inbox gives the same list
    env = {k: v for k, v in pool.env.items() if k != "PREFECT_API_URL"}
    one = subprocess.run([str(Path(sys.executable).with_name("edumon")), "run", "september", "--ay", str(AY),
                          "--inbox", str(single), "--store", str(tmp_path / "single-store"),
                          "--warehouse", str(tmp_path / "single.duckdb"), "--config", str(html_only)],
                         cwd=ROOT, env={**env, "PREFECT_HOME": str(tmp_path / "ph")}, capture_output=True,
                         text=True, timeout=900)
    assert one.returncode == 0, one.stderr[-3000:]
    alone, cols_alone = shnor_rows((tmp_path / "single-store" / "tables" / str(AY) / "shnor.parquet").read_bytes())
    assert cols_alone == cols and alone == national
