"""edumon's September data path against its two peers, per scale (`make bench`).

For each scale: generate the inbox (cached), then per repetition, each in a fresh process
and one after another: `bench.data_path` (edumon: ingest + validate + compute + Parquet),
`bench.peers --peer duckdb` (plain DuckDB SQL), `bench.peers --peer pandas` (and, when
named in `--peers`, the DuckDB peers that store what they read first). Every ШНОР list
must be equal — otherwise no figure is quoted and the run fails. Prints and
writes edumon ÷ each peer for wall time, CPU time and peak memory
(medians), with the machine and the load average before each run, to
`bench/results/compare-<scale>-<date>.json` and the `bench:compare-<scale>` block of
docs/benchmarks.md.

    python -m bench.compare --scales region --repeats 3
    python -m bench.compare --scales country --peers duckdb   # without the pandas peer (≈ 10 GB)
    python -m bench.compare --scales country --peers duckdb,duckdb-store,duckdb-store-hashed
        # beside the DuckDB peer, the same SQL after storing every row it reads in a DuckDB
        # file (with the ids as they are, or hashed as edumon stores them): what keeping the
        # rows costs any implementation
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.generate import generate
from bench.run import DOCS, RESULTS, ROOT, WORK, load, machine, update_docs

RUNNERS = ("edumon", "duckdb", "pandas")
PEERS = RUNNERS[1:]  # the default peers
# peers run only when asked (`--peers duckdb,duckdb-store`): the DuckDB peer that first keeps
# every row it reads in a DuckDB file (the floor of any warehouse that keeps its rows), and
# the same with the participant ids stored as a salted sha256, as edumon stores them
OPTIONAL = ("duckdb-store", "duckdb-store-hashed")
KNOWN = PEERS + OPTIONAL
NAMES = {"edumon": "edumon: ingest + validate + compute + Parquet", "duckdb": "plain DuckDB SQL peer",
         "pandas": "pandas peer", "duckdb-store": "DuckDB SQL peer that first stores the rows it reads",
         "duckdb-store-hashed": "the same, participant ids stored as salted sha256"}


def _cmd(runner: str, data: Path, work: Path, rep: int) -> tuple[list[str], Path, Path]:
    out = work / f"{runner}-{rep}.json"
    shnor = work / f"{runner}-{rep}.shnor"
    if runner == "edumon":
        cmd = [sys.executable, "-m", "bench.data_path", "--data", str(data), "--work", str(work / "edumon-warehouse"),
               "--json", str(out), "--shnor", str(shnor)]
    else:
        cmd = [sys.executable, "-m", "bench.peers", "--peer", runner, "--data", str(data), "--json", str(out),
               "--shnor", str(shnor)]
        if runner in OPTIONAL:
            cmd += ["--store", str(work / f"{runner}-store.duckdb")]
    return cmd, out, shnor


def bench_scale(scale: str, repeats: int, seed: int = 7, timeout: float = 3600, docs: bool = True,
                peers: tuple[str, ...] = PEERS, results_dir: Path = RESULTS, work: Path = WORK,
                data_root: Path | None = None) -> dict:
    """`peers`: the peers to run beside edumon (duckdb and pandas by default; `("duckdb",)`
    leaves out the pandas script, whose ≈ 10 GB at country scale is known, so the run is
    lighter; `duckdb-store` and `duckdb-store-hashed` only when named)."""
    unknown = sorted(set(peers) - set(KNOWN))
    if unknown or not peers:
        raise SystemExit(f"unknown or no peers: {', '.join(unknown) or '(none)'}; choose from {', '.join(KNOWN)}")
    runners = ("edumon", *[p for p in KNOWN if p in peers])
    data = generate(scale, seed) if data_root is None else generate(scale, seed, root=data_root)
    info = json.loads((data / "generated.json").read_text())
    work = Path(work) / f"compare-{scale}"
    work.mkdir(parents=True, exist_ok=True)
    runs = {r: [] for r in runners}
    lists = {}
    for rep in range(repeats):
        for runner in runners:
            cmd, out, shnor = _cmd(runner, data, work, rep)
            out.unlink(missing_ok=True)
            before = load()
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
            if proc.returncode != 0:
                raise SystemExit(f"{runner} failed: {proc.stderr.strip()[-1500:]}")
            res = json.loads(out.read_text())
            res.update(load_before=before, process_seconds=round(time.perf_counter() - t0, 3),
                       command=shlex.join(cmd))
            runs[runner].append(res)
            lists[(runner, rep)] = shnor.read_text().split()
    first = lists[("edumon", 0)]
    unequal = [k for k, v in lists.items() if v != first]
    if unequal:
        raise SystemExit(f"ШНОР lists differ ({', '.join(f'{r} #{i}' for r, i in unequal)}): no figure quoted")

    def med(runner, key):
        return round(statistics.median(r[key] for r in runs[runner]), 3)

    summary = {r: {"wall_seconds": med(r, "wall_seconds"), "cpu_seconds": med(r, "cpu_seconds_total"),
                   "peak_rss_mb": med(r, "peak_rss_mb_total")} for r in runners}
    ratios = {peer: {k: round(summary["edumon"][k] / summary[peer][k], 2) for k in summary["edumon"]}
              for peer in runners[1:]}
    stages = {k: statistics.median(r["seconds"][k] for r in runs["edumon"]) for k in runs["edumon"][0]["seconds"]}
    stage_cpu = {k: statistics.median(r["cpu_seconds"][k] for r in runs["edumon"])
                 for k in runs["edumon"][0]["cpu_seconds"]}
    date = datetime.now().strftime("%Y-%m-%d")
    results_file = Path(results_dir) / f"compare-{scale}-{date}.json"
    result = {"scale": scale, "seed": seed, "date": datetime.now().isoformat(timespec="seconds"),
              "repeats": repeats, "machine": machine(), "data": info, "shnor_schools": len(first),
              "lists_equal": True, "summary": summary, "ratios": ratios, "edumon_stages_seconds": stages,
              "edumon_stages_cpu_seconds": stage_cpu, "runs": runs,
              "peers": list(runners[1:]),
              "command": f"python -m bench.compare --scales {scale} "
                         f"--{'country-repeats' if scale == 'country' else 'repeats'} {repeats}"
                         + ("" if runners[1:] == PEERS else f" --peers {','.join(runners[1:])}"),
              "peer_phases": {r: {ph: {k: statistics.median(x["phases"][ph][k] for x in runs[r])
                                       for k in ("wall_seconds", "cpu_seconds")}
                                  for ph in runs[r][0]["phases"]}
                              for r in runners[1:] if "phases" in runs[r][0]},
              "results_file": str(results_file.relative_to(ROOT) if results_file.is_relative_to(ROOT)
                                  else results_file)}
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    text = markdown(result)
    if docs and DOCS.is_file():
        update_docs(f"compare-{scale}", text)
    return result


def markdown(r: dict) -> str:
    m, s, q = r["machine"], r["summary"], r["ratios"]
    runners = ("edumon", *r.get("peers", PEERS))
    equal = "equal in all three" if runners == RUNNERS else f"equal in {', '.join(runners)}"
    loads = ", ".join(f"{x['load_before'][0]}" for runner in runners for x in r["runs"][runner])
    lines = [f"Measured {r['date']} on {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}; Python {m['python']}, "
             f"DuckDB {m['versions']['duckdb']}, pandas {m['versions']['pandas']}. Median of {r['repeats']} "
             f"(load average before each run: {loads}). Data: {r['data']['schools']:,} schools, "
             f"{r['data']['bytes'] / 2**20:,.0f} MiB of inputs. ШНОР list: **{r['shnor_schools']:,} schools, "
             f"{equal}** (every run). Command: `{r['command']}`; results: `{r['results_file']}`.", "",
             "| September data path | wall | CPU | peak RSS |", "|---|---:|---:|---:|"]
    for runner in runners:
        x = s[runner]
        lines.append(f"| {NAMES[runner]} | {x['wall_seconds']:.2f} s | {x['cpu_seconds']:.2f} s | "
                     f"{x['peak_rss_mb']:,.0f} MB |")
    for peer in runners[1:]:
        lines.append(f"| **edumon ÷ {peer}** | **{q[peer]['wall_seconds']}×** | **{q[peer]['cpu_seconds']}×** | "
                     f"**{q[peer]['peak_rss_mb']}×** |")
    st, sc = r["edumon_stages_seconds"], r["edumon_stages_cpu_seconds"]
    lines += ["", "edumon by stage (median wall / CPU): " + ", ".join(f"{k} {st[k]:.2f} s / {sc[k]:.2f} s" for k in st)
              + "."]
    phases = r.get("peer_phases", {})
    if any(p in phases for p in OPTIONAL):
        lines += ["", "DuckDB peers by phase (median wall / CPU; load = reading, and for the storing peers writing "
                  "and checkpointing the file; SQL = the ШНОР query): "
                  + "; ".join(f"{p}: load {ph['load']['wall_seconds']:.2f} s / {ph['load']['cpu_seconds']:.2f} s, "
                              f"SQL {ph['sql']['wall_seconds']:.2f} s / {ph['sql']['cpu_seconds']:.2f} s"
                              for p, ph in phases.items()) + "."]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Путь данных edumon против pandas и DuckDB (make bench).")
    ap.add_argument("--scales", default="region")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--country-repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--peers", default=",".join(PEERS),
                    help="сравнивать с этими (через запятую): duckdb, pandas (по умолчанию оба), "
                         "duckdb-store, duckdb-store-hashed (DuckDB, сначала сохраняющий прочитанные строки)")
    a = ap.parse_args(argv)
    peers = tuple(p.strip() for p in a.peers.split(",") if p.strip())
    for scale in a.scales.split(","):
        r = bench_scale(scale, a.country_repeats if scale == "country" else a.repeats, a.seed, a.timeout,
                        not a.no_docs, peers)
        print(f"== {scale}")
        print(markdown(r))


if __name__ == "__main__":
    main()
