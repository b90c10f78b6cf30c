"""The whole September cycle as a user runs it, against the plain DuckDB peer, in one run.

Each repetition starts `edumon run september` in a fresh process, exactly as a user types
it (no `PREFECT_API_URL`: Prefect's temporary server starts inside the measured time; a
fresh warehouse and a fresh folder store; every document format `[report] formats` names:
html, docx, pdf), and samples the resident memory of the whole process tree (the CLI, the
temporary Prefect server, the render workers) every 0.2 s. Its CPU is the children's
`getrusage` (everything the tree waited for). The DuckDB peer (`bench.peers --peer
duckdb`) runs in the same session, interleaved, on the same generated inbox, and both
ШНОР lists must be equal before a ratio is quoted.

    .venv/bin/python -m bench.generate --scale region          # once: var/bench/data/region-s7
    .venv/bin/python -m bench.cycle --scale region --repeats 2
    .venv/bin/python -m bench.cycle --stages var/bench/work/cycle/region/edumon-1/warehouse.duckdb
        # the CPU of each step after the data path, on the last run's warehouse
    .venv/bin/python -m bench.cycle --scale country --with-stages
        # the country in one command (long: only on a quiet machine): generates the inbox
        # when missing, one run and the peer, then the steps on its warehouse

The CPU of each process kind of the tree (the CLI, Prefect's temporary server, the
render workers) is sampled from /proc every 0.5 s and reported beside the tree's total
(`cpu_by_process`: the last sample of each process, so a process's last half second is
missing from it, never from `cpu_s`).

Writes `bench/results/cycle-<scale>-<date>.json` (machine, load before each run, commands,
every repetition, medians, ratios) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.memory import MemorySampler, tree_pids

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EDUMON = ROOT / ".venv" / "bin" / "edumon"


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class ProcessCPU:
    """CPU seconds of each process of a tree by kind, sampled from /proc/<pid>/stat."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int, interval: float = 0.5):
        import threading

        self.pid, self.interval = pid, interval
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def kind(self, pid: int) -> str:
        if pid == self.pid:
            return "cli"
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "other"
        return "prefect server" if "prefect.server.api.server" in cmd or "uvicorn" in cmd else "workers"

    def _tree(self) -> list[int]:
        return tree_pids(self.pid)

    def _run(self):
        while not self._stop.wait(self.interval):
            for pid in self._tree():
                try:
                    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                kind = self.last[pid][0] if pid in self.last else self.kind(pid)
                self.last[pid] = (kind, (int(f[11]) + int(f[12])) / self.TICK)

    def by_kind(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, cpu in self.last.values():
            out[kind] = round(out.get(kind, 0.0) + cpu, 1)
        return out


def measure(cmd: list[str], env: dict, log: Path) -> dict:
    """Wall, CPU (user + system of the tree) and peak RSS of the tree of one command."""
    load = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        with MemorySampler(proc.pid, interval=0.2) as mem, ProcessCPU(proc.pid) as kinds:
            code = proc.wait()
    wall = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"bench.cycle: {' '.join(map(str, cmd))} ended with {code}; see {log}")
    return {"wall_s": round(wall, 2), "cpu_s": round(_children_cpu() - cpu0, 2),
            "peak_rss_mb": round(mem.peak / 2**20), "load_before": round(load, 2), "cpu_by_process": kinds.by_kind()}


def shnor_list(store: Path, ay: int) -> list[str]:
    import duckdb

    path = store / "tables" / str(ay) / "shnor.parquet"
    return [r[0] for r in duckdb.sql(f"SELECT school_code FROM read_parquet('{path}') WHERE ay = {int(ay)} "
                                     "AND is_shnor ORDER BY 1").fetchall()]


def documents(store: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in (store / "reports").rglob("*"):
        if p.is_file() and p.suffix in (".html", ".docx", ".pdf") and p.name != "index.html":
            out[p.suffix[1:]] = out.get(p.suffix[1:], 0) + 1
    return out


def _stage_child(warehouse: str, inbox: str, store: str, ay: int, out: str) -> None:
    """In a fresh process, on a finished cycle's warehouse: the CPU (this process and its
    render workers) of each step after the data path, called as the flow calls them (the
    tasks' `.fn`), the export split into Parquet, whole-table XLSX and per-municipality
    workbooks."""
    import duckdb  # noqa: F401

    from edumon.config import load_config
    from tasks import export, pipeline, render
    from tasks.warehouse import connect

    cfg = load_config()
    cycle = "september"
    marts = [(m, ay + o) for m, o in cfg["cycles"][cycle]["marts"]]
    run = {"run_id": "bench-stages", "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"], "template_version": render.template_version(cfg)}
    cpu: dict[str, float] = {}

    def clock():
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def timed(name, fn, *a):
        c0 = clock()
        r = fn(*a)
        cpu[name] = round(clock() - c0, 2)
        return r

    quality = timed("quality checkpoint (Great Expectations)",
                    lambda: pipeline.run_quality(warehouse, cycle, ay, marts, run, cfg)[1])
    con = connect(warehouse)
    try:
        timed("export: Parquet (COPY)", lambda: [export.parquet_bytes(con, m, a) for m, a in marts])
        timed("export: whole-table XLSX", lambda: [export.xlsx_bytes(export.table_query(con, m, a), m) for m, a in marts])
        timed("export: per-municipality XLSX", lambda: [len(list(export.iter_municipality_xlsx(con, m, a)))
                                                        for m, a in marts])
    finally:
        con.close()
    inputs = [{"source": "bench", "ay": ay, "file": "x", "sha256": "0" * 64}]
    states = timed("export to the store (all of the above + upload)", pipeline.export_to_store.fn,
                   store, warehouse, run, cycle, ay, marts, quality, inputs, cfg["publish"], cfg)
    states = timed("render + upload, every municipality (workers included)", pipeline.render_to_store.fn,
                   store, warehouse, ay, cycle, run, cfg, states)
    timed("publish: pointer, followers, index pages", pipeline.publish_pointer.fn,
          store, run, cycle, ay, states, cfg["publish"])
    Path(out).write_text(json.dumps(cpu, ensure_ascii=False, indent=2), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Весь цикл «сентябрь», как его запускает пользователь, и пир DuckDB.")
    ap.add_argument("--scale", default="region")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=None, help="default 2, the country 1")
    ap.add_argument("--data", type=Path, default=None,
                    help="the generated data (default var/bench/data/<scale>-s<seed>; generated when missing)")
    ap.add_argument("--with-stages", action="store_true",
                    help="then the CPU of each step after the data path on the last run's warehouse (a fresh process)")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--work", type=Path, default=ROOT / "var" / "bench" / "work" / "cycle")
    ap.add_argument("--results", type=Path, default=None,
                    help="where to write the JSON (default bench/results/cycle[-stages]-<scale>-<date>.json)")
    ap.add_argument("--stages", type=Path, default=None,
                    help="only the CPU of each step after the data path, on this finished warehouse")
    args = ap.parse_args(argv)
    if args.stages:
        store = args.work / "stages-store"
        shutil.rmtree(store, ignore_errors=True)
        out = args.work / "stages.json"
        _stage_child(str(args.stages), "", str(store), args.ay, str(out))
        shutil.rmtree(store, ignore_errors=True)   # the disk is shared too
        print(out.read_text(encoding="utf-8"))
        if args.results:
            args.results.write_text(json.dumps({
                "warehouse": str(args.stages), "ay": args.ay, "load_before": round(os.getloadavg()[0], 2),
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": f"python -m bench.cycle --stages {args.stages}",
                "cpu_s": json.loads(out.read_text(encoding="utf-8"))}, ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8")
        return 0

    if args.repeats is None:
        args.repeats = 1 if args.scale == "country" else 2
    data = args.data or ROOT / "var" / "bench" / "data" / f"{args.scale}-s{args.seed}"
    if not (data / "inbox").is_dir():
        if args.data is not None:
            raise SystemExit(f"bench.cycle: no inbox in {data}")
        print(f"bench.cycle: generating {data} (python -m bench.generate --scale {args.scale} --seed {args.seed})",
              flush=True)
        subprocess.run([sys.executable, "-m", "bench.generate", "--scale", args.scale, "--seed", str(args.seed)],
                       cwd=ROOT, check=True)
    work = args.work / args.scale
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # one Prefect home for every run (its database migrated by the first run ever, as a
    # user's ~/.prefect is): the temporary server still starts inside every measured run
    prefect_home = ROOT / "var" / "bench" / "prefect"
    env = {**os.environ, "EDUMON_PROGRESS": "0", "PREFECT_HOME": str(prefect_home),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300"}
    env.pop("PREFECT_API_URL", None)

    runs: dict[str, list[dict]] = {"edumon": [], "duckdb": []}
    lists: dict[str, list[str]] = {}
    extra: dict = {}
    for i in range(args.repeats):
        run_dir = work / f"edumon-{i}"
        cmd = [str(EDUMON), "run", "september", "--ay", str(args.ay), "--inbox", str(data / "inbox"),
               "--warehouse", str(run_dir / "warehouse.duckdb"), "--store", str(run_dir / "store")]
        run_dir.mkdir()
        r = measure(cmd, env, run_dir / "log.txt")
        runs["edumon"].append(r)
        lists["edumon"] = shnor_list(run_dir / "store", args.ay)
        extra["documents"] = documents(run_dir / "store")
        extra["edumon_command"] = " ".join(cmd[1:])
        print(f"edumon {i + 1}: {r}", flush=True)
        shutil.rmtree(run_dir / "store", ignore_errors=True)   # the disk is shared too
        if i < args.repeats - 1:   # the last warehouse stays (bench.stream_publish --source)
            (run_dir / "warehouse.duckdb").unlink(missing_ok=True)

        peer_dir = work / f"duckdb-{i}"
        peer_dir.mkdir()
        cmd = [sys.executable, "-m", "bench.peers", "--peer", "duckdb", "--data", str(data),
               "--json", str(peer_dir / "peer.json"), "--shnor", str(peer_dir / "shnor.txt"), "--ay", str(args.ay)]
        r = measure(cmd, env, peer_dir / "log.txt")
        runs["duckdb"].append(r)
        lists["duckdb"] = sorted((peer_dir / "shnor.txt").read_text(encoding="utf-8").split())
        extra["duckdb_command"] = "python -m bench.peers --peer duckdb --data " + os.path.relpath(data, ROOT)
        print(f"duckdb {i + 1}: {r}", flush=True)

    if lists["edumon"] != lists["duckdb"]:
        raise SystemExit(f"bench.cycle: the ШНОР lists differ: edumon {len(lists['edumon'])}, "
                         f"duckdb {len(lists['duckdb'])}; no ratio is quoted")
    med = {who: {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "cpu_s", "peak_rss_mb")}
           for who, rs in runs.items()}
    result = {
        "scale": args.scale, "seed": args.seed, "ay": args.ay, "repeats": args.repeats,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "command": f"python -m bench.cycle --scale {args.scale} --repeats {args.repeats}",
        "runs": runs, "median": med, "shnor_schools": len(lists["edumon"]), **extra,
        "ratio": {"wall": round(med["edumon"]["wall_s"] / med["duckdb"]["wall_s"], 1),
                  "cpu": round(med["edumon"]["cpu_s"] / med["duckdb"]["cpu_s"], 1)},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.with_stages:   # the steps after the data path, on the last run's warehouse, in a fresh process
        last = work / f"edumon-{args.repeats - 1}" / "warehouse.duckdb"
        stages_path = (args.results.with_name(args.results.stem + "-stages.json") if args.results
                       else RESULTS / f"cycle-stages-{args.scale}-{datetime.now():%Y-%m-%d}.json")
        subprocess.run([sys.executable, "-m", "bench.cycle", "--stages", str(last), "--ay", str(args.ay),
                        "--work", str(args.work), "--results", str(stages_path)], cwd=ROOT, env=env, check=True)
        result["stages"] = json.loads(stages_path.read_text(encoding="utf-8"))["cpu_s"]
    path = args.results or RESULTS / f"cycle-{args.scale}-{datetime.now():%Y-%m-%d}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\n| {args.scale} | wall s (median; runs) | CPU s | peak RSS of the tree, MB | load before |")
    print("| --- | --- | --- | --- | --- |")
    for who, rs in runs.items():
        walls = "; ".join(f"{r['wall_s']:.1f}" for r in rs)
        loads = ", ".join(f"{r['load_before']:.1f}" for r in rs)
        print(f"| {who} | {med[who]['wall_s']:.1f} ({walls}) | {med[who]['cpu_s']:.1f} | "
              f"{med[who]['peak_rss_mb']:.0f} | {loads} |")
    print("\nCPU by process (last run, sampled): " + ", ".join(
        f"{k} {v:.1f} s" for k, v in runs["edumon"][-1].get("cpu_by_process", {}).items()))
    print(f"\nedumon ÷ duckdb: wall {result['ratio']['wall']}×, CPU {result['ratio']['cpu']}×; "
          f"ШНОР {len(lists['edumon'])} = {len(lists['duckdb'])}; documents {extra['documents']}; {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
