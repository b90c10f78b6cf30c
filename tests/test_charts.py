"""The charts of the справки, read from their SVG: integer ticks for counts, every value
written, category labels that never run into each other, and the PNG the DOCX embeds."""

from __future__ import annotations

import re
import struct

import lxml.etree

from reports import charts
from reports.docx import html_to_docx
from reports.typst_pdf import html_to_pdf

SVG_NS = "{http://www.w3.org/2000/svg}"


def texts(chart) -> list[tuple[float, float, str, float, str]]:
    root = lxml.etree.fromstring(chart.svg.encode("utf-8"))
    out = []
    for t in root.iter(f"{SVG_NS}text"):
        out.append((float(t.get("x")), float(t.get("y")), t.text, float(t.get("font-size")),
                    t.get("text-anchor", "start")))
    return out


def test_counts_have_integer_ticks_and_every_value_written():
    c = charts.counts_by_year(["материально-техническая база", "кадровые условия"],
                              {"2022/2023": [3, 0], "2023/2024": [1, 2]}, "Число школ с риском по разделам")
    words = [t[2] for t in texts(c)]
    ticks = [w for (x, y, w, size, anchor) in texts(c) if anchor == "middle" and re.fullmatch(r"\d+", w)]
    # the largest value is 3: ticks 0, 1, 2, 3, 4 — whole numbers, no «0,5»
    assert ticks == ["0", "1", "2", "3", "4"]
    assert not any("," in w for w in words if re.fullmatch(r"[\d,]+", w))
    # each bar's value beside it: 3 and 0 (2022/2023), 1 and 2 (2023/2024)
    values = [t[2] for t in texts(c) if t[4] == "start" and re.fullmatch(r"\d+", t[2])]
    assert sorted(values) == ["0", "1", "2", "3"]


def test_share_bars_write_every_value_and_their_labels_never_overlap():
    cats = ["ВПР, математика, 5 класс", "ВПР, русский язык, 5 класс", "ОГЭ, математика", "ОГЭ, русский язык",
            "ЕГЭ, математика (профильная)", "ЕГЭ, русский язык"]
    c = charts.grouped_shares(cats, {"2021/2022": [10.0, None, 33.3333, 1.25, 5.0, 0.0],
                                     "2022/2023": [22.5, 37.5, 12.0, 3.0, 31.25, 8.748]}, "Доля низких результатов, %")
    words = [t[2] for t in texts(c)]
    # rounded once, half up, as in the text: 31,25 → 31,3; 8,748 → 8,7; a missing value «н/д»
    for v in ("10,0", "22,5", "37,5", "33,3", "12,0", "1,3", "3,0", "5,0", "31,3", "0,0", "8,7", "н/д"):
        assert v in words, v
    # category labels (under the axis): no two lines on the same baseline overlap
    axis = max(y for (x, y, w, size, a) in texts(c) if w in ("0", "0,0") and a == "end")
    labels = [(x, y, w, size) for (x, y, w, size, a) in texts(c) if a == "middle" and y > axis]
    assert len(labels) >= len(cats)
    by_line: dict[float, list] = {}
    for x, y, w, size in labels:
        by_line.setdefault(y, []).append((x - charts.text_px(w, size) / 2, x + charts.text_px(w, size) / 2))
    for spans in by_line.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans


def test_same_data_same_svg_and_png_and_the_docx_chart_is_native():
    def draw():
        return charts.stacked_statuses(["Нормативно-правовое обеспечение", "Методическое сопровождение"],
                                       {"выполнено": [1, 0], "запланировано": [0, 1], "просрочено": [1, 0]},
                                       "Мероприятия по разделам плана")
    a, b = draw(), draw()
    assert a.svg == b.svg
    assert 'fill="#de2d26"' in a.svg  # overdue in red
    png = a.png
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == int(charts.WIDTH * charts.PNG_PPI_SCALE)
    html = (f'<html><body><figure><img src="{charts.data_uri(a)}"><figcaption>Рисунок 1</figcaption></figure>'
            "</body></html>")
    import io
    import zipfile
    z = zipfile.ZipFile(io.BytesIO(html_to_docx(html)))
    assert "word/charts/chart1.xml" in z.namelist()  # a Word chart (test_cht9_native_chart)
    assert not any(n.startswith("word/media/") for n in z.namelist())
    assert html_to_pdf(html)[:5] == b"%PDF-"
