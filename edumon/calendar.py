"""Which AY a cycle run on a given date belongs to (SPEC §3.2): a cycle is named by the AY
in which it runs. September and October of year Y run the cycles of AY Y; January and
June of year Y run those of AY Y − 1 (the second half of the AY). Used when a scheduled
deployment starts a cycle without an explicit `ay`."""

from __future__ import annotations

from datetime import date

# calendar order within one AY: a backfill runs them in this order (later rules read
# earlier lists: a risk school "eliminated" needs last year's list)
CYCLE_ORDER = ("september", "october", "january", "june")


def cycle_ay(cycle: str, today: date) -> int:
    if cycle in ("september", "october"):
        return today.year if today.month >= 8 else today.year - 1
    return today.year - 1 if today.month <= 8 else today.year


def backfill_plan(from_ay: int, to_ay: int, cycles: list[str]) -> list[tuple[int, str]]:
    """[(AY, cycle)] in calendar order: September AY, October AY, January AY, June AY, next AY."""
    unknown = sorted(set(cycles) - set(CYCLE_ORDER))
    if unknown:
        raise ValueError(f"Неизвестные циклы: {', '.join(unknown)}. Допустимы: {', '.join(CYCLE_ORDER)}.")
    if to_ay < from_ay:
        raise ValueError(f"Первый учебный год ({from_ay}) больше последнего ({to_ay}).")
    return [(ay, c) for ay in range(from_ay, to_ay + 1) for c in CYCLE_ORDER if c in cycles]
