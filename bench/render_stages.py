"""CPU of rendering by stage, in one process: every municipality of a cycle rendered as
tasks/render.py renders it (`[report].workers = 1`), each stage's function wrapped with
`time.process_time`. Prints ms of CPU a municipality per stage and per document.

    .venv/bin/python -m bench.render_stages --cycle june --target var/bench/rc230.duckdb [--limit 60]

The warehouse is one bench/render_country.py built (`--reuse` there). Stages overlap as
they nest: `typst.<doc>` is the PDF compile of that document, `docx.<doc>` the DOCX
writer (with `chart_png`, the charts' PNG fallback, inside it), `parse` HTML → model,
`jinja` the templates, `parent` reading the chunk and making the contexts. With `--limit`
the parent reads only the N municipalities' rows (as a chunk), as the flow reads a chunk.
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

import duckdb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycle", default="june")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--target", type=Path, default=Path("var/bench/rc230.duckdb"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N municipalities (by code)")
    ap.add_argument("--formats", default="html,docx,pdf")
    a = ap.parse_args()

    import jinja2

    from edumon.config import load_config
    from reports import charts, document, docx, typst_pdf
    from tasks import render, report_queries

    acc: dict[str, float] = collections.defaultdict(float)
    current = ["?"]

    def timed(name, fn):
        def wrap(*args, **kw):
            t = time.process_time()
            try:
                return fn(*args, **kw)
            finally:
                acc[name if "{doc}" not in name else name.format(doc=current[0])] += time.process_time() - t
        return wrap

    formats = render._formats

    def _formats(key_base, *args, **kw):
        current[0] = key_base.rsplit("/", 1)[1]
        return formats(key_base, *args, **kw)

    render._formats = _formats
    render.typst_pdf.model_to_pdf = timed("typst.{doc}", typst_pdf.model_to_pdf)
    render.docx.model_to_docx = timed("docx.{doc}", docx.model_to_docx)
    render.document.parse = timed("parse", document.parse)
    charts.rasterise = timed("chart_png", charts.rasterise)
    jinja2.Template.render = timed("jinja", jinja2.Template.render)
    render._draw = timed("chart_svg", render._draw)
    cycle_data = report_queries.cycle_data
    limited: list[str] | None = None  # with --limit: the municipalities kept (read as a chunk)

    def read(con, ay, cycle, cfg, municipalities=None):
        # one chunk is read whole (municipalities None): with --limit that was every
        # municipality of the cycle, their reads charged to the N rendered (rnd10)
        return cycle_data(con, ay, cycle, cfg, municipalities if municipalities is not None else limited)

    render.cycle_data = timed("parent.read", read)
    for k, fn in list(render.CONTEXTS.items()):
        render.CONTEXTS[k] = timed("parent.context", fn)

    cfg = load_config(overrides={"report": {"formats": a.formats.split(","), "workers": 1}})
    con = duckdb.connect(str(a.target), read_only=True)
    if a.limit:
        munis = report_queries.cycle_municipalities(con, a.ay, a.cycle)
        keep = dict(sorted(munis.items())[:a.limit])
        render.cycle_municipalities = lambda *_: keep
        limited = sorted(keep)
    run = {"run_id": "bench", "definitions_version": cfg.definitions_version}
    n = [0]

    def sink(part):
        n[0] += 1

    t0 = time.process_time()
    render.render_spravki(con, a.ay, a.cycle, cfg, run, sink=sink)
    total = time.process_time() - t0
    out = {"cycle": a.cycle, "municipalities": n[0], "cpu_s": round(total, 1),
           "ms_per_municipality": {"total": round(1000 * total / n[0], 1),
                                   **{k: round(1000 * v / n[0], 1) for k, v in sorted(acc.items())}}}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
