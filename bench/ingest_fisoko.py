"""Benchmark: a region's year of participant-level ВПР in ФИС ОКО's own format (issue 6).

Generates (once, cached under var/bench/fisoko/) a region of SCHOOLS schools and FILES
participant files «Проведение работы по <предмет>, N класс. ВПР 2021.xlsx» with the
real Russian headers («логин школы, регион, … всего баллов, балл за 1 … балл за N»,
«Х» cells), ROWS_PER_SCHOOL pupils per school and file (1,000 × 40 × 15 = 600,000 rows),
then, in a fresh process each time, measures: ingest of the folder
(tasks.ingest.ingest_source: ФИС ОКО pre-reader, parsing, pandera contract, load) plus
the reference scales and the ВПР models (int_vpr_participant_marks → …_stats →
int_vpr_school_stats). Reports wall time and the process's peak RSS, median of N runs.

The scales used are a BENCH FIXTURE (bench/…/inbox/reference/vpr_scales_bench.csv),
proportional to the maximum score, not official scales.

    .venv/bin/python bench/ingest_fisoko.py [--schools 1000] [--files 40] [--per-school 15] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATIVE = {"russian": "русскому языку", "math": "математике", "history": "истории", "biology": "биологии",
          "geography": "географии", "social_studies": "обществознанию", "physics": "физике",
          "chemistry": "химии", "world_around": "окружающему миру", "english": "английскому языку",
          "literature": "литературе"}
GRADE_SUBJECTS = {
    4: ["russian", "math", "world_around"],
    5: ["russian", "math", "history", "biology", "literature", "english"],
    6: ["russian", "math", "history", "biology", "geography", "social_studies", "literature", "english"],
    7: ["russian", "math", "history", "biology", "geography", "social_studies", "physics", "english"],
    8: ["russian", "math", "history", "biology", "geography", "social_studies", "physics", "chemistry"],
    11: ["history", "biology", "geography", "physics", "chemistry", "english"],
}
TASKS = 15  # task columns «балл за 1» … «балл за 15», up to 2 points each: max 30


def combos(n: int) -> list[tuple[int, str]]:
    return [(g, s) for g, subs in GRADE_SUBJECTS.items() for s in subs][:n]


def generate(folder: Path, schools: int, files: int, per_school: int, seed: int = 7) -> Path:
    """Write the region's inbox once; reuse it when the same parameters were generated."""
    import openpyxl

    inbox = folder / f"s{schools}-f{files}-p{per_school}" / "inbox"
    done = inbox / ".complete"
    if done.exists():
        return inbox
    rnd = random.Random(seed)
    part = inbox / "2020" / "vpr_participants"
    part.mkdir(parents=True, exist_ok=True)
    scale_rows = ["vpr_year,subject,grade,mark,min_primary_score,max_primary_score,source"]
    header = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
              "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов",
              *[f"балл за {t}" for t in range(1, TASKS + 1)]]
    for grade, subject in combos(files):
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Лист1")
        ws.append(header)
        for s in range(schools):
            login = f"sch{860000 + s}"
            muni = f"Муниципалитет {s % 20 + 1}"
            for k in range(per_school):
                points = [rnd.choice((0, 1, 1, 2, 2, "Х")) for _ in range(TASKS)]
                total = sum(p for p in points if p != "Х")
                ws.append([login, muni, k + 1, f"{login}{grade}{k:03d}", rnd.choice((3, 4, 4, 5, "-")),
                           rnd.choice(("м", "ж")), f"{grade}{'АБВ'[k % 3]}", k % 2 + 1,
                           total if k % 10 else None, *points])
        wb.save(part / f"Проведение работы по {DATIVE[subject]}, {grade} класс. ВПР 2021.xlsx")
        for mark, lo, hi in ((2, 0, 7), (3, 8, 14), (4, 15, 22), (5, 23, 30)):
            scale_rows.append(f"2021,{subject},{grade},{mark},{lo},{hi},bench fixture (not official)")
    (inbox / "reference").mkdir(parents=True, exist_ok=True)
    (inbox / "reference" / "vpr_scales_bench.csv").write_text("\n".join(scale_rows) + "\n", encoding="utf-8")
    done.write_text("ok")
    return inbox


def measure_once(inbox: Path) -> dict:
    """One run in this process: ingest + scales + ВПР models. Prints JSON."""
    from edumon.config import load_config
    from tasks import indicators
    from tasks.ingest import ingest_source
    from tasks.warehouse import build_model, connect

    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 100.0}})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        con = connect(Path(tmp) / "w.duckdb")
        rep = ingest_source(con, inbox, "vpr_participants", 2020, "bench", cfg)
        t_ingest = time.perf_counter() - t0
        indicators.load_reference(con, inbox)
        params = {**cfg.sql_params(), "definitions_version": "bench", "run_id": "bench"}
        for name in ("stg_schools", "int_vpr_participant_marks", "int_vpr_participant_stats", "int_vpr_school_stats"):
            build_model(con, name, params)
        groups = con.execute("SELECT count(*) FROM int_vpr_school_stats").fetchone()[0]
        con.close()
        total = time.perf_counter() - t0
    return {"rows_in": rep.rows_in, "rows_loaded": rep.rows_loaded, "rows_quarantined": rep.rows_quarantined,
            "school_groups": groups, "ingest_s": round(t_ingest, 2), "total_s": round(total, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description="ФИС ОКО participant-level ingest benchmark (issue 6)")
    ap.add_argument("--schools", type=int, default=1000)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--per-school", type=int, default=15)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cache", default=str(ROOT / "var" / "bench" / "fisoko"))
    ap.add_argument("--once", help=argparse.SUPPRESS)  # internal: measure this inbox in this process
    args = ap.parse_args()
    if args.once:
        print(json.dumps(measure_once(Path(args.once))))
        return
    t0 = time.perf_counter()
    inbox = generate(Path(args.cache), args.schools, args.files, args.per_school)
    print(f"inbox: {inbox} (generated/reused in {time.perf_counter() - t0:.1f} s)", flush=True)
    runs = []
    for k in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--once", str(inbox)], capture_output=True, text=True,
                             env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"})
        if out.returncode:
            sys.exit(out.stderr)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"run {k + 1}: {res}", flush=True)
        runs.append(res)
    med = {k: statistics.median(r[k] for r in runs) for k in ("ingest_s", "total_s", "peak_rss_mb")}
    print(json.dumps({"schools": args.schools, "files": args.files, "rows": runs[0]["rows_in"],
                      "median": med, "machine": f"{platform.machine()}, {os.cpu_count()} CPU, "
                                                 f"Python {platform.python_version()}"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
