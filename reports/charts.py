"""Charts for the справки: matplotlib (Agg), PNG bytes that are the same for the same data
(no timestamps), embedded in HTML as a data: URI (self-contained, prints well) and placed
in DOCX as the same PNG."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from reports.typography import number  # noqa: E402

PALETTE = ["#9ecae1", "#4292c6", "#08519c", "#08306b", "#6baed6"]
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "edumon",
                     "axes.spines.top": False, "axes.spines.right": False})


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def grouped_shares(categories: list[str], series: dict[str, list[float | None]], title: str,
                   ylabel: str = "доля, %") -> bytes:
    """Bars of shares (percent) per category, one bar per series (e.g. per AY)."""
    fig, ax = plt.subplots(figsize=(6.6, 3.0))
    n = max(len(series), 1)
    width = 0.8 / n
    for i, (name, values) in enumerate(series.items()):
        xs = [j + (i - (n - 1) / 2) * width for j in range(len(categories))]
        ys = [v if v is not None else 0 for v in values]
        bars = ax.bar(xs, ys, width=width, label=name, color=PALETTE[i % len(PALETTE)])
        for b, v in zip(bars, values):
            if v is not None:
                ax.annotate(number(v, 1), (b.get_x() + b.get_width() / 2, b.get_height()),
                            ha="center", va="bottom", fontsize=6)
    ax.set_xticks(range(len(categories)))
    many = len(categories) > 5
    ax.set_xticklabels(categories, rotation=30 if many else 0, ha="right" if many else "center", fontsize=6.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(fig)


def horizontal_counts(labels: list[str], values: list[int], title: str, xlabel: str = "число школ") -> bytes:
    fig, ax = plt.subplots(figsize=(6.6, 0.45 * max(len(labels), 2) + 0.8))
    ys = list(range(len(labels)))[::-1]
    bars = ax.barh(ys, values, color=PALETTE[1])
    for b, v in zip(bars, values):
        ax.annotate(number(v), (b.get_width(), b.get_y() + b.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, 0)))
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9)
    return _png(fig)
