"""PDF from the справка's HTML with WeasyPrint (the print CSS of base.html.j2: A4, margins,
repeated table headers, page numbers). No network: images are data URIs."""

from __future__ import annotations

import logging
import os

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    """Byte-stable for the same HTML: fontTools stamps embedded font subsets with the time
    unless SOURCE_DATE_EPOCH is set, so it is pinned (an unchanged справка must give an
    unchanged object)."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1577836800")
    from weasyprint import HTML  # noqa: PLC0415  (import costs ~1 s: only when rendering)

    return HTML(string=html, base_url=None).write_pdf(uncompressed_pdf=False)
