"""Signs of biased ВПР results (SPEC §4.7, seeds 000 item 20 and 001 item 3.2), from
real-format files: a «Ф1 Индивидуальные результаты» of ВПР 2022 (AY 2021), last year's
«Статистика по отметкам» and the РЦОИ ОГЭ results, through the October cycle of AY 2022.

The scale is a TEST FIXTURE (not official): «2» 0–4, «3» 5–7, «4» 8–11, «5» 12–20,
so the lower boundaries are 5 («3»), 8 («4») and 12 («5»).

One municipality, math grade 5; pupils as (primary score, ВПР mark, journal mark):
  A (12): 7 × (5, 3, 3); 3 × (5, 3, 2); 2 × (12, 5, 3)
  B (10): 4 × (4, 2, 2); 1 × (5, 3, 3); 5 × (9, 4, 4)
  C (10): 4 × (4, 2, 2); 1 × (5, 3, 3); 5 × (9, 4, 3)
  D  (3): 3 × (12, 5, 3)                 — fewer than 10: no flag at all
Last year («Статистика по отметкам», ВПР 2021): A 12 participants, B 10, both 0 % «2».
ОГЭ maths of AY 2021: B 10 pupils all «4»; C 10 pupils all «3».
"""

from __future__ import annotations

import math

import pytest

from tasks import export, render
from tests.helpers import compute, rows, write_csv
from tests.test_fisoko import write_scale, write_xlsx

AY = 2022          # the October cycle
VPR_AY = AY - 1    # ВПР 2022 belongs to AY 2021

PUPILS = {
    "sch_a": [(5, 3, 3)] * 7 + [(5, 3, 2)] * 3 + [(12, 5, 3)] * 2,
    "sch_b": [(4, 2, 2)] * 4 + [(5, 3, 3)] + [(9, 4, 4)] * 5,
    "sch_c": [(4, 2, 2)] * 4 + [(5, 3, 3)] + [(9, 4, 3)] * 5,
    "sch_d": [(12, 5, 3)] * 3,
}


@pytest.fixture(scope="module")
def flags(tmp_path_factory):
    root = tmp_path_factory.mktemp("obj")
    inbox = root / "inbox"
    write_csv(inbox / "schools" / "schools.csv", [
        {"Код ОО": code, "Наименование ОО": f"МБОУ «Школа {code[-1].upper()}»", "Краткое наименование": f"Школа {code[-1].upper()}",
         "Код МО": "mo01", "Муниципалитет": "Мегион"} for code in PUPILS])
    write_scale(inbox, 2022, "math", 5)
    pupils = []
    for school, marks in PUPILS.items():
        for k, (score, mark, journal) in enumerate(marks):
            task1 = min(score, 2)
            pupils.append([school, "Мегион", f"МБОУ «Школа {school[-1].upper()}»", f"{school}-{k}", "5А", 1,
                           task1, score - task1, score, mark, journal])
    write_xlsx(inbox / str(VPR_AY) / "vpr_participants" / "Ф1 Индивидуальные результаты.xlsx", [
        ["ВПР 2022 Математика 5 класс"], [],
        ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", "1 (2б)", "2 (18б)",
         "Первичный балл", "Отметка", "Отметка по журналу"], *pupils], merge=["A1:K1"])
    write_xlsx(inbox / str(VPR_AY - 1) / "vpr_stats" / "Статистика по отметкам.xlsx", [
        ["ВПР 2021 Математика 5 класс"],
        ["Логин", "ОО", "Кол-во участников", "2", "3", "4", "5"],
        ["sch_a", "Школа A", 12, 0, 50, 50, 0],
        ["sch_b", "Школа B", 10, 0, 50, 50, 0],
    ])
    write_csv(inbox / str(VPR_AY) / "gia" / "gia.csv", [
        {"Код участника": f"{school}-oge-{k}", "Код ОО": school, "Форма ГИА": "ОГЭ", "Предмет": "Математика",
         "Этап": "Основной", "Пересдача": "нет", "Категория участника": "Выпускник текущего года", "Отметка": mark}
        for school, mark in (("sch_b", 4), ("sch_c", 3)) for k in range(10)])
    con, cfg = compute(inbox, root / "w.duckdb", "october", AY)
    got = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_objectivity_flags WHERE ay = ?", VPR_AY)}
    yield con, cfg, got
    con.close()


def test_raised_share_and_two_mark_gaps(flags):
    _, _, got = flags
    a, b, c = got["sch_a"], got["sch_b"], got["sch_c"]
    # A: raised 3 (3 > 2) + 2 (5 > 3) = 5 of 12 = 41,67 % > 20 %; two pupils 5 vs 3: gap of two marks
    assert (a["with_journal"], a["raised"], a["raised_share_pct"], a["raised_by2"]) == (12, 5, 41.67, 2)
    assert a["flag_raised"] is True and a["flag_gap2"] is True
    # B: every ВПР mark equals the journal mark
    assert (b["raised"], b["flag_raised"], b["flag_gap2"]) == (0, False, False)
    # C: 5 of 10 = 50 % raised (4 > 3), none by two marks
    assert (c["raised_share_pct"], c["flag_raised"], c["raised_by2"], c["flag_gap2"]) == (50.0, True, 0, False)
    # «Понизили» is evidence only by default: B and C have none, A none either
    assert a["lowered"] == 0 and a["flag_lowered"] is None


def test_peak_at_the_lower_boundary_of_a_mark_by_binomial_test(flags):
    _, _, got = flags
    a = got["sch_a"]
    three = next(e for e in a["boundary_evidence"] if e["mark"] == 3)
    # A: 10 pupils at 5 (lowest «3»), none at 4. Rest of the municipality (B, C, D): at 5: 1 + 1 = 2,
    # at 4: 4 + 4 = 8 → reference share 2 / 10 = 0,2. P(X ≥ 10 | n = 10, p = 0,2) = 0,2^10 = 1,024e-7.
    assert (three["at_boundary"], three["below_boundary"], three["reference_share_pct"]) == (10, 0, 20.0)
    assert math.isclose(three["p_value"], 0.0, abs_tol=1e-6)
    assert a["boundary_peak_marks"] == [3] and a["flag_boundary"] is True
    # B: 1 at 5 and 4 at 4 → 5 pupils at the boundary, fewer than 10: no flag
    b3 = next(e for e in got["sch_b"]["boundary_evidence"] if e["mark"] == 3)
    assert (b3["at_boundary"], b3["below_boundary"]) == (1, 4)
    assert got["sch_b"]["flag_boundary"] is False


def test_vpr_far_above_the_schools_own_oge_relative_to_the_municipality(flags):
    _, _, got = flags
    b, c = got["sch_b"], got["sch_c"]
    # municipality ВПР «4»+«5»: (2 + 5 + 5 + 3) / (12 + 10 + 10 + 3) = 15 / 35 = 42,857 %;
    # municipality ОГЭ «4»+«5»: (10 + 0) / 20 = 50 %.
    # C: (50 − 0) − (42,857 − 50) = 57,14 ≥ 30 → flag. B: (50 − 100) − (42,857 − 50) = −42,86 → no.
    assert (c["vpr_good_pct"], c["oge_good_pct"], c["muni_vpr_good_pct"], c["muni_oge_good_pct"]) == \
        (50.0, 0.0, 42.86, 50.0)
    assert c["vpr_above_oge_pp"] == 57.14 and c["flag_vs_gia"] is True
    assert b["vpr_above_oge_pp"] == -42.86 and b["flag_vs_gia"] is False
    assert got["sch_a"]["flag_vs_gia"] is None  # no ОГЭ results: not judged


def test_rise_of_the_share_of_twos_against_last_year(flags):
    _, _, got = flags
    # B: 0 % last year, 4 of 10 = 40 % now: +40 points ≥ 10. A: 0 % → 0 %. C: no last year.
    assert (got["sch_b"]["prev_share2_pct"], got["sch_b"]["share2_pct"], got["sch_b"]["share2_change_pp"]) == \
        (0.0, 40.0, 40.0)
    assert got["sch_b"]["flag_share2_change"] is True
    assert got["sch_a"]["flag_share2_change"] is False
    assert got["sch_c"]["flag_share2_change"] is None


def test_lists_and_small_groups(flags):
    _, _, got = flags
    assert {k: (v["flags"], v["is_flagged"]) for k, v in got.items()} == {
        "sch_a": (["raised", "gap2", "boundary"], True),
        "sch_b": (["share2_change"], True),
        "sch_c": (["raised", "vs_gia"], True),
        # D: 3 pupils, all 5 against journal 3 — but fewer than 10 participants: no flag
        "sch_d": ([], False),
    }
    d = got["sch_d"]
    assert d["is_small_group"] is True and d["raised_by2"] == 3 and d["flag_gap2"] is None


def test_published_table_is_school_level_and_the_spravka_lists_the_schools(flags):
    con, cfg, _ = flags
    table = export.table_frame(con, "mart_objectivity_flags", VPR_AY)
    assert len(table) == 4 and "participant_id" not in table.columns
    docs = render.render_spravki(con, AY, "october", cfg, {"run_id": "t", "definitions_version": "v", "small_group_below": 10})
    html = next(v for k, v in docs.items() if k.endswith("/spravka.html")).decode("utf-8")
    section = html[html.index("Признаки необъективности результатов ВПР 2021/2022"):]
    assert "самодиагностики — 3\u00a0школы" in section or "самодиагностики — 3 школы" in section
    for name in ("Школа A", "Школа B", "Школа C"):
        assert name in section
    assert "Школа D" not in section
    assert "41,7\u00a0%" in section  # A's «повысили»
