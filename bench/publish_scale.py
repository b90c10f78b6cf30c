"""The publication's own CPU in the flow's parent at country shape, without rendering or
the export: N municipalities, each with its own workbook of each of the September cycle's
11 output tables (`tables/<AY>/municipalities/<mun>/<name>.xlsx`, as `export-tables`
leaves them) beside the 22 shared table files, then each municipality's documents (11
objects, as html + docx + pdf give them) handed to `Publication.add_documents` one
municipality at a time as `render-spravki`'s sink does, then `publish_pointer` (the
cycle's manifest, the pointer, the followers, the index pages, the keys it reports).
Objects are small (the figures are the parent's per-object and per-municipality work,
not the bytes); a folder store in --store.

    .venv/bin/python -m bench.publish_scale --municipalities 230 [--store var/bench/publish_scale]

Prints CPU seconds of each step and per municipality (this process only: nothing else runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

TABLES = ("procedure_results", "shnor", "shnor_monitoring", "risk_monitoring", "project_500plus", "shvor",
          "plan_checkpoint", "assessment_results", "shnsu", "curators", "procedure_results_2")
DOCUMENTS = ("about.json", "technical.html") + tuple(f"{d}.{ext}" for d in ("spravka", "recommendations", "plan")
                                                     for ext in ("html", "docx", "pdf"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--municipalities", type=int, default=230)
    ap.add_argument("--store", type=Path, default=Path("var/bench/publish_scale"))
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--profile", type=Path, help="cProfile (CPU time) of the publish step into this file")
    a = ap.parse_args()

    from tasks import pipeline
    from tasks.publish import Publication
    from tasks.store import LocalStore

    shutil.rmtree(a.store, ignore_errors=True)
    store = LocalStore(a.store)
    run = {"run_id": "bench", "definitions_version": "d", "template_version": "t"}
    inputs = [{"source": "bench", "ay": a.ay, "file": f"f{i}", "sha256": f"{i:064x}"} for i in range(85)]
    munis = [f"mo{i:04d}" for i in range(1, a.municipalities + 1)]
    steps = {}

    t = time.process_time()
    pub = Publication(store, run, "september", a.ay, inputs)
    for name in TABLES:
        pub.add_tables({f"tables/{a.ay}/{name}.parquet": f"p {name}".encode(),
                        f"tables/{a.ay}/{name}.xlsx": f"x {name}".encode()})
    for mun in munis:
        for name in TABLES:
            pub.add_tables({f"tables/{a.ay}/municipalities/{mun}/{name}.xlsx": f"{mun} {name}".encode()})
    state = pub.state()
    steps["tables_cpu_s"] = time.process_time() - t

    t = time.process_time()
    pub = Publication.resume(store, state)
    for mun in munis:
        base = f"reports/{mun}/{a.ay}/september"
        docs = {f"{base}/{d}": (json.dumps({"municipality_code": mun, "municipality_name": mun}).encode()
                                if d == "about.json" else f"{mun} {d}".encode() * 50) for d in DOCUMENTS}
        pub.add_documents(docs)
    state = pub.state()
    steps["documents_cpu_s"] = time.process_time() - t

    prof = None
    if a.profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)
        prof.enable()
    t, wall = time.process_time(), time.perf_counter()
    out = pipeline.publish_pointer.fn(str(a.store), dict(run), "september", a.ay, {str(a.store): state}, {})
    steps["publish_cpu_s"] = time.process_time() - t
    publish_wall = time.perf_counter() - wall
    if prof is not None:
        prof.disable()
        prof.dump_stats(str(a.profile))
    n = len(munis)
    print(json.dumps({"municipalities": n, "table_units": len(state["table_units"]), "documents": len(out["documents"]),
                      "published_keys": len(out["keys"]),
                      **{k: round(v, 2) for k, v in steps.items()},
                      **{k.replace("_cpu_s", "_ms_per_municipality"): round(1000 * v / n, 1) for k, v in steps.items()},
                      "publish_wall_s": round(publish_wall, 2),
                      "load": round(os.getloadavg()[0], 1),
                      "command": f"python -m bench.publish_scale --municipalities {n}"}, indent=2))


if __name__ == "__main__":
    main()
