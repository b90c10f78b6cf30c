"""The other assessments (НИКО, ВсОШ, итоговое собеседование, функциональная грамотность,
TIMSS / PIRLS / PISA-type), ШНСУ and curator pairs ШВОР → ШНОР (issue 14).

Every input is a real XLSX file with a title row above Russian headers. September of AY 2023:
the other assessments of AY 2022 (the year that ended), the ШНОР, ШВОР, ШНСУ lists and the
curator pairs of AY 2023. Every expected figure is worked out here by hand.

Schools of mo01: hi, lo, lo2, mid, fo; of mo02: b1.

ВПР 2022 (20 participants each; marks «2», «3», «4», «5»):
    math 5 and russian 5:  hi 0/4/8/8   lo, lo2 8/8/4/0 and 7/9/4/0   mid, fo 2/8/6/4
    lo, lo2: «2» 8/20 = 40 % and 7/20 = 35 % ≥ 30 %: two low procedures → ШНОР (criterion 1)
ВПР 2021, russian 6 (10 participants): hi 0/2/4/4, mid 3/5/1/1 (30 % «2»: low), lo, lo2 5/3/2/0
ШВОР 2023 (two years, share of «4»+«5» ≥ the municipality's, no low procedure):
    2022: municipality (16+16 + 4+4 + 4+4 + 10+10 + 10+10) / 200 = 88/200 = 44 %; hi 32/40 = 80 %
    2021: municipality (8 + 2 + 2 + 2) / 40 = 35 %; hi 8/10 = 80 %
    mid has a low procedure in 2021, fo has no 2021 results → ШВОР = {hi}
ФИОКО list 2023: lo, fo. Working list (union): lo (both), lo2 (ours), fo (official).
Curators 2023: lo ← hi (ok), fo ← mid (curator not ШВОР), mid ← hi (curated school not on the
list); lo2 has no pair → a «no curator» row.
ШНСУ 2023: lo2, mid.

Other assessments of AY 2022:
    НИКО lo maths 5: 20 = 7 + 8 + 4 + 1 → low 7/20 = 35 % (≥ 30 %: low), mid 8/20 = 40 %, high 5/20 = 25 %
    НИКО hi russian 6: 8 = 0 + 2 + 3 + 3 → low 0 %, high 6/8 = 75 %, weak (8 < 10)
    ВсОШ hi maths municipal: 12 participants, 1 winner, 3 prize-winners → 4/12 = 33.33 %
    ВсОШ hi physics school stage: 40, 5, 10 → 15/40 = 37.5 %
    собеседование lo first: 30, 27 «зачёт» → low 3/30 = 10 %; retake: 3, 2 → low 1/3 = 33.33 % (low, weak)
    финансовая грамотность mid grade 8: 25 = 2 + 3 + 10 + 6 + 4 → low 5/25 = 20 %, mid 40 %, high 10/25 = 40 %
    TIMSS hi grade 8: quota 20, 18 took part → 90 % (quota not met); PISA-type mid: 15 of 15 → 100 % (met)
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.helpers import compute, rows, write_csv

AY = 2023

SCHOOLS = [("hi", "mo01"), ("lo", "mo01"), ("lo2", "mo01"), ("mid", "mo01"), ("fo", "mo01"), ("b1", "mo02")]


def write_xlsx(path, title, header, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws.append([title])
    ws.append(header)
    for r in data:
        ws.append(list(r))
    wb.save(path)
    return path


VPR_HEADER = ["Код ОО", "Класс", "Предмет", "Кол-во участников", "Кол-во «2»", "Кол-во «3»", "Кол-во «4»",
              "Кол-во «5»"]


def vpr(code, grade, subject, m2, m3, m4, m5):
    return [code, grade, subject, m2 + m3 + m4 + m5, m2, m3, m4, m5]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "registry.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}", "municipality_code": m,
         "municipality_name": {"mo01": "Первый округ", "mo02": "Второй округ"}[m]} for c, m in SCHOOLS])
    write_xlsx(root / "2022" / "vpr_stats" / "vpr.xlsx", "ВПР 2023: статистика по отметкам", VPR_HEADER, [
        vpr("hi", 5, "Математика", 0, 4, 8, 8), vpr("hi", 5, "Русский язык", 0, 4, 8, 8),
        vpr("lo", 5, "Математика", 8, 8, 4, 0), vpr("lo", 5, "Русский язык", 7, 9, 4, 0),
        vpr("lo2", 5, "Математика", 8, 8, 4, 0), vpr("lo2", 5, "Русский язык", 7, 9, 4, 0),
        vpr("mid", 5, "Математика", 2, 8, 6, 4), vpr("mid", 5, "Русский язык", 2, 8, 6, 4),
        vpr("fo", 5, "Математика", 2, 8, 6, 4), vpr("fo", 5, "Русский язык", 2, 8, 6, 4),
    ])
    write_xlsx(root / "2021" / "vpr_stats" / "vpr.xlsx", "ВПР 2022: статистика по отметкам", VPR_HEADER, [
        vpr("hi", 6, "Русский язык", 0, 2, 4, 4), vpr("mid", 6, "Русский язык", 3, 5, 1, 1),
        vpr("lo", 6, "Русский язык", 5, 3, 2, 0), vpr("lo2", 6, "Русский язык", 5, 3, 2, 0),
    ])
    write_xlsx(root / "2023" / "official_shnor" / "fioko.xlsx", "Перечень ШНОР (ФИОКО) на 2023 год",
               ["Код ОО", "Наименование ОО"], [["lo", "Школа lo"], ["fo", "Школа fo"]])
    write_xlsx(root / "2023" / "curators" / "pairs.xlsx", "Кураторы школ с низкими результатами, 2023/2024",
               ["Код ШНОР", "ШНОР", "Код школы-куратора", "Школа-куратор"],
               [["lo", "Школа lo", "hi", "Школа hi"], ["fo", "Школа fo", "mid", "Школа mid"],
                ["mid", "Школа mid", "hi", "Школа hi"]])
    write_xlsx(root / "2023" / "official_shnsu" / "shnsu.xlsx", "Перечень ШНСУ на 2023 год",
               ["Код ОО", "Наименование ОО"], [["lo2", "Школа lo2"], ["mid", "Школа mid"]])
    d = root / "2022"
    write_xlsx(d / "niko" / "niko.xlsx", "НИКО 2022: результаты по отметкам",
               ["Код ОО", "Предмет", "Класс", "Количество участников", "Количество «2»", "Количество «3»",
                "Количество «4»", "Количество «5»"],
               [["lo", "Математика", 5, 20, 7, 8, 4, 1], ["hi", "Русский язык", 6, 8, 0, 2, 3, 3]])
    write_xlsx(d / "olympiad" / "vsosh.xlsx", "Всероссийская олимпиада школьников 2022/2023",
               ["Код ОО", "Предмет", "Этап", "Количество участников", "Количество победителей",
                "Количество призёров"],
               [["hi", "Математика", "Муниципальный этап", 12, 1, 3], ["hi", "Физика", "Школьный", 40, 5, 10]])
    write_xlsx(d / "interview" / "is9.xlsx", "Итоговое собеседование по русскому языку, 9 класс",
               ["Код ОО", "Срок", "Количество участников", "Получили «зачёт»"],
               [["lo", "Основной срок", 30, 27], ["lo", "Повторно", 3, 2]])
    write_xlsx(d / "literacy" / "fg.xlsx", "Диагностика функциональной грамотности 2022/2023",
               ["Код ОО", "Класс", "Направление", "Количество участников", "Недостаточный уровень",
                "Низкий уровень", "Средний уровень", "Повышенный уровень", "Высокий уровень"],
               [["mid", 8, "Финансовая грамотность", 25, 2, 3, 10, 6, 4]])
    write_xlsx(d / "intl_studies" / "intl.xlsx", "Участие в международных исследованиях",
               ["Код ОО", "Исследование", "Класс", "Квота", "Приняли участие"],
               [["hi", "TIMSS", 8, 20, 18], ["mid", "Исследование по модели PISA", None, 15, 15]])
    return root


@pytest.fixture(scope="module")
def built(inbox, tmp_path_factory):
    con, cfg = compute(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb", "september", AY,
                       {"report": {"formats": ["html"]}})
    yield con, cfg
    con.close()


def results(con):
    return {r["procedure"] + "/" + r["school_code"]: r
            for r in rows(con, "SELECT * FROM mart_assessment_results WHERE ay = ?", AY - 1)}


def test_niko_marks_become_levels_with_the_low_and_weak_marks(built):
    r = results(built[0])
    lo = r["niko_math_5/lo"]
    assert (lo["participants"], lo["low_count"], lo["low_share_pct"], lo["mid_share_pct"], lo["high_count"],
            lo["high_share_pct"], lo["is_low"], lo["is_weak"]) == (20, 7, 35.0, 40.0, 5, 25.0, True, False)
    hi = r["niko_russian_6/hi"]
    assert (hi["low_share_pct"], hi["high_share_pct"], hi["is_low"], hi["is_weak"]) == (0.0, 75.0, False, True)


def test_olympiad_by_stage_counts_winners_and_prize_winners(built):
    r = results(built[0])
    m = r["olympiad_municipal_math/hi"]
    assert (m["stage"], m["participants"], m["winners"], m["prize_winners"], m["high_count"], m["high_share_pct"]) \
        == ("municipal", 12, 1, 3, 4, 33.33)
    s = r["olympiad_school_physics/hi"]
    assert (s["stage"], s["high_count"], s["high_share_pct"], s["is_low"]) == ("school", 15, 37.5, None)


def test_interview_first_attempt_and_retake(built):
    r = results(built[0])
    first, retake = r["interview_9_first/lo"], r["interview_9_retake/lo"]
    assert (first["participants"], first["low_count"], first["low_share_pct"], first["high_share_pct"],
            first["is_low"]) == (30, 3, 10.0, 90.0, False)
    assert (retake["low_count"], retake["low_share_pct"], retake["is_low"], retake["is_weak"]) == (1, 33.33, True, True)


def test_literacy_levels_and_international_quota(built):
    r = results(built[0])
    f = r["literacy_financial_8/mid"]
    assert (f["domain"], f["low_count"], f["low_share_pct"], f["mid_share_pct"], f["high_count"],
            f["high_share_pct"]) == ("financial", 5, 20.0, 40.0, 10, 40.0)
    t, p = r["intl_timss_8/hi"], r["intl_pisa/mid"]
    assert (t["quota"], t["participants"], t["quota_coverage_pct"], t["quota_met"]) == (20, 18, 90.0, False)
    assert (p["quota_coverage_pct"], p["quota_met"]) == (100.0, True)
    assert len(r) == 9  # two НИКО, two ВсОШ, two собеседование, one грамотность, two studies


def test_shnsu_list(built):
    s = {r["school_code"]: r for r in rows(built[0], "SELECT * FROM mart_shnsu WHERE ay = ?", AY)}
    assert (s["lo2"]["is_shnsu"], s["lo2"]["in_working_list"]) == (True, True)
    assert (s["mid"]["is_shnsu"], s["mid"]["in_working_list"]) == (True, False)
    assert s["hi"]["is_shnsu"] is False and s["hi"]["is_shvor"] is True
    assert s["b1"]["is_shnsu"] is False


def test_curator_pairs_are_checked_against_both_lists(built):
    c = {(r["school_code"], r["curator_code"]): r for r in rows(built[0], "SELECT * FROM mart_curators WHERE ay = ?", AY)}
    assert {k: v["pair_status"] for k, v in c.items()} == {
        ("lo", "hi"): "ok", ("fo", "mid"): "curator_not_shvor", ("mid", "hi"): "not_shnor",
        ("lo2", None): "no_curator"}
    assert c[("lo", "hi")]["curator_is_shvor"] is True and c[("fo", "mid")]["curator_is_shvor"] is False
    assert c[("lo2", None)]["has_curator"] is False and c[("lo2", None)]["in_working_list"] is True


@pytest.fixture(scope="module")
def documents(built):
    from tasks import render

    con, cfg = built
    docs = render.render_spravki(con, AY, "september", cfg, {"run_id": "t", "definitions_version": "v"})
    return {k: v.decode("utf-8") for k, v in docs.items() if k.endswith(".html")}


def _text(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_fioko_only_school_gets_recommendations(documents):
    rec = _text(documents["reports/mo01/2023/september/recommendations.html"])
    # the working list (union): lo (both lists), lo2 (the rule), fo (ФИОКО only) — each gets a section
    for school in ("Школа lo ", "Школа lo2", "Школа fo"):
        assert school in rec, school
    assert "Включение в перечень ШНОР, сформированный ФИОКО" in rec
    assert "Школа mid" not in rec and "Школа hi" not in rec


def test_spravka_names_the_lists_groups_pairs_and_other_assessments(documents):
    text = _text(documents["reports/mo01/2023/september/spravka.html"])
    assert "Перечень школ для адресной работы" in text
    assert "Школа fo только в перечне ФИОКО" in text
    assert "Школа lo2 только по методике муниципалитета" in text
    assert "Школа lo в обоих перечнях (по методике и ФИОКО)" in text
    # ШВОР with its rule and its figures: hi 80 % against 44 % (2022) and 35 % (2021)
    assert "не ниже доли по муниципалитету" in text
    assert "Школа hi 80,0 % 44,0 % 80,0 % 35,0 %" in text
    # ШНСУ: lo2 (also on the working list) and mid
    assert "Школа lo2 (также в перечне для адресной работы); Школа mid" in text
    # curator pairs and the flagged ones; lo2 has no curator
    assert "Школа lo Школа hi куратор из числа ШВОР" in text
    assert "Школа fo — Школа mid (куратор не входит в число ШВОР)" in text
    assert "Школа mid — Школа hi (курируемая школа не в перечне ШНОР)" in text
    assert "Куратор не назначен: Школа lo2" in text
    # other assessments of 2022/2023, municipality totals (one school each here)
    assert "НИКО, математика, 5 класс 1 20 35,0 % 7 из 20 25,0 %" in text
    assert "ВсОШ, муниципальный этап, математика 1 12 1 3 33,3 %" in text
    assert "Итоговое собеседование, 9 класс, повторно 1 3 33,3 %* 1 из 3 66,7 %*" in text
    assert "Функциональная грамотность, финансовая грамотность, 8 класс 1 25 20,0 % 5 из 25 40,0 %" in text
    assert "TIMSS, 8 класс 1 20 18 90,0 %" in text
    assert "квота участников не выполнена — Школа hi" in text
    assert "низкий результат (30 % и более участников на низшем уровне) — Школа lo" in text


def test_signed_spravka_has_no_codes_or_table_names(documents):
    text = _text(documents["reports/mo01/2023/september/spravka.html"])
    for word in ("niko_", "olympiad_", "intl_", "pair_status", "curator_not_shvor", "assessment_results",
                 "official_shnsu", "working_list", "seed"):
        assert word not in text, word


def test_bad_rows_of_a_new_source_are_quarantined_with_a_russian_message(tmp_path):
    """An unknown stage and more winners than participants: those two rows go to quarantine
    with file, sheet, row, column, value and rule; the nine good rows are loaded."""
    from edumon.config import load_config
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect

    inbox = tmp_path / "inbox"
    write_csv(inbox / "schools" / "registry.csv", [
        {"school_code": "hi", "school_name": "Школа hi", "municipality_code": "mo01", "municipality_name": "Округ"}])
    subjects = ["Математика", "Физика", "Химия", "Биология", "История", "Право", "Экономика", "Экология", "ОБЖ"]
    good = [["hi", s, "Школьный этап", 10, 1, 2] for s in subjects]
    write_xlsx(inbox / "2022" / "olympiad" / "vsosh.xlsx", "ВсОШ 2022/2023",
               ["Код ОО", "Предмет", "Этап", "Количество участников", "Количество победителей", "Количество призёров"],
               [*good, ["hi", "Астрономия", "Всероссийский этап", 2, 0, 1], ["hi", "Литература", "МЭ", 3, 2, 2]])
    con = connect(tmp_path / "w.duckdb")
    try:
        cfg = load_config()
        ingest_source(con, inbox, "schools", None, "r1", cfg)
        rep = ingest_source(con, inbox, "olympiad", 2022, "r1", cfg)
        messages = [p.message() for p in rep.problems]
        assert (rep.rows_loaded, rep.rows_quarantined) == (9, 2)
        assert messages[0] == ("файл «vsosh.xlsx», лист «Лист1», строка 12, столбец «Этап»: значение "
                               "«Всероссийский этап» — неизвестное значение (этап олимпиады)")
        assert messages[1].startswith("файл «vsosh.xlsx», лист «Лист1», строка 13")
        assert "Количество победителей" in messages[1] and "Количество участников" in messages[1]
        assert con.execute("SELECT count(*) FROM raw_olympiad WHERE ay = 2022").fetchone()[0] == 9
        assert con.execute("SELECT count(*) FROM quarantine WHERE source = 'olympiad'").fetchone()[0] == 2
    finally:
        con.close()
