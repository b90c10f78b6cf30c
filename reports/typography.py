"""Russian typography for documents: numbers, shares, plurals, dates, academic years.

Decimal comma, thin no-break space between thousands, «ёлочки», «15 сентября 2023 г.»,
«1 школа, 2 школы, 5 школ», «2023/2024 учебный год».
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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
    text = f"{half_up(x, digits):,.{digits}f}"
    return text.replace(",", THIN_NBSP).replace(".", ",")


def half_up(x, digits: int = 0) -> Decimal:
    """Round once, half away from zero, as Excel does: 31.25 → 31.3, 56.25 → 56.3,
    100 · 1157 / 13226 = 8.7479… → 8.7. The float is first read at Excel's 15 significant
    digits, so 0.1 + 0.2 counts as 0.3 and 2.675 as 2.675 (not 2.67499…)."""
    d = Decimal(f"{float(x):.15g}")
    return d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def pct(x, digits: int = 1) -> str:
    """A percentage value (30 means 30 %) as '30,0 %'."""
    if x is None:
        return "нет данных"
    return f"{number(x, digits)}\u00a0%"


def share(numerator, denominator, digits: int = 1) -> str:
    """The share printed from the exact numerator and denominator, rounded once here."""
    if not denominator or numerator is None:
        return "нет данных"
    return pct(Decimal(100) * Decimal(str(numerator)) / Decimal(str(denominator)), digits)


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


def change_pp(x, better: str = "lower") -> str:
    """A change of a share in percentage points, as a noun phrase that needs no agreement:
    «снижение на 12,5 п. п.», «рост на 3,0 п. п.», «без изменений»; None → «нет данных»."""
    if x is None:
        return "нет данных"
    r = half_up(x, 1)
    if r == 0:
        return "без изменений"
    word = "снижение" if r < 0 else "рост"
    return f"{word} на {number(abs(r), 1)}\u00a0п.\u00a0п."


def tidy(html: str) -> str:
    """One period where an abbreviation ends a sentence («п. п..» → «п. п.», «г..» → «г.»)."""
    return html.replace("п..", "п.").replace("г..", "г.").replace(" .", ".")


def tie(html: str) -> str:
    """No-break spaces where a line must not break: after «№» and inside «п. п.» (pct puts
    one between a number and «%»)."""
    return html.replace("№ ", "№\u00a0").replace("п. п.", "п.\u00a0п.")


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
    "change_pp": change_pp,
}
