"""Pseudonymisation of participant ids (SPEC §3.1): a salted sha256, computed in DuckDB."""

from __future__ import annotations

import os

import pandas as pd

from schemas.contracts import Problem

# The SQL expression every path uses: the same digest as
# hashlib.sha256(f"{salt}|{id}".encode()).hexdigest()[:20]; NULL stays NULL.
HASH_SQL = "CASE WHEN {col} IS NULL THEN NULL ELSE substr(sha256($salt || '|' || {col}), 1, 20) END"


def salt(cfg) -> str:
    return os.environ.get(cfg["privacy"]["salt_env"], cfg["privacy"]["default_salt"])


def pseudonymise(ids: pd.Series, salt: str) -> pd.Series:
    """Salted sha256 of participant ids: the same id maps to the same code.

    Computed by DuckDB over the whole column (millions of ГИА rows)."""
    import duckdb

    frame = pd.DataFrame({"id": ids.astype("string")})
    con = duckdb.connect()
    try:
        con.register("ids", frame)
        out = con.execute(f"SELECT {HASH_SQL.format(col='id')} AS code FROM ids", {"salt": salt}).df()["code"]
    finally:
        con.close()
    return pd.Series(out.to_numpy(), index=ids.index, dtype="string")


def pseudonymise_rejects(rejected: pd.DataFrame, problems: list[Problem], salt: str) -> None:
    """Rejected rows keep their raw text, except the participant id: it is replaced by the
    same salted hash a loaded row gets, in the quarantine and in the messages (and so in
    the run's log), so no real id is stored anywhere (SPEC §3.1)."""
    if not len(rejected) or "participant_id" not in rejected:
        return
    raw = rejected["participant_id"].astype("string")
    hashed = pseudonymise(raw.where(raw.fillna("") != ""), salt)
    codes = {r: h for r, h in zip(raw, hashed) if isinstance(r, str) and r and isinstance(h, str)}
    rejected["participant_id"] = hashed.fillna("").to_numpy()
    for p in problems:
        if p.value in codes:
            p.value = codes[p.value]
