"""PDF from the справка's document model (reports/document.py) through Typst, compiled
in-process: the same model the DOCX writer walks, written as Typst markup with every text
run a string literal (no markup is ever read from data).

Typst lays out a справка in hundredths of a second where WeasyPrint takes about a second
(docs/documents.md). One compiler per process keeps the fonts loaded between documents;
SVG charts are embedded as bytes in the source (no files). Tables get the same
content-based column widths as the DOCX (reports/layout.py), their header repeats on every
page, rows do not split, headings stay with what follows, the closing block (note,
signature, executor) is never broken. A row whose height its text tells for certain is
given that height (`_row_heights`): Typst lays it out once instead of measuring it first,
and the page is the same. Page numbers are stamped into the compiled PDF (`_stamp`), not
laid out by Typst's page counter, which would cost a second layout iteration.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import tempfile
import zlib
from pathlib import Path

from reports import fonts
from reports.layout import SMALL_PT, TABLE_PT
from reports.document import BOLD, BR, ITALIC, SMALL, SUP, Block, Document, Run, parse

FONT_DIRS = [str(d) for d in fonts.LIBERATION_DIRS] + [str(fonts.dejavu_dir())]

# A table row whose height can be told from its text is given that height instead of
# `auto`: Typst then lays its cells out once, not twice (an auto row's cells are laid out to
# measure the row, then again at the measured height). A cell's height is what Typst's
# layout comes to: the cell inset above and below, each line from the cap height to the
# baseline (Typst's default text edges) of Liberation Serif (read from the font files:
# 1341/2048 em in all four faces), and the paragraph leading between lines. Lines are counted the
# way Typst breaks a cell's ragged text (first fit: at spaces, at soft hyphens with a «-»),
# each line measured in the face and size it is printed in; a line's fit is only taken as
# certain when it is off the room by more than `_ROBUST` of it (kerning, rounding), and a
# hyphen, dash or slash inside a word only when the count is the same whether Typst breaks
# there or not. Any doubt (no Liberation Serif, superscript, a picture, a rowspan, mixed
# faces on a wrapped line) leaves the row `auto`.
CELL_INSET_X_MM, CELL_INSET_Y_MM = 1.5, 1.2
TABLE_LEADING_EM = 0.45
_ROBUST, _ROBUST_PT = 0.01, 1.0
_BREAKS = ("-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "/", "|", "\u00ad", "\u200b", "\t")
_NO_BREAK_BEFORE = frozenset(")]}!,.:;?")
_PT_PER_MM = 72 / 25.4


PREAMBLE = """#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", flipped: {flipped}, margin: (left: 25mm, right: 15mm, top: 20mm, bottom: 20mm),
  {numbering})
#set text(font: ("Liberation Serif", "Times New Roman", "Libertinus Serif"), size: 13pt, lang: "ru",
  hyphenate: false, overhang: false)
#set par(justify: true, first-line-indent: (amount: 12.5mm, all: true), leading: 0.7em, spacing: 0.75em)
#show heading: set text(size: 13pt, weight: "bold")
#show heading: set block(above: 1.1em, below: 0.6em)
#show heading.where(level: 3): set text(style: "italic")
#set table(stroke: 0.5pt, inset: (x: {inset_x}mm, y: {inset_y}mm))
#set table.cell(breakable: false)
#show table: set par(justify: false, first-line-indent: 0pt, leading: 0.45em, spacing: 0.45em)
#show table: set text(size: {table_pt}pt)
#set enum(indent: 0pt, body-indent: 0.6em)
"""


def _cap_height_em(path: Path) -> float | None:
    """OS/2 sCapHeight / head unitsPerEm of a TrueType file (Typst's cap height), or None."""
    data = path.read_bytes()
    tables = {data[12 + 16 * i:16 + 16 * i]: int.from_bytes(data[20 + 16 * i:24 + 16 * i], "big")
              for i in range(int.from_bytes(data[4:6], "big"))}
    os2, head = tables.get(b"OS/2"), tables.get(b"head")
    if os2 is None or head is None or int.from_bytes(data[os2:os2 + 2], "big") < 2:
        return None
    cap = int.from_bytes(data[os2 + 88:os2 + 90], "big", signed=True)
    return cap / int.from_bytes(data[head + 18:head + 20], "big") if cap > 0 else None


@functools.lru_cache(maxsize=1)
def _cap_height() -> float | None:
    """The cap height (em) the PDF's table text has: Liberation Serif's, when every copy of
    its regular and bold faces in the font directories agrees; None (rows auto) otherwise."""
    caps = {_cap_height_em(d / f"LiberationSerif-{face}.ttf") for d in fonts.LIBERATION_DIRS
            for face in _FACES.values() if (d / f"LiberationSerif-{face}.ttf").is_file()}
    return caps.pop() if len(caps) == 1 else None


_FACES = {0: "Regular", BOLD: "Bold", ITALIC: "Italic", BOLD | ITALIC: "BoldItalic"}


@functools.lru_cache(maxsize=4)
def _liberation(face: int):
    """A face (BOLD, ITALIC flags) of Liberation Serif, the font the PDF prints tables in, at
    100 pt; None if it is absent."""
    name = f"LiberationSerif-{_FACES[face]}.ttf"
    path = next((d / name for d in fonts.LIBERATION_DIRS if (d / name).is_file()), None)
    if path is None or _cap_height() is None:
        return None
    from PIL import ImageFont  # noqa: PLC0415

    return ImageFont.truetype(str(path), 100)


@functools.lru_cache(maxsize=65536)
def _text_pt(text: str, face: int, pt: float) -> float | None:
    font = _liberation(face)
    return None if font is None else font.getlength(text) * pt / 100 if text else 0.0


def _breaks(text: str, optional: bool) -> list[tuple[int, str]] | None:
    """Where a line may end in `text`, as (index after the break, kind): at a space, at a
    soft hyphen (printed as «-» there) and, when `optional`, after a hyphen, a dash or a
    slash inside a word (which Typst's Unicode line breaking may or may not take); None
    for a character whose breaking is not modelled."""
    out = []
    for i, ch in enumerate(text):
        if ch == " ":
            if text[i + 1:i + 2] in _NO_BREAK_BEFORE:
                return None  # Unicode forbids a break before a closing mark even after a space
            out.append((i + 1, "space"))
        elif ch == "\u00ad":
            out.append((i + 1, "shy"))
        elif ch in _BREAKS:
            if ch in "|\u200b\t":
                return None
            inside = 0 < i < len(text) - 1 and text[i - 1] != " " and text[i + 1] != " "
            if inside and not text[i + 1].isdigit() and optional:
                out.append((i + 1, "after"))
    out.append((len(text), "end"))
    return out


def _first_fit(text: str, face: int, pt: float, room: float, optional: bool) -> int | None:
    """Lines of Typst's first-fit breaking (linebreak_simple) of `text` in `room` points,
    or None when a line's fit is within the margin of the room (or a break not modelled).
    A line's width is the sum of its parts between break points (each measured once per
    process), less the last one's trailing space, plus «-» where it ends at a soft hyphen."""
    points = _breaks(text, optional)
    if points is None:
        return None
    margin = max(_ROBUST_PT, room * _ROBUST)
    space, hyphen = _text_pt(" ", face, pt), _text_pt("-", face, pt)
    if space is None:
        return None
    full, last_w, prev = [], [], 0
    for end, kind in points:
        part = text[prev:end].replace("\u00ad", "")
        word = part.rstrip(" ")
        w = _text_pt(word, face, pt)
        full.append(w + space * (len(part) - len(word)))
        last_w.append(w + (hyphen if kind == "shy" else 0.0))
        prev = end
    lines, start, last = 0, 0, None  # start: the first part of the line; last: the line's last fitting end
    acc = 0.0  # widths of the parts start .. i-1 in full
    i = 0
    while i < len(points):
        w = acc + last_w[i]
        if w <= room - margin:
            last, acc, i = i, acc + full[i], i + 1
            continue
        if w <= room + margin or last is None:
            return None  # too close to call, or a part wider than its column (Typst overflows it)
        lines, start, last, acc = lines + 1, last + 1, None, 0.0
        i = start
    return lines + 1


@functools.lru_cache(maxsize=65536)
def _lines(text: str, face: int, pt: float, room: float) -> int | None:
    """How many lines Typst gives `text` in `room` points, or None when that is not
    certain: the same count with and without the optional breaks inside words (once per
    process for a text and a room: cells repeat)."""
    words = text.replace("\u00ad", "").split(" ")
    widths = [_text_pt(w, face, pt) for w in words]  # words repeat between cells: measured once
    if None in widths:
        return None
    whole = sum(widths) + (len(words) - 1) * _text_pt(" ", face, pt)
    if whole <= room - max(_ROBUST_PT, room * _ROBUST) and "|" not in text:
        return 1
    n = _first_fit(text, face, pt, room, False)
    if n is None or n == 1:
        return n
    return n if _first_fit(text, face, pt, room, True) == n else None


def _cell_pt(c, room: float, bold: bool = False) -> float | None:
    """The height of a cell's content in points (0 when empty), or None when not certain;
    `room`: the column's width less the insets (pt); `bold`: the cell is printed bold (a
    header cell, or any cell of a table's first row)."""
    runs = c.runs
    # the key without a generator for a cell of one run (most cells): this runs for every cell
    key = tuple([(r.text, r.flags, r.image) for r in runs]) if len(runs) != 1 else \
        ((runs[0].text, runs[0].flags, runs[0].image),)
    return _runs_pt((key, room, bold or c.head))


@functools.lru_cache(maxsize=65536)
def _runs_pt(key) -> float | None:
    """_cell_pt of a cell's runs (text, flags, image), once per process: cells repeat."""
    runs, room, bold = key
    cap = _cap_height()
    if cap is None:
        return None
    lines: list[list] = [[]]
    for text, flags, image in runs:
        if image is not None or flags & SUP:
            return None
        if text == BR:
            lines.append([])
        elif text:
            lines[-1].append((text, flags & (BOLD | ITALIC) | (BOLD if bold else 0),
                              SMALL_PT if flags & SMALL else TABLE_PT))
    if lines == [[]]:
        return 0.0
    height = 0.0
    for i, line in enumerate(lines):
        if not line:
            return None
        faces = {(face, pt) for _, face, pt in line}
        if len(faces) == 1:
            (face, pt), = faces
            n = _lines("".join(text for text, _, _ in line), face, pt, room)
        else:  # mixed faces: only a line that surely fits whole
            widths = [_text_pt(text.replace("\u00ad", ""), face, pt) for text, face, pt in line]
            n = 1 if None not in widths and sum(widths) <= room - max(_ROBUST_PT, room * _ROBUST) else None
            pt = max(p for _, p in faces)
        if n is None:
            return None
        height += n * cap * pt + (n - 1 + (1 if i else 0)) * TABLE_LEADING_EM * TABLE_PT
    return height


def _row_heights(t) -> list[str] | None:
    """Each row's height for the table's `rows:`: its text's height where every cell's is
    certain, else auto; None when no row's is."""
    if any(c.rowspan > 1 or c.cont for cells, _ in t.rows for c in cells):
        return None
    out, known = [], False
    cm = [round(w, 2) for w in t.widths]  # as the table's columns are written
    rooms: dict[tuple[int, int], float] = {}
    # in the order the table is written: its header rows first; Typst's row 0 is bold
    ordered = [cells for cells, is_head in t.rows if is_head] + [cells for cells, is_head in t.rows if not is_head]
    for y, cells in enumerate(ordered):
        col, tallest = 0, 0.0
        for c in cells:
            span = (col, c.colspan)
            room = rooms.get(span)
            if room is None:
                room = rooms[span] = round((sum(cm[col:col + c.colspan]) * 10 - 2 * CELL_INSET_X_MM) * _PT_PER_MM, 3)
            h = _cell_pt(c, room, bold=y == 0)
            col += c.colspan
            if h is None:
                tallest = None
                break
            if h > tallest:
                tallest = h
        if tallest:
            out.append(f"{tallest + 2 * CELL_INSET_Y_MM * _PT_PER_MM:.4f}pt")
            known = True
        else:
            out.append("auto")
    return out if known else None


def _right_columns(t) -> set[int]:
    """Columns whose every cell but the headers is a number starting there (aligned right):
    the table aligns them (`align:`) instead of a `table.cell(align: right)` per cell. A
    column where any other cell starts, or that a wider cell covers, is left to its cells."""
    num: set[int] = set()
    other: set[int] = set()
    for cells, _ in t.rows:
        col = 0
        for c in cells:
            x, col = col, col + c.colspan
            if c.cont or c.head:
                continue
            if c.num and c.colspan == 1:
                num.add(x)
            else:
                other.update(range(x, x + c.colspan))
    return num - other


def _s(text: str) -> str:
    """A Typst string literal: text as it is, no markup."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Writer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.files: dict[str, bytes] = {}  # PNG pictures (a legacy src) written beside main.typ

    def runs(self, runs: list[Run], inherited: int = 0) -> str:
        """Typst markup of text runs; `inherited`: flags the enclosing markup already sets."""
        parts = []
        for r in runs:
            if r.image is not None:
                parts.append(self.image(r.image))
                continue
            if r.text == BR:
                parts.append("#linebreak()")
                continue
            if not r.text:
                continue
            t = f"#{_s(r.text)}"
            f = r.flags & ~inherited
            if f & SUP:
                t = f"#super[{t}]"
            if f & BOLD:
                t = f"#strong[{t}]"
            if f & ITALIC:
                t = f"#emph[{t}]"
            if f & SMALL:
                t = f"#text(size: {SMALL_PT:g}pt)[{t}]"
            parts.append(t)
        return "".join(parts)

    def image(self, src: str | None, width: str = "16cm") -> str:
        if not src:
            return ""
        if src.startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
            return f'#image(bytes({_s(svg)}), format: "svg", width: {width})'
        if src.startswith("data:image/png;base64,"):
            data = base64.b64decode(src.split(",", 1)[1])
            name = hashlib.sha256(data).hexdigest()[:16] + ".png"
            self.files[name] = data
            return f"#image({_s(name)}, width: {width})"
        return ""

    def para(self, content: str, style: str, out: list[str]) -> None:
        if not content.strip():
            return
        if style == "note":
            out.append(f"#par(first-line-indent: 0pt)[{content}]")
        elif style == "center":
            out.append(f"#align(center)[#par(first-line-indent: 0pt)[{content}]]")
        elif style == "letterhead":
            out.append(f"#align(center)[#par(first-line-indent: 0pt)[#strong[{content}]]]")
        else:
            out.append(f"#par[{content}]")

    def table(self, b: Block, out: list[str]) -> None:
        t = b.table
        head, body = [], []
        # Typst's row 0 (the first header row, else the first row) is printed bold
        row0 = next((i for i, (_, is_head) in enumerate(t.rows) if is_head), 0)
        right = _right_columns(t)  # aligned right by the table, not cell by cell
        for i, (cells, is_head) in enumerate(t.rows):
            bold_row = i == row0
            col = 0
            for c in cells:
                x, col = col, col + c.colspan
                if c.cont:
                    continue
                args = []
                if c.colspan > 1:
                    args.append(f"colspan: {c.colspan}")
                if c.rowspan > 1:
                    args.append(f"rowspan: {c.rowspan}")
                if c.head:
                    args.append("fill: luma(238)")
                    args.append("align: center")
                elif c.num and x not in right:
                    args.append("align: right")
                if c.head or bold_row:  # one #strong for the cell, none per run
                    content = f"#strong[{self.runs(c.runs, BOLD)}]"
                else:
                    content = self.runs(c.runs)
                cell = f"table.cell({', '.join(args)})[{content}]" if args else f"[{content}]"
                (head if is_head else body).append(cell)
        cols = ", ".join(f"{w:.2f}cm" for w in t.widths)
        header = f"table.header({', '.join(head)}), " if head else ""
        heights = _row_heights(t)
        rows = f"rows: ({', '.join(heights)},), " if heights else ""
        align = f"align: ({', '.join('right' if x in right else 'auto' for x in range(len(t.widths)))},), " if right else ""
        out.append(f"#table(columns: ({cols},), {align}{rows}{header}{', '.join(body)})")

    def block(self, b: Block, out: list[str]) -> None:
        k = b.kind
        if k == "pagebreak":
            out.append("#pagebreak(weak: true)")
        elif k == "para":
            self.para(self.runs(b.runs), b.style, out)
        elif k == "tabbed":
            parts = [self.runs(p) for p in b.parts]
            above = "1.5em" if b.style == "signature" else "0.8em"
            grid = ", ".join(f"[{p}]" for p in parts)
            cols = "(1fr, auto)" if len(parts) == 2 else f"({', '.join(['1fr'] * len(parts))})"
            out.append(f"#block(above: {above}, below: 0.8em)[#grid(columns: {cols}, {grid})]")
        elif k == "group":
            inner: list[str] = []
            for child in b.blocks:
                self.block(child, inner)
            body = "\n\n".join(inner)
            if b.style == "closing":
                out.append(f"#block(breakable: false)[\n{body}\n]")
            else:
                out.append(f"{body}\n#pagebreak()")
        elif k == "heading":
            if b.level == 1:
                out.append(f"#align(center)[#par(first-line-indent: 0pt, justify: false)"
                           f"[#text(size: 14pt, weight: \"bold\")[{self.runs(b.runs)}]]]")
            else:
                out.append(f"#heading(level: {b.level})[{self.runs(b.runs)}]")
        elif k == "table":
            self.table(b, out)
        elif k == "list":
            items = ", ".join(f"[{self.runs(item)}]" for item in b.parts)
            out.append(f"#{'enum' if b.level else 'list'}({items})")
        elif k == "figure":
            pic = self.image(b.image)
            caption = f"#text(size: 10pt, style: \"italic\")[{self.runs(b.caption)}]" if b.caption else ""
            out.append(f"#block(breakable: false)[#align(center)[{pic}#linebreak(){caption}]]")


NUMBERED = 'numbering: "1", number-align: center'  # Typst's page numbers, centred in the footer


def model_to_typst(doc: Document, title: str = "", author: str = "",
                   numbering: str = NUMBERED) -> tuple[str, dict[str, bytes]]:
    """Typst source of the document model, and the picture files it reads (PNG only)."""
    w = _Writer(doc)
    out: list[str] = []
    for b in doc.blocks:
        w.block(b, out)
    return _preamble(title, author, doc.landscape, numbering) + "\n" + "\n\n".join(out) + "\n", w.files


def _preamble(title: str, author: str, landscape: bool, numbering: str) -> str:
    return PREAMBLE.format(title=_s(title), author=_s(author), flipped="true" if landscape else "false",
                           inset_x=CELL_INSET_X_MM, inset_y=CELL_INSET_Y_MM, table_pt=TABLE_PT,
                           numbering=numbering)


def html_to_typst(html: str, media: Path | None = None, title: str = "", author: str = "") -> str:
    src, files = model_to_typst(parse(html), title, author)
    if media is not None:
        for name, data in files.items():
            (media / name).write_bytes(data)
    return src


_COMPILER = None


def _compiler():
    """One Typst compiler per process: fonts are loaded once, not per document."""
    global _COMPILER
    if _COMPILER is None:
        import typst  # noqa: PLC0415

        _COMPILER = typst.Compiler(font_paths=typst.Fonts(include_system_fonts=False, font_paths=FONT_DIRS),
                                   ignore_system_fonts=True)
    return _COMPILER


def compile_source(src: str, files: dict[str, bytes] | None = None, fmt: str = "pdf", ppi: float | None = None):
    if files:  # PNG pictures are files beside the source
        with tempfile.TemporaryDirectory(prefix="edumon-typst-") as tmp:
            for name, data in files.items():
                (Path(tmp) / name).write_bytes(data)
            (Path(tmp) / "main.typ").write_text(src, encoding="utf-8")
            import typst  # noqa: PLC0415

            return typst.compile(str(Path(tmp) / "main.typ"), root=tmp, font_paths=FONT_DIRS, format=fmt, ppi=ppi)
    return _compiler().compile(input=src.encode("utf-8"), format=fmt, ppi=ppi)


def model_to_pdf(doc: Document, title: str = "", author: str = "") -> bytes:
    """Compiled without Typst's page numbering (which costs a second layout iteration) and
    numbered afterwards in its own bytes (`_stamp`); Typst numbers
    it when the stamp cannot be made."""
    src, files = model_to_typst(doc, title, author, numbering="numbering: none")
    stamped = _stamp(compile_source(src, files), doc.landscape)
    if stamped is not None:
        return stamped
    src, files = model_to_typst(doc, title, author)
    return compile_source(src, files)


def html_to_pdf(html: str, title: str = "", author: str = "") -> bytes:
    """The справка's HTML as PDF bytes, byte-stable for the same HTML (no timestamp)."""
    return model_to_pdf(parse(html), title, author)


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """An SVG (a chart) as PNG at `scale` pixels per SVG pixel, through the same renderer."""
    src = ('#set page(width: auto, height: auto, margin: 0pt)\n'
           f'#image(bytes({_s(svg)}), format: "svg")\n')
    return _compiler().compile(input=src.encode("utf-8"), format="png", ppi=96 * scale)  # an SVG px is 1/96 in


# Page numbers without Typst's second layout iteration: Typst's `numbering` needs the page
# counter, which costs a second layout pass (−13 % CPU without it, docs/documents.md). The
# PDF is compiled without numbering and the numbers are appended as an incremental update:
# a copy of the digits font (harvested once per process from a Typst-numbered reference
# page, with Typst's own footer position), one content stream a page with the number as
# Typst draws it (centred, its baseline, the font's kerning) and the page and resources
# objects rewritten to use them. Anything unexpected in the PDF returns None (Typst numbers).
_REF = re.compile(rb"(\d+) 0 R")
_FOOTER = re.compile(rb"/Artifact<</Attached\[/Bottom\]/Subtype/Footer/Type/Pagination>>BDC\n"
                     rb"q 1 0 0 -1 ([\d.]+) ([\d.]+) cm/c0 cs 0 scn\nBT 0 Tr/f0 ([\d.]+) Tf 1 0 0 -1 0 0 Tm\(")
_DIGITS = "0123456789"


_XREF = re.compile(rb"xref\n0 (\d+)\n")


class _Objects:
    """A PDF's objects read through its (single, classic) xref table, each on demand: an
    object's entry is read where it is (the table's entries are 20 bytes each), not the
    whole table first (≈ 1,000 objects a справка, a handful read)."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        at = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
        m = _XREF.match(pdf, at)
        if m is None:
            raise ValueError("not one classic xref section")
        self.count, self.table = int(m.group(1)), m.end()
        if not pdf.startswith(b"trailer", self.table + 20 * self.count):
            raise ValueError("not an xref table of 20-byte entries")

    def offset(self, n: int) -> int | None:
        """Where object n is, or None when it is not in use."""
        if not 0 <= n < self.count:
            return None
        at = self.table + 20 * n
        return int(self.pdf[at:at + 10]) if self.pdf[at + 17:at + 18] == b"n" else None

    @property
    def offsets(self) -> list[int]:
        """The numbers of the objects in use, in order."""
        return [n for n in range(self.count) if self.offset(n) is not None]

    def __getitem__(self, n: int) -> bytes:
        at = self.offset(n)
        if at is None:
            raise KeyError(n)
        head = b"%d 0 obj\n" % n
        if not self.pdf.startswith(head, at):
            raise ValueError(f"object {n} is not at its offset")
        start = at + len(head)
        stream = self.pdf.find(b">>\nstream\n", start, start + 4096)
        if stream >= 0 and self.pdf.find(b"\nendobj", start, stream) < 0:  # a stream: by its /Length
            end = stream + 10 + int(re.search(rb"/Length (\d+)", self.pdf[start:stream]).group(1)) + len(b"\nendstream")
        else:
            end = self.pdf.index(b"\nendobj", start)
        return self.pdf[start:end]

    def get(self, n: int, default=None):
        return self[n] if self.offset(n) is not None else default


def _stream(body: bytes) -> bytes:
    head, _, data = body.partition(b">>\nstream\n")
    length = int(re.search(rb"/Length (\d+)", head).group(1))
    data = data[:length]
    return zlib.decompress(data) if b"/FlateDecode" in head else data


@functools.lru_cache(maxsize=2)
def _footer(landscape: bool):
    try:
        return _harvest(landscape)
    except (AttributeError, KeyError, StopIteration, TypeError, ValueError, zlib.error):
        return None  # not the PDF this reads: Typst numbers every document


def _harvest(landscape: bool):
    """(font objects by old number, the Type0 font's number, glyph id and width (em/1000)
    of each digit, kerning of digit pairs, font size, centre x, baseline y) of Typst's page
    number, from a one-page reference document numbered by Typst whose body prints 0–9."""
    src = _preamble("", "", landscape, NUMBERED) + "\n" + _DIGITS + "\n"
    pdf = compile_source(src)
    objs = _Objects(pdf)
    page = next(objs[n] for n in objs.offsets if objs[n].startswith(b"<</Type/Page/"))
    content = _stream(objs[int(re.search(rb"/Contents (\d+) 0 R", page).group(1))])
    m = _FOOTER.search(content)
    res = objs[int(re.search(rb"/Resources (\d+) 0 R", page).group(1))]
    type0 = int(re.search(rb"/f0 (\d+) 0 R", res).group(1))
    keep, todo = {}, [type0]
    while todo:  # the font and everything it refers to
        n = todo.pop()
        if n not in keep:
            keep[n] = objs[n]
            todo += [int(r) for r in _REF.findall(objs[n].partition(b"stream\n")[0])]
    cmap = _stream(keep[int(re.search(rb"/ToUnicode (\d+) 0 R", keep[type0]).group(1))])
    gids = {chr(int(u, 16)): int(g, 16) for g, u in re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>", cmap)}
    cid = next(keep[n] for n in keep if b"/CIDFontType2" in keep[n])
    widths = {}
    for first, last, w in re.findall(rb"(\d+) (\d+) ([\d.]+)", re.search(rb"/W\[(.*?)\]", cid).group(1)):
        for g in range(int(first), int(last) + 1):
            widths[g] = float(w)
    digits = {d: (gids[d], widths[gids[d]]) for d in _DIGITS}
    size = float(m.group(3))
    centre = float(m.group(1)) + digits["1"][1] * size / 2000  # the reference page's number is «1»
    kern = {a + b: (_text_pt(a + b, 0, 1000) or 0) - (_text_pt(a, 0, 1000) or 0) - (_text_pt(b, 0, 1000) or 0)
            for a in _DIGITS for b in _DIGITS}
    return keep, type0, digits, kern, size, centre, float(m.group(2))


def _number(k: int, digits, kern, size: float, centre: float, y: float) -> bytes:
    text = str(k)
    width = sum(digits[d][1] for d in text) + sum(kern[a + b] for a, b in zip(text, text[1:]))
    parts = [f"<{digits[text[0]][0]:04X}>"]
    for a, b in zip(text, text[1:]):
        parts.append(f"{-kern[a + b]:.5f}<{digits[b][0]:04X}>" if kern[a + b] else f"<{digits[b][0]:04X}>")
    x = centre - width * size / 2000
    return (f"/Artifact<</Attached[/Bottom]/Subtype/Footer/Type/Pagination>>BDC\n"
            f"q 1 0 0 -1 {x:.5f} {y:.6f} cm 0 g\nBT 0 Tr/fpn {size:g} Tf 1 0 0 -1 0 0 Tm[{''.join(parts)}]TJ\n"
            f"ET\nQ\nEMC\n").encode("ascii")


def _stamp(pdf: bytes, landscape: bool) -> bytes | None:
    """`pdf` with its page numbers appended (an incremental update), or None."""
    footer = _footer(landscape)
    if footer is None:
        return None
    try:
        return _update(pdf, *footer)
    except (AttributeError, KeyError, StopIteration, TypeError, ValueError, zlib.error):
        return None


def _update(pdf: bytes, keep, type0, digits, kern, size, centre, y) -> bytes | None:
    objs = _Objects(pdf)
    trailer = re.search(rb"trailer\n<</Size (\d+)(/Root \d+ 0 R)(/Info \d+ 0 R)?(/ID\[[^\]]*\])?>>\n"
                        rb"startxref\n(\d+)\n%%EOF\s*$", pdf[-1024:])
    root = objs[int(re.search(rb"\d+", trailer.group(2)).group(0))]
    kids = _REF.findall(re.search(rb"/Kids\[([^\]]*)\]", objs[int(re.search(rb"/Pages (\d+) 0 R", root).group(1))]).group(1))
    next_n = int(trailer.group(1))
    new: dict[int, bytes] = {}
    renum = {}
    for old in keep:
        renum[old], next_n = next_n, next_n + 1
    for old, body in keep.items():
        head, sep, data = body.partition(b">>\nstream\n")
        new[renum[old]] = _REF.sub(lambda r: b"%d 0 R" % renum[int(r.group(1))], head) + sep + data
    font = renum[type0]
    for k, kid in enumerate(kids, 1):
        n = int(kid)
        page = objs.get(n, b"")
        pm = re.fullmatch(rb"<</Type/Page/Resources (\d+) 0 R(.*)/Contents (\d+) 0 R>>", page, re.S)
        if pm is None or b"/Kids" in page:
            return None
        res_n = int(pm.group(1))
        res = new.get(res_n, objs.get(res_n))
        if res is None or b"/fpn " in res:
            return None  # a shared resources object: numbered once is enough
        res = res.replace(b"/Font<<", b"/Font<</fpn %d 0 R" % font, 1) if b"/Font<<" in res \
            else res[:-2] + b"/Font<</fpn %d 0 R>>>>" % font
        new[res_n] = res
        stream = _number(k, digits, kern, size, centre, y)
        new[next_n] = b"<</Length %d>>\nstream\n" % len(stream) + stream + b"\nendstream"
        new[n] = b"<</Type/Page/Resources %d 0 R%s/Contents[%d 0 R %d 0 R]>>" % (res_n, pm.group(2), int(pm.group(3)), next_n)
        next_n += 1
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for n in sorted(new):
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + new[n] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    nums = sorted(offsets)
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out += b"%d %d\n" % (nums[i], j - i + 1)
        for n in nums[i:j + 1]:
            out += b"%010d 00000 n \n" % offsets[n]
        i = j + 1
    out += (b"trailer\n<</Size %d" % next_n + trailer.group(2) + (trailer.group(3) or b"") + (trailer.group(4) or b"")
            + b"/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (int(trailer.group(5)), xref_at))
    return bytes(out)
