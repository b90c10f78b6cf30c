"""The PDF's stamped page numbers (reports/typst_pdf.py::_stamp) against Typst's own
numbering, on real documents: every document of the first N municipalities of a cycle
compiled both ways; text (`pdftotext`), each word's box (`pdftotext -bbox`), the pages at
72 dpi in grey (`pdftoppm`) and poppler's stderr compared, and Typst's CPU of each way (one
process, alternating per document: indicative; bench/render_stages.py pairs are the figure).

    .venv/bin/python -m bench.page_numbers --cycle june --limit 20 --target var/bench/rc230.duckdb
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from bench.render_rows import _words, cycle_args, pdf_models


def _poppler(pdf: bytes) -> tuple[bytes, list[bytes], bytes]:
    """Text, page images (PGM, 72 dpi grey) and everything poppler printed on stderr."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        png = subprocess.run(["pdftoppm", "-r", "72", "-gray", "-", f"{tmp}/p"], input=pdf, capture_output=True, check=True)
        pages = [p.read_bytes() for p in sorted(Path(tmp).iterdir())]
    return text.stdout, pages, text.stderr + png.stderr


def main() -> None:
    ap = cycle_args()
    ap.add_argument("--keep", type=Path, help="write the first document both ways here")
    a = ap.parse_args()

    from reports import typst_pdf

    models = pdf_models(a.target, a.ay, a.cycle, a.limit)
    cpu = {"typst": 0.0, "stamped": 0.0}
    worst, pages, differ, stamped, errors, pixels = 0.0, 0, [], 0, [], {}
    for i, (doc, title, author) in enumerate(models):
        pdfs = {}
        ways = (("stamped", lambda: typst_pdf.model_to_pdf(doc, title, author)),
                ("typst", lambda: typst_pdf.compile_source(*typst_pdf.model_to_typst(doc, title, author))))
        for name, make in ways if i % 2 else ways[::-1]:
            t0 = time.process_time()
            pdfs[name] = make()
            cpu[name] += time.process_time() - t0
        stamped += pdfs["stamped"] != pdfs["typst"] and b"/Prev " in pdfs["stamped"]
        if a.keep and i == 0:
            a.keep.mkdir(parents=True, exist_ok=True)
            for name, pdf in pdfs.items():
                (a.keep / f"{name}.pdf").write_bytes(pdf)
        (ws, ps), (wt, pt) = _words(pdfs["stamped"]), _words(pdfs["typst"])
        (ts, imgs, es), (tt, imgt, _) = _poppler(pdfs["stamped"]), _poppler(pdfs["typst"])
        pages += pt
        if es:
            errors.append((i, es.decode(errors="replace")[:200]))
        if ps != pt or ts != tt or [w[4] for w in ws] != [w[4] for w in wt]:
            differ.append(i)
            continue
        worst = max([worst] + [abs(float(x[j]) - float(y[j])) for x, y in zip(ws, wt) for j in range(4)])
        for k, (x, y) in enumerate(zip(imgs, imgt)):
            n = sum(p != q for p, q in zip(x, y))
            if n:
                pixels[f"{i}:{k + 1}"] = n
    print(json.dumps({"cycle": a.cycle, "documents": len(models), "pages": pages, "stamped": stamped,
                      "largest_word_shift_pt": round(worst, 4), "documents_that_differ": differ,
                      "poppler_stderr": errors[:5], "pages_with_other_pixels": len(pixels),
                      "most_pixels_on_a_page": max(pixels.values(), default=0),
                      "typst_ms_a_document": {k: round(1000 * v / max(len(models), 1), 1) for k, v in cpu.items()}},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
