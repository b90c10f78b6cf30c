"""What an `edumon run` pays before and around its data path, each part in a fresh process
(CPU seconds, user + system, of that process and its children):

- `import flows.backfill`: what the CLI imports to run a cycle;
- `import great_expectations` as before, and through `schemas.quality.import_gx` (scipy.stats
  and altair left as stand-ins);
- Prefect's temporary server as the CLI starts it (`edumon/cli.py::_TemporaryServer`): CPU
  until `/api/health` answers, on this PREFECT_HOME (migrated: the first start ever on a
  fresh home also runs the migrations).

    .venv/bin/python -m bench.startup [--repeats 3] [--results bench/results/startup-<date>.json]

Medians are printed as a Markdown table; run it niced on a shared machine and quote the
load it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARTS = {
    "import flows.backfill": "import flows.backfill",
    "import great_expectations (plain)": "import great_expectations",
    "import great_expectations (import_gx)": "from schemas.quality import import_gx; import_gx()",
    "temporary Prefect server, start to /health": (
        "import os\n"
        "from edumon.cli import _TemporaryServer\n"
        "s = _TemporaryServer()\n"
        "assert s.answers(float(os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS', '300')))\n"
        "s.stop()\n"),
}


def _cpu(code: str, env: dict) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Start-up costs of an edumon run, each in a fresh process.")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--results", type=Path, default=None)
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "EDUMON_TEMPORARY_SERVER")}
    env.setdefault("PREFECT_HOME", str(ROOT / "var" / "bench" / "prefect"))
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env["PYTHONPATH"] = str(ROOT)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[float]] = {name: [] for name in PARTS}
    loads = []
    for _ in range(args.repeats):   # interleaved: each part sees the same load
        loads.append(round(os.getloadavg()[0], 2))
        for name, code in PARTS.items():
            runs[name].append(_cpu(code, env))
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "load_before": loads, "command": f"python -m bench.startup --repeats {args.repeats}",
              "cpu_s": runs, "median_cpu_s": {k: statistics.median(v) for k, v in runs.items()}}
    path = args.results or ROOT / "bench" / "results" / f"startup-{datetime.now():%Y-%m-%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"| part (fresh process) | CPU s, median of {args.repeats} | runs |")
    print("| --- | ---: | --- |")
    for name, values in runs.items():
        print(f"| {name} | {statistics.median(values):.2f} | {'; '.join(f'{v:.2f}' for v in values)} |")
    print(f"\nload before each round: {', '.join(map(str, loads))}; {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
