"""Two independent peers of edumon's September ШНОР path on the same generated inbox:
an idiomatic pandas script and plain DuckDB SQL. Each reads every input the rule needs
(the registry, ГИА and ВПР «Статистика по отметкам» of AY−1…AY−3, in the shapes the
generator writes: canonical Parquet, the cp1251 `;` CSV with Russian headers and values,
the XLSX with a title line and marks in percent), applies the same rules with the same
parameters (config/edumon.toml `[shnor]`, `[gia]`) and writes the ШНОР list of the AY.

Not a second implementation of the product: no contract, no quarantine, no pseudonyms, no
other marts — the floor a hand-written script of the same rule stands on. The generated
ГИА always carries «Преодолел минимальный порог», so the peers take it as given (the
product falls back to the dated minimum scores when it is empty).

    python -m bench.peers --peer duckdb --data var/bench/data/region-s7 --json /tmp/d.json --shnor /tmp/d.shnor
    python -m bench.peers --peer pandas --data var/bench/data/region-s7 --json /tmp/p.json --shnor /tmp/p.shnor
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench.generate import GIA_HEADERS_RU, GIA_VALUES_RU

VPR_XLSX = {"Логин": "school_code", "Класс": "grade", "Предмет": "subject", "Кол-во участников": "participants"}
PERIOD_RANK = {"main": 1, "reserve": 2}


def _files(inbox: Path, source: str, ays) -> dict[str, list[tuple[int, Path]]]:
    out: dict[str, list] = {}
    for ay in ays:
        folder = inbox / str(ay) / source
        for f in sorted(folder.iterdir()) if folder.is_dir() else []:
            out.setdefault(f.suffix.lower(), []).append((ay, f))
    return out


def _params(cfg) -> dict:
    return {**{f"shnor_{k}": v for k, v in cfg["shnor"].items()}, **{f"gia_{k}": v for k, v in cfg["gia"].items()}}


def _reverse(values: dict[str, str]) -> dict[str, str]:
    return {ru: code for code, ru in values.items()}


def _xlsx_arrow(path: Path):
    """ФИС ОКО «Статистика по отметкам» (title line, then the header) via python-calamine."""
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as f:
        rows = CalamineWorkbook.from_filelike(f).get_sheet_by_index(0).to_python()
    header = [str(h) for h in rows[1]]
    body = rows[2:]
    cols = {h: [r[i] if i < len(r) else None for r in body] for i, h in enumerate(header)}
    subjects = _reverse(GIA_VALUES_RU["subject"])
    return pa.table({
        "school_code": pa.array([str(v) for v in cols["Логин"]]),
        "grade": pa.array([int(v) for v in cols["Класс"]], pa.int64()),
        "subject": pa.array([subjects[v] for v in cols["Предмет"]]),
        "participants": pa.array([int(v) for v in cols["Кол-во участников"]], pa.int64()),
        **{f"pct{m}": pa.array([float(v) for v in cols[str(m)]], pa.float64()) for m in (2, 3, 4, 5)},
    })


# ----------------------------------------------------------------------------- DuckDB SQL

def duckdb_peer(inbox: Path, ay: int, cfg, memory_limit: str | None = None) -> list[str]:
    import duckdb

    p = _params(cfg)
    con = duckdb.connect(config={"memory_limit": memory_limit} if memory_limit else {})
    tmp = tempfile.TemporaryDirectory()
    try:
        res = [ay - 1, ay - 2, ay - 3]
        con.execute(f"CREATE TABLE schools AS SELECT DISTINCT school_code FROM "
                    f"read_parquet('{inbox / 'schools'}/*.parquet')")
        gia = _files(inbox, "gia", res)
        parts = []
        for a, f in gia.get(".parquet", []):
            parts.append(f"SELECT {a} AS ay, participant_id, school_code, exam::VARCHAR AS exam, "
                         f"subject::VARCHAR AS subject, period::VARCHAR AS period, is_retake, "
                         f"category::VARCHAR AS category, passed_min, file_row_number AS _row "
                         f"FROM read_parquet('{f}', file_row_number = true)")
        ru = {v: k for k, v in GIA_HEADERS_RU.items()}
        for k, (a, f) in enumerate(gia.get(".csv", [])):
            utf8 = Path(tmp.name) / f"gia{k}.csv"
            with open(f, encoding="cp1251", newline="") as src, open(utf8, "w", encoding="utf-8", newline="") as dst:
                for chunk in iter(lambda: src.read(1 << 22), ""):  # one streaming pass
                    dst.write(chunk)
            maps = {c: "CASE " + " ".join(f"WHEN \"{GIA_HEADERS_RU[c]}\" = '{r}' THEN '{code}'"
                                          for code, r in GIA_VALUES_RU[c].items()) + " END"
                    for c in ("exam", "period", "category", "subject")}
            parts.append(f"SELECT {a} AS ay, \"{GIA_HEADERS_RU['participant_id']}\" AS participant_id, "
                         f"\"{GIA_HEADERS_RU['school_code']}\" AS school_code, {maps['exam']} AS exam, "
                         f"{maps['subject']} AS subject, {maps['period']} AS period, "
                         f"\"{GIA_HEADERS_RU['is_retake']}\" = 'да' AS is_retake, {maps['category']} AS category, "
                         f"\"{GIA_HEADERS_RU['passed_min']}\" = 'да' AS passed_min, row_number() OVER () AS _row "
                         f"FROM read_csv('{utf8}', delim = ';', header = true, all_varchar = true)")
        del ru
        con.execute("CREATE TABLE gia AS " + " UNION ALL ".join(parts))
        vpr = _files(inbox, "vpr_stats", res)
        vparts = [f"SELECT {a} AS ay, school_code, grade, subject::VARCHAR AS subject, participants, mark2 "
                  f"FROM read_parquet('{f}')" for a, f in vpr.get(".parquet", [])]
        for k, (a, f) in enumerate(vpr.get(".xlsx", [])):
            con.register(f"x{k}", _xlsx_arrow(f))
            vparts.append(f"SELECT {a} AS ay, school_code, grade, subject, participants, "
                          f"CAST(round_even(pct2 * participants / 100, 0) AS BIGINT) AS mark2 FROM x{k}")
        con.execute("CREATE TABLE vpr AS " + " UNION ALL ".join(vparts))
        rows = con.execute("""
            WITH first_attempt AS (
                SELECT * FROM gia
                WHERE list_contains($cats, coalesce(category, 'current'))
                  AND list_contains($periods, coalesce(period, 'main'))
                  AND NOT ($no_retakes AND coalesce(is_retake, false))
                QUALIFY row_number() OVER (PARTITION BY ay, participant_id, exam, subject
                    ORDER BY CASE coalesce(period, 'main') WHEN 'main' THEN 1 WHEN 'reserve' THEN 2 ELSE 3 END,
                             _row) = 1
            ),
            results AS (
                SELECT ay, school_code, exam || '_' || subject AS procedure, count(*) AS participants,
                       count(*) FILTER (WHERE NOT passed_min) AS low
                FROM first_attempt WHERE passed_min IS NOT NULL GROUP BY ALL
                UNION ALL
                SELECT ay, school_code, 'vpr_' || subject || '_' || grade, sum(participants), sum(mark2)
                FROM vpr GROUP BY ALL HAVING sum(participants) > 0
            ),
            counted AS (
                SELECT *, 100.0 * low / participants >= $low_pct AS is_low FROM results
                WHERE list_contains($procedures, procedure) AND participants >= $min_participants
            ),
            by_year AS (
                SELECT school_code, ay, list(procedure ORDER BY procedure) FILTER (WHERE is_low) AS low
                FROM counted GROUP BY ALL
            ),
            universe AS (SELECT school_code FROM schools UNION SELECT school_code FROM gia
                         UNION SELECT school_code FROM vpr)
            SELECT u.school_code
            FROM universe u
            LEFT JOIN by_year p1 ON p1.school_code = u.school_code AND p1.ay = $ay - 1
            LEFT JOIN by_year p2 ON p2.school_code = u.school_code AND p2.ay = $ay - 2
            WHERE len(coalesce(p1.low, [])) >= $c1
               OR CASE $reading WHEN 'same' THEN len(list_intersect(coalesce(p1.low, []), coalesce(p2.low, []))) > 0
                  ELSE len(coalesce(p1.low, [])) > 0 AND len(coalesce(p2.low, [])) > 0 END
            ORDER BY 1""", {"cats": p["gia_count_categories"], "periods": p["gia_count_periods"],
                            "no_retakes": p["gia_exclude_retakes"], "low_pct": p["shnor_low_share_pct"],
                            "procedures": p["shnor_procedures"], "min_participants": p["shnor_min_participants"],
                            "ay": ay, "c1": p["shnor_criterion1_min_low_procedures"],
                            "reading": p["shnor_criterion2_reading"]}).fetchall()
        return [r[0] for r in rows]
    finally:
        con.close()
        tmp.cleanup()


# ----------------------------------------------------------------------------- pandas

def pandas_peer(inbox: Path, ay: int, cfg) -> list[str]:
    import numpy as np
    import pandas as pd

    p = _params(cfg)
    res = [ay - 1, ay - 2, ay - 3]
    schools = pd.read_parquet(inbox / "schools" / "registry.parquet", columns=["school_code"])
    cols = ["participant_id", "school_code", "exam", "subject", "period", "is_retake", "category", "passed_min"]
    frames = []
    gia = _files(inbox, "gia", res)
    for a, f in gia.get(".parquet", []):
        df = pd.read_parquet(f, columns=cols)
        for c in ("exam", "subject", "period", "category"):
            df[c] = df[c].astype(str)
        frames.append(df.assign(ay=a, _row=np.arange(len(df))))
    for a, f in gia.get(".csv", []):
        df = pd.read_csv(f, sep=";", encoding="cp1251", dtype=str, keep_default_na=False)
        df = df.rename(columns={v: k for k, v in GIA_HEADERS_RU.items()})[cols]
        for c in ("exam", "subject", "period", "category"):
            df[c] = df[c].map(_reverse(GIA_VALUES_RU[c]))
        df["is_retake"] = df["is_retake"].eq("да")
        df["passed_min"] = df["passed_min"].eq("да")
        frames.append(df.assign(ay=a, _row=np.arange(len(df))))
    g = pd.concat(frames, ignore_index=True)
    g = g[g["category"].fillna("current").isin(p["gia_count_categories"])
          & g["period"].fillna("main").isin(p["gia_count_periods"])
          & ~(p["gia_exclude_retakes"] & g["is_retake"].fillna(False).astype(bool))]
    g = g.assign(_rank=g["period"].fillna("main").map(PERIOD_RANK).fillna(3))
    g = g.sort_values(["_rank", "_row"], kind="stable").drop_duplicates(["ay", "participant_id", "exam", "subject"])
    g = g[g["passed_min"].notna()]
    g["procedure"] = g["exam"] + "_" + g["subject"]
    g["low"] = ~g["passed_min"].astype(bool)
    gres = g.groupby(["ay", "school_code", "procedure"], as_index=False).agg(participants=("low", "size"),
                                                                             low=("low", "sum"))
    vframes = []
    vpr = _files(inbox, "vpr_stats", res)
    for a, f in vpr.get(".parquet", []):
        df = pd.read_parquet(f, columns=["school_code", "grade", "subject", "participants", "mark2"])
        df["subject"] = df["subject"].astype(str)
        vframes.append(df.assign(ay=a))
    for a, f in vpr.get(".xlsx", []):
        df = pd.read_excel(f, engine="calamine", skiprows=1)
        df = df.rename(columns={**VPR_XLSX, 2: "pct2", "2": "pct2"})
        df["subject"] = df["subject"].map(_reverse(GIA_VALUES_RU["subject"]))
        df["school_code"] = df["school_code"].astype(str)
        df["mark2"] = np.round(df["pct2"] * df["participants"] / 100).astype("int64")  # half to even
        vframes.append(df[["school_code", "grade", "subject", "participants", "mark2"]].assign(ay=a))
    v = pd.concat(vframes, ignore_index=True)
    v["procedure"] = "vpr_" + v["subject"] + "_" + v["grade"].astype(str)
    vres = v.groupby(["ay", "school_code", "procedure"], as_index=False).agg(participants=("participants", "sum"),
                                                                             low=("mark2", "sum"))
    vres = vres[vres["participants"] > 0]
    r = pd.concat([gres, vres], ignore_index=True)
    r = r[r["procedure"].isin(p["shnor_procedures"]) & (r["participants"] >= p["shnor_min_participants"])]
    r = r[100.0 * r["low"] / r["participants"] >= p["shnor_low_share_pct"]]
    low = r.groupby(["school_code", "ay"])["procedure"].agg(set)
    universe = sorted(set(schools["school_code"]) | set(g["school_code"]) | set(v["school_code"])
                      | set(pd.concat(frames)["school_code"]))
    out = []
    for code in universe:
        prev, prev2 = low.get((code, ay - 1), set()), low.get((code, ay - 2), set())
        c1 = len(prev) >= p["shnor_criterion1_min_low_procedures"]
        c2 = bool(prev & prev2) if p["shnor_criterion2_reading"] == "same" else bool(prev) and bool(prev2)
        if c1 or c2:
            out.append(code)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Независимые сравнительные реализации правила ШНОР (pandas, DuckDB).")
    ap.add_argument("--peer", choices=["pandas", "duckdb"], required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--shnor", type=Path, required=True)
    ap.add_argument("--ay", type=int, default=None)
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, например 2GB")
    ap.add_argument("--memory-limit-gb", type=float, default=12.0)
    a = ap.parse_args(argv)

    from bench.memory import MemorySampler
    from bench.scales import CYCLE_AY
    from edumon.config import load_config

    cfg = load_config()
    ay = a.ay or CYCLE_AY
    with MemorySampler(limit_bytes=int(a.memory_limit_gb * 2**30)) as sampler:
        t0, c0 = time.perf_counter(), time.process_time()
        if a.peer == "duckdb":
            shnor = duckdb_peer(a.data / "inbox", ay, cfg, a.memory_limit)
        else:
            shnor = pandas_peer(a.data / "inbox", ay, cfg)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"peer": a.peer, "wall_seconds": round(wall, 3), "cpu_seconds_total": round(cpu, 3),
                                  "peak_rss_mb_total": round(sampler.peak / 2**20), "shnor": len(shnor),
                                  "pid": os.getpid()}, indent=2))
    a.shnor.write_text("".join(c + "\n" for c in shnor))


if __name__ == "__main__":
    main()
