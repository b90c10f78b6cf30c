"""Benchmark data at municipality, region or country scale: the vectorised engine of the
sample package (edumon/sample/vectorised.py) at the scales of bench/scales.py.

The data is cached under `var/bench/data/<scale>-s<seed>/` with a `generated.json`
(rows per source, seconds); a rerun with the same scale and seed reuses it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.scales import CYCLE_AY, SCALES
from edumon.sample.extra import writers as extra_writers
from edumon.sample.shapes import GIA_HEADERS_RU, GIA_VALUES_RU  # noqa: F401  (bench/peers.py reads them here)
from edumon.sample.vectorised import (  # noqa: F401  (the old names of this module)
    SOURCES, World, generate_inbox, registry, write_gia_csv_cp1251, write_source, write_vpr_stats_xlsx,
)

DATA_ROOT = Path(__file__).resolve().parents[1] / "var" / "bench" / "data"
FORMAT_VERSION = 2  # bump when the generated data changes shape (2: one sample package, shared headers)


def generate(scale: str, seed: int = 7, root: Path = DATA_ROOT, force: bool = False, extra: bool = True) -> Path:
    """Generate (or reuse) the inbox of a scale; returns the data folder. `extra`: also the
    sources of the extra writers (edumon/sample/extra.py); cached data made with other
    writers is made again."""
    sc = SCALES[scale]
    out = Path(root) / f"{scale}-s{seed}"
    marker = out / "generated.json"
    writers = [name for name, _ in extra_writers()] if extra else []
    if marker.is_file() and not force:
        info = json.loads(marker.read_text())
        if info.get("format_version") == FORMAT_VERSION and info.get("extra_writers", []) == writers:
            return out
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    inbox = out / "inbox"
    rows = generate_inbox(inbox, sc, seed, CYCLE_AY, extra_writers=extra)
    info = {"format_version": FORMAT_VERSION, "scale": scale, "seed": seed, "regions": sc.regions,
            "municipalities": sc.municipalities, "schools": sc.schools, "cycle_ay": CYCLE_AY,
            "extra_writers": writers, "rows": rows,
            "bytes": sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file()),
            "seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(info, indent=2))
    return out


def split_by_region(data: Path) -> Path:
    """`<data>/by_region/<RR>/…`: one inbox per region (symlinks to its files, its own
    registry), for the partitioned run (flows/regions.py)."""
    inbox, out = data / "inbox", data / "by_region"
    if (out / ".done").is_file():
        return out
    if out.exists():
        shutil.rmtree(out)
    reg = pq.read_table(inbox / "schools" / "registry.parquet")
    region_of = pc.utf8_slice_codeunits(reg["school_code"], 3, 5)
    for rr in sorted(set(region_of.to_pylist())):
        root = out / rr
        (root / "schools").mkdir(parents=True)
        pq.write_table(reg.filter(pc.equal(region_of, rr)), root / "schools" / "registry.parquet")
        for f in inbox.glob(f"*/*/region_{rr}.*"):
            target = root / f.parent.parent.name / f.parent.name / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(f.resolve())
    (out / ".done").write_text("")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Сгенерировать данные для нагрузочных замеров.")
    ap.add_argument("--scale", choices=sorted(SCALES), default="municipality", help="масштаб")
    ap.add_argument("--seed", type=int, default=7, help="начальное значение генератора")
    ap.add_argument("--root", type=Path, default=DATA_ROOT, help="куда записать")
    ap.add_argument("--force", action="store_true", help="сгенерировать заново, даже если есть")
    ap.add_argument("--no-extra", action="store_true",
                    help="без источников дополнительных генераторов (edumon/sample/extra.py)")
    a = ap.parse_args(argv)
    out = generate(a.scale, a.seed, a.root, a.force, extra=not a.no_extra)
    print(json.dumps(json.loads((out / "generated.json").read_text()), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
