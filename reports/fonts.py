"""Where the fonts the documents measure and draw with are: DejaVu (shipped with
matplotlib, found without importing it; or the system's), Liberation (Times metrics)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

LIBERATION_DIRS = [Path(d) for d in ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
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
