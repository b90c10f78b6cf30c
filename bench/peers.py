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

Two variants of the DuckDB peer keep what they read, the floor of any warehouse that keeps
its rows: `duckdb-store` first stores every row of every file it reads, every column, with
the AY, file and row number (`CREATE TABLE … AS SELECT` from the same readers) in a DuckDB
file (`--store`, made afresh; checkpointed before the SQL), then runs the same SQL on those
tables; `duckdb-store-hashed` does the same with the participant ids stored as edumon
stores them (the salted sha256 of tasks/pseudonym.py, computed once per distinct id and
joined back to the rows). No validation, no quarantine. The JSON has the wall and CPU of
the two phases (`phases`: load = reading and storing, sql = the ШНОР query) and the store's
size and rows.

    python -m bench.peers --peer duckdb-store --data … --json /tmp/s.json --shnor /tmp/s.shnor --store /tmp/s.duckdb
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

# The ГИА columns a stored row keeps (every column of the canonical file) and the ones the
# rule reads (the in-memory peer's tables hold only these).
GIA_STORED = ("participant_id", "school_code", "exam", "subject", "period", "is_retake", "category",
              "primary_score", "test_score", "mark", "passed_min")
GIA_READ = ("participant_id", "school_code", "exam", "subject", "period", "is_retake", "category", "passed_min")


def _gia_selects(gia: dict, tmp: Path, columns, fid: bool) -> list[str]:
    """One SELECT per ГИА file (Parquet as written; the cp1251 CSV transcoded to UTF-8 in one
    streaming pass, its Russian headers and values mapped back to the codes), each with the
    AY, the row's number in its file `_row` and, with `fid`, the file's number `_fid`."""
    parts = []
    casts = {c: f"{c}::VARCHAR AS {c}" for c in ("exam", "subject", "period", "category")}
    for k, (a, f) in enumerate(gia.get(".parquet", [])):
        cols = ", ".join(casts.get(c, c) for c in columns)
        parts.append(f"SELECT {a} AS ay, {cols}, {f'{k} AS _fid, ' if fid else ''}file_row_number AS _row "
                     f"FROM read_parquet('{f}', file_row_number = true)")
    h = GIA_HEADERS_RU
    expr = {"participant_id": f"\"{h['participant_id']}\"", "school_code": f"\"{h['school_code']}\"",
            "is_retake": f"\"{h['is_retake']}\" = 'да'", "passed_min": f"\"{h['passed_min']}\" = 'да'",
            "mark": f"TRY_CAST(\"{h['mark']}\" AS BIGINT)",
            **{c: f"TRY_CAST(replace(\"{h[c]}\", ',', '.') AS DOUBLE)" for c in ("primary_score", "test_score")},
            **{c: "CASE " + " ".join(f"WHEN \"{h[c]}\" = '{r}' THEN '{code}'" for code, r in GIA_VALUES_RU[c].items())
               + " END" for c in ("exam", "period", "category", "subject")}}
    base = len(gia.get(".parquet", []))
    for k, (a, f) in enumerate(gia.get(".csv", [])):
        utf8 = tmp / f"gia{k}.csv"
        with open(f, encoding="cp1251", newline="") as src, open(utf8, "w", encoding="utf-8", newline="") as dst:
            for chunk in iter(lambda: src.read(1 << 22), ""):  # one streaming pass
                dst.write(chunk)
        cols = ", ".join(f"{expr[c]} AS {c}" for c in columns)
        parts.append(f"SELECT {a} AS ay, {cols}, {f'{base + k} AS _fid, ' if fid else ''}row_number() OVER () AS _row "
                     f"FROM read_csv('{utf8}', delim = ';', header = true, all_varchar = true)")
    return parts


def _vpr_selects(con, vpr: dict, marks) -> list[str]:
    """One SELECT per ВПР statistics file: Parquet as written, the XLSX's percentages turned
    back into counts (half to even); `marks`: the mark columns to keep."""
    parts = [f"SELECT {a} AS ay, school_code, grade, subject::VARCHAR AS subject, participants, "
             f"{', '.join(f'mark{m}' for m in marks)} FROM read_parquet('{f}')" for a, f in vpr.get(".parquet", [])]
    for k, (a, f) in enumerate(vpr.get(".xlsx", [])):
        con.register(f"x{k}", _xlsx_arrow(f))
        counts = ", ".join(f"CAST(round_even(pct{m} * participants / 100, 0) AS BIGINT) AS mark{m}" for m in marks)
        parts.append(f"SELECT {a} AS ay, school_code, grade, subject, participants, {counts} FROM x{k}")
    return parts


SHNOR_SQL = """
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
    ORDER BY 1"""


def duckdb_peer(inbox: Path, ay: int, cfg, memory_limit: str | None = None, store: Path | None = None,
                salt: str | None = None, phases: dict | None = None) -> list[str]:
    """The ШНОР list in plain DuckDB SQL. Without `store`: an in-memory database holding only
    the columns the rule reads. With `store` (a DuckDB file, made afresh): every column of
    every row read is kept there first — the registry, ГИА with its AY, file number and row
    number (`gia_files` names the files), the ВПР statistics with all four marks — committed and
    checkpointed, then the same SQL runs on those tables. `salt` (with `store`): the
    participant ids are stored as edumon stores them, a salted sha256 (tasks/pseudonym.py's
    HASH_SQL) of the distinct ids joined back to the rows. `phases` (a dict) receives the
    wall and CPU seconds of the load (reading + storing) and of the SQL."""
    import duckdb

    p = _params(cfg)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    if store is not None:
        store = Path(store)
        for f in (store, Path(f"{store}.wal")):
            f.unlink(missing_ok=True)
        store.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(store) if store is not None else ":memory:", config=config)
    tmp = tempfile.TemporaryDirectory()
    phases = {} if phases is None else phases
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = [ay - 1, ay - 2, ay - 3]
        registry = f"read_parquet('{inbox / 'schools'}/*.parquet')"
        gia, vpr = _files(inbox, "gia", res), _files(inbox, "vpr_stats", res)
        if store is None:
            con.execute(f"CREATE TABLE schools AS SELECT DISTINCT school_code FROM {registry}")
            con.execute("CREATE TABLE gia AS " + " UNION ALL ".join(_gia_selects(gia, Path(tmp.name), GIA_READ, False)))
            con.execute("CREATE TABLE vpr AS " + " UNION ALL ".join(_vpr_selects(con, vpr, (2,))))
        else:
            files = [(fid, a, str(f)) for fid, (a, f) in enumerate(gia.get(".parquet", []) + gia.get(".csv", []))]
            con.execute("CREATE TABLE gia_files (_fid INTEGER, ay INTEGER, path VARCHAR)")
            con.executemany("INSERT INTO gia_files VALUES (?, ?, ?)", files)
            con.execute(f"CREATE TABLE schools AS SELECT * FROM {registry}")
            rows = " UNION ALL ".join(_gia_selects(gia, Path(tmp.name), GIA_STORED, True))
            if salt is None:
                con.execute(f"CREATE TABLE gia AS {rows}")
            else:
                from tasks.pseudonym import HASH_SQL

                con.execute(f"CREATE TEMP TABLE ids AS SELECT participant_id AS id, "
                            f"{HASH_SQL.format(col='participant_id').replace('$salt', '$1')} AS h "
                            f"FROM (SELECT DISTINCT participant_id FROM ({rows}))", [salt])
                cols = ", ".join("i.h AS participant_id" if c == "participant_id" else f"r.{c}" for c in GIA_STORED)
                con.execute(f"CREATE TABLE gia AS SELECT r.ay, {cols}, r._fid, r._row FROM ({rows}) r "
                            f"LEFT JOIN ids i ON r.participant_id = i.id")
                con.execute("DROP TABLE ids")
            con.execute("CREATE TABLE vpr AS " + " UNION ALL ".join(_vpr_selects(con, vpr, (2, 3, 4, 5))))
            con.execute("CHECKPOINT")
        t1, c1 = time.perf_counter(), time.process_time()
        phases["load"] = {"wall_seconds": round(t1 - t0, 3), "cpu_seconds": round(c1 - c0, 3)}
        rows = con.execute(SHNOR_SQL, {"cats": p["gia_count_categories"], "periods": p["gia_count_periods"],
                                       "no_retakes": p["gia_exclude_retakes"], "low_pct": p["shnor_low_share_pct"],
                                       "procedures": p["shnor_procedures"],
                                       "min_participants": p["shnor_min_participants"],
                                       "ay": ay, "c1": p["shnor_criterion1_min_low_procedures"],
                                       "reading": p["shnor_criterion2_reading"]}).fetchall()
        phases["sql"] = {"wall_seconds": round(time.perf_counter() - t1, 3),
                         "cpu_seconds": round(time.process_time() - c1, 3)}
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


PEERS = ("pandas", "duckdb", "duckdb-store", "duckdb-store-hashed")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Независимые сравнительные реализации правила ШНОР (pandas, DuckDB).")
    ap.add_argument("--peer", choices=PEERS, required=True,
                    help="duckdb-store: сначала сохранить прочитанные строки в файл DuckDB (--store), "
                         "потом тот же SQL по ним; duckdb-store-hashed: то же, коды участников — "
                         "солёный sha256, как в хранилище edumon")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--shnor", type=Path, required=True)
    ap.add_argument("--store", type=Path, default=None,
                    help="файл DuckDB для duckdb-store (создаётся заново; по умолчанию рядом с --json, .duckdb)")
    ap.add_argument("--ay", type=int, default=None)
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, например 2GB")
    ap.add_argument("--memory-limit-gb", type=float, default=12.0)
    a = ap.parse_args(argv)

    from bench.memory import MemorySampler
    from bench.scales import CYCLE_AY
    from edumon.config import load_config

    cfg = load_config()
    ay = a.ay or CYCLE_AY
    stores = a.peer.startswith("duckdb-store")
    store = (a.store or a.json.with_suffix(".duckdb")) if stores else None
    salt = None
    if a.peer == "duckdb-store-hashed":
        from tasks.pseudonym import salt as configured_salt

        salt = configured_salt(cfg)
    phases: dict = {}
    with MemorySampler(limit_bytes=int(a.memory_limit_gb * 2**30)) as sampler:
        t0, c0 = time.perf_counter(), time.process_time()
        if a.peer.startswith("duckdb"):
            shnor = duckdb_peer(a.data / "inbox", ay, cfg, a.memory_limit, store, salt, phases)
        else:
            shnor = pandas_peer(a.data / "inbox", ay, cfg)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {"peer": a.peer, "wall_seconds": round(wall, 3), "cpu_seconds_total": round(cpu, 3),
           "peak_rss_mb_total": round(sampler.peak / 2**20), "shnor": len(shnor), "pid": os.getpid()}
    if phases:
        out["phases"] = phases
    if store is not None:
        import duckdb

        con = duckdb.connect(str(store), read_only=True)
        try:
            out["store"] = {"path": str(store), "bytes": store.stat().st_size,
                            "rows": {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                                     for t in ("schools", "gia", "gia_files", "vpr")}}
        finally:
            con.close()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(out, indent=2))
    a.shnor.write_text("".join(c + "\n" for c in shnor))


if __name__ == "__main__":
    main()
