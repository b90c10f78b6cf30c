"""PDF from the справка's own HTML through Typst (compiled in-process): the same document
model as the DOCX writer walks (letterhead, meta line, h1–h3, paragraphs, tables with a
header row, lists, charts as PNG data URIs, the closing block with the signature), written
as Typst markup with every text run a string literal (no markup is ever read from data).

Typst lays out a справка in tens of milliseconds where WeasyPrint takes about a second
(docs/documents.md). Tables get the same content-based column widths as the DOCX
(reports/layout.py), their header repeats on every page, rows do not split, headings stay
with what follows, the closing block (note, signature, executor) is never broken.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tempfile
from pathlib import Path

import lxml.html

from reports import layout

FONT_DIRS = [d for d in ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
                         "/usr/share/fonts/truetype/msttcorefonts") if Path(d).is_dir()]
_SPACE = re.compile(r"[ \t\r\n]+")

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
#show table: set par(justify: false, first-line-indent: 0pt, leading: 0.45em, spacing: 0.45em)
#show table: set text(size: 10.5pt)
#show table.cell.where(y: 0): set text(weight: "bold")
#set enum(indent: 0pt, body-indent: 0.6em)
"""


def _s(text: str) -> str:
    """A Typst string literal: text as it is, no markup."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


class _Writer:
    def __init__(self, media: Path):
        self.media = media
        self.out: list[str] = []

    # inline content -> Typst content expression
    def inline(self, node, skip_text=False) -> str:
        parts = []
        if not skip_text and node.text:
            parts.append(self.text(node.text))
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "br":
                parts.append("#linebreak()")
            elif tag == "img":
                parts.append(self.image(child))
            else:
                inner = self.inline(child)
                cls = _classes(child)
                if tag in ("b", "strong"):
                    inner = f"#strong[{inner}]"
                if tag in ("i", "em") or "weak" in cls:
                    inner = f"#emph[{inner}]"
                if "note" in cls:
                    inner = f"#text(size: 10pt)[{inner}]"
                parts.append(inner)
            if child.tail:
                parts.append(self.text(child.tail))
        return "".join(parts)

    @staticmethod
    def text(raw: str) -> str:
        t = _SPACE.sub(" ", raw)
        return f"#{_s(t)}" if t else ""

    def image(self, img, width="16cm") -> str:
        src = img.get("src", "")
        if not src.startswith("data:image/png;base64,"):
            return ""
        data = base64.b64decode(src.split(",", 1)[1])
        name = hashlib.sha256(data).hexdigest()[:16] + ".png"
        (self.media / name).write_bytes(data)
        return f'#image({_s(name)}, width: {width})'

    def para(self, content: str, cls: set[str]):
        if not content.strip():
            return
        if "note" in cls:
            content = f"#text(size: 10pt)[{content}]"
            self.out.append(f"#par(first-line-indent: 0pt)[{content}]")
        elif "center" in cls:
            self.out.append(f"#align(center)[#par(first-line-indent: 0pt)[{content}]]")
        else:
            self.out.append(f"#par[{content}]")

    def table(self, el):
        rows = []
        for part in el:
            if part.tag in ("thead", "tbody", "tfoot"):
                rows += [(r, part.tag == "thead") for r in part if r.tag == "tr"]
            elif part.tag == "tr":
                rows.append((part, all(c.tag == "th" for c in part)))
        if not rows:
            return
        cells = [[c for c in r if c.tag in ("td", "th")] for r, _ in rows]
        ncols = max(sum(int(c.get("colspan", 1)) for c in r) for r in cells)
        widths = layout.column_widths([[(c.text_content(), int(c.get("colspan", 1))) for c in r] for r in cells],
                                      ncols, self.width)
        head, body = [], []
        for (r, is_head), cs in zip(rows, cells):
            for c in cs:
                args = []
                if int(c.get("colspan", 1)) > 1:
                    args.append(f"colspan: {int(c.get('colspan'))}")
                if int(c.get("rowspan", 1)) > 1:
                    args.append(f"rowspan: {int(c.get('rowspan'))}")
                if c.tag == "th":
                    args.append('fill: luma(238)')
                    args.append("align: center")
                elif "num" in _classes(c):
                    args.append("align: right")
                content = self.inline(c)
                if c.tag == "th":
                    content = f"#strong[{content}]"
                cell = f"table.cell({', '.join(args)})[{content}]" if args else f"[{content}]"
                (head if is_head else body).append(cell)
        cols = ", ".join(f"{w:.2f}cm" for w in widths)
        header = f"table.header({', '.join(head)}), " if head else ""
        self.out.append(f"#table(columns: ({cols},), {header}{', '.join(body)})")

    def block(self, el):
        tag = el.tag if isinstance(el.tag, str) else ""
        cls = _classes(el)
        if tag in ("script", "style", "title", "head"):
            return
        if "pagebreak" in cls:
            self.out.append("#pagebreak(weak: true)")
            return
        if tag == "div" and "letterhead" in cls:
            self.out.append(f"#align(center)[#par(first-line-indent: 0pt)[#strong[{self.inline(el)}]]]")
            return
        if tag == "div" and ("meta" in cls or "signature" in cls):
            parts = [self.inline(c) for c in el if isinstance(c.tag, str)]
            above = "1.5em" if "signature" in cls else "0.8em"
            grid = ", ".join(f"[{p}]" for p in parts)
            cols = "(1fr, auto)" if len(parts) == 2 else f"({', '.join(['1fr'] * len(parts))})"
            self.out.append(f"#block(above: {above}, below: 0.8em)[#grid(columns: {cols}, {grid})]")
            return
        if tag == "div" and ("closing" in cls or "cover" in cls):
            inner = _Writer(self.media)
            inner.width = self.width
            for child in el:
                inner.block(child)
            body = "\n\n".join(inner.out)
            if "closing" in cls:
                self.out.append(f"#block(breakable: false)[\n{body}\n]")
            else:
                self.out.append(f"{body}\n#pagebreak()")
            return
        if tag == "h1":
            self.out.append(f"#align(center)[#par(first-line-indent: 0pt, justify: false)"
                            f"[#text(size: 14pt, weight: \"bold\")[{self.inline(el)}]]]")
            return
        if tag in ("h2", "h3"):
            self.out.append(f"#heading(level: {tag[1]})[{self.inline(el)}]")
            return
        if tag == "p":
            self.para(self.inline(el), cls)
            return
        if tag == "table":
            self.table(el)
            return
        if tag in ("ul", "ol"):
            items = ", ".join(f"[{self.inline(li)}]" for li in el if li.tag == "li")
            fn = "enum" if tag == "ol" else "list"
            self.out.append(f"#{fn}({items})")
            return
        if tag == "img":
            self.out.append(f"#align(center)[{self.image(el)}]")
            return
        if tag == "figure":
            img = next((c for c in el if c.tag == "img"), None)
            cap = next((c for c in el if c.tag == "figcaption"), None)
            pic = self.image(img) if img is not None else ""
            caption = f"#text(size: 10pt, style: \"italic\")[{self.inline(cap)}]" if cap is not None else ""
            self.out.append(f"#block(breakable: false)[#align(center)[{pic}#linebreak(){caption}]]")
            return
        if any(isinstance(c.tag, str) for c in el):
            if el.text and el.text.strip():
                self.para(self.text(el.text), set())
            for child in el:
                self.block(child)
                if child.tail and child.tail.strip():
                    self.para(self.text(child.tail), set())
        elif el.text_content().strip():
            self.para(self.inline(el), set())


def html_to_typst(html: str, media: Path, title: str = "", author: str = "") -> str:
    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    landscape = body is not None and "landscape" in _classes(body)
    w = _Writer(media)
    w.width = layout.TEXT_WIDTH_CM["landscape" if landscape else "portrait"]
    for el in (body if body is not None else root):
        w.block(el)
    head = PREAMBLE.format(title=_s(title), author=_s(author), flipped="true" if landscape else "false")
    return head + "\n" + "\n\n".join(w.out) + "\n"


def html_to_pdf(html: str, title: str = "", author: str = "") -> bytes:
    """The справка's HTML as PDF bytes, byte-stable for the same HTML (no timestamp)."""
    import typst  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="edumon-typst-") as tmp:
        media = Path(tmp)
        (media / "main.typ").write_text(html_to_typst(html, media, title, author), encoding="utf-8")
        return typst.compile(str(media / "main.typ"), root=str(media), font_paths=FONT_DIRS)
