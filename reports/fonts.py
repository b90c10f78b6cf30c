"""Where the fonts the documents measure and draw with are: DejaVu (shipped with
matplotlib, found without importing it; or the system's), Liberation (Times metrics)."""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

# EDUMON_FONT_DIRS (directories separated by «:», searched first): Liberation Serif where the
# system has none (e.g. the files of the fonts-liberation2 package unpacked without root);
# without it the PDF falls back to Typst's Libertinus Serif and no table row is given a height
LIBERATION_DIRS = [Path(d) for d in (*filter(None, os.environ.get("EDUMON_FONT_DIRS", "").split(":")),
                                     "/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
                                     "/usr/share/fonts/truetype/msttcorefonts") if Path(d).is_dir()]


@functools.lru_cache(maxsize=1)
def dejavu_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        d = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        if (d / "DejaVuSans.ttf").is_file():
            return d
    return Path("/usr/share/fonts/truetype/dejavu")


def dejavu_sans(bold: bool = False) -> Path:
    return dejavu_dir() / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def dejavu_serif_bold() -> Path:
    return dejavu_dir() / "DejaVuSerif-Bold.ttf"
