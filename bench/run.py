"""`make bench`: generate each scale (cached), then measure, per scale:

1. the floor — a bare DuckDB scan of every input the cycles read (bench/floor.py);
2. the cycles stage by stage without Prefect, each repetition in a fresh process
   (bench/stages.py): wall time and peak RSS per stage;
3. one full Prefect run per repetition (bench/prefect_run.py): a fresh process, the
   temporary server started inside the measured time.

Writes `bench/results/<scale>-<date>.json` (machine, load, commands, every repetition,
medians, ratios, targets) and the figures block of docs/benchmarks.md between
`<!-- bench:<scale>:begin -->` and `<!-- bench:<scale>:end -->`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

from bench.generate import generate
from bench.memory import MemorySampler
from bench.scales import CYCLE_AY, SCALES
from bench.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
WORK = ROOT / "var" / "bench" / "work"
COMPUTE_STAGES = ("ingest", "validate", "compute")
TARGETS = {  # the targets on a 2-core, 24 GB machine
    "country": {"september_end_to_end_seconds": 300, "peak_rss_mb": 6 * 1024},
    "region": {"prefect_end_to_end_seconds": 30},
    "compute_over_floor": 3.0,
}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1), "cpu": cpu,
            "kernel": platform.release(), "python": platform.python_version(),
            "versions": {p: metadata.version(p) for p in ("duckdb", "prefect", "pandas", "pandera", "pyarrow",
                                                          "numpy", "python-calamine", "jinja2")}}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _median(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 3) if xs else None


def run_stages(data: Path, scale: str, rep: int, timeout: float, memory_limit_gb: float, work: Path,
               ingest: str = "product", skip_xlsx: bool = False) -> dict:
    out_json = work / f"{scale}-stages-{rep}.json"
    out_json.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.stages", "--data", str(data), "--work", str(work / f"{scale}-stages"),
           "--json", str(out_json), "--memory-limit-gb", str(memory_limit_gb), "--ingest", ingest]
    if skip_xlsx:
        cmd.append("--skip-xlsx")
    before = load()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}"
    except subprocess.TimeoutExpired:
        status = f"timeout after {timeout:.0f} s"
    wall = time.perf_counter() - t0
    res = json.loads(out_json.read_text()) if out_json.is_file() else {}
    return {"status": status, "load_before": before, "process_seconds": round(wall, 3), **res,
            "command": shlex.join(cmd)}


def run_prefect(data: Path, scale: str, timeout: float, memory_limit_gb: float, work: Path) -> dict:
    work = work / f"{scale}-prefect"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(ROOT / "var" / "bench" / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "bench.prefect_run", "--inbox", str(data / "inbox"), "--work", str(work),
           "--ay", str(CYCLE_AY)]
    before = load()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with MemorySampler(pid=proc.pid, limit_bytes=int(memory_limit_gb * 2**30)) as sampler:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {stderr.strip()[-800:]}"
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            status = f"timeout after {timeout:.0f} s"
    wall = time.perf_counter() - t0
    flows = next((json.loads(line.split(" ", 1)[1]) for line in stdout.splitlines()
                  if line.startswith("BENCH-JSON ")), {})
    return {"status": status, "load_before": before, "wall_seconds": round(wall, 3),
            "peak_rss_mb": round(sampler.peak / 2**20), **flows,
            "command": "PREFECT_HOME=var/bench/prefect " + shlex.join(cmd)}


def summarise(scale: str, floor_runs: list[dict], stage_runs: list[dict], prefect_runs: list[dict]) -> dict:
    ok = [r for r in stage_runs if r["status"] == "ok"]
    summary = {"floor_seconds": _median([f["seconds"] for f in floor_runs]), "cycles": {}}
    for cycle in ("september", "october"):
        runs = [r["cycles"][cycle] for r in ok if cycle in r.get("cycles", {})]
        if not runs:
            continue
        summary["cycles"][cycle] = {
            "seconds": {s: _median([r["seconds"][s] for r in runs]) for s in STAGES},
            "cpu_seconds": {s: _median([r.get("cpu_seconds", {}).get(s) for r in runs]) for s in STAGES},
            "peak_rss_mb": {s: _median([r["peak_rss_mb"][s] for r in runs]) for s in STAGES},
            "total_seconds": _median([r["total_seconds"] for r in runs]),
            "compute_seconds": _median([sum(r["seconds"][s] for s in COMPUTE_STAGES) for r in runs]),
            "rows_in": runs[0]["rows_in"], "documents": runs[0]["documents"], "spravki": runs[0]["spravki"],
        }
    floors = {c: _median([f["by_cycle"][c]["seconds"] for f in floor_runs]) for c in ("september", "october")}
    summary["floor_by_cycle_seconds"] = floors
    for cycle, c in summary["cycles"].items():
        if floors.get(cycle):
            c["compute_over_floor"] = round(c["compute_seconds"] / floors[cycle], 1)
    summary["peak_rss_mb"] = _median([r.get("peak_rss_mb") for r in ok])
    okp = [r for r in prefect_runs if r["status"] == "ok"]
    if okp:
        summary["prefect"] = {"wall_seconds": _median([r["wall_seconds"] for r in okp]),
                              "peak_rss_mb": _median([r["peak_rss_mb"] for r in okp]),
                              "september_flow_seconds": _median([r["flows"]["september"]["seconds"] for r in okp]),
                              "october_flow_seconds": _median([r["flows"]["october"]["seconds"] for r in okp])}
    summary["failed_runs"] = [r["status"] for r in stage_runs + prefect_runs if r["status"] != "ok"]
    return summary


def markdown(result: dict) -> str:
    s, m = result["summary"], result["machine"]
    lines = [f"Measured {result['date']} on {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}; "
             f"Python {m['python']}, DuckDB {m['versions']['duckdb']}, Prefect {m['versions']['prefect']}. "
             f"Median of {result['repeats']} (load average before each run: "
             f"{', '.join(str(r['load_before'][0]) for r in result['stage_runs'])}). "
             f"Data: {result['data']['schools']:,} schools, {result['data']['municipalities']:,} municipalities, "
             f"{result['data']['bytes'] / 2**20:,.0f} MiB of inputs (generated in {result['data']['seconds']} s). "
             f"Results file: `{result['results_file']}`.", "",
             "Ingest: " + ("**the product's** (`tasks/ingest.py`)" if result.get("ingest", "product") == "product"
                           else "**set-based bulk load** (`bench/bulk_load.py`: canonical Parquet straight into "
                                "`raw_*`, real-shape files through the product's ingest, contract rules checked "
                                "in SQL) — a bound, not the product path")
             + (". XLSX export **skipped** (Parquet only)." if result.get("xlsx") == "skipped" else "."), ""]
    lines += ["| cycle | rows in | " + " | ".join(STAGES) + " | total | compute ÷ floor | peak RSS |",
              "|---|---:|" + "---:|" * (len(STAGES) + 3)]
    for cycle, c in s["cycles"].items():
        cells = [f"{c['seconds'][st]:.2f} s<br>" + (f"cpu {c['cpu_seconds'][st]:.2f} s<br>"
                                                    if c.get("cpu_seconds", {}).get(st) is not None else "")
                 + f"{c['peak_rss_mb'][st]:,.0f} MB" for st in STAGES]
        lines.append(f"| {cycle} | {c['rows_in']:,} | " + " | ".join(cells)
                     + f" | {c['total_seconds']:.1f} s | {c.get('compute_over_floor', '—')}× "
                       f"({c['compute_seconds']:.1f} s ÷ {s['floor_by_cycle_seconds'][cycle]:.2f} s) | "
                       f"{max(c['peak_rss_mb'].values()):,.0f} MB |")
    if "prefect" in s:
        p = s["prefect"]
        lines += ["", f"Full Prefect run (fresh process, temporary server started inside the time): "
                      f"**{p['wall_seconds']:.1f} s** end to end for September + October "
                      f"(September flow {p['september_flow_seconds']:.1f} s, October flow "
                      f"{p['october_flow_seconds']:.1f} s), peak RSS of the process tree {p['peak_rss_mb']:,.0f} MB."]
    if s["failed_runs"]:
        lines += ["", "Runs that did not finish: " + "; ".join(f"`{x[:300]}`" for x in s["failed_runs"])]
    return "\n".join(lines)


def update_docs(scale: str, text: str) -> None:
    begin, end = f"<!-- bench:{scale}:begin -->", f"<!-- bench:{scale}:end -->"
    doc = DOCS.read_text(encoding="utf-8") if DOCS.is_file() else ""
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = f"{head}{begin}\n{text}\n{end}{tail}"
    else:
        doc += f"\n### {scale}\n\n{begin}\n{text}\n{end}\n"
    DOCS.write_text(doc, encoding="utf-8")


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def bench_scale(scale: str, seed: int, repeats: int, prefect: bool, timeout: float, memory_limit_gb: float,
                docs: bool, results_dir: Path = RESULTS, work: Path = WORK, data_root: Path | None = None,
                ingest: str = "product", skip_xlsx: bool = False) -> dict:
    from bench import floor
    from edumon.config import load_config

    work.mkdir(parents=True, exist_ok=True)
    data = generate(scale, seed, **({"root": data_root} if data_root else {}))
    info = json.loads((data / "generated.json").read_text())
    cfg = load_config()
    floor_runs = []
    for _ in range(repeats):
        by_cycle = {c: floor.scan(floor.cycle_files(data / "inbox", cfg, [c], CYCLE_AY))
                    for c in ("september", "october")}
        both = floor.scan(floor.cycle_files(data / "inbox", cfg, ["september", "october"], CYCLE_AY))
        floor_runs.append({"load_before": load(), **both, "by_cycle": by_cycle})
    stage_runs = [run_stages(data, scale, i, timeout, memory_limit_gb, work, ingest, skip_xlsx)
                  for i in range(repeats)]
    prefect_runs = [run_prefect(data, scale, timeout, memory_limit_gb, work) for _ in range(repeats)] if prefect else []
    date = datetime.now().strftime("%Y-%m-%d")
    key = scale + ("-bulk" if ingest == "bulk" else "")
    results_file = results_dir / f"{key}-{date}.json"
    result = {"scale": scale, "seed": seed, "date": datetime.now().isoformat(timespec="seconds"),
              "repeats": repeats, "machine": machine(), "data": info,
              "ingest": ingest, "xlsx": "skipped" if skip_xlsx else "written",
              "commands": {"make": "make bench", "this_scale": f"python -m bench.run --scales {scale} "
                           f"--repeats {repeats} --ingest {ingest}{' --skip-xlsx' if skip_xlsx else ''}"
                           f"{'' if prefect else ' --no-prefect'}"},
              "results_file": _rel(results_file),
              "floor_runs": floor_runs, "stage_runs": stage_runs, "prefect_runs": prefect_runs}
    result["summary"] = summarise(scale, floor_runs, stage_runs, prefect_runs)
    results_dir.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if docs:
        update_docs(key, markdown(result))
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description="Нагрузочные замеры циклов по масштабам (make bench).")
    ap.add_argument("--scales", default="municipality,region,country")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3, help="повторов на масштаб (медиана)")
    ap.add_argument("--country-repeats", type=int, default=1, help="повторов на масштабе страны")
    ap.add_argument("--no-prefect", action="store_true", help="без полного прогона через Prefect")
    ap.add_argument("--timeout", type=float, default=3600, help="предел одного прогона, с")
    ap.add_argument("--memory-limit-gb", type=float, default=12.0, help="остановить прогон выше этого RSS")
    ap.add_argument("--no-docs", action="store_true", help="не обновлять docs/benchmarks.md")
    ap.add_argument("--results", type=Path, default=RESULTS, help="папка файлов результатов")
    ap.add_argument("--work", type=Path, default=WORK, help="рабочая папка прогонов")
    ap.add_argument("--data-root", type=Path, default=None, help="папка кэша данных (var/bench/data)")
    ap.add_argument("--ingest", choices=["product", "bulk"], default="product",
                    help="product: tasks/ingest.py; bulk: bench/bulk_load.py (оценка предела)")
    ap.add_argument("--skip-xlsx", action="store_true", help="не писать XLSX при выгрузке таблиц")
    a = ap.parse_args(argv)
    for scale in a.scales.split(","):
        repeats = a.country_repeats if scale == "country" else a.repeats
        r = bench_scale(scale, a.seed, repeats, not a.no_prefect, a.timeout, a.memory_limit_gb, not a.no_docs,
                        a.results, a.work, a.data_root, a.ingest, a.skip_xlsx)
        print(f"== {scale}: {r['results_file']}")
        print(markdown(r))


if __name__ == "__main__":
    main()
