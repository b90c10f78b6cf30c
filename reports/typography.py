"""Russian typography for documents: numbers, shares, plurals, dates, academic years.

Decimal comma, thin no-break space between thousands, «ёлочки», «15 сентября 2023 г.»,
«1 школа, 2 школы, 5 школ», «2023/2024 учебный год».
"""

from __future__ import annotations

from datetime import date

THIN_NBSP = "\u202f"
MONTHS_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря"]


def number(x, digits: int = 0) -> str:
    """1234567.891 → '1 234 567,9' (digits=1); None → '—'."""
    if x is None:
        return "—"
    try:
        if x != x:  # NaN
            return "—"
    except TypeError:
        pass
    text = f"{float(x):,.{digits}f}" if digits else f"{round(float(x)):,d}"
    return text.replace(",", THIN_NBSP).replace(".", ",")


def pct(x, digits: int = 1) -> str:
    """A percentage value (30 means 30 %) as '30,0 %'."""
    if x is None:
        return "нет данных"
    return f"{number(x, digits)}\u00a0%"


def share(numerator, denominator, digits: int = 1) -> str:
    if not denominator:
        return "нет данных"
    return pct(100.0 * numerator / denominator, digits)


def plural(n: int, one: str, few: str, many: str) -> str:
    """plural(1, 'школа', 'школы', 'школ') → 'школа'; 2 → 'школы'; 5, 11, 12 → 'школ'."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    return f"{number(n)} {plural(n, one, few, many)}"


def ru_date(d: date) -> str:
    return f"{d.day} {MONTHS_GENITIVE[d.month - 1]} {d.year} г."


def academic_year(ay: int) -> str:
    return f"{ay}/{ay + 1} учебный год"


def academic_year_short(ay: int) -> str:
    return f"{ay}/{ay + 1}"


def quoted(text: str) -> str:
    return f"«{text}»"


FILTERS = {
    "number": number,
    "pct": pct,
    "share": share,
    "plural": plural,
    "count": count,
    "ru_date": ru_date,
    "ay": academic_year,
    "ay_short": academic_year_short,
    "quoted": quoted,
}
