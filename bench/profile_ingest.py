"""cProfile of the product's ingest of one source-year (default: ГИА of 2021 at region
scale, a canonical Parquet file of ≈ 195k rows). Prints the top functions by own time
and cumulative time; docs/benchmarks.md summarises the output.

    python -m bench.profile_ingest --scale region --source gia --ay 2021
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
from pathlib import Path

from bench.generate import generate


def main(argv=None):
    ap = argparse.ArgumentParser(description="Профиль загрузки одного источника за один год.")
    ap.add_argument("--scale", default="region")
    ap.add_argument("--source", default="gia")
    ap.add_argument("--ay", type=int, default=2021)
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)

    from edumon.config import load_config
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect

    inbox = generate(a.scale) / "inbox"
    cfg = load_config()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        prof = cProfile.Profile()
        prof.enable()
        rep = ingest_source(con, inbox, a.source, a.ay, "profile", cfg)
        prof.disable()
        con.close()
    print(f"{a.source} {a.ay} ({a.scale}): {rep.rows_in} rows in, {rep.rows_loaded} loaded")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(a.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
