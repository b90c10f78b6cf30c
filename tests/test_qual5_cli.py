"""The CLI starts Prefect's temporary server itself only when Prefect would start one:
no server of the user's in the environment or in the files Prefect reads its settings
from. (The server itself is exercised by every CLI run of the other test files.)"""

from __future__ import annotations

import pytest

from edumon import cli


@pytest.fixture()
def clean(tmp_path, monkeypatch):
    for name in ("PREFECT_API_URL", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_nothing_configured_means_the_temporary_server(clean):
    (clean / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (clean / "home" / "profiles.toml").write_text('active = "local"\n[profiles.local]\n'
                                                  'PREFECT_LOGGING_LEVEL = "INFO"\n', encoding="utf-8")
    assert cli._prefect_server_configured_outside() is False


@pytest.mark.parametrize("where, text", [
    ("home/profiles.toml", 'active = "srv"\n[profiles.srv]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'),
    ("prefect.toml", '[api]\nurl = "http://10.0.0.5:4200/api"\n'),
    (".env", "PREFECT_API_URL=http://10.0.0.5:4200/api\n"),
    ("pyproject.toml", '[tool.prefect.api]\nurl = "http://10.0.0.5:4200/api"\n'),
])
def test_a_server_in_a_settings_file_is_left_to_prefect(clean, where, text):
    (clean / where).write_text(text, encoding="utf-8")
    assert cli._prefect_server_configured_outside() is True


def test_a_server_in_the_environment_is_left_to_prefect(clean, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert cli._prefect_server_configured_outside() is True
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "false")
    assert cli._prefect_server_configured_outside() is True
