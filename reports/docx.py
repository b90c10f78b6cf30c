"""DOCX from the справка's own HTML: one data context, one template, three formats.

The templates write a small, regular HTML (letterhead, meta line with the date and the
number field, h1/h2/h3, paragraphs, tables with a thead, lists, charts as PNG data URIs,
signature block, page breaks). This module walks that HTML and builds a Word document an
official can edit and sign: real Word headings and paragraphs (not a picture of a page),
tables whose header row repeats on every page, Times New Roman 13 pt, A4 with the
margins of the print CSS. Unknown tags fall back to their text, so nothing is lost.

The output is byte-stable for the same HTML (fixed core properties and zip timestamps),
so an unchanged справка gives an unchanged object.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import datetime

import lxml.html
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from reports import layout

FIXED_TIME = datetime(2020, 1, 1)
BLOCK_TAGS = {"p", "h1", "h2", "h3", "table", "ul", "ol", "div", "img", "figure", "section"}


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _inline(par, node, bold=False, italic=False, size=None, skip_text=False):
    """Append node's text and inline children to a paragraph (b, i, span.weak, br, a, sup)."""
    def run(text, b, i):
        if not text:
            return
        r = par.add_run(" ".join(text.split("\n")) if "\n" in text else text)
        if b:  # only what differs from the style: each setter walks the run's XML
            r.bold = True
        if i:
            r.italic = True
        if size:
            r.font.size = size

    if not skip_text:
        run(_squash(node.text), bold, italic)
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            par.add_run().add_break()
        elif tag == "img":
            _picture(par, child)
        else:
            b = bold or tag in ("b", "strong", "th")
            i = italic or tag in ("i", "em") or "weak" in _classes(child)
            sup = tag == "sup"
            if sup:
                r = par.add_run(_squash(child.text_content()))
                r.font.superscript = True
            else:
                _inline(par, child, b, i, size)
        run(_squash(child.tail), bold, italic)


_ASCII_SPACE = re.compile(r"[ \t\r\n]+")


def _squash(text):
    """Collapse HTML whitespace; no-break spaces (after «№», before «%») are kept."""
    if not text:
        return ""
    return _ASCII_SPACE.sub(" ", text)


def _lead_trim(par):
    if par.runs and par.runs[0].text.startswith(" "):
        par.runs[0].text = par.runs[0].text.lstrip(" ")
    if par.runs and par.runs[-1].text.endswith(" "):
        par.runs[-1].text = par.runs[-1].text.rstrip(" ")


def _picture(par, img, width=Cm(16)):
    src = img.get("src", "")
    if src.startswith("data:image/png;base64,"):
        par.add_run().add_picture(io.BytesIO(base64.b64decode(src.split(",", 1)[1])), width=width)
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def _cell_shading(cell, fill="EEEEEE"):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _table(doc, el):
    rows = []
    for part in el:
        if part.tag in ("thead", "tbody", "tfoot"):
            rows += [(r, part.tag == "thead") for r in part if r.tag == "tr"]
        elif part.tag == "tr":
            rows.append((part, all(c.tag == "th" for c in part)))
    if not rows:
        return
    ncols = max(sum(int(c.get("colspan", 1)) for c in r if c.tag in ("td", "th")) for r, _ in rows)
    table = doc.add_table(rows=0, cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, is_head in rows:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if is_head:
            _repeat_header(row)
        row_cells = row.cells
        i = 0
        for c in r:
            if c.tag not in ("td", "th"):
                continue
            span = int(c.get("colspan", 1))
            cell = row_cells[i]  # row.cells walks the whole grid on every call: read it once
            if span > 1:
                cell = cell.merge(row_cells[i + span - 1])
            par = cell.paragraphs[0]
            par.paragraph_format.first_line_indent = Cm(0)
            par.alignment = (WD_ALIGN_PARAGRAPH.RIGHT if "num" in _classes(c)
                             else WD_ALIGN_PARAGRAPH.CENTER if c.tag == "th" else WD_ALIGN_PARAGRAPH.LEFT)
            _inline(par, c, bold=c.tag == "th", size=Pt(10.5))
            _lead_trim(par)
            if c.tag == "th":
                _cell_shading(cell)
            i += span
    _column_widths(table, [[(c, int(c.get("colspan", 1))) for c in r if c.tag in ("td", "th")] for r, _ in rows],
                   ncols)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


TEXT_WIDTH_CM = layout.TEXT_WIDTH_CM
_text_width = [TEXT_WIDTH_CM["portrait"]]


def _column_widths(table, rows, ncols, total_cm=None):
    """Each column at least as wide as its longest word (reports/layout.py)."""
    widths = layout.column_widths([[(c.text_content(), span) for c, span in r] for r in rows], ncols,
                                  total_cm or _text_width[0])
    table.autofit = False
    grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
    for i, col in enumerate(grid):  # the grid is what LibreOffice reads
        col.set(qn("w:w"), str(int(Cm(widths[i]).twips)))
    for tr in table._tbl.findall(qn("w:tr")):  # and each cell's own width, what Word reads
        i = 0
        for tc in tr.findall(qn("w:tc")):
            span_el = tc.find(qn("w:tcPr") + "/" + qn("w:gridSpan"))
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            tc.get_or_add_tcPr().get_or_add_tcW().set(qn("w:w"), str(int(Cm(sum(widths[i:i + span])).twips)))
            tc.tcPr.get_or_add_tcW().set(qn("w:type"), "dxa")
            i += span


def _block(doc, el):
    tag = el.tag if isinstance(el.tag, str) else ""
    cls = _classes(el)
    if tag in ("script", "style", "title", "head"):
        return
    if "pagebreak" in cls:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        return
    if tag == "div" and "letterhead" in cls:
        par = doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.paragraph_format.first_line_indent = Cm(0)
        _inline(par, el, bold=True)
        _lead_trim(par)
        return
    if tag == "div" and ("meta" in cls or "signature" in cls):
        # left part, a right-aligned tab, the right part: one paragraph, so «keep with
        # next» holds the signature to the text above it
        parts = [c for c in el if isinstance(c.tag, str)]
        par = doc.add_paragraph()
        par.paragraph_format.first_line_indent = Cm(0)
        par.alignment = WD_ALIGN_PARAGRAPH.LEFT
        par.paragraph_format.tab_stops.add_tab_stop(Cm(_text_width[0]), WD_TAB_ALIGNMENT.RIGHT)
        if "signature" in cls:
            par.paragraph_format.space_before = Pt(24)
        for i, part in enumerate(parts):
            if i:
                par.add_run("\t")
            _inline(par, part)
        _lead_trim(par)
        par.paragraph_format.space_after = Pt(12)
        return
    if tag == "div" and "cover" in cls:  # the covering letter: its own page
        for child in el:
            _block(doc, child)
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        return
    if tag == "div" and "closing" in cls:
        # the last paragraph of the text, the note, the signature and the executor stay on
        # one page
        if doc.paragraphs:
            doc.paragraphs[-1].paragraph_format.keep_with_next = True
        first = len(doc.paragraphs)
        for child in el:
            _block(doc, child)
        for par in doc.paragraphs[first:-1]:
            par.paragraph_format.keep_with_next = True
        return
    if tag in ("h1", "h2", "h3"):
        par = doc.add_heading(level={"h1": 1, "h2": 2, "h3": 3}[tag])
        _inline(par, el)
        _lead_trim(par)
        if tag == "h1":
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return
    if tag == "p":
        par = doc.add_paragraph()
        if "note" in cls:
            par.paragraph_format.first_line_indent = Cm(0)
            _inline(par, el, size=Pt(10))
        else:
            _inline(par, el)
        if "center" in cls:
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _lead_trim(par)
        return
    if tag == "table":
        _table(doc, el)
        return
    if tag in ("ul", "ol"):
        # numbers and bullets as text with a hanging indent: Word's shared list numbering
        # would continue one list's numbers in the next
        items = [li for li in el if li.tag == "li"]
        for n, li in enumerate(items, 1):
            par = doc.add_paragraph()
            par.paragraph_format.left_indent = Cm(0.75)
            par.paragraph_format.first_line_indent = Cm(-0.75)
            par.add_run(f"{n}.\t" if tag == "ol" else "•\t")
            _inline(par, li)
            if len(par.runs) > 1 and par.runs[1].text.startswith(" "):
                par.runs[1].text = par.runs[1].text.lstrip(" ")
            if par.runs and par.runs[-1].text.endswith(" "):
                par.runs[-1].text = par.runs[-1].text.rstrip(" ")
            par.paragraph_format.tab_stops.add_tab_stop(Cm(0.75))
        return
    if tag == "img":
        _picture(doc.add_paragraph(), el)
        return
    if tag == "figure":
        for child in el:
            if child.tag == "img":
                par = doc.add_paragraph()
                par.paragraph_format.first_line_indent = Cm(0)
                par.paragraph_format.keep_with_next = True
                _picture(par, child)
            elif child.tag == "figcaption":
                par = doc.add_paragraph()
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _inline(par, child, italic=True, size=Pt(10))
                _lead_trim(par)
        return
    # a container: its blocks in order; loose text becomes a paragraph
    if any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el):
        if el.text and el.text.strip():
            doc.add_paragraph(_squash(el.text).strip())
        for child in el:
            _block(doc, child)
            if child.tail and child.tail.strip():
                doc.add_paragraph(_squash(child.tail).strip())
    elif el.text_content().strip():
        par = doc.add_paragraph()
        _inline(par, el)
        _lead_trim(par)


def _styles(doc):
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    pf = normal.paragraph_format
    pf.first_line_indent = Cm(1.25)
    pf.space_after = Pt(3)
    pf.line_spacing = 1.15
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, size in (("Heading 1", 14), ("Heading 2", 13), ("Heading 3", 13)):
        st = doc.styles[name]
        st.font.name = "Times New Roman"
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = False
        st.font.color.rgb = None
        rpr = st.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.append(rfonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), "Times New Roman")
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        st.paragraph_format.first_line_indent = Cm(0)
        st.paragraph_format.space_before = Pt(10)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
    section = doc.sections[0]
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Cm(0)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = footer.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(15)


def _stable_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def html_to_docx(html: str, title: str = "", author: str = "") -> bytes:
    """The справка's HTML as a Word document (bytes)."""
    root = lxml.html.document_fromstring(html)
    doc = Document()
    _styles(doc)
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by = title, author, author
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1
    body = root.find("body")
    landscape = body is not None and "landscape" in _classes(body)
    if landscape:  # wide tables (the plan of measures): A4 landscape, as officials print them
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    _text_width[0] = TEXT_WIDTH_CM["landscape" if landscape else "portrait"]
    for el in (body if body is not None else root):
        _block(doc, el)
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())
