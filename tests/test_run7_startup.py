"""The CLI's start-up costs (issue 12, run7): GX imported without the libraries of
expectations this project never runs, and the imports the run needs made while Prefect's
temporary server boots. Each test runs a fresh interpreter: what a process imported is the
thing under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=400,
                         env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "EDUMON_TEMPORARY_SERVER")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    return env


def test_while_its_temporary_server_boots_the_cli_imports_gx_without_scipy_stats_and_altair():
    # the CLI's own sequence: start the server, then wait for it (`_run`, `backfill_cmd`, `demo_cmd`)
    got = _python(
        "import json, sys\n"
        "from edumon import cli\n"
        "cli._prefect_defaults()\n"
        "started = cli._TemporaryServer.current is not None\n"
        "cli._TemporaryServer.wait()\n"
        "up = cli._TemporaryServer.current.answers(1)\n"
        "from schemas.quality import GX_UNUSED_MODULES\n"
        "warm = {m: m in sys.modules for m in ('great_expectations', 'great_expectations.expectations',\n"
        "                                      'fastapi.encoders')}\n"
        "before = {n: type(sys.modules[n]).__name__ for n in GX_UNUSED_MODULES}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('scipy.stats.', 'altair.')))\n"
        "import scipy.stats\n"
        "kl = float(scipy.stats.entropy([0.5, 0.5], [0.9, 0.1]))\n"
        "from scipy.stats import norm\n"
        "import altair\n"
        "chart = hasattr(altair, 'Chart')\n"
        "after = {n: type(sys.modules[n]).__name__ for n in GX_UNUSED_MODULES}\n"
        "print(json.dumps({'started': started, 'up': up, 'warm': warm, 'before': before, 'loaded': loaded,\n"
        "                  'kl': kl, 'norm0': float(norm.cdf(0)), 'chart': chart, 'after': after}))\n",
        env=_env())
    assert got["started"] and got["up"]
    assert got["warm"] == {"great_expectations": True, "great_expectations.expectations": True,
                           "fastapi.encoders": True}
    # GX's import left both as stand-ins: none of their submodules was loaded
    assert got["before"] == {"scipy.stats": "_LazyModule", "altair": "_LazyModule"}
    assert got["loaded"] == []
    # used afterwards, they are the real modules: KL(p‖q) for p = (½, ½), q = (0.9, 0.1) is
    # ½·ln(0.5/0.9) + ½·ln(0.5/0.1) = ½·(−0.587787) + ½·1.609438 = 0.510826
    assert abs(got["kl"] - 0.510826) < 1e-6
    assert got["norm0"] == 0.5 and got["chart"] is True
    assert got["after"] == {"scipy.stats": "module", "altair": "module"}


def test_with_a_server_of_the_users_the_cli_starts_none_and_imports_nothing_ahead():
    got = _python(
        "import json, sys\n"
        "from edumon import cli\n"
        "cli._prefect_defaults()\n"
        "cli._TemporaryServer.wait()\n"
        "print(json.dumps({'started': cli._TemporaryServer.current is not None,\n"
        "                  'gx': 'great_expectations' in sys.modules, 'prefect': 'prefect' in sys.modules}))\n",
        env=_env(PREFECT_API_URL="http://127.0.0.1:9/api"))
    assert got == {"started": False, "gx": False, "prefect": False}


def test_a_module_already_imported_is_left_alone_the_others_get_a_stand_in():
    got = _python(
        "import json, sys\n"
        "import scipy.stats\n"
        "real = sys.modules['scipy.stats']\n"
        "from schemas.quality import GX_UNUSED_MODULES, _lazy_module\n"
        "for name in GX_UNUSED_MODULES:\n"
        "    _lazy_module(name)\n"
        "print(json.dumps({'same': sys.modules['scipy.stats'] is real,\n"
        "                  'altair': type(sys.modules['altair']).__name__,\n"
        "                  'altair_loaded': [m for m in sys.modules if m.startswith('altair.')]}))\n")
    assert got == {"same": True, "altair": "_LazyModule", "altair_loaded": []}
