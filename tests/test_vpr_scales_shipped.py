"""The official ВПР score → mark scales shipped in config/reference/vpr_scales.csv (issue 13).

Each expected table below is HAND-TYPED from the document named in the shipped row's
`source` (never computed from the CSV): for every mark, its lowest and highest primary
score. A participant file without marks, scored exactly at each of those boundaries, must
get the official mark through the real reader and the real SQL.

  ВПР 2021, математика, 8 класс (max 25): «2» 0–7, «3» 8–14, «4» 15–20, «5» 21–25
      — «Описание проверочной работы … МАТЕМАТИКА, 8 класс», 2021, as transcribed at
        vprklass.ru (max 25) and vpr-ege.ru (the boundaries); see docs/vpr_scales.md.
  ВПР 2026, русский язык, 4 класс (max 24): «2» 0–9, «3» 10–15, «4» 16–20, «5» 21–24
      — demo «Описание проверочной работы … Русский язык, 4 класс», 2026, as transcribed
        at vpr-ege.ru.
"""

from __future__ import annotations

import csv

import pytest

from edumon.config import REFERENCE_DIR, load_config
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import rows, write_csv
from tests.test_fisoko import RU_HEADER, build, write_xlsx

OFFICIAL = {
    (2021, "math", 8): {2: (0, 7), 3: (8, 14), 4: (15, 20), 5: (21, 25)},
    (2026, "russian", 4): {2: (0, 9), 3: (10, 15), 4: (16, 20), 5: (21, 24)},
}
FILE_SUBJECT = {"math": "математике", "russian": "русскому языку"}


def test_every_shipped_scale_is_checked_here_and_cites_its_document():
    with open(REFERENCE_DIR / "vpr_scales.csv", encoding="utf-8") as f:
        shipped = list(csv.DictReader(f))
    assert {(int(r["vpr_year"]), r["subject"], int(r["grade"])) for r in shipped} == set(OFFICIAL)
    for r in shipped:
        assert "Описание проверочной работы" in r["source"] and "http" in r["source"], r
        assert f"ВПР {r['vpr_year']}" in r["source"]


@pytest.mark.parametrize("key", sorted(OFFICIAL), ids=lambda k: f"vpr{k[0]}_{k[1]}_{k[2]}")
def test_marks_at_every_boundary_equal_the_official_table(tmp_path, key):
    year, subject, grade = key
    ay = year - 1
    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "schools.csv", [{"Код ОО": "sch1", "Наименование ОО": "МБОУ СОШ № 1",
                                                   "Краткое наименование": "СОШ № 1", "Код МО": "mo01",
                                                   "Муниципалитет": "Мегион"}])
    scores = sorted({s for lo_hi in OFFICIAL[key].values() for s in lo_hi})
    write_xlsx(inbox / str(ay) / "vpr_participants" /
               f"Проведение работы по {FILE_SUBJECT[subject]}, {grade} класс. ВПР {year}.xlsx", [
        RU_HEADER, *[["sch1", "Мегион", k + 1, 90000 + k, 4, "м", f"{grade}А", 1, s, s, 0, 0]
                     for k, s in enumerate(scores)]])
    con = connect(tmp_path / "w.duckdb")
    try:
        rep = ingest_source(con, inbox, "vpr_participants", ay, "r", load_config())
        assert rep.rows_loaded == len(scores), [p.message() for p in rep.problems]
        build(con, inbox)
        got = {r["primary_score"]: r["mark"] for r in rows(con, """
            SELECT primary_score, mark FROM int_vpr_participant_marks
            WHERE ay = ? AND subject = ? AND grade = ? AND mark_source = 'scale'""", ay, subject, grade)}
    finally:
        con.close()
    expected = {float(s): mark for mark, (lo, hi) in OFFICIAL[key].items() for s in (lo, hi)}
    assert got == expected
