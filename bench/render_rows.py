"""The PDF tables' given row heights (reports/typst_pdf.py::_row_heights) against Typst's
own auto rows, on real documents: every document of the first N municipalities of a
cycle compiled both ways, each word's box compared (`pdftotext -bbox`), and Typst's CPU
of each way (in one process, alternating per document: indicative; the stage pairs of
bench/render_stages.py are the figure to quote).

    .venv/bin/python -m bench.render_rows --cycle june --limit 20 --target var/bench/rc230.duckdb

Prints the rows given a height, the largest shift of any word (points) and the documents
whose text or pages differ (none expected).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from pathlib import Path

import duckdb

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _words(pdf: bytes) -> tuple[list, int]:
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return WORD.findall(xml), xml.count("<page ")


def cycle_args() -> argparse.ArgumentParser:
    """The options naming the documents: a cycle's first `--limit` municipalities."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycle", default="june")
    ap.add_argument("--ay", type=int, default=2023)
    ap.add_argument("--target", type=Path, default=Path("var/bench/rc230.duckdb"))
    ap.add_argument("--limit", type=int, default=20)
    return ap


def pdf_models(target: Path, ay: int, cycle: str, limit: int) -> list[tuple]:
    """(model, title, author) of every PDF the render writes for the first `limit`
    municipalities of a cycle (model_to_pdf replaced by a collector: nothing compiled)."""
    from edumon.config import load_config
    from tasks import render, report_queries

    models = []
    model_to_pdf = render.typst_pdf.model_to_pdf

    def keep(doc, title="", author=""):  # the models the render would write as PDF
        models.append((doc, title, author))
        return b""

    render.typst_pdf.model_to_pdf = keep
    try:
        cfg = load_config(overrides={"report": {"formats": ["pdf"], "workers": 1}})
        con = duckdb.connect(str(target), read_only=True)
        munis = report_queries.cycle_municipalities(con, ay, cycle)
        first = dict(sorted(munis.items())[:limit])
        render.cycle_municipalities = lambda *_: first
        render.render_spravki(con, ay, cycle, cfg, {"run_id": "bench", "definitions_version": cfg.definitions_version},
                              sink=lambda part: None)
    finally:
        render.typst_pdf.model_to_pdf = model_to_pdf
    return models


def main() -> None:
    ap = cycle_args()
    a = ap.parse_args()

    from reports import typst_pdf

    models = [doc for doc, _, _ in pdf_models(a.target, a.ay, a.cycle, a.limit)]

    given_rows = rows = 0
    worst, differ = 0.0, []
    cpu = {"auto": 0.0, "given": 0.0}
    heights = typst_pdf._row_heights
    for i, doc in enumerate(models):
        typst_pdf._row_heights = lambda t: None
        auto_src, _ = typst_pdf.model_to_typst(doc)
        typst_pdf._row_heights = heights
        t0 = time.process_time()
        given_src, _ = typst_pdf.model_to_typst(doc)
        cpu["given"] += time.process_time() - t0
        given_rows += sum(len(re.findall(r"[\d.]+pt", r)) for r in re.findall(r"rows: \(([^)]*)\)", given_src))
        rows += sum(len(b.table.rows) for b in doc.blocks if b.kind == "table")
        pdfs = {}
        for name, src in (("auto", auto_src), ("given", given_src)) if i % 2 else (("given", given_src), ("auto", auto_src)):
            t0 = time.process_time()
            pdfs[name] = typst_pdf.compile_source(src)
            cpu[name] += time.process_time() - t0
        (wa, pa), (wg, pg) = _words(pdfs["auto"]), _words(pdfs["given"])
        if pa != pg or [w[4] for w in wa] != [w[4] for w in wg]:
            differ.append(i)
            continue
        worst = max([worst] + [abs(float(x[j]) - float(y[j])) for x, y in zip(wa, wg) for j in range(4)])
    print(json.dumps({"cycle": a.cycle, "documents": len(models), "rows": rows, "rows_given_a_height": given_rows,
                      "largest_word_shift_pt": round(worst, 4), "documents_that_differ": differ,
                      "typst_ms_a_document": {k: round(1000 * v / max(len(models), 1), 1) for k, v in cpu.items()}},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
