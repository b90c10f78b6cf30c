"""One document model for the DOCX and PDF writers: the справка's HTML parsed once into a
small tree of blocks and inline runs, which reports/docx.py and reports/typst_pdf.py both
walk (neither reads HTML itself).

The templates write a small, regular HTML: letterhead, the meta line with the date and the
number field, h1/h2/h3, paragraphs (plain, `note`, `center`), tables with a thead (colspan,
rowspan, `num` cells), lists, figures with a chart, the closing block with the signature,
the covering letter, page breaks. Anything else falls back to its blocks or its text, so a
new include file (any section of tables, lists, headings, paragraphs, charts) renders
without changes here. Table column widths come from their content (reports/layout.py),
computed once for both writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree

from reports import layout

# inline run flags
BOLD, ITALIC, SMALL, SUP = 1, 2, 4, 8
BR = "\n"  # a run whose text is BR is a line break
_SPACE = re.compile(r"[ \t\r\n]+")
BLOCK_TAGS = {"p", "h1", "h2", "h3", "table", "ul", "ol", "div", "img", "figure", "section"}


@dataclass(slots=True)
class Run:
    text: str
    flags: int = 0
    image: str | None = None  # an <img> inline: its src


@dataclass(slots=True)
class Block:
    kind: str  # heading, para, tabbed, table, list, figure, group, pagebreak
    runs: list[Run] = field(default_factory=list)
    style: str = ""  # para: "", note, center, letterhead; tabbed: meta, signature; group: closing, cover
    level: int = 0  # heading level; list: 1 when ordered
    parts: list[list[Run]] = field(default_factory=list)  # tabbed parts, list items
    blocks: list[Block] = field(default_factory=list)  # group
    table: Table | None = None
    image: str | None = None  # figure: the chart's src
    caption: list[Run] = field(default_factory=list)


@dataclass(slots=True)
class Cell:
    runs: list[Run]
    colspan: int = 1
    rowspan: int = 1
    head: bool = False
    num: bool = False
    cont: bool = False  # a continuation of a rowspan cell from a row above (DOCX vMerge)


@dataclass(slots=True)
class Table:
    rows: list[tuple[list[Cell], bool]]  # (cells with continuation placeholders, is header row)
    ncols: int
    widths: list[float]  # cm


@dataclass(slots=True)
class Document:
    blocks: list[Block]
    landscape: bool
    width_cm: float


def _classes(el) -> set[str]:
    c = el.get("class")
    return set(c.split()) if c else set()


def squash(text: str | None) -> str:
    """Collapse HTML whitespace; no-break spaces (after «№», before «%») are kept."""
    return _SPACE.sub(" ", text) if text else ""


_TAG_FLAGS = {"b": BOLD, "strong": BOLD, "th": BOLD, "i": ITALIC, "em": ITALIC, "sup": SUP}


def _inline(node, flags: int = 0, out: list[Run] | None = None, skip_text: bool = False) -> list[Run]:
    out = [] if out is None else out
    sub = _SPACE.sub  # HTML whitespace collapsed (squash), inlined: this runs for every text of every cell
    if not skip_text and node.text:
        out.append(Run(sub(" ", node.text), flags))
    for child in node:
        tag = child.tag
        if tag == "br":
            out.append(Run(BR, flags))
        elif tag == "img":
            out.append(Run("", flags, image=child.get("src", "")))
        elif isinstance(tag, str):
            f = flags | _TAG_FLAGS.get(tag, 0)
            c = child.get("class")
            if c:
                cls = c.split()
                if "weak" in cls:
                    f |= ITALIC
                if "note" in cls:
                    f |= SMALL
            if len(child) or child.text:
                _inline(child, f, out)
        tail = child.tail
        if tail:
            out.append(Run(sub(" ", tail), flags))
    return out


def trim(runs: list[Run]) -> list[Run]:
    """No leading or trailing spaces in a paragraph (HTML whitespace around tags)."""
    runs = [r for r in runs if r.text or r.image]
    if not runs:
        return runs
    first, last = runs[0], runs[-1]
    if first.text[:1] == " " or last.text[-1:] == " ":
        first.text = first.text.lstrip(" ")
        last.text = last.text.rstrip(" ")
        if not (first.text or first.image) or not (last.text or last.image):
            return [r for r in runs if r.text or r.image]
    return runs


def plain(runs: list[Run]) -> str:
    if len(runs) == 1:  # most table cells: no generator
        text = runs[0].text
        return " " if text == BR else text
    return "".join(" " if r.text == BR else r.text for r in runs)


def _table(el, width_cm: float) -> Table | None:
    rows = []
    for part in el:
        if part.tag in ("thead", "tbody", "tfoot"):
            rows += [(r, part.tag == "thead") for r in part if r.tag == "tr"]
        elif part.tag == "tr":
            rows.append((part, all(c.tag == "th" for c in part if isinstance(c.tag, str))))
    if not rows:
        return None
    out: list[tuple[list[Cell], bool]] = []
    sub = _SPACE.sub
    pending: dict[int, list] = {}  # column → [rows still covered, colspan]

    def covered(cells: list[Cell], col: int, is_head: bool) -> int:
        while col in pending:
            left, span = pending[col]
            cells.append(Cell([], span, 1, is_head, False, cont=True))
            if left <= 1:
                del pending[col]
            else:
                pending[col][0] = left - 1
            col += span
        return col

    for tr, is_head in rows:
        cells: list[Cell] = []
        col = 0
        for c in tr:
            tag = c.tag
            if tag != "td" and tag != "th":
                continue
            if pending:
                col = covered(cells, col, is_head)
            span = c.get("colspan")
            span = int(span) if span else 1
            rspan = c.get("rowspan")
            rspan = int(rspan) if rspan else 1
            klass = c.get("class")
            th = tag == "th"
            if len(c):
                runs = trim(_inline(c, BOLD if th else 0))
            else:  # text only (most cells): trim(_inline(c)) without the walk
                text = sub(" ", c.text).strip(" ") if c.text else ""
                runs = [Run(text, BOLD if th else 0)] if text else []
            cell = Cell(runs, span, rspan, th, bool(klass) and "num" in klass.split())
            cells.append(cell)
            if rspan > 1:
                pending[col] = [rspan - 1, span]
            col += span
        if pending:
            covered(cells, col, is_head)
        out.append((cells, is_head))
    ncols = max(sum(c.colspan for c in cells) for cells, _ in out)
    widths = layout.column_widths([[(plain(c.runs), c.colspan) for c in cells] for cells, _ in out],
                                  ncols, width_cm)
    if sum(widths) > width_cm + 0.01:  # too wide even at its longest words: hyphenate them
        for cells, _ in out:
            for c in cells:
                for r in c.runs:
                    if r.text and r.text != BR:
                        r.text = layout.hyphenate(r.text)
        widths = layout.column_widths([[(plain(c.runs), c.colspan) for c in cells] for cells, _ in out],
                                      ncols, width_cm)
    return Table(out, ncols, widths)


def _blocks(el, out: list[Block], width_cm: float) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag or tag in ("script", "style", "title", "head"):
        return
    cls = _classes(el)
    if "pagebreak" in cls:
        out.append(Block("pagebreak"))
        return
    if tag == "div" and "letterhead" in cls:
        out.append(Block("para", trim(_inline(el, BOLD)), style="letterhead"))
        return
    if tag == "div" and ("meta" in cls or "signature" in cls):
        parts = [trim(_inline(c)) for c in el if isinstance(c.tag, str)]
        out.append(Block("tabbed", style="signature" if "signature" in cls else "meta", parts=parts))
        return
    if tag == "div" and ("closing" in cls or "cover" in cls):
        group = Block("group", style="closing" if "closing" in cls else "cover")
        for child in el:
            _blocks(child, group.blocks, width_cm)
        out.append(group)
        return
    if tag in ("h1", "h2", "h3"):
        out.append(Block("heading", trim(_inline(el)), level=int(tag[1])))
        return
    if tag == "p":
        style = "note" if "note" in cls else "center" if "center" in cls else ""
        runs = trim(_inline(el, SMALL if style == "note" else 0))
        if runs:
            out.append(Block("para", runs, style=style))
        return
    if tag == "table":
        t = _table(el, width_cm)
        if t:
            out.append(Block("table", table=t))
        return
    if tag in ("ul", "ol"):
        items = [trim(_inline(li)) for li in el if li.tag == "li"]
        out.append(Block("list", level=1 if tag == "ol" else 0, parts=items))
        return
    if tag == "img":
        out.append(Block("figure", image=el.get("src", "")))
        return
    if tag == "figure":
        img = next((c for c in el if c.tag == "img"), None)
        cap = next((c for c in el if c.tag == "figcaption"), None)
        out.append(Block("figure", image=img.get("src", "") if img is not None else None,
                         caption=trim(_inline(cap, ITALIC | SMALL)) if cap is not None else []))
        return
    # a container: its blocks in order; loose text becomes a paragraph
    if any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el):
        if el.text and el.text.strip():
            out.append(Block("para", [Run(squash(el.text).strip())]))
        for child in el:
            _blocks(child, out, width_cm)
            if child.tail and child.tail.strip():
                out.append(Block("para", [Run(squash(child.tail).strip())]))
    else:
        runs = trim(_inline(el))
        if runs:
            out.append(Block("para", runs))


_PARSER = lxml.etree.HTMLParser()


def parse(html: str) -> Document:
    """The document model of a template's HTML (parsed once for every writer)."""
    # plain etree elements: the same libxml2 HTML tree as lxml.html's, without its per-element
    # class lookup (a Python call for every element the walk touches)
    root = lxml.etree.fromstring(html, _PARSER)
    if root is None:
        raise ValueError("empty document")
    body = root.find("body")
    landscape = body is not None and "landscape" in _classes(body)
    width = layout.TEXT_WIDTH_CM["landscape" if landscape else "portrait"]
    blocks: list[Block] = []
    for el in (body if body is not None else root):
        _blocks(el, blocks, width)
    return Document(blocks, landscape, width)
