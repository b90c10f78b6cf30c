"""Russian typography of the documents (reports/typography.py): plural agreement, decimal
comma, thin no-break space between thousands, dates, academic years, «ёлочки»."""

from __future__ import annotations

from datetime import date

import pytest

from reports import typography as t

NNBSP = "\u202f"  # thin no-break space
NBSP = "\u00a0"


@pytest.mark.parametrize("n, word", [
    (1, "школа"), (2, "школы"), (4, "школы"), (5, "школ"), (11, "школ"), (12, "школ"), (14, "школ"),
    (21, "школа"), (22, "школы"), (25, "школ"), (101, "школа"), (111, "школ"), (112, "школ"), (0, "школ"),
])
def test_plural_agrees_with_the_number(n, word):
    assert t.plural(n, "школа", "школы", "школ") == word


def test_count_puts_number_and_noun_together():
    assert t.count(1, "школа", "школы", "школ") == "1 школа"
    assert t.count(21, "школа", "школы", "школ") == "21 школа"
    # 1 234 → thin no-break space; 1234 ends in 4 → «школы»
    assert t.count(1234, "школа", "школы", "школ") == f"1{NNBSP}234 школы"


def test_numbers_use_decimal_comma_and_thin_space_thousands():
    assert t.number(1234567.891, 1) == f"1{NNBSP}234{NNBSP}567,9"
    assert t.number(999) == "999"
    assert t.number(1000) == f"1{NNBSP}000"
    assert t.number(None) == "—"
    assert t.number(float("nan")) == "—"


def test_shares_are_percent_with_comma_and_no_break_before_the_sign():
    assert t.pct(30) == f"30,0{NBSP}%"
    assert t.pct(33.333, 1) == f"33,3{NBSP}%"
    # 4 of 12 = 33,333… % → «33,3 %»; 9 of 40 = 22,5 %
    assert t.share(4, 12) == f"33,3{NBSP}%"
    assert t.share(9, 40) == f"22,5{NBSP}%"
    assert t.share(1, 0) == "нет данных"


def test_dates_and_academic_years():
    assert t.ru_date(date(2023, 9, 15)) == "15 сентября 2023 г."
    assert t.ru_date(date(2024, 3, 1)) == "1 марта 2024 г."
    assert t.academic_year(2023) == "2023/2024 учебный год"
    assert t.academic_year_short(2019) == "2019/2020"


def test_quotes_are_yolochki():
    assert t.quoted("ЦРО") == "«ЦРО»"
