"""`[warehouse] ingest_lanes`: how many sources a cycle's ingest loads at once, from the run's
configuration, with EDUMON_INGEST_LANES over it (tasks/ingest_cycle.py::lanes)."""

from __future__ import annotations

import os

import pytest

from edumon.config import load_config
from tasks.ingest_cycle import LANES_ENV, lanes


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(LANES_ENV, raising=False)


def test_default_is_two_on_a_multicore_process(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert load_config()["warehouse"]["ingest_lanes"] == 0
    assert lanes(load_config()["warehouse"]) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert lanes(load_config()["warehouse"]) == 1


def test_a_municipality_file_sets_it(tmp_path):
    f = tmp_path / "mun.toml"
    f.write_text("[warehouse]\ningest_lanes = 1\n", encoding="utf-8")
    cfg = load_config(f)
    assert lanes(cfg["warehouse"]) == 1
    f.write_text("[warehouse]\ningest_lanes = 3\n", encoding="utf-8")
    assert lanes(load_config(f)["warehouse"]) == 3


def test_the_environment_overrides_the_file(monkeypatch):
    monkeypatch.setenv(LANES_ENV, "1")
    assert lanes({"ingest_lanes": 3}) == 1
