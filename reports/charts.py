"""Charts for the справки: matplotlib (Agg), PNG bytes that are the same for the same data
(no timestamps), embedded in HTML as a data: URI (self-contained, prints well) and placed
in DOCX as the same PNG."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import textwrap  # noqa: E402

from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.typography import number  # noqa: E402

PALETTE = ["#9ecae1", "#4292c6", "#08519c", "#08306b", "#6baed6"]
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "edumon",
                     "axes.spines.top": False, "axes.spines.right": False})


def _png(fig, margins: dict | None = None) -> bytes:
    """Fixed margins instead of bbox_inches="tight" (which draws the figure twice)."""
    fig.subplots_adjust(**(margins or {}))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _wrap(label: str, width: int = 16) -> str:
    """Category labels on two or three lines rather than overprinting each other."""
    return "\n".join(textwrap.wrap(label, width)[:3]) or label


def _bars(ax, categories, series, fmt, horizontal=False):
    """Grouped bars with every value written on its bar; labels stand vertically when the
    bars are too narrow to hold them side by side."""
    n = max(len(series), 1)
    width = 0.8 / n
    narrow = len(categories) * n > 8
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(categories))]
        ys = [v if v is not None else 0 for v in values]
        if horizontal:
            bars = ax.barh(xs, ys, height=width, label=name, color=PALETTE[i % len(PALETTE)])
        else:
            bars = ax.bar(xs, ys, width=width, label=name, color=PALETTE[i % len(PALETTE)])
        for b, v in zip(bars, values):
            text = fmt(v) if v is not None else "н/д"
            if horizontal:
                ax.annotate(text, (b.get_width(), b.get_y() + b.get_height() / 2), xytext=(3, 0),
                            textcoords="offset points", va="center", fontsize=6.5)
            else:
                ax.annotate(text, (b.get_x() + b.get_width() / 2, b.get_height()), xytext=(0, 2),
                            textcoords="offset points", ha="center", va="bottom", fontsize=6,
                            rotation=90 if narrow else 0)


def grouped_shares(categories: list[str], series: dict[str, list[float | None]], title: str,
                   ylabel: str = "доля, %") -> bytes:
    """Bars of shares (percent) per category, one bar per series (e.g. per AY); every value
    written on its bar, rounded once as in the text."""
    fig, ax = plt.subplots(figsize=(6.6, 3.2))
    _bars(ax, categories, series, lambda v: number(v, 1))
    ax.set_xticks(range(len(categories)))
    # narrower wrapping the more categories share the axis: labels never run into each other
    ax.set_xticklabels([_wrap(c, max(5, 66 // max(len(categories), 1))) for c in categories], fontsize=6.5)
    top = max([v for vs in series.values() for v in vs if v is not None] or [1])
    ax.set_ylim(0, top * 1.25 + 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(fig, {"left": 0.08, "right": 0.84 if len(series) > 1 else 0.98, "bottom": 0.2, "top": 0.9})


def counts_by_year(categories: list[str], series: dict[str, list[int]], title: str,
                   xlabel: str = "число школ") -> bytes:
    """Horizontal bars of counts (schools) per category, one bar per AY: integer ticks."""
    fig, ax = plt.subplots(figsize=(6.6, 0.55 * max(len(categories), 2) * max(len(series), 1) ** 0.5 + 0.9))
    rev = {k: list(v)[::-1] for k, v in series.items()}
    _bars(ax, categories[::-1], rev, lambda v: number(v), horizontal=True)
    ax.set_yticks(range(len(categories)))
    ax.set_yticklabels([_wrap(c, 28) for c in categories[::-1]], fontsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    top = max([v for vs in series.values() for v in vs] or [1])
    ax.set_xlim(0, max(top * 1.15, top + 1))
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        handles, names = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], names[::-1], fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    height = fig.get_figheight()
    return _png(fig, {"left": 0.3, "right": 0.84 if len(series) > 1 else 0.97,
                      "bottom": 0.55 / height, "top": 1 - 0.35 / height})


def horizontal_counts(labels: list[str], values: list[int], title: str, xlabel: str = "число школ") -> bytes:
    return counts_by_year(labels, {"": values}, title, xlabel)


# plan statuses by their printed names (reports/labels.py PLAN_STATUSES): overdue is red
STATUS_COLOURS = {"выполнено": "#2ca25f", "в процессе выполнения": "#9ecae1", "запланировано": "#d9d9d9",
                  "просрочено": "#de2d26", "не принимали участие": "#fdae6b"}


def stacked_statuses(categories: list[str], series: dict[str, list[int]], title: str,
                     xlabel: str = "число мероприятий") -> bytes:
    """One horizontal bar per plan section, split by status; every count written in its
    segment, integer ticks, the legend below the chart (never over the bars)."""
    fig, ax = plt.subplots(figsize=(6.6, 0.5 * max(len(categories), 2) + 1.2))
    ys = list(range(len(categories)))[::-1]
    left = [0] * len(categories)
    for i, (name, values) in enumerate(series.items()):
        bars = ax.barh(ys, values, left=left, label=name,
                       color=STATUS_COLOURS.get(name, PALETTE[i % len(PALETTE)]))
        for b, v in zip(bars, values):
            if v:
                ax.annotate(number(v), (b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2),
                            ha="center", va="center", fontsize=7)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(ys)
    ax.set_yticklabels([_wrap(c, 30) for c in categories], fontsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    height = fig.get_figheight()
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.9 / height),
              ncol=min(len(series), 3))
    return _png(fig, {"left": 0.32, "right": 0.97, "bottom": 1.15 / height, "top": 1 - 0.35 / height})
