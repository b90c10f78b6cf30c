"""The CLI's start-up costs (issue 12, run7): GX imported without the libraries of
expectations this project never runs, and the imports the run needs made while Prefect's
temporary server boots. Each test runs a fresh interpreter: what a process imported is the
thing under test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_gx_is_imported_without_scipy_stats_and_altair_which_still_load_when_used():
    got = _python(
        "import json, sys\n"
        "from schemas.quality import import_gx, GX_UNUSED_MODULES\n"
        "gx = import_gx()\n"
        "before = {n: type(sys.modules[n]).__name__ for n in GX_UNUSED_MODULES}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('scipy.stats.', 'altair.')))\n"
        "import scipy.stats\n"
        "kl = float(scipy.stats.entropy([0.5, 0.5], [0.9, 0.1]))\n"
        "from scipy.stats import norm\n"
        "import altair\n"
        "chart = hasattr(altair, 'Chart')\n"
        "after = {n: type(sys.modules[n]).__name__ for n in GX_UNUSED_MODULES}\n"
        "print(json.dumps({'gx': gx.__name__, 'before': before, 'loaded': loaded, 'kl': kl,\n"
        "                  'norm0': float(norm.cdf(0)), 'chart': chart, 'after': after}))\n")
    assert got["gx"] == "great_expectations"
    # GX's import left both as stand-ins: none of their submodules was loaded
    assert got["before"] == {"scipy.stats": "_LazyModule", "altair": "_LazyModule"}
    assert got["loaded"] == []
    # used afterwards, they are the real modules: KL(p‖q) for p = (½, ½), q = (0.9, 0.1) is
    # ½·ln(0.5/0.9) + ½·ln(0.5/0.1) = ½·(−0.587787) + ½·1.609438 = 0.510826
    assert abs(got["kl"] - 0.510826) < 1e-6
    assert got["norm0"] == 0.5 and got["chart"] is True
    assert got["after"] == {"scipy.stats": "module", "altair": "module"}


def test_gx_after_scipy_stats_was_imported_leaves_it_alone():
    got = _python(
        "import json, sys\n"
        "import scipy.stats\n"
        "real = sys.modules['scipy.stats']\n"
        "from schemas.quality import import_gx\n"
        "import_gx()\n"
        "print(json.dumps({'same': sys.modules['scipy.stats'] is real,\n"
        "                  'altair': type(sys.modules['altair']).__name__}))\n")
    assert got == {"same": True, "altair": "_LazyModule"}
