"""The one configuration: rules and settings (config/edumon.toml) plus overrides.

A municipality's override file is merged key by key over the defaults. The rules'
identity — `definitions_version` — is the declared version plus a short hash of the
merged rules, so two runs with different thresholds never share a version.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "edumon.toml"
REFERENCE_DIR = ROOT / "config" / "reference"
SQL_DIR = ROOT / "sql"
TEMPLATES_DIR = ROOT / "reports" / "templates"


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
        rules = {k: v for k, v in self.items() if k not in ("report", "warehouse", "publish")}
        digest = hashlib.sha256(json.dumps(rules, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return f"{self['definitions']['version']}+{digest[:8]}"

    def sql_params(self) -> dict:
        """Flat parameters bound into the SQL models (names as `section_key`)."""
        params = {}
        for section in ("shnor", "shvor", "gia", "risk", "objectivity", "monitoring", "project_500plus", "plan"):
            for k, v in self[section].items():
                params[f"{section}_{k}"] = v
        return params


def load_config(override: str | Path | None = None, overrides: dict | None = None) -> Config:
    with open(DEFAULT_CONFIG, "rb") as f:
        data = tomllib.load(f)
    if override:
        with open(override, "rb") as f:
            data = _merge(data, tomllib.load(f))
    if overrides:
        data = _merge(data, overrides)
    return Config(data)
