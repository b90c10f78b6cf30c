"""PDF from the справка's document model (reports/document.py) through Typst, compiled
in-process: the same model the DOCX writer walks, written as Typst markup with every text
run a string literal (no markup is ever read from data).

Typst lays out a справка in hundredths of a second where WeasyPrint takes about a second
(docs/documents.md). One compiler per process keeps the fonts loaded between documents;
SVG charts are embedded as bytes in the source (no files). Tables get the same
content-based column widths as the DOCX (reports/layout.py), their header repeats on every
page, rows do not split, headings stay with what follows, the closing block (note,
signature, executor) is never broken.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from pathlib import Path

from reports import fonts
from reports.document import BOLD, BR, ITALIC, SMALL, SUP, Block, Document, Run, parse

FONT_DIRS = [str(d) for d in fonts.LIBERATION_DIRS] + [str(fonts.dejavu_dir())]

PREAMBLE = """#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", flipped: {flipped}, margin: (left: 25mm, right: 15mm, top: 20mm, bottom: 20mm),
  numbering: "1", number-align: center)
#set text(font: ("Liberation Serif", "Times New Roman", "Libertinus Serif"), size: 13pt, lang: "ru",
  hyphenate: false, overhang: false)
#set par(justify: true, first-line-indent: (amount: 12.5mm, all: true), leading: 0.7em, spacing: 0.75em)
#show heading: set text(size: 13pt, weight: "bold")
#show heading: set block(above: 1.1em, below: 0.6em)
#show heading.where(level: 3): set text(style: "italic")
#set table(stroke: 0.5pt, inset: (x: 1.5mm, y: 1.2mm))
#set table.cell(breakable: false)
#show table: set par(justify: false, first-line-indent: 0pt, leading: 0.45em, spacing: 0.45em)
#show table: set text(size: 10.5pt)
#show table.cell.where(y: 0): set text(weight: "bold")
#set enum(indent: 0pt, body-indent: 0.6em)
"""


def _s(text: str) -> str:
    """A Typst string literal: text as it is, no markup."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Writer:
    def __init__(self, doc: Document):
        self.doc = doc
        self.files: dict[str, bytes] = {}  # PNG pictures (a legacy src) written beside main.typ

    def runs(self, runs: list[Run]) -> str:
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
            f = r.flags
            if f & SUP:
                t = f"#super[{t}]"
            if f & BOLD:
                t = f"#strong[{t}]"
            if f & ITALIC:
                t = f"#emph[{t}]"
            if f & SMALL:
                t = f"#text(size: 10pt)[{t}]"
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
        for cells, is_head in t.rows:
            for c in cells:
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
                elif c.num:
                    args.append("align: right")
                content = self.runs(c.runs)
                if c.head:
                    content = f"#strong[{content}]"
                cell = f"table.cell({', '.join(args)})[{content}]" if args else f"[{content}]"
                (head if is_head else body).append(cell)
        cols = ", ".join(f"{w:.2f}cm" for w in t.widths)
        header = f"table.header({', '.join(head)}), " if head else ""
        out.append(f"#table(columns: ({cols},), {header}{', '.join(body)})")

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


def model_to_typst(doc: Document, title: str = "", author: str = "") -> tuple[str, dict[str, bytes]]:
    """Typst source of the document model, and the picture files it reads (PNG only)."""
    w = _Writer(doc)
    out: list[str] = []
    for b in doc.blocks:
        w.block(b, out)
    head = PREAMBLE.format(title=_s(title), author=_s(author), flipped="true" if doc.landscape else "false")
    return head + "\n" + "\n\n".join(out) + "\n", w.files


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
