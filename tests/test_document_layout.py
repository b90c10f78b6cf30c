"""What an official receives, read as text and measured as printed: no developer words in
any document of a run (HTML, DOCX paragraphs and tables, PDF text), every справка starts
with its title and carries the cycle's date; DOCX columns are no narrower than their
longest word (from the widths written in the file); PDF text stays inside the margins."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import ImageFont

from tests.analysis_fixture import prevention_inbox, render_cycle, shnor_inbox
from tasks import render
from tests.report_fixture import AY, build
from tests.test_documents import text

DEVELOPER_WORDS = re.compile(r"\bseed\b|\bSPEC\b|§|\b[a-z]+_[a-z0-9_]+\b|\bNone\b|\bNaN\b|\bnan\b|\bTrue\b|\bFalse\b|"
                             r"\brun-[a-z0-9-]+|\(prevention\)|edumon")
TITLES = {"spravka": "Аналитическая справка", "recommendations": "Адресные рекомендации",
          "plan": "Информационно-аналитический отчёт"}
DATES = {"september": "15 сентября 2023 г.", "october": "31 октября 2023 г.", "january": "20 января 2024 г."}


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every document of four runs in all formats: September with the plan, October,
    September with last year's ШНОР, January."""
    tmp = tmp_path_factory.mktemp("layout")
    docs = {}
    fmt = ("html", "docx", "pdf")
    for cycle, plan in (("september", True), ("october", False)):
        # rendered again without the fixture's fixed `today`: the cycle's own date
        con, cfg, run, _, _ = build(tmp / cycle, cycle, with_plan=plan, formats=("html",))
        cfg = {**cfg, "report": {**cfg["report"], "formats": list(fmt)}}
        docs.update({(cycle + "-a", k): v for k, v in render.render_spravki(con, AY, cycle, cfg, run).items()})
    docs.update({("september-b", k): v for k, v in
                 render_cycle(tmp / "sb", "september", shnor_inbox(tmp / "sb" / "inbox"), fmt).items()})
    docs.update({("january", k): v for k, v in
                 render_cycle(tmp / "jan", "january", prevention_inbox(tmp / "jan" / "inbox"), fmt).items()})
    return docs


def _signed(documents, ext):
    return {k: v for k, v in documents.items()
            if k[1].endswith(ext) and Path(k[1]).stem in TITLES}


def docx_text(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    out = [p.text for p in doc.paragraphs]
    out += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return out


def pdf_text(data: bytes, tmp: Path) -> str:
    (tmp / "d.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", str(tmp / "d.pdf"), "-"], capture_output=True, text=True, check=True).stdout


def test_no_developer_words_in_any_html_or_docx_and_every_document_starts_with_its_title(documents):
    html = _signed(documents, ".html")
    docx = _signed(documents, ".docx")
    assert len(html) >= 8 and len(docx) == len(html)
    for (run, key), data in html.items():
        t = text(data)
        assert not DEVELOPER_WORDS.search(t), (key, DEVELOPER_WORDS.search(t)[0], t[:200])
        assert t.startswith(TITLES[Path(key).stem]), (key, t[:80])
    for (run, key), data in docx.items():
        paras = docx_text(data)
        joined = "\n".join(paras)
        assert not DEVELOPER_WORDS.search(joined), (key, DEVELOPER_WORDS.search(joined)[0])
        first = next(p for p in paras if p.strip())
        assert first.startswith(TITLES[Path(key).stem]), (key, first)


def test_every_spravka_is_dated_with_its_cycle_and_names_its_academic_year(documents):
    for (run, key), data in _signed(documents, ".html").items():
        cycle = run.split("-")[0]
        t = text(data)
        assert DATES[cycle] in t, key
        # «на 2023/2024 учебный год», «2023/2024 учебного года»; September's plan report is
        # the plan of the year that ended, at its checkpoint (issue 14)
        year = "2022/2023 учебн" if cycle == "september" and key.endswith("/plan.html") else "2023/2024 учебн"
        assert year in t, key
        assert "1 декабря 2026" not in t


def test_the_technical_page_holds_the_run_beside_the_spravka(documents):
    tech = {k: v for k, v in documents.items() if k[1].endswith("/technical.html")}
    assert tech and all("run-" in text(v) for v in tech.values())


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils не установлены (make test ставит их)")
def test_no_developer_words_in_any_pdf(documents, tmp_path):
    pdfs = _signed(documents, ".pdf")
    assert pdfs
    for (run, key), data in pdfs.items():
        t = pdf_text(data, tmp_path)
        assert not DEVELOPER_WORDS.search(t), (key, DEVELOPER_WORDS.search(t)[0])
        assert " ".join(t.split()).startswith(TITLES[Path(key).stem]), key


def _word_cm(font, word: str, pt: float) -> float:
    return font.getlength(word) / 100 * pt * 2.54 / 72


def _measuring_font():
    """Times New Roman's metrics (Liberation Serif Bold) when installed, else DejaVu Sans
    Bold (wider still): bold, because header cells are bold."""
    for path in ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf"):
        if Path(path).is_file():
            return ImageFont.truetype(path, 100)
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans-Bold.ttf"), 100)


def test_docx_columns_are_no_narrower_than_their_longest_word_and_fit_the_page(documents):
    font = _measuring_font()
    margins_cm = 2 * 0.19  # Word's default left and right cell margins
    checked = 0
    for (run, key), data in _signed(documents, ".docx").items():
        doc = Document(io.BytesIO(data))
        sec = doc.sections[0]
        text_cm = (sec.page_width - sec.left_margin - sec.right_margin) / 360000
        for table in doc.tables:
            grid = [int(g.get(qn("w:w"))) / 567 for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
            for row in table.rows:
                tcs = row._tr.findall(qn("w:tc"))
                col = 0
                for tc in tcs:
                    span_el = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
                    span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
                    if span == 1:
                        # a paragraph and a line break (w:br) end a word as a space does
                        breaks = {qn("w:p"): " ", qn("w:br"): " ", qn("w:softHyphen"): "\u00ad"}
                        words = "".join((t.text or "") if t.tag == qn("w:t") else breaks[t.tag]
                                        for t in tc.iter(qn("w:t"), *breaks)).split()
                        for word in words:
                            # a line may break after a hyphen and at a soft hyphen (printed «-»), never elsewhere
                            for w in re.findall(r"[^\u00ad-]+[\u00ad-]?|[\u00ad-]", word):
                                w = w.replace("\u00ad", "-")
                                need = _word_cm(font, w, 10.5) + margins_cm
                                assert grid[col] >= need - 0.01, (key, w, round(grid[col], 2), round(need, 2))
                                checked += 1
                    col += span
            assert sum(grid) <= text_cm + 0.01, (key, sum(grid), text_cm)
    assert checked > 100


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils не установлены (make test ставит их)")
def test_pdf_text_stays_inside_the_page_margins(documents, tmp_path):
    for (run, key), data in _signed(documents, ".pdf").items():
        # A4, margins 25 mm and 15 mm; the plan report is landscape
        width = 841.89 if key.endswith("/plan.pdf") else 595.28
        left, right = 25 / 25.4 * 72, width - 15 / 25.4 * 72
        (tmp_path / "d.pdf").write_bytes(data)
        subprocess.run(["pdftotext", "-bbox", str(tmp_path / "d.pdf"), str(tmp_path / "d.html")], check=True)
        words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</word>',
                           (tmp_path / "d.html").read_text(encoding="utf-8"))
        assert words
        for x0, x1, w in words:
            assert float(x0) >= left - 1 and float(x1) <= right + 1, (key, w, x0, x1)
