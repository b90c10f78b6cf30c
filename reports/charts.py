"""Charts for the справки, written as SVG by hand (no plotting library per document): the
same SVG is inline in the HTML (a data: URI, self-contained) and embedded natively by Typst
in the PDF; the DOCX draws the same figures as a Word chart from the chart's `spec`
(reports/docx.py), and an SVG without one is rasterised once to PNG there.

Every chart: integer ticks for counts, every value written on (or beside) its bar, rounded
once as in the text, category labels wrapped to the width they have (measured in the font
the chart uses, DejaVu Sans) so they never run into each other, the legend outside the
bars. Same data, same bytes.
"""

from __future__ import annotations

import base64
import functools
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from reports import fonts
from reports.typography import number

PALETTE = ["#9ecae1", "#4292c6", "#08519c", "#08306b", "#6baed6"]
# plan statuses by their printed names (reports/labels.py PLAN_STATUSES): overdue is red
STATUS_COLOURS = {"выполнено": "#2ca25f", "в процессе выполнения": "#9ecae1", "запланировано": "#d9d9d9",
                  "просрочено": "#de2d26", "не принимали участие": "#fdae6b"}
WHITE_ON = ("#de2d26", "#2ca25f")  # the colours a value is written on in white
FONT = "DejaVu Sans"
WIDTH = 660.0  # px; printed 16 cm wide
# PNG pixels per SVG px (660 px across 16 cm ≈ 105 dpi): the DOCX's picture for readers
# without SVG (LibreOffice 7.4 among them; Word 2016+ shows the SVG the DOCX embeds beside
# it); 1.5 (157 dpi) cost twice the CPU, 0.75 (79 dpi) prints visibly soft
PNG_PPI_SCALE = 1.0


@functools.lru_cache(maxsize=4)
def _font(bold: bool = False):
    from PIL import ImageFont  # noqa: PLC0415

    return ImageFont.truetype(str(fonts.dejavu_sans(bold)), 100)


@functools.lru_cache(maxsize=65536)
def text_px(text: str, size: float, bold: bool = False) -> float:
    return _font(bold).getlength(text) * size / 100


def wrap(label: str, width_px: float, size: float, max_lines: int = 3) -> list[str]:
    """Words on lines no wider than width_px (a single longer word stays whole)."""
    lines: list[str] = []
    for word in label.split():
        if lines and text_px(lines[-1] + " " + word, size) <= width_px:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return lines or [label]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


class _Svg:
    def __init__(self, width: float, height: float):
        self.w, self.h = width, height
        self.items: list[str] = []

    def rect(self, x, y, w, h, fill):
        self.items.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(max(h, 0))}" '
                          f'fill="{fill}"/>')

    def line(self, x1, y1, x2, y2, stroke="#000", width=1.0):
        self.items.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{stroke}" '
                          f'stroke-width="{_f(width)}"/>')

    def text(self, x, y, s, size=11.0, anchor="start", bold=False, rotate=False, fill="#000"):
        attrs = f' font-weight="bold"' if bold else ""
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if rotate:
            attrs += f' transform="rotate(-90 {_f(x)} {_f(y)})"'
        self.items.append(f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}"{attrs} fill="{fill}">'
                          f"{_esc(s)}</text>")

    def lines(self, x, y, lines, size, anchor="middle", step=None):
        step = step or size * 1.2
        for i, s in enumerate(lines):
            self.text(x, y + i * step, s, size, anchor)

    def done(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(self.w)}" height="{_f(self.h)}" '
                f'viewBox="0 0 {_f(self.w)} {_f(self.h)}" font-family="{FONT}, Arial, sans-serif">'
                f'<rect width="100%" height="100%" fill="#fff"/>{"".join(self.items)}</svg>')


def _nice_step(top: float, ticks: int = 5, integer: bool = False) -> float:
    raw = max(top, 1e-9) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return max(1, math.ceil(step)) if integer else step


def _legend(svg: _Svg, x: float, y: float, names: list[str], colours: list[str], size: float = 10.0,
            width: float = 120.0) -> None:
    for i, (name, colour) in enumerate(zip(names, colours)):
        svg.rect(x, y + i * 16 - 9, 10, 10, colour)
        svg.lines(x + 14, y + i * 16, wrap(name, width - 14, size, 1), size, "start")


@dataclass(frozen=True)
class Spec:
    """What a native chart (the DOCX's, reports/docx.py) needs to show what the SVG shows:
    the same figures, colours, axis range and step, title and axis title."""
    horizontal: bool  # bars along the value axis (categories top to bottom)
    stacked: bool
    categories: list[str]
    series: dict[str, list]  # name → values per category (None: no data)
    colours: list[str]
    title: str
    axis_title: str
    axis_max: float
    step: float
    decimals: int  # the values as the text rounds them
    aspect: float  # height / width of the SVG


class Chart:
    """An SVG chart; its PNG (for a reader of the HTML's image only) is made once, when
    first asked for; `spec` lets the DOCX draw it as a Word chart instead."""

    def __init__(self, svg: str, spec: Spec | None = None):
        self.svg = svg
        self.spec = spec
        self._png: bytes | None = None

    @property
    def png(self) -> bytes:
        if self._png is None:
            self._png = rasterise(self.svg)
        return self._png

    def data_uri(self) -> str:
        uri = "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        _REGISTRY[uri] = self
        while len(_REGISTRY) > 64:
            _REGISTRY.popitem(last=False)
        return uri


_REGISTRY: OrderedDict[str, Chart] = OrderedDict()


def data_uri(chart) -> str:
    """The chart as a data: URI for the HTML (SVG); a PNG's bytes are accepted too."""
    if isinstance(chart, (bytes, bytearray)):
        return "data:image/png;base64," + base64.b64encode(chart).decode("ascii")
    return chart.data_uri()


def svg_for(src: str) -> str | None:
    if src.startswith("data:image/svg+xml;base64,"):
        chart = _REGISTRY.get(src)
        return chart.svg if chart else base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
    return None


def spec_for(src: str) -> Spec | None:
    """The native chart's data of an SVG chart drawn in this process (None otherwise)."""
    chart = _REGISTRY.get(src)
    return chart.spec if chart else None


def png_for(src: str) -> bytes | None:
    """The PNG of an image src from the HTML: a PNG data URI as it is; an SVG chart
    rasterised (once per chart drawn in this process)."""
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    if src.startswith("data:image/svg+xml;base64,"):
        chart = _REGISTRY.get(src)
        if chart is None:
            chart = Chart(base64.b64decode(src.split(",", 1)[1]).decode("utf-8"))
            _REGISTRY[src] = chart
        return chart.png
    return None


def rasterise(svg: str) -> bytes:
    """SVG → PNG through Typst (in-process; the same renderer as the PDF's)."""
    from reports import typst_pdf  # noqa: PLC0415

    return typst_pdf.svg_to_png(svg, PNG_PPI_SCALE)


def _count_range(top_value: float) -> tuple[int, int]:
    """An axis of counts: its integer step and its round maximum above `top_value`."""
    step = _nice_step(max(top_value, 1), 5, integer=True)
    return step, (step * math.ceil((top_value + 0.5) / step) if top_value else step)


def _count_axis(svg: _Svg, top_value: float, left: float, right: float, top: float,
                bottom: float) -> tuple[float, int, int]:
    """The horizontal axis of counts: integer ticks with grid lines up to a round maximum
    above `top_value`; returns the pixels per unit, the step and the maximum."""
    step, xmax = _count_range(top_value)
    scale = (right - left - 24) / xmax
    tick = 0
    while tick <= xmax:
        x = left + tick * scale
        svg.line(x, top, x, bottom, "#e0e0e0", 0.6)
        svg.text(x, bottom + 14, number(tick), 9.5, "middle")
        tick += step
    return scale, step, xmax


# -- the charts ---------------------------------------------------------------------------

def grouped_shares(categories: list[str], series: dict[str, list[float | None]], title: str,
                   ylabel: str = "доля, %") -> Chart:
    """Vertical bars of shares (percent) per category, one bar per series (e.g. per AY);
    every value written on its bar, standing when the bar is too narrow for it."""
    n = max(len(series), 1)
    legend_w = 130.0 if len(series) > 1 else 0.0
    left, right, top = 48.0, WIDTH - 12 - legend_w, 30.0
    slot = (right - left) / max(len(categories), 1)
    label_lines = [wrap(c, slot - 6, 9.5) for c in categories]
    nlines = max((len(x) for x in label_lines), default=1)
    height = 300.0 + 12 * nlines
    bottom = height - 10 - 12 * nlines
    svg = _Svg(WIDTH, height)
    svg.text(WIDTH / 2, 16, title, 11.5, "middle", bold=True)
    values = [v for vs in series.values() for v in vs if v is not None]
    step = _nice_step(max(values or [1]) * 1.15)
    ymax = step * math.ceil(max(values or [1]) * 1.2 / step) or step
    scale = (bottom - top) / ymax
    tick = 0.0
    while tick <= ymax + 1e-9:
        y = bottom - tick * scale
        svg.line(left, y, right, y, "#e0e0e0", 0.6)
        svg.text(left - 5, y + 3.5, number(tick, 0 if step >= 1 else 1), 9.5, "end")
        tick += step
    svg.text(14, (top + bottom) / 2, ylabel, 10, "middle", rotate=True)
    bar = slot * 0.8 / n
    colours = [PALETTE[i % len(PALETTE)] for i in range(n)]
    for i, (colour, vs) in enumerate(zip(colours, series.values())):
        for j, v in enumerate(vs):
            x = left + slot * j + slot * 0.1 + bar * i
            h = (v or 0) * scale
            svg.rect(x, bottom - h, bar, h, colour)
            label = number(v, 1) if v is not None else "н/д"
            if text_px(label, 9) <= bar + 2:
                svg.text(x + bar / 2, bottom - h - 3, label, 9, "middle")
            else:  # standing: narrow bars never overprint their neighbours
                svg.text(x + bar / 2 + 3.2, bottom - h - 3, label, 9, "start", rotate=True)
    svg.line(left, bottom, right, bottom)
    svg.line(left, top - 6, left, bottom)
    for j, lines in enumerate(label_lines):
        svg.lines(left + slot * (j + 0.5), bottom + 13, lines, 9.5)
    if legend_w:
        _legend(svg, right + 14, top + 8, list(series), colours, width=legend_w - 16)
    return Chart(svg.done(), Spec(False, False, categories, series, colours, title, ylabel, ymax, step, 1,
                                  height / WIDTH))


def counts_by_year(categories: list[str], series: dict[str, list[int]], title: str,
                   xlabel: str = "число школ") -> Chart:
    """Horizontal bars of counts (schools) per category, one bar per AY: integer ticks."""
    n = max(len(series), 1)
    legend_w = 110.0 if len(series) > 1 else 0.0
    left, right, top = 200.0, WIDTH - 16 - legend_w, 30.0
    label_lines = [wrap(c, left - 14, 9.5) for c in categories]
    row = max(16.0 * n + 10, max((len(x) for x in label_lines), default=1) * 12 + 8)
    bottom = top + row * max(len(categories), 1)
    height = bottom + 40
    svg = _Svg(WIDTH, height)
    svg.text(WIDTH / 2, 16, title, 11.5, "middle", bold=True)
    top_value = max([v for vs in series.values() for v in vs if v is not None] or [1])
    scale, step, xmax = _count_axis(svg, top_value, left, right, top, bottom)
    svg.text((left + right) / 2, bottom + 32, xlabel, 10, "middle")
    bar = (row - 10) / n
    colours = [PALETTE[(i + (1 if n == 1 else 0)) % len(PALETTE)] for i in range(n)]
    for j, lines in enumerate(label_lines):
        y0 = top + row * j + 5
        svg.lines(left - 8, y0 + row / 2 - 5 - (len(lines) - 1) * 6 + 3.5, lines, 9.5, "end")
        for i, (colour, vs) in enumerate(zip(colours, series.values())):
            v = vs[j]
            y = y0 + bar * i
            svg.rect(left, y, (v or 0) * scale, bar - 1, colour)
            svg.text(left + (v or 0) * scale + 4, y + bar / 2 + 3, number(v) if v is not None else "н/д", 9)
    svg.line(left, top, left, bottom)
    svg.line(left, bottom, right, bottom)
    if legend_w:
        _legend(svg, right + 14, top + 8, list(series), colours, width=legend_w - 16)
    return Chart(svg.done(), Spec(True, False, categories, series, colours, title, xlabel, xmax, step, 0,
                                  height / WIDTH))


def horizontal_counts(labels: list[str], values: list[int], title: str, xlabel: str = "число школ") -> Chart:
    return counts_by_year(labels, {"": values}, title, xlabel)


def stacked_statuses(categories: list[str], series: dict[str, list[int]], title: str,
                     xlabel: str = "число мероприятий") -> Chart:
    """One horizontal bar per plan section, split by status; every count written in its
    segment (beside the bar when the segment is too narrow), the total at the bar's end,
    integer ticks, the legend below the chart (never over the bars)."""
    left, right, top = 210.0, WIDTH - 20, 30.0
    label_lines = [wrap(c, left - 14, 9.5) for c in categories]
    row = max(26.0, max((len(x) for x in label_lines), default=1) * 12 + 8)
    bottom = top + row * max(len(categories), 1)
    names = list(series)
    legend_rows = math.ceil(len(names) / 3)
    height = bottom + 44 + 16 * legend_rows
    svg = _Svg(WIDTH, height)
    svg.text(WIDTH / 2, 16, title, 11.5, "middle", bold=True)
    totals = [sum(vs[j] or 0 for vs in series.values()) for j in range(len(categories))]
    scale, step, xmax = _count_axis(svg, max(totals or [1]) or 1, left, right, top, bottom)
    svg.text((left + right) / 2, bottom + 30, xlabel, 10, "middle")
    colours = [STATUS_COLOURS.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)]
    for j, lines in enumerate(label_lines):
        y = top + row * j + 5
        h = row - 10
        svg.lines(left - 8, y + h / 2 - (len(lines) - 1) * 6 + 3.5, lines, 9.5, "end")
        x = left
        outside = []
        for colour, vs in zip(colours, series.values()):
            v = vs[j] or 0
            if not v:
                continue
            w = v * scale
            svg.rect(x, y, w, h, colour)
            label = number(v)
            if text_px(label, 9.5) + 4 <= w:
                svg.text(x + w / 2, y + h / 2 + 3.5, label, 9.5, "middle",
                         fill="#fff" if colour in WHITE_ON else "#000")
            else:
                outside.append(label)
            x += w
        end = f"{number(totals[j])}" + (f" ({' + '.join(outside)})" if outside else "")
        svg.text(x + 4, y + h / 2 + 3.5, end, 9.5)
    svg.line(left, top, left, bottom)
    svg.line(left, bottom, right, bottom)
    per = (WIDTH - 40) / 3
    for i, (name, colour) in enumerate(zip(names, colours)):
        lx, ly = 20 + per * (i % 3), bottom + 50 + 16 * (i // 3)
        svg.rect(lx, ly - 9, 10, 10, colour)
        svg.text(lx + 14, ly, name, 10)
    return Chart(svg.done(), Spec(True, True, categories, series, colours, title, xlabel, xmax, step, 0,
                                  height / WIDTH))


def font_dir() -> Path:
    return fonts.dejavu_sans().parent
