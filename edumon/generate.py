"""The sample inbox of `edumon generate` and `make demo`: the small engine of the sample
package (edumon/sample/small.py), under its old module path. Planted cases:
edumon/sample/planted.py; headers and writers: edumon/sample/shapes.py; writers of new
sources: edumon/sample/extra.py (EXTRA_WRITERS)."""

from __future__ import annotations

from edumon.sample.planted import PLANTED, PLANTED_BY_CODE, PlantedCase  # noqa: F401
from edumon.sample.shapes import decimal_comma, write_cp1251_csv, write_xlsx  # noqa: F401
from edumon.sample.small import (  # noqa: F401
    School, SchoolYear, build_registry, build_school_year, describe_planted, generate, gia_rows, registry_frame,
)
