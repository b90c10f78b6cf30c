"""Beyond one machine: a cycle partitioned by region (docs/benchmarks.md, "Beyond one
machine").

Each region is a partition with its own inbox (`<inbox_root>/<region>/`, laid out as
SPEC §3.1), its own DuckDB warehouse and its own store prefix, so each partition has one
writer and partitions share nothing: the methodology is per school (ШНОР, risk) or per
municipality, and a municipality lies in one region. With `deployment` given, every
region's cycle is a separate flow run of that deployment, taken by whichever worker of
its work pool is free — add workers (on this machine or others that see the same
folders) to spread the regions. Without it, the regions run one after another here.

Then `merge_regions` — the one serial step — attaches each region's warehouse read-only
and writes the national marts of the cycle into one national warehouse (one writer),
and exports them as Parquet.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from edumon.config import load_config
from flows.naming import regional_run_name
from tasks import export

CYCLE_FLOWS = {"september": "september-cycle", "october": "october-cycle"}


def region_folders(inbox_root: str, regions: list[str] | None) -> list[str]:
    found = sorted(p.name for p in Path(inbox_root).iterdir() if p.is_dir())
    return [r for r in found if regions is None or r in regions]


def region_parameters(cycle: str, ay: int, inbox_root: str, work_root: str, region: str) -> dict:
    work = Path(work_root) / region
    return {"ay": ay, "inbox": str(Path(inbox_root) / region), "store": str(work / "store"),
            "warehouse": str(work / "warehouse.duckdb")}


@task(name="merge-regions", cache_policy=NO_CACHE)
def merge_regions(cycle: str, ay: int, work_root: str, regions: list[str], national: str) -> dict[str, int]:
    """The national marts of the cycle from the regions' warehouses (the one serial step)."""
    import duckdb

    cfg = load_config()
    marts = [(name, ay + offset) for name, offset in cfg["cycles"][cycle]["marts"]]
    Path(national).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(national)
    counts: dict[str, int] = {}
    try:
        for i, region in enumerate(regions):
            path = Path(work_root) / region / "warehouse.duckdb"
            con.execute(f"ATTACH '{path}' AS r{i} (READ_ONLY)")
            for name, mart_ay in marts:
                exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                                     "AND database_name = current_database()", [name]).fetchone()[0]
                if not exists:
                    con.execute(f"CREATE TABLE {name} AS FROM r{i}.{name} LIMIT 0")
                if i == 0:
                    con.execute(f"DELETE FROM {name} WHERE ay = ?", [mart_ay])
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM r{i}.{name} WHERE ay = ?", [mart_ay])
            con.execute(f"DETACH r{i}")
        out = Path(national).parent / "tables"
        for name, mart_ay in marts:
            counts[f"{name}/{mart_ay}"] = con.execute(f"SELECT count(*) FROM {name} WHERE ay = ?",
                                                      [mart_ay]).fetchone()[0]
            (out / str(mart_ay)).mkdir(parents=True, exist_ok=True)
            # the same bytes a cycle publishes: export's order per mart (not every mart has a school)
            (out / str(mart_ay) / f"{name.removeprefix('mart_')}.parquet").write_bytes(
                export.parquet_bytes(con, name, mart_ay))
    finally:
        con.close()
    return counts


def _run_regions_on_pool(deployment: str, params: list[dict], poll_seconds: float = 1.0) -> list[str]:
    """One flow run of the deployment per region, all created at once (the pool's workers
    take them as they are free), then waited for; returns their final state types."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    ids = [run_deployment(deployment, parameters=p, timeout=0, as_subflow=True).id for p in params]
    with get_client(sync_client=True) as client:
        while True:
            states = [client.read_flow_run(i).state for i in ids]
            if all(s is not None and s.is_final() for s in states):
                return [s.type.value for s in states]
            time.sleep(poll_seconds)


@flow(name="regional-cycle", flow_run_name=regional_run_name, log_prints=True)
def regional_cycle(cycle: str, ay: int, inbox_root: str, work_root: str, regions: list[str] | None = None,
                   deployment: str | None = None) -> dict:
    """Цикл по регионам: каждый регион — отдельный запуск со своим хранилищем, затем сводка по стране.

    cycle: september или october.
    ay: учебный год по году начала.
    inbox_root: папка, в которой у каждого региона своя папка выгрузок.
    work_root: папка, где у каждого региона своё хранилище DuckDB и публикации.
    regions: какие регионы (по умолчанию все папки inbox_root).
    deployment: развёртывание цикла (например september-cycle/regions); без него — здесь по очереди.
    """
    log = get_run_logger()
    names = region_folders(inbox_root, regions)
    params = [region_parameters(cycle, ay, inbox_root, work_root, r) for r in names]
    if deployment:
        states = _run_regions_on_pool(deployment, params)
    else:
        from flows.october import october_cycle
        from flows.september import september_cycle

        run = {"september": september_cycle, "october": october_cycle}[cycle]
        states = []
        for p in params:
            run(**p)
            states.append("COMPLETED")
    failed = [r for r, s in zip(names, states) if s != "COMPLETED"]
    if failed:
        raise RuntimeError(f"Регионы не обработаны: {', '.join(failed)}")
    counts = merge_regions(cycle, ay, work_root, names, str(Path(work_root) / "national" / "warehouse.duckdb"))
    log.info(f"Регионов: {len(names)}; сводные таблицы: {counts}")
    return {"regions": names, "states": states, "rows": counts}
