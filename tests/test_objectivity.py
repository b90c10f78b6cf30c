"""Signs of biased ВПР results (SPEC §4.7, seeds 000 item 20 and 001 item 3.2, issue 13),
from real-format files, through the October cycle of AY 2022 (ВПР 2022 = AY 2021).

Fixture 1 (`flags`): participant files. The scale is a TEST FIXTURE (not official):
«2» 0–4, «3» 5–7, «4» 8–11, «5» 12–20, so the lower boundaries are 5, 8 and 12.
One municipality, maths grade 8; pupils as (primary score, ВПР mark, journal mark):
  A (12): 7 × (5, 3, 3); 3 × (5, 3, 2); 2 × (12, 5, 3)
  B (10): 4 × (4, 2, 2); 1 × (5, 3, 3); 5 × (9, 4, 4)
  C (10): 4 × (4, 2, 2); 1 × (5, 3, 3); 5 × (9, 4, 3)
  D  (3): 3 × (12, 5, 3)                 — fewer than 10: no sign at all
and maths grade 4 of school C: 10 × (12, 5, 5) — far above C's ОГЭ, but grade 4 is never
compared with grade 9; and maths grade 11 of school B: 10 × (12, 5, 5), compared with B's ЕГЭ
base maths (10 pupils, all «3»): the only grade 11 and the only ЕГЭ of the municipality, so
(100 − 0) − (100 − 0) = 0 points above the municipality — paired, checked, not found.
Last year («Статистика по отметкам», ВПР 2021, grade 8): A 12 participants, B 10, both 0 % «2».
ОГЭ maths of AY 2021: B 10 pupils all «4»; C 10 pupils all «3».

Fixture 2 (`trend`): school-level statistics only (no participant files, no journal),
maths grade 6, 20 participants a year, ВПР 2021 → ВПР 2022, and ОГЭ / КДР of both AYs:
  E: «2» 35 % → 5 % («4»+«5» 25 % → 25 %); ОГЭ unchanged             → improvement, flagged
  F: «2» 5 % → 35 % («4»+«5» 50 % → 20 %); ОГЭ unchanged             → worse: no sign
  G: «2» 35 % → 5 %; ОГЭ «2» 30 % → 5 % (also improved by 25 points) → explained: no sign
  H: «2» 35 % → 5 %; no ОГЭ, no КДР                                    → not checked
  I: «2» 35 % → 5 %; no ОГЭ; КДР «ниже базового» 40 % → 10 %          → explained: no sign
  J: «2» 10 % → 10 %, «4»+«5» 20 % → 60 %; ОГЭ unchanged              → improvement, flagged
  K: «2» 25 % → 10 % (15 points, but 5 → 2 of 20 pupils is within chance); ОГЭ unchanged → no sign
«Sharp» = at least 10 points AND a two-proportion z ≥ 1,96 (pooled share p, n = 20 + 20):
  E: p = 8/40 = 0,2, SE = √(0,2·0,8·(1/20 + 1/20)) = 0,12649, z = 0,30 / 0,12649 = 2,37
  J: p = 16/40 = 0,4, SE = √(0,4·0,6·0,1) = 0,15492, z = 0,40 / 0,15492 = 2,58
  K: p = 7/40 = 0,175, SE = √(0,175·0,825·0,1) = 0,12016, z = 0,15 / 0,12016 = 1,25
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
    ("sch_a", 8): [(5, 3, 3)] * 7 + [(5, 3, 2)] * 3 + [(12, 5, 3)] * 2,
    ("sch_b", 8): [(4, 2, 2)] * 4 + [(5, 3, 3)] + [(9, 4, 4)] * 5,
    ("sch_c", 8): [(4, 2, 2)] * 4 + [(5, 3, 3)] + [(9, 4, 3)] * 5,
    ("sch_d", 8): [(12, 5, 3)] * 3,
    ("sch_c", 4): [(12, 5, 5)] * 10,
    ("sch_b", 11): [(12, 5, 5)] * 10,
}
HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", "1 (2б)", "2 (18б)",
          "Первичный балл", "Отметка", "Отметка по журналу"]


def schools_csv(inbox, codes):
    write_csv(inbox / "schools" / "schools.csv", [
        {"Код ОО": code, "Наименование ОО": f"МБОУ «Школа {code[-1].upper()}»", "Краткое наименование": f"Школа {code[-1].upper()}",
         "Код МО": "mo01", "Муниципалитет": "Мегион"} for code in codes])


def oge_rows(school, marks, ay_tag):
    return [{"Код участника": f"{school}-oge-{ay_tag}-{k}", "Код ОО": school, "Форма ГИА": "ОГЭ", "Предмет": "Математика",
             "Этап": "Основной", "Пересдача": "нет", "Категория участника": "Выпускник текущего года", "Отметка": m}
            for k, m in enumerate(marks)]


@pytest.fixture(scope="module")
def flags(tmp_path_factory):
    root = tmp_path_factory.mktemp("obj")
    inbox = root / "inbox"
    schools_csv(inbox, ["sch_a", "sch_b", "sch_c", "sch_d"])
    for grade in (8, 4, 11):
        write_scale(inbox, 2022, "math", grade)
        pupils = []
        for (school, g), marks in PUPILS.items():
            if g != grade:
                continue
            for k, (score, mark, journal) in enumerate(marks):
                task1 = min(score, 2)
                pupils.append([school, "Мегион", f"МБОУ «Школа {school[-1].upper()}»", f"{school}-{g}-{k}", f"{g}А", 1,
                               task1, score - task1, score, mark, journal])
        write_xlsx(inbox / str(VPR_AY) / "vpr_participants" / f"Ф1 Индивидуальные результаты {grade}.xlsx", [
            [f"ВПР 2022 Математика {grade} класс"], [], HEADER, *pupils], merge=["A1:K1"])
    write_xlsx(inbox / str(VPR_AY - 1) / "vpr_stats" / "Статистика по отметкам.xlsx", [
        ["ВПР 2021 Математика 8 класс"],
        ["Логин", "ОО", "Кол-во участников", "2", "3", "4", "5"],
        ["sch_a", "Школа A", 12, 0, 50, 50, 0],
        ["sch_b", "Школа B", 10, 0, 50, 50, 0],
    ])
    ege = [{**r, "Форма ГИА": "ЕГЭ", "Предмет": "Математика (базовая)", "Код участника": r["Код участника"] + "-ege"}
           for r in oge_rows("sch_b", [3] * 10, "x")]
    write_csv(inbox / str(VPR_AY) / "gia" / "gia.csv",
              oge_rows("sch_b", [4] * 10, "x") + oge_rows("sch_c", [3] * 10, "x") + ege)
    con, cfg = compute(inbox, root / "w.duckdb", "october", AY)
    got = {(r["school_code"], r["grade"]): r
           for r in rows(con, "SELECT * FROM mart_objectivity_flags WHERE ay = ?", VPR_AY)}
    yield con, cfg, got
    con.close()


def test_raised_share_and_two_mark_gaps(flags):
    _, _, got = flags
    a, b, c = got["sch_a", 8], got["sch_b", 8], got["sch_c", 8]
    # A: raised 3 (3 > 2) + 2 (5 > 3) = 5 of 12 = 41,67 % > 20 %; two pupils 5 vs 3: gap of two marks
    assert (a["with_journal"], a["raised"], a["raised_share_pct"], a["raised_by2"]) == (12, 5, 41.67, 2)
    assert a["flag_raised"] is True and a["flag_gap2"] is True
    # B: every ВПР mark equals the journal mark
    assert (b["raised"], b["flag_raised"], b["flag_gap2"]) == (0, False, False)
    # C: 5 of 10 = 50 % raised (4 > 3), none by two marks
    assert (c["raised_share_pct"], c["flag_raised"], c["raised_by2"], c["flag_gap2"]) == (50.0, True, 0, False)
    # «Понизили» is evidence only by default
    assert a["lowered"] == 0 and a["flag_lowered"] is None
    assert a["raised_not_checked"] is None and a["gap2_not_checked"] is None


def test_peak_at_the_lower_boundary_of_a_mark_by_binomial_test(flags):
    _, _, got = flags
    a = got["sch_a", 8]
    three = next(e for e in a["boundary_evidence"] if e["mark"] == 3)
    # A: 10 pupils at 5 (lowest «3»), none at 4. Rest of the municipality (B, C, D): at 5: 1 + 1 = 2,
    # at 4: 4 + 4 = 8 → reference share 2 / 10 = 0,2. P(X ≥ 10 | n = 10, p = 0,2) = 0,2^10 = 1,024e-7.
    assert (three["at_boundary"], three["below_boundary"], three["reference_share_pct"]) == (10, 0, 20.0)
    assert math.isclose(three["p_value"], 0.0, abs_tol=1e-6)
    assert a["boundary_peak_marks"] == [3] and a["flag_boundary"] is True
    # B: 1 at 5 and 4 at 4 → 5 pupils at the boundary, fewer than 10: checked, no peak
    b3 = next(e for e in got["sch_b", 8]["boundary_evidence"] if e["mark"] == 3)
    assert (b3["at_boundary"], b3["below_boundary"]) == (1, 4)
    assert got["sch_b", 8]["flag_boundary"] is False
    # C grade 4 is the only school with grade 4: nothing to compare with → not checked, said so
    c4 = got["sch_c", 4]
    assert c4["flag_boundary"] is None
    assert c4["boundary_not_checked"] == "не проверялось: нет первичных баллов других школ муниципалитета для сравнения"


def test_vpr_far_above_the_schools_own_oge_at_the_nearest_grades(flags):
    _, _, got = flags
    b, c = got["sch_b", 8], got["sch_c", 8]
    # grade 8 ↔ ОГЭ. Municipality ВПР 8 «4»+«5»: (2 + 5 + 5 + 3) / (12 + 10 + 10 + 3) = 15 / 35 = 42,857 %;
    # municipality ОГЭ «4»+«5»: (10 + 0) / 20 = 50 %.
    # C: (50 − 0) − (42,857 − 50) = 57,14 ≥ 30 → flag. B: (50 − 100) − (42,857 − 50) = −42,86 → no.
    assert (c["vpr_good_pct"], c["oge_good_pct"], c["muni_vpr_good_pct"], c["muni_oge_good_pct"]) == \
        (50.0, 0.0, 42.86, 50.0)
    assert c["vpr_above_oge_pp"] == 57.14 and c["flag_vs_gia"] is True and c["gia_exam"] == "oge"
    assert b["vpr_above_oge_pp"] == -42.86 and b["flag_vs_gia"] is False
    # A has no ОГЭ: not checked, with the reason
    assert got["sch_a", 8]["flag_vs_gia"] is None
    assert got["sch_a", 8]["vs_gia_not_checked"] == "не проверялось: нет результатов ОГЭ школы по предмету"


def test_grade_4_is_never_paired_with_grade_9(flags):
    _, _, got = flags
    c4 = got["sch_c", 4]
    # C grade 4: 100 % «4»+«5» against C's ОГЭ 0 % — would be +100 points, but grade 4 has no nearest ГИА
    assert c4["good_pct"] == 100.0
    assert (c4["gia_exam"], c4["oge_participants"], c4["oge_good_pct"], c4["vpr_above_oge_pp"]) == (None, None, None, None)
    assert c4["flag_vs_gia"] is None
    assert c4["vs_gia_not_checked"] == ("не проверялось: ВПР 4 класса не сопоставляется с ГИА (сопоставляются "
                                        "только ближайшие классы: ВПР 8 класса с ОГЭ, ВПР 11 класса с ЕГЭ)")
    assert "vs_gia" in c4["not_checked"] and c4["flags"] == []
    # grade 11 is paired with the ЕГЭ (base maths marks), and checked
    b11 = got["sch_b", 11]
    assert (b11["gia_exam"], b11["oge_participants"], b11["vpr_good_pct"], b11["oge_good_pct"]) == ("ege", 10, 100.0, 0.0)
    assert (b11["vpr_above_oge_pp"], b11["flag_vs_gia"], b11["vs_gia_not_checked"]) == (0.0, False, None)


def test_a_rise_of_the_share_of_twos_is_not_a_sign(flags):
    _, _, got = flags
    # B: 0 % last year, 4 of 10 = 40 % now: results got worse — no sign
    b = got["sch_b", 8]
    assert (b["prev_share2_pct"], b["share2_pct"], b["share2_change_pp"]) == (0.0, 40.0, 40.0)
    assert b["flag_improvement"] is False and b["flag_share2_change"] is False
    # A: 0 % → 0 %, «4»+«5» 50 % → 2 / 12 = 16,67 %: no improvement
    assert got["sch_a", 8]["flag_improvement"] is False
    # C: no last year: not checked, with the reason
    assert got["sch_c", 8]["flag_improvement"] is None
    assert got["sch_c", 8]["improvement_not_checked"].startswith("не проверялось: нет результатов ВПР")


def test_lists_and_small_groups(flags):
    _, _, got = flags
    assert {k: (v["flags"], v["is_flagged"]) for k, v in got.items()} == {
        ("sch_a", 8): (["raised", "gap2", "boundary"], True),
        ("sch_b", 8): ([], False),
        ("sch_c", 8): (["raised", "vs_gia"], True),
        ("sch_c", 4): ([], False),
        ("sch_b", 11): ([], False),
        # D: 3 pupils, all 5 against journal 3 — but fewer than 10 participants: no sign
        ("sch_d", 8): ([], False),
    }
    d = got["sch_d", 8]
    assert d["is_small_group"] is True and d["raised_by2"] == 3 and d["flag_gap2"] is None
    assert d["gap2_not_checked"] == "не проверялось: менее 10 участников ВПР"
    assert sorted(d["not_checked"]) == ["boundary", "gap2", "improvement", "raised", "vs_gia"]


def test_published_table_is_school_level_with_integer_counts(flags):
    con, _, _ = flags
    table = export.table_frame(con, "mart_objectivity_flags", VPR_AY)
    assert len(table) == 6 and "participant_id" not in table.columns
    for col in ("participants", "with_journal", "raised", "raised_by2", "prev_participants"):
        assert str(table[col].dtype) in ("int64", "Int64"), col


def test_spravka_lists_the_schools_and_the_recommendations_name_them(flags):
    con, cfg, _ = flags
    docs = render.render_spravki(con, AY, "october", cfg, {"run_id": "t", "definitions_version": "v", "small_group_below": 10})
    html = next(v for k, v in docs.items() if k.endswith("/spravka.html")).decode("utf-8")
    section = html[html.index("Признаки необъективности результатов ВПР 2021/2022"):]
    assert "самодиагностики — 2\u00a0школы" in section or "самодиагностики — 2 школы" in section
    for name in ("Школа A", "Школа C"):
        assert name in section
    assert "Школа D" not in section and "Школа B" not in section
    assert "41,7\u00a0%" in section  # A's «повысили»
    assert "ВПР 4 класса не сопоставляется с ГИА" in section  # shown as not checked, not as checked
    recs = next(v for k, v in docs.items() if k.endswith("/recommendations.html")).decode("utf-8")
    assert "Школа A: признаки необъективности результатов ВПР 2021/2022" in recs
    # catalogue entries keyed by sign: boundary (A) and vs_gia (C), and the general one
    assert "набравших ровно минимальный балл отметки" in recs
    assert "Сопоставить результаты ВПР 8 класса с результатами ОГЭ" in recs
    assert "Провести самодиагностику объективности оценивания" in recs


# -- fixture 2: the year-to-year improvement against the school's other results ----------

TREND = {  # school: (last year «2», «3», «4», «5»), (this year), in % of 20 participants
    "sch_e": ((35, 40, 20, 5), (5, 70, 20, 5)),
    "sch_f": ((5, 45, 40, 10), (35, 45, 15, 5)),
    "sch_g": ((35, 40, 20, 5), (5, 70, 20, 5)),
    "sch_h": ((35, 40, 20, 5), (5, 70, 20, 5)),
    "sch_i": ((35, 40, 20, 5), (5, 70, 20, 5)),
    "sch_j": ((10, 70, 15, 5), (10, 30, 45, 15)),
    "sch_k": ((25, 45, 25, 5), (10, 60, 25, 5)),
}
OGE_SAME = [2] * 4 + [3] * 8 + [4] * 6 + [5] * 2   # 20 % «2», 40 % «4»+«5», both years


@pytest.fixture(scope="module")
def trend(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend")
    inbox = root / "inbox"
    schools_csv(inbox, list(TREND))
    for offset, tag in ((0, "now"), (1, "prev")):
        ay = VPR_AY - offset
        write_xlsx(inbox / str(ay) / "vpr_stats" / "Статистика по отметкам.xlsx", [
            [f"ВПР {ay + 1} Математика 6 класс"],
            ["Логин", "ОО", "Кол-во участников", "2", "3", "4", "5"],
            *[[code, code, 20, *shares[1 - offset]] for code, shares in TREND.items()]])
        oge = [r for code in ("sch_e", "sch_f", "sch_j", "sch_k") for r in oge_rows(code, OGE_SAME, tag)]
        # G: ОГЭ «2» 6 of 20 (30 %) last year, 1 of 20 (5 %) this year; «4»+«5» 6 of 20 both years
        oge += oge_rows("sch_g", [2] * (1 if tag == "now" else 6) + [3] * (13 if tag == "now" else 8) + [4] * 4 + [5] * 2, tag)
        write_csv(inbox / str(ay) / "gia" / "gia.csv", oge)
        # I: КДР maths, 20 pupils: «ниже базового» 8 (40 %) last year, 2 (10 %) this year; «повышенный» 4 both
        below = 2 if tag == "now" else 8
        write_csv(inbox / str(ay) / "rdr" / "rdr.csv", [
            {"Код ОО": "sch_i", "Класс": 6, "Предмет": "Математика", "Количество участников": 20,
             "Ниже базового уровня": below, "Базовый уровень": 16 - below, "Повышенный уровень": 4}])
    con, cfg = compute(inbox, root / "w.duckdb", "october", AY)
    got = {r["school_code"]: r for r in rows(con, "SELECT * FROM mart_objectivity_flags WHERE ay = ?", VPR_AY)}
    yield con, cfg, got
    con.close()


def test_a_fall_of_twos_from_35_to_5_percent_with_oge_unchanged_is_flagged(trend):
    _, _, got = trend
    e = got["sch_e"]
    assert (e["prev_share2_pct"], e["share2_pct"], e["share2_change_pp"]) == (35.0, 5.0, -30.0)
    assert (e["other_oge_share2_fall_pp"], e["other_oge_good_rise_pp"]) == (0.0, 0.0)
    assert e["share2_fall_z"] == 2.37
    assert e["flag_improvement"] is True and e["flags"] == ["improvement"] and e["is_flagged"] is True
    assert e["flag_share2_change"] is True  # the old column name, now the same sign


def test_a_rise_of_twos_is_not_flagged(trend):
    _, _, got = trend
    f = got["sch_f"]
    assert (f["prev_share2_pct"], f["share2_pct"], f["prev_good_pct"], f["good_pct"]) == (5.0, 35.0, 50.0, 20.0)
    assert f["flag_improvement"] is False and f["is_flagged"] is False and f["improvement_not_checked"] is None


def test_an_improvement_the_schools_oge_or_kdr_also_shows_is_explained(trend):
    _, _, got = trend
    g, i = got["sch_g"], got["sch_i"]
    assert g["other_oge_share2_fall_pp"] == 25.0 and g["flag_improvement"] is False
    assert i["other_oge_share2_fall_pp"] is None and i["other_rdr_low_fall_pp"] == 30.0
    assert i["flag_improvement"] is False


def test_an_improvement_with_nothing_to_compare_is_not_checked(trend):
    _, _, got = trend
    h = got["sch_h"]
    assert h["flag_improvement"] is None and h["is_flagged"] is False
    assert h["improvement_not_checked"] == ("не проверялось: результат ВПР резко улучшился, но нет результатов ОГЭ и "
                                            "КДР школы по предмету за оба года, чтобы сравнить")


def test_a_rise_of_fours_and_fives_with_oge_unchanged_is_flagged(trend):
    _, _, got = trend
    j = got["sch_j"]
    assert (j["prev_good_pct"], j["good_pct"], j["good_change_pp"], j["good_rise_z"]) == (20.0, 60.0, 40.0, 2.58)
    assert j["flag_improvement"] is True


def test_a_fall_within_chance_is_not_sharp(trend):
    _, _, got = trend
    k = got["sch_k"]
    assert (k["share2_change_pp"], k["share2_fall_z"]) == (-15.0, 1.25)
    assert k["flag_improvement"] is False and k["improvement_not_checked"] is None


def test_signs_without_data_are_not_checked_and_the_spravka_says_so(trend):
    con, cfg, got = trend
    # statistics only: no journal marks, no scores — these signs were not checked, not «not found»
    e = got["sch_e"]
    assert (e["flag_raised"], e["flag_gap2"], e["flag_boundary"]) == (None, None, None)
    assert e["raised_not_checked"].startswith("не проверялось: нет данных об отметках по журналу")
    assert e["boundary_not_checked"] == ("не проверялось: нет первичных баллов участников "
                                         "(загружена только статистика по отметкам)")
    assert e["vs_gia_not_checked"].startswith("не проверялось: ВПР 6 класса не сопоставляется с ГИА")
    docs = render.render_spravki(con, AY, "october", cfg, {"run_id": "t", "definitions_version": "v", "small_group_below": 10})
    html = next(v for k, v in docs.items() if k.endswith("/spravka.html")).decode("utf-8")
    section = html[html.index("Признаки необъективности результатов ВПР 2021/2022"):]
    assert "не проверялось: нет данных об отметках по журналу" in section
    assert "не проверялось: нет первичных баллов участников" in section
    assert "самодиагностики — 2\u00a0школы" in section or "самодиагностики — 2 школы" in section
