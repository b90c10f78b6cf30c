"""Side by side on one справка: the document engines an official's PDF and DOCX could come
from (docs/documents.md has the figures and the pages).

    .venv/bin/python -m bench.render_engines path/to/spravka.html --out var/bench/engines [--repeat 5]

Measures the median wall and CPU time of: WeasyPrint (HTML → PDF, today's path), the
python-docx walker (HTML → DOCX, today's path), pandoc (HTML → DOCX with a reference.docx),
pandoc + Typst (HTML → Typst → PDF, in-process compile), our own HTML → Typst writer
(reports/typst_pdf.py, the default) and LibreOffice (DOCX → PDF), and
writes each output and its pages as PNG (pdftoppm) to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def _timed(fn, repeat: int):
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        c_children0 = os.times().children_user + os.times().children_system
        out = fn()
        c_children = os.times().children_user + os.times().children_system - c_children0
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0 + c_children)
    return out, statistics.median(walls), statistics.median(cpus)


def weasyprint_pdf(html: str) -> bytes:
    from reports.pdf import html_to_pdf

    return html_to_pdf(html)


def walker_docx(html: str) -> bytes:
    from reports.docx import html_to_docx

    return html_to_docx(html)


def pandoc_docx(html: str, work: Path) -> bytes:
    import pypandoc

    out = work / "pandoc.docx"
    pypandoc.convert_text(html, "docx", format="html", outputfile=str(out), extra_args=["--standalone"])
    return out.read_bytes()


TYPST_PREAMBLE = """#set page(paper: "a4", margin: (left: 25mm, right: 15mm, top: 20mm, bottom: 20mm), numbering: "1")
#set text(font: ("Liberation Serif", "Times New Roman", "DejaVu Serif"), size: 13pt, lang: "ru")
#set par(justify: true, first-line-indent: 12.5mm)
#show heading: set text(size: 13pt)
#show table: set text(size: 10.5pt)
"""


def pandoc_typst_pdf(html: str, work: Path) -> bytes:
    import pypandoc
    import typst

    src = pypandoc.convert_text(html, "typst", format="html", extra_args=["--extract-media=media"],
                                cworkdir=str(work))
    src = re.sub(r"^#set page\(.*$", "", src, flags=re.M)
    (work / "doc.typ").write_text(TYPST_PREAMBLE + src, encoding="utf-8")
    fonts = [p for p in ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu") if Path(p).is_dir()]
    return typst.compile(str(work / "doc.typ"), root=str(work), font_paths=fonts)


def libreoffice_pdf(docx: bytes, work: Path) -> bytes:
    src = work / "lo.docx"
    src.write_bytes(docx)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/lo-profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work / "lo"), str(src)], check=True, capture_output=True, timeout=300)
    return (work / "lo" / "lo.pdf").read_bytes()


def pages(pdf: bytes, out: Path, stem: str) -> int:
    (out / f"{stem}.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(out / f"{stem}.pdf"), str(out / stem)], check=True)
    info = subprocess.run(["pdfinfo", str(out / f"{stem}.pdf")], capture_output=True, text=True).stdout
    m = re.search(r"Pages:\s+(\d+)", info)
    return int(m[1]) if m else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("html", type=Path)
    ap.add_argument("--out", type=Path, default=Path("var/bench/engines"))
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    from reports import typography

    html = typography.tie(a.html.read_text(encoding="utf-8"))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pdf, w, c = _timed(lambda: weasyprint_pdf(html), a.repeat)
        results["weasyprint_pdf"] = {"wall_s": w, "cpu_s": c, "pages": pages(pdf, a.out, "weasyprint")}
        docx, w, c = _timed(lambda: walker_docx(html), a.repeat)
        (a.out / "walker.docx").write_bytes(docx)
        results["walker_docx"] = {"wall_s": w, "cpu_s": c}
        pdocx, w, c = _timed(lambda: pandoc_docx(html, work), a.repeat)
        (a.out / "pandoc.docx").write_bytes(pdocx)
        results["pandoc_docx"] = {"wall_s": w, "cpu_s": c}
        from reports.typst_pdf import html_to_pdf as typst_writer_pdf

        own, w, c = _timed(lambda: typst_writer_pdf(html), a.repeat)
        results["typst_writer_pdf"] = {"wall_s": w, "cpu_s": c, "pages": pages(own, a.out, "typst-writer")}
        tpdf, w, c = _timed(lambda: pandoc_typst_pdf(html, work), a.repeat)
        results["pandoc_typst_pdf"] = {"wall_s": w, "cpu_s": c, "pages": pages(tpdf, a.out, "typst")}
        if shutil.which("soffice"):
            for name, d in (("walker", docx), ("pandoc", pdocx)):
                lpdf, w, c = _timed(lambda d=d: libreoffice_pdf(d, work), 1)
                results[f"libreoffice_{name}_docx_pdf"] = {"wall_s": w, "cpu_s": c,
                                                           "pages": pages(lpdf, a.out, f"lo-{name}")}
    print(json.dumps(results, indent=2))
    (a.out / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
