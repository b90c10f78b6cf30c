"""The writers of new sources, called by both engines after their built-in sources.

A helper that adds a source writes its generator as `edumon/samples_<topic>.py` with

    def write(inbox: Path, schools: pandas.DataFrame, ays: list[int],
              rng: numpy.random.Generator) -> dict[str, int] | None

and adds its module's name to EXTRA_WRITERS below — the one place they are called from.
`schools` has one row per registry school: the registry's canonical columns (school_code,
school_name, short_name, municipality_code, municipality_name, school_type, levels,
is_rural) and

- `top_grade` (4, 9 or 11), `size` (typical number of pupils), `quality` (baseline share
  of «2», 0..1), `case` (the planted case of the small sample, None elsewhere);
- `missing_ay` (an AY in which the school has no rows at all, or None);
- `shnor_ays` (the AYs whose ШНОР working list names the school: the planted design of
  the small sample, planted.shnor_list; the ФИОКО list of the cycle's AY in the
  vectorised one — never a rule applied here);
- `grades` ({AY: {grade: pupils}} as ОО-1 of that AY says; the vectorised engine gives
  its ОО-1 draw for the form AYs and a typical 45 × size per grade for the others);
- `code`, `name`, `type`: the same as school_code, school_name, school_type (the small
  engine's School field names, which the first writers read).

`ays` are the AYs generated, in order; `rng` is the writer's own stream, derived from the seed and the
module's name, so adding a writer never changes what the others write. The writer writes
`inbox/<AY>/<source>/…` in the shapes of edumon/sample/shapes.py and may return its rows per
"<source>/<AY>" (the benchmark engine records them in generated.json).

The small engine passes its 20–100 schools; the vectorised engine passes every school of
the scale (40,000 at country scale), so a writer works on the whole frame at once (numpy /
pandas columns, no Python loop per school).

A listed module that does not exist yet is skipped, so a name can be listed before its
module lands; tests/test_generate.py checks that every edumon/samples_*.py is listed.
"""

from __future__ import annotations

import importlib
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

EXTRA_WRITERS: tuple[str, ...] = (
    "edumon.samples_plan",  # plan files in the seeds' layouts, prevention measures, p500 (plan)
    "edumon.samples_assessments",  # НИКО, ВсОШ, собеседование, literacy, TIMSS/PIRLS/PISA, ШНСУ, curators (assess)
)

# the small engine's School field names beside the registry's (edumon/samples_plan.py reads
# `code`): old name → registry column
SCHOOL_FIELD_NAMES = {"code": "school_code", "name": "school_name", "type": "school_type"}


def writers() -> list[tuple[str, object]]:
    """(module name, write function) of every listed module that exists."""
    found = []
    for name in EXTRA_WRITERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        found.append((name, module.write))
    return found


def write_all(inbox: Path, schools: pd.DataFrame, ays: list[int], seed: int) -> dict[str, int]:
    """Call every extra writer; returns the rows they report, per "<source>/<AY>"."""
    schools = schools.assign(**{old: schools[new] for old, new in SCHOOL_FIELD_NAMES.items()})
    rows: dict[str, int] = {}
    for name, write in writers():
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        rows |= write(Path(inbox), schools.copy(), list(ays), rng) or {}
    return rows
