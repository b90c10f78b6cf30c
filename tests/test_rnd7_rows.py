"""A PDF table row never splits across pages, as a DOCX row does not (`w:cantSplit`): a
row that does not fit the rest of a page moves whole to the next one, its header repeated.

The fixture: 12 rows, each a cell of several lines at 10.5 pt (≈ 3 cm) between a start
word and an end word, under two paragraphs. An A4 page holds 25.7 cm of text, so a row
must reach the page bottom and either split or move (with Typst's default, breakable
rows, row 6 split: its start word on page 1, its end word on page 2); every row's start
and end word must be printed on the same page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from reports import typst_pdf

ROWS = 12
FILLER = " ".join(["показатель результативности"] * 22)


def _html() -> str:
    rows = "".join(f"<tr><td>{i}</td><td>Начало{i:02d} {FILLER} Конец{i:02d}</td></tr>" for i in range(ROWS))
    return ("<html><body><h1>Аналитическая справка</h1>"
            + "<p>Текст справки перед таблицей.</p>" * 2
            + f"<table><thead><tr><th>№</th><th>Описание</th></tr></thead><tbody>{rows}</tbody></table>"
            "</body></html>")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_rows_do_not_split_across_pages(tmp_path):
    pdf = tmp_path / "rows.pdf"
    pdf.write_bytes(typst_pdf.html_to_pdf(_html()))
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    where: dict[str, int] = {}
    for number, page in enumerate(pages, 1):
        for word in re.findall(r"(?:Начало|Конец)\d\d", page):
            where[word] = number
    assert len(where) == 2 * ROWS  # every marker printed once
    assert max(where.values()) >= 2  # the table met a page end
    split = [i for i in range(ROWS) if where[f"Начало{i:02d}"] != where[f"Конец{i:02d}"]]
    assert split == []
    # the header repeats on every page the table reaches
    for number in range(where["Начало00"], where[f"Конец{ROWS - 1:02d}"] + 1):
        assert "Описание" in pages[number - 1]
