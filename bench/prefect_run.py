"""One full Prefect run of the cycles, as a user runs them: a fresh Python process, the
flows called with no PREFECT_API_URL, so Prefect starts its temporary server — its start
is inside the measured time. Prints a JSON line with the flows' own times.

Run by `bench.run` in a subprocess whose wall time and process-tree RSS it measures.
"""

from __future__ import annotations

import argparse
import json
import time


def main(argv=None):
    t_start = time.perf_counter()
    ap = argparse.ArgumentParser(description="Полный прогон циклов через Prefect.")
    ap.add_argument("--inbox", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--ay", type=int, required=True)
    ap.add_argument("--cycles", default="september,october")
    a = ap.parse_args(argv)

    from flows.october import october_cycle
    from flows.september import september_cycle

    flows = {"september": september_cycle, "october": october_cycle}
    t_import = time.perf_counter()
    times = {}
    for cycle in a.cycles.split(","):
        t0 = time.perf_counter()
        result = flows[cycle](ay=a.ay, inbox=a.inbox, store=f"{a.work}/store", warehouse=f"{a.work}/warehouse.duckdb")
        times[cycle] = {"seconds": round(time.perf_counter() - t0, 3), "documents": len(result["documents"])}
    print("BENCH-JSON " + json.dumps({"import_seconds": round(t_import - t_start, 3), "flows": times}), flush=True)


if __name__ == "__main__":
    main()
