"""PDF from the справка's HTML with WeasyPrint (the print CSS of base.html.j2: A4, margins,
repeated table headers, page numbers). No network: images are data URIs."""

from __future__ import annotations

import logging

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415  (import costs ~1 s: only when rendering)

    return HTML(string=html, base_url=None).write_pdf(uncompressed_pdf=False)
