"""The one document model both writers walk (reports/document.py): whatever HTML a template
writes (merged cells, lists, headings, unknown wrappers) reaches the DOCX and the PDF."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from reports import document
from reports.docx import html_to_docx
from reports.typst_pdf import html_to_pdf

HTML = """<html><body>
<section><h2>5. Новый раздел</h2>
<p>Текст с <b>жирным</b>, <i>курсивом</i> и <span class="weak">12,5&nbsp;%*</span>.</p>
<table><thead><tr><th>Школа</th><th>Класс</th><th>Предмет</th></tr></thead>
<tbody>
<tr><td rowspan="2">СОШ №&nbsp;1</td><td>4</td><td>математика</td></tr>
<tr><td>8</td><td>русский язык</td></tr>
<tr><td colspan="2">Итого</td><td class="num">2</td></tr>
</tbody></table>
<ol><li>Первый пункт</li><li>Второй пункт</li></ol>
<custom-block>Текст неизвестного элемента</custom-block>
</section></body></html>"""


def test_the_model_places_rowspan_continuations_and_keeps_every_block():
    doc = document.parse(HTML)
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "para", "table", "list", "para"]
    t = doc.blocks[2].table
    assert t.ncols == 3
    # row 2: the merged «СОШ № 1» continues in column 1, then «8», «русский язык»
    row2 = t.rows[2][0]
    assert [c.cont for c in row2] == [True, False, False]
    assert [document.plain(c.runs) for c in row2[1:]] == ["8", "русский язык"]
    assert [c.colspan for c in t.rows[3][0]] == [2, 1]
    assert abs(sum(t.widths) - doc.width_cm) < 0.01


def test_docx_merges_cells_vertically_and_across_and_keeps_all_text():
    d = Document(io.BytesIO(html_to_docx(HTML)))
    table = d.tables[0]
    trs = table._tbl.findall(qn("w:tr"))
    first = trs[1].findall(qn("w:tc"))[0].find(qn("w:tcPr"))
    cont = trs[2].findall(qn("w:tc"))[0].find(qn("w:tcPr"))
    assert first.find(qn("w:vMerge")).get(qn("w:val")) == "restart"
    assert cont.find(qn("w:vMerge")) is not None and cont.find(qn("w:vMerge")).get(qn("w:val")) is None
    assert trs[3].findall(qn("w:tc"))[0].find(qn("w:tcPr")).find(qn("w:gridSpan")).get(qn("w:val")) == "2"
    assert table.cell(2, 0).text == "СОШ №\u00a01"  # python-docx reads the merged cell's text
    assert table.cell(2, 2).text == "русский язык"
    paras = [p.text for p in d.paragraphs]
    assert "5. Новый раздел" in paras
    assert "1.\tПервый пункт" in paras and "2.\tВторой пункт" in paras
    assert "Текст неизвестного элемента" in paras
    assert any(p.startswith("Текст с жирным, курсивом и 12,5\u00a0%*") for p in paras)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils не установлены (make test ставит их)")
def test_pdf_holds_the_same_text(tmp_path):
    (tmp_path / "d.pdf").write_bytes(html_to_pdf(HTML))
    out = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True).stdout
    flat = " ".join(out.split())
    for s in ("5. Новый раздел", "русский язык", "Итого", "Второй пункт", "Текст неизвестного элемента"):
        assert s in flat, s
