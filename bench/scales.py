"""The scales the benchmarks run at. A region has about 1,000 schools; the country about
40,000 schools in 2,300 municipalities (SPEC §1), in 85 regions.

`gia_rows_per_school` is tuned so the country has about 7.5 M ГИА rows a year:
33 ОГЭ candidates × 4 exams + 18 ЕГЭ candidates × 3 exams ≈ 186 rows per school,
× 40,000 schools ≈ 7.4 M (plus a few retakes and past-year graduates).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    regions: int
    municipalities: int
    schools: int


SCALES = {
    "tiny": Scale("tiny", 1, 2, 8),           # the smoke test's
    "municipality": Scale("municipality", 1, 1, 30),
    "region": Scale("region", 1, 27, 1_000),
    "regions8": Scale("regions8", 8, 40, 400),  # the partitioned run ("Beyond one machine")
    "country": Scale("country", 85, 2_300, 40_000),
}

# The cycle the benchmarks run, and the years the data covers: results (ВПР, ГИА) of the
# three AYs the September cycle of CYCLE_AY reads (AY−1, AY−2, AY−3), forms of AY−2…AY.
CYCLE_AY = 2023
RESULT_AYS = (CYCLE_AY - 3, CYCLE_AY - 2, CYCLE_AY - 1)
FORM_AYS = (CYCLE_AY - 2, CYCLE_AY - 1, CYCLE_AY)
