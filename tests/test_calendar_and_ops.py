"""Calendar of the cycles (SPEC §3.2), the backfill order, and the operator's failure text."""

from __future__ import annotations

from datetime import date

import pytest

from edumon.calendar import backfill_plan, cycle_ay
from flows.common import _failure_markdown, artifact_key


def test_backfill_runs_cycles_in_calendar_order_year_by_year():
    assert backfill_plan(2022, 2023, ["june", "september", "october"]) == [
        (2022, "september"), (2022, "october"), (2022, "june"),
        (2023, "september"), (2023, "october"), (2023, "june")]


def test_backfill_rejects_unknown_cycles_and_reversed_ranges_in_russian():
    with pytest.raises(ValueError, match="Неизвестные циклы: may"):
        backfill_plan(2022, 2023, ["may"])
    with pytest.raises(ValueError, match="больше последнего"):
        backfill_plan(2023, 2022, ["june"])


def test_a_scheduled_run_takes_the_ay_it_belongs_to():
    # September/October 2023 → AY 2023; January and June 2024 close AY 2023
    assert cycle_ay("september", date(2023, 9, 15)) == 2023
    assert cycle_ay("october", date(2023, 10, 20)) == 2023
    assert cycle_ay("january", date(2024, 1, 20)) == 2023
    assert cycle_ay("june", date(2024, 6, 5)) == 2023


def test_failure_artifact_repeats_the_reason_and_says_what_to_do():
    md = _failure_markdown("june", 2023, RuntimeError("Файл p.csv, лист 1, строка 7, столбец «Полугодие»: «3» — вне 1…2"))
    assert "строка 7" in md and "2023/2024" in md and "запустите цикл" in md


def test_artifact_keys_are_lower_case_dashes():
    assert artifact_key("september-2023-spravka-MO_01 Город") == "september-2023-spravka-mo-01"
