"""The analysis the справки write, on hand-made municipalities (tests/analysis_fixture.py):
the effectiveness of the measures names every ШНОР of last year with its figures; January
names the schools with no prevention system and gives each its recommendations."""

from __future__ import annotations

import pytest

from tests.analysis_fixture import AY, prevention_inbox, render_cycle, shnor_inbox
from tests.test_documents import text

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analysis-sep")
    return render_cycle(tmp, "september", shnor_inbox(tmp / "inbox"))


@pytest.fixture(scope="module")
def january(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analysis-jan")
    return render_cycle(tmp, "january", prevention_inbox(tmp / "inbox"))


def test_effectiveness_names_two_improved_and_one_worsened_school_with_figures(september):
    t = text(september[f"reports/mo1/{AY}/september/spravka.html"])
    section = t[t.index("4. Анализ эффективности принятых мер"):t.index("5. Мониторинг работы со ШНОР")]
    assert "В перечень ШНОР 2022/2023 учебного года входили 3 школы" in section
    # s1 16/40 = 40,0 % → 4/40 = 10,0 %; s2 12/40 = 30,0 % → 6/36 = 16,666… → 16,7 %
    assert (f"Положительная динамика (снижение удельного веса низких результатов) отмечается в 2 школах: "
            f"Школа 1 (с 40,0{NBSP}% до 10,0{NBSP}%), Школа 2 (с 30,0{NBSP}% до 16,7{NBSP}%).") in section
    # s3 14/40 = 35,0 % → 18/40 = 45,0 %
    assert f"Отрицательная динамика отмечается в 1 школе: Школа 3 (с 35,0{NBSP}% до 45,0{NBSP}%)." in section
    # s1 has no low result in 2022 → leaves; s2 (criterion 2) and s3 (criterion 1) stay
    assert "Вышли из перечня ШНОР: Школа 1." in section
    assert "Остаются в перечне: Школа 2, Школа 3" in section
    # the change as a noun phrase: 40,0 → 10,0 is a fall of 30,0 points
    assert f"снижение на 30,0{NBSP}п.{NBSP}п." in section and f"рост на 10,0{NBSP}п.{NBSP}п." in section
    conclusions = t[t.index("8. Выводы"):t.index("9. Рекомендации")]
    assert "Школа 1" in conclusions and "Школа 2" in conclusions and "Школа 3" in conclusions


def test_a_share_of_31_25_percent_prints_31_3_rounded_half_up_once(september):
    t = text(september[f"reports/mo1/{AY}/september/spravka.html"])
    # s2 ВПР maths 5 in 2022: 5 of 16 = 31,25 % → 31,3 % (half-to-even would print 31,2)
    assert f"2022/2023: ВПР, математика, 5 класс — 31,3{NBSP}% (5 из 16)" in t
    assert "31,2" not in t


def test_january_names_the_schools_without_a_prevention_system_and_recommends_each(january):
    base = f"reports/mo1/{AY}/january"
    t = text(january[f"{base}/spravka.html"])
    assert t.startswith("Аналитическая справка о результатах мониторинга профилактики учебной неуспешности "
                        "за I полугодие 2023/2024 учебного года")
    assert "20 января 2024 г." in t  # the cycle's date in the AY's second calendar year
    assert "Внутришкольная система профилактики учебной неуспешности не сформирована в 1 школе: Школа Б." in t
    # p2: 5 of 8 + 2 = 10 with ИОМ → 50,0 %; 1 of 2 failing at extra classes → 50,0 %
    assert f"Школа Б (50,0{NBSP}%, 5 из 10)" in t and f"Школа Б (50,0{NBSP}%, 1 из 2)" in t
    assert "Не представили отчёт за I полугодие: Школа В." in t
    assert "Руководителям общеобразовательных организаций (Школа Б) сформировать внутришкольную систему профилактики" in t
    # addressed recommendations: a section for Школа Б with the catalogue's measures, none for Лицей
    rec = text(january[f"{base}/recommendations.html"])
    assert "1. МБОУ «Школа Б»" in rec and "Лицей" not in rec
    assert "Утвердить локальным актом внутришкольную систему профилактики" in rec
    assert "Разработать индивидуальные образовательные маршруты (ИОМ) для всех слабоуспевающих" in rec


def test_cover_letter_and_a_municipality_s_own_date_and_number_come_from_configuration(tmp_path):
    docs = render_cycle(tmp_path, "january", prevention_inbox(tmp_path / "inbox"), report={
        "cover_letter": {"enabled": True, "addressee": "Руководителям общеобразовательных организаций",
                         "pages": "5"},
        "municipalities": {"mo1": {"dates": {"january": "2024-01-25"}, "numbers": {"january": "24-Исх-3168"}}}})
    t = text(docs[f"reports/mo1/{AY}/january/spravka.html"])
    assert t.startswith("Управление образования 25 января 2024 г. №\u00a024-Исх-3168 "
                        "Руководителям общеобразовательных организаций Уважаемые руководители!")
    assert "Приложение: на 5 л. в 1 экз." in t
    assert t.count("25 января 2024 г.") == 2  # the letter and the справка it covers
