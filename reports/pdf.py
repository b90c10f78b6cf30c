"""PDF from the справка's HTML: Typst (reports/typst_pdf.py, the default: tens of
milliseconds a document) or WeasyPrint (the print CSS of base.html.j2: A4, margins,
repeated table headers, page numbers; about a second a document). [report].pdf_engine
chooses; docs/documents.md compares them. No network: images are data URIs."""

from __future__ import annotations

import logging
import os

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def html_to_pdf(html: str, engine: str = "weasyprint", title: str = "", author: str = "") -> bytes:
    if engine == "typst":
        from reports.typst_pdf import html_to_pdf as typst_pdf  # noqa: PLC0415

        return typst_pdf(html, title=title, author=author)
    return weasyprint_pdf(html)


def weasyprint_pdf(html: str) -> bytes:
    """Byte-stable for the same HTML: fontTools stamps embedded font subsets with the time
    unless SOURCE_DATE_EPOCH is set, so it is pinned (an unchanged справка must give an
    unchanged object)."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1577836800")
    from weasyprint import HTML  # noqa: PLC0415  (import costs ~1 s: only when rendering)

    return HTML(string=html, base_url=None).write_pdf(uncompressed_pdf=False)
