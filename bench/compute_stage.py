"""The September compute stage alone (reference + lazy staging + marts), in a fresh
process, on a copy of an already ingested warehouse — the same calls as
`bench/data_path.py::compute`. `--tree` runs the code of another checkout of the project
(e.g. `git archive <commit> | tar -x -C /tmp/before`) for a paired before/after.

    python -m bench.compute_stage --warehouse var/bench/work/compare-region/edumon-warehouse/warehouse.duckdb \\
        --inbox var/bench/data/region-s7/inbox [--tree /tmp/before] [--per-model] [--compare] \\
        [--parquet /tmp/parquet-after]

`--per-model`: CPU and wall seconds of each model and (mart, AY); `--parquet DIR`: the data
path's Parquet stage after the marts (`export.parquet_bytes` of every (mart, AY), timed, the
files written to DIR to compare two trees' output). `--fresh`: the models and marts dropped
from the copy first, so the marts are created as on the data path's first compute (not
replaced one AY at a time); `--against W`: `--compare` with warehouse W instead of the
source. `close` is the connection's close after the marts (its checkpoint; the data path's
compute stage includes it), `with_close` the total with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description="Расчёт сентябрьского цикла отдельно, на копии загруженного хранилища.")
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--tree", type=Path, default=None, help="корень другой копии проекта (её код)")
    ap.add_argument("--per-model", action="store_true", help="время (ЦП) каждой модели и витрины")
    ap.add_argument("--parquet", type=Path, default=None,
                    help="после витрин записать Parquet каждой (витрина, год) в эту папку (как bench/data_path.py)")
    ap.add_argument("--compare", action="store_true",
                    help="сравнить построенные модели и витрины с таблицами исходного хранилища (EXCEPT ALL)")
    ap.add_argument("--against", type=Path, default=None,
                    help="с --compare: сравнивать с этим хранилищем, а не с исходным")
    ap.add_argument("--fresh", action="store_true",
                    help="перед расчётом удалить из копии модели и витрины (как первый расчёт после загрузки)")
    a = ap.parse_args(argv)
    warehouse, inbox = a.warehouse.resolve(), a.inbox.resolve()
    if a.tree is not None:
        sys.path.insert(0, str(a.tree.resolve()))
        os.chdir(a.tree)
    from edumon.config import load_config
    from tasks import export, indicators
    from tasks.warehouse import connect

    cfg = load_config()
    per_model, per_model_wall = {}, {}
    if a.per_model:
        _time_each(indicators, per_model, per_model_wall)
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / "warehouse.duckdb"
        shutil.copy(warehouse, dst)
        con = connect(dst)
        if a.fresh:
            _drop_computed(con)
        marts = [(n, a.ay + o) for n, o in cfg["cycles"]["september"]["marts"]]
        params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "bench"}
        t0, c0 = time.perf_counter(), time.process_time()
        indicators.load_reference(con, inbox)
        c1 = time.process_time()
        built = indicators.build_staging(con, params, marts)
        c2 = time.process_time()
        indicators.build_marts(con, marts, params)
        c3, t3 = time.process_time(), time.perf_counter()
        con.close()  # the data path's compute closes its connection: the checkpoint is its cost
        c4, t4 = time.process_time(), time.perf_counter()
        con = connect(dst)
        parquet = _parquet(export, con, marts, a.parquet) if a.parquet else None
        shnor = con.execute("SELECT count(*) FROM mart_shnor WHERE ay = ? AND is_shnor", [a.ay]).fetchone()[0]
        differences = _compare(con, (a.against or warehouse).resolve(), built, marts) if a.compare else None
        con.close()
    print(json.dumps({"tree": str(a.tree or "."), "cpu_seconds": {
        "reference": round(c1 - c0, 3), "staging": round(c2 - c1, 3), "marts": round(c3 - c2, 3),
        "close": round(c4 - c3, 3), "total": round(c3 - c0, 3), "with_close": round(c4 - c0, 3)},
        "wall_seconds": round(t3 - t0, 3), "wall_with_close": round(t4 - t0, 3), "shnor": shnor,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "load": os.getloadavg()[0],
        **({"per_model_cpu": per_model, "per_model_wall": per_model_wall} if a.per_model else {}),
        **({"parquet": parquet} if a.parquet else {}),
        **({"differences": differences} if a.compare else {})}, ensure_ascii=False))


def _drop_computed(con) -> None:
    """Drop the staging, intermediate and mart tables (a warehouse as the ingest leaves it)."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND regexp_matches(table_name, '^(stg|int|mart)_')").fetchall()]
    for name in names:
        con.execute(f"DROP TABLE {name}")
    con.execute("CHECKPOINT")


def _parquet(export, con, marts, folder: Path) -> dict:
    """The data path's Parquet stage: `export.parquet_bytes` of every (mart, AY), each
    written to `folder` as <mart>-<AY>.parquet (to compare two trees' files)."""
    folder.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    files = {f"{m}-{ay}": export.parquet_bytes(con, m, ay) for m, ay in marts}
    out = {"cpu_seconds": round(time.process_time() - c0, 3), "wall_seconds": round(time.perf_counter() - t0, 3),
           "bytes": sum(len(b) for b in files.values())}
    for name, data in files.items():
        (folder / f"{name}.parquet").write_bytes(data)
    return out


def _compare(con, source: Path, models: list[str], marts) -> dict:
    """Rows of each built model and (mart, AY) not in the source warehouse's table and the
    other way round (EXCEPT ALL both ways; the run id and timestamps left out), and under
    "column types that differ" the columns whose type is not the source's (or that it lacks)."""
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    out, types = {}, {}
    for name, ay in [(m, None) for m in models] + list(marts):
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' AND table_name = ?",
                           [name]).fetchone()[0]:
            out[name] = "absent in the source"
            continue
        described = con.execute(f"DESCRIBE main.{name}").fetchall()
        theirs = {r[0]: r[1] for r in con.execute(f"DESCRIBE src.{name}").fetchall()}
        retyped = [f"{r[0]}: {theirs.get(r[0])} → {r[1]}" for r in described if theirs.get(r[0]) != r[1]]
        retyped += [f"{c}: dropped" for c in theirs if c not in {r[0] for r in described}]
        if retyped:
            types[name] = retyped
        cols = ", ".join(f'"{r[0]}"' for r in described if r[0] not in ("run_id", "computed_at"))
        where = f" WHERE ay = {int(ay)}" if ay is not None else ""
        new, old = f"SELECT {cols} FROM main.{name}{where}", f"SELECT {cols} FROM src.{name}{where}"
        extra = con.execute(f"SELECT count(*) FROM ({new} EXCEPT ALL {old})").fetchone()[0]
        missing = con.execute(f"SELECT count(*) FROM ({old} EXCEPT ALL {new})").fetchone()[0]
        out[name if ay is None else f"{name}/{ay}"] = [extra, missing]
    con.execute("DETACH src")
    if types:
        out["column types that differ"] = types
    return out


def _time_each(indicators, out: dict, wall: dict) -> None:
    """Wrap the model and mart builders the compute calls so each records its CPU seconds
    (`out`) and wall seconds (`wall`: a statement that uses one of the two cores shows
    as wall ≈ CPU)."""
    def timed(fn, key):
        def wrapper(con, name, *args, **kwargs):
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                return fn(con, name, *args, **kwargs)
            finally:
                k = key(name, args)
                out[k] = round(out.get(k, 0.0) + time.process_time() - c0, 3)
                wall[k] = round(wall.get(k, 0.0) + time.perf_counter() - t0, 3)
        return wrapper

    indicators.build_model = timed(indicators.build_model, lambda name, args: name)
    indicators.build_mart = timed(indicators.build_mart, lambda name, args: f"{name}/{args[0]}")


if __name__ == "__main__":
    main()
