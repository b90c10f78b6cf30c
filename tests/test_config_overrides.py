"""A municipality's override file: known keys change the rules, an unknown key (a typo)
is an error naming it, never silently ignored."""

from __future__ import annotations

import pytest

from edumon.config import ConfigError, load_config


def test_a_known_key_changes_the_rule(tmp_path):
    path = tmp_path / "mo.toml"
    path.write_text("[shnor]\ncriterion2_reading = \"same\"\n", encoding="utf-8")
    assert load_config(path)["shnor"]["criterion2_reading"] == "same"


def test_an_unknown_key_is_an_error_naming_it_and_the_close_name(tmp_path):
    path = tmp_path / "mo.toml"
    path.write_text("[shnor]\ncriterion2_readin = \"same\"\n[publsh]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "«shnor.criterion2_readin»" in message and "«criterion2_reading»" in message
    assert "«publsh»" in message and "«publish»" in message and str(path) in message


def test_a_cycle_may_read_another_source(tmp_path):
    path = tmp_path / "mo.toml"
    path.write_text("[cycles.january.sources]\nstaff = [0]\n", encoding="utf-8")
    assert load_config(path)["cycles"]["january"]["sources"]["staff"] == [0]
