"""The one configuration: rules and settings (config/edumon.toml) plus overrides.

A municipality's override file is merged key by key over the defaults; a key the
defaults do not have is an error naming it (a typo never passes silently). The rules'
identity — `definitions_version` — is the declared version plus a short hash of the
merged rules, so two runs with different thresholds never share a version.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "edumon.toml"
REFERENCE_DIR = ROOT / "config" / "reference"
SQL_DIR = ROOT / "sql"
TEMPLATES_DIR = ROOT / "reports" / "templates"


# tables whose keys are open: a municipality may name other sources a cycle reads
OPEN_TABLES = ("cycles.*.sources",)


class ConfigError(ValueError):
    """A configuration file the user must fix (Russian message naming file and key)."""


def _open(path: str) -> bool:
    parts = path.split(".")
    return any(len(parts) == len(p.split(".")) and all(a == b or b == "*" for a, b in zip(parts, p.split(".")))
               for p in OPEN_TABLES)


def unknown_keys(base: dict, over: dict, path: str = "") -> list[tuple[str, list[str]]]:
    """Keys of `over` that `base` does not have, dotted, each with the closest known names."""
    out = []
    for k, v in over.items():
        here = f"{path}.{k}" if path else k
        if k not in base:
            if not _open(path):
                out.append((here, difflib.get_close_matches(k, list(base), n=2, cutoff=0.6)))
        elif isinstance(v, dict) and isinstance(base[k], dict):
            out += unknown_keys(base[k], v, here)
    return out


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


class Config(dict):
    """The merged configuration as a dict, with the rules' version attached."""

    @property
    def definitions_version(self) -> str:
        rules = {k: v for k, v in self.items() if k not in ("report", "warehouse", "publish", "export")}
        digest = hashlib.sha256(json.dumps(rules, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return f"{self['definitions']['version']}+{digest[:8]}"

    def sql_params(self) -> dict:
        """Flat parameters bound into the SQL models (names as `section_key`)."""
        params = {}
        for section in ("shnor", "shvor", "gia", "risk", "objectivity", "monitoring", "project_500plus", "plan",
                        "assessments"):
            for k, v in self[section].items():
                params[f"{section}_{k}"] = v
        return params


def load_config(override: str | Path | None = None, overrides: dict | None = None) -> Config:
    with open(DEFAULT_CONFIG, "rb") as f:
        data = tomllib.load(f)
    if override:
        try:
            with open(override, "rb") as f:
                extra = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError(f"Файл правил муниципалитета не найден: {override}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"Файл правил {override}: ошибка синтаксиса TOML ({e}).") from None
        unknown = unknown_keys(data, extra)
        if unknown:
            names = "; ".join(f"«{k}»" + (f" (может быть, {', '.join('«' + c + '»' for c in near)}?)" if near else "")
                              for k, near in unknown)
            raise ConfigError(f"Файл правил {override}: неизвестные параметры {names}. Таких нет в "
                              f"config/edumon.toml: исправьте опечатку или уберите их.")
        data = _merge(data, extra)
    if overrides:
        data = _merge(data, overrides)
    return Config(data)
