"""The warehouse's DuckDB settings: `[warehouse]` defaults, `threads = 0` = the cores this
process may run on, explicit values and the environment override them."""

from __future__ import annotations

import os

from edumon.config import load_config
from tasks.warehouse import connect


def _settings(con):
    return con.execute("SELECT current_setting('threads'), current_setting('memory_limit'), "
                       "current_setting('temp_directory')").fetchone()


def test_defaults_are_two_gigabytes_and_the_process_cores(tmp_path, monkeypatch):
    for env in ("EDUMON_DUCKDB_THREADS", "EDUMON_DUCKDB_MEMORY_LIMIT", "EDUMON_DUCKDB_TEMP_DIRECTORY"):
        monkeypatch.delenv(env, raising=False)
    assert load_config()["warehouse"]["memory_limit"] == "2GB"
    con = connect(tmp_path / "w.duckdb")
    try:
        threads, memory, temp = _settings(con)
    finally:
        con.close()
    assert threads == len(os.sched_getaffinity(0))
    assert memory == "1.8 GiB"  # DuckDB shows 2 GB (10^9 bytes) in GiB
    assert temp == str(tmp_path / "w.duckdb.tmp")


def test_explicit_settings_and_the_environment_win(tmp_path, monkeypatch):
    con = connect(tmp_path / "a.duckdb", {"threads": 1, "memory_limit": "512MB", "temp_directory": ""})
    try:
        assert _settings(con)[:2] == (1, "488.2 MiB")
    finally:
        con.close()
    monkeypatch.setenv("EDUMON_DUCKDB_MEMORY_LIMIT", "256MB")
    monkeypatch.setenv("EDUMON_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    con = connect(tmp_path / "b.duckdb", {"threads": 0, "memory_limit": "2GB", "temp_directory": ""})
    try:
        assert _settings(con)[1:] == ("244.1 MiB", str(tmp_path / "spill"))
    finally:
        con.close()
