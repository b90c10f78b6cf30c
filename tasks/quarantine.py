"""Rejected rows into `quarantine`, with their raw text and every reason."""

from __future__ import annotations

import json

import pandas as pd

from schemas.contracts import Problem


def reasons_by_row(problems: list[Problem]) -> dict[tuple, list[str]]:
    reasons: dict[tuple, list[str]] = {}
    for p in problems:
        reasons.setdefault((p.file, p.sheet, p.row), []).append(p.message())
    return reasons


def quarantine_rows(run_id: str, source: str, ay, rejected: pd.DataFrame, problems: list[Problem], now) -> list:
    reasons = reasons_by_row(problems)
    rows = []
    if len(rejected):
        data = [c for c in rejected.columns if not c.startswith("_")]
        for rec in rejected[data + ["_file", "_sheet", "_row"]].itertuples(index=False, name=None):
            key = (rec[-3], rec[-2], int(rec[-1]))
            raw = dict(zip(data, rec[:len(data)]))
            rows.append((run_id, source, ay, key[0], key[1], key[2],
                         "\n".join(reasons.get(key, []) + reasons.get((key[0], "", None), [])),
                         json.dumps(raw, ensure_ascii=False), now))
    for (file, sheet, row), msgs in reasons.items():
        if row is None:  # a file that could not be read at all
            rows.append((run_id, source, ay, file, sheet, None, "\n".join(msgs), None, now))
    return rows


def write_quarantine(con, rows: list) -> None:
    if rows:
        con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
