"""Beyond one machine: a cycle partitioned by region (docs/benchmarks.md, "Beyond one
machine").

Each region is a partition with its own inbox (`<inbox_root>/<region>/`, laid out as
SPEC §3.1), its own DuckDB warehouse and its own store prefix, so each partition has one
writer and partitions share nothing: the methodology is per school (ШНОР, risk) or per
municipality, and a municipality lies in one region. With `deployment` given, every
region's cycle is a separate flow run of that deployment, taken by whichever worker of
its work pool is free — add workers (on this machine or others that see the same
folders) to spread the regions. Without it, the regions run one after another here.

Then the merge — the one serial step — writes the national marts of the cycle into one
national warehouse (one writer) and exports them as Parquet:

- with a shared `store` (`s3://bucket/prefix`, or a folder every worker sees), each region
  publishes under `<store>/regions/<region>/` and `merge_from_store` reads the regions'
  Parquet tables from the store, following each region's one cycle pointer (so it reads
  all tables of one complete run of every region, never a half-written one), checks their
  sha256, and publishes the national Parquet under `<store>/national/` with a manifest
  naming the regions' versions it was built from (written last). The regions' warehouses
  stay where their workers are (no shared disk is needed);
- without a store (every region's store and warehouse under `work_root`), `merge_regions`
  attaches each region's warehouse read-only (one machine or a shared folder).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from edumon.config import load_config
from flows.naming import regional_run_name
from tasks import export, keys, redact
from tasks.publish import current_cycle
from tasks.storage import StoreError, sha256_bytes
from tasks.stores import open_store

CYCLE_FLOWS = {"september": "september-cycle", "october": "october-cycle"}


def region_folders(inbox_root: str, regions: list[str] | None) -> list[str]:
    """The regions: the folders of `inbox_root`, or the first key segments under an
    `s3://bucket/prefix` landing root."""
    if str(inbox_root).startswith("s3://"):
        found = sorted({k.split("/", 1)[0] for k in open_store(inbox_root).list("") if "/" in k})
    else:
        found = sorted(p.name for p in Path(inbox_root).iterdir() if p.is_dir())
    return [r for r in found if regions is None or r in regions]


def _join(location: str, *parts: str) -> str:
    if str(location).startswith("s3://"):
        return "/".join([str(location).rstrip("/"), *parts])
    return str(Path(location, *parts))


def region_store(store: str, region: str) -> str:
    return _join(store, "regions", region)


def national_store(store: str) -> str:
    return _join(store, "national")


def region_parameters(cycle: str, ay: int, inbox_root: str, work_root: str, region: str,
                      store: str | None = None, config: str | None = None) -> dict:
    work = Path(work_root) / region
    return {"ay": ay, "inbox": _join(inbox_root, region),
            "store": region_store(store, region) if store else str(work / "store"),
            "warehouse": str(work / "warehouse.duckdb"), **({"config": config} if config else {})}


@task(name="merge-regions-from-store", cache_policy=NO_CACHE)
@redact.scrubbed_errors
def merge_from_store(cycle: str, ay: int, store: str, regions: list[str], national: str,
                     config: str | None = None) -> dict[str, int]:
    """The national marts of the cycle from the regions' published Parquet in the shared
    store (the one serial step): for each region, its cycle pointer → cycle manifest →
    each mart's Parquet (sha256 checked); the union goes into the national warehouse and
    is published as Parquet under `<store>/national/`, the manifest last."""
    import json
    import tempfile

    import duckdb

    cfg = load_config(config)
    marts = [(name, ay + offset) for name, offset in cfg["cycles"][cycle]["marts"]]
    Path(national).parent.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[tuple[str, int], list[str]] = {m: [] for m in marts}
        for region in regions:
            rstore = open_store(region_store(store, region))
            manifest = current_cycle(rstore, ay, cycle)
            if manifest is None:
                raise StoreError(f"Регион {region}: в хранилище {rstore.location} нет опубликованного цикла "
                                 f"{cycle} за {ay}/{ay + 1} — сводку не собрать.")
            pointer = json.loads(rstore.get(keys.cycle_pointer(ay, cycle)))
            sources[region] = pointer["version"]
            for mart, mart_ay in marts:
                name = export.OUTPUT_TABLES[mart][0]
                unit = manifest["tables"].get(f"tables/{mart_ay}/{name}")
                if unit is None:
                    continue
                [f] = [f for f in unit["files"] if f["key"].endswith(".parquet")]
                data = rstore.get(f["key"])
                if sha256_bytes(data) != f["sha256"]:
                    raise StoreError(f"Регион {region}: файл {f['key']} не совпадает с манифестом (sha256).")
                path = Path(tmp) / f"{region}-{mart}-{mart_ay}.parquet"
                path.write_bytes(data)
                files[(mart, mart_ay)].append(str(path))
        con = duckdb.connect(national)
        objects: dict[str, bytes] = {}
        try:
            for (mart, mart_ay), paths in files.items():
                if not paths:
                    continue
                listed = ", ".join(f"'{p}'" for p in paths)
                exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                                     "AND database_name = current_database()", [mart]).fetchone()[0]
                if not exists:
                    con.execute(f"CREATE TABLE {mart} AS FROM read_parquet([{listed}], union_by_name = true) LIMIT 0")
                con.execute("BEGIN")
                con.execute(f"DELETE FROM {mart} WHERE ay = ?", [mart_ay])
                con.execute(f"INSERT INTO {mart} BY NAME SELECT * FROM read_parquet([{listed}], union_by_name = true)")
                con.execute("COMMIT")
                counts[f"{mart}/{mart_ay}"] = con.execute(f"SELECT count(*) FROM {mart} WHERE ay = ?",
                                                          [mart_ay]).fetchone()[0]
                name = export.OUTPUT_TABLES[mart][0]
                objects[keys.table(mart_ay, name, "parquet")] = export.parquet_bytes(con, mart, mart_ay)
        finally:
            con.close()
    target = open_store(national_store(store))
    for key, data in sorted(objects.items()):
        target.put(key, data)
    target.put(f"cycles/{ay}/{cycle}/regions.json", json.dumps(
        {"cycle": cycle, "ay": ay, "regions": sources, "rows": counts,
         "files": {k: sha256_bytes(v) for k, v in sorted(objects.items())}},
        ensure_ascii=False, indent=2).encode("utf-8"))
    return counts


@task(name="merge-regions", cache_policy=NO_CACHE)
def merge_regions(cycle: str, ay: int, work_root: str, regions: list[str], national: str,
                  config: str | None = None) -> dict[str, int]:
    """The national marts of the cycle from the regions' warehouses (the one serial step);
    `config`: the rules file the regions ran with (its cycle's marts)."""
    import duckdb

    cfg = load_config(config)
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
                   deployment: str | None = None, store: str | None = None, config: str | None = None) -> dict:
    """Цикл по регионам: каждый регион — отдельный запуск со своим хранилищем, затем сводка по стране.

    cycle: september или october.
    ay: учебный год по году начала.
    inbox_root: папка, в которой у каждого региона своя папка выгрузок.
    work_root: папка, где у каждого региона своё хранилище DuckDB и публикации.
    regions: какие регионы (по умолчанию все папки inbox_root).
    deployment: развёртывание цикла (например september-cycle/regions); без него — здесь по очереди.
    store: общее хранилище (s3://корзина/префикс или папка): регионы публикуют в regions/<регион>/, сводка
        собирается из их таблиц Parquet в хранилище и публикуется в national/.
    config: файл правил (TOML) для всех регионов.
    """
    log = get_run_logger()
    names = region_folders(inbox_root, regions)
    params = [region_parameters(cycle, ay, inbox_root, work_root, r, store, config) for r in names]
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
    national = str(Path(work_root) / "national" / "warehouse.duckdb")
    if store:
        counts = merge_from_store(cycle, ay, store, names, national, config)
    else:
        counts = merge_regions(cycle, ay, work_root, names, national, config)
    log.info(f"Регионов: {len(names)}; сводные таблицы: {counts}")
    return {"regions": names, "states": states, "rows": counts}
