"""The PDF's page numbers stamped into Typst's bytes (reports/typst_pdf.py::_stamp): on a
real multi-page справка from the renderer, each page's number is printed centred under the
text area, in the bottom margin; poppler reads the file without a complaint and its text
is the text of the PDF Typst numbers itself."""

from __future__ import annotations

import re
import subprocess

import pytest

from reports import typst_pdf
from reports.document import parse

PT_PER_MM = 72 / 25.4
WORD = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">|'
                  r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _html(landscape: bool) -> str:
    body = "".join(f"<p>Абзац {i}: доля ОУ, в которых сформирована система профилактики, составляет 83,3 %.</p>"
                   for i in range(260))
    return f'<html><body class="{"landscape" if landscape else ""}"><h1>Справка</h1>{body}</body></html>'


def _poppler(pdf: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True)


@pytest.mark.parametrize("landscape", [False, True])
def test_page_numbers_at_the_footer_of_every_page(landscape):
    html = _html(landscape)
    pdf = typst_pdf.html_to_pdf(html, title="Справка", author="Отдел")
    assert b"/Prev " in pdf[-300:]  # the stamp was made (not Typst's numbering as a fallback)
    out = _poppler(pdf, "-bbox")
    assert out.stderr == b""
    pages: list[list[tuple]] = []
    for m in WORD.finditer(out.stdout.decode()):
        if m.group(1):
            pages.append([(float(m.group(1)), float(m.group(2)))])
        else:
            pages[-1].append((*map(float, m.group(3, 4, 5, 6)), m.group(7)))
    assert len(pages) >= 10  # numbers of two digits too
    # A4 (595.28 × 841.89 pt), margins 25 mm left, 15 mm right, 20 mm bottom: the text area's
    # centre is at (25 + (210 − 40) / 2) mm portrait, (25 + (297 − 40) / 2) mm landscape.
    centre = (25 + ((297 if landscape else 210) - 40) / 2) * PT_PER_MM
    for k, (size, *words) in enumerate(pages, 1):
        x0, y0, x1, y1, text = words[-1]
        assert text == str(k)
        assert abs((x0 + x1) / 2 - centre) < 0.1
        assert y0 > size[1] - 20 * PT_PER_MM  # in the bottom margin
        assert sum(1 for w in words if w[1] > size[1] - 20 * PT_PER_MM) == 1  # and alone there

    src, files = typst_pdf.model_to_typst(parse(html), "Справка", "Отдел")  # Typst's own numbers
    assert _poppler(pdf).stdout == _poppler(typst_pdf.compile_source(src, files)).stdout


def test_unexpected_pdf_is_not_stamped():
    assert typst_pdf._stamp(b"%PDF-1.7\nnot a pdf Typst wrote\n%%EOF\n", False) is None
