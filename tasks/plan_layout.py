"""Plan-of-measures files in the seeds' own layouts (issue 14, item 1).

The municipal plans of seed 000 and the roadmap of seed 001 are tables a person typed,
not exports: a section title sits on a row of its own inside the table
(«Нормативно-правовое обеспечение (сопровождение)», «1. Нормативно-правовое обеспечение»),
a long cell is sometimes broken over two rows (a row with no number that continues the
measure above), and a municipality's plan may arrive in a folder of its own
(`inbox/<AY>/plan/<municipality>/…`). This module turns one sheet of such a file into the
canonical `plan` table before it is typed and checked:

* a section row (one text on the row, starting it — column A or the № column — and not a
  bare number) becomes the `section` of the measures below it, and is not a row of the
  table (so it is not rejected);
* a continuation row (no number, no due date, not a section) is appended to the measure
  above it; a row with no number but a due date of its own is a measure, numbered by its
  place among the sheet's measures (seed 003's plan of the year numbers none);
* a file under `plan/<folder>/` gets `municipality_code` = the folder name where the
  file has no municipality of its own.

Everything else (statuses in «Результат», exact dates, «Ожидаемый результат» kept apart
from the achieved result) is the warehouse's job: sql/mart_plan_status.sql. Called from
tasks/ingest.py `check_files` (one line) and, for the file list, `ingest_source`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from tasks.read import RawTable

_BARE_NUMBER = re.compile(r"^\s*[0-9]+(\s*[.)]\s*[0-9]+)*\s*[.)]?\s*$")


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell != cell:  # NaN
        return ""
    return str(cell).strip()


def municipality_of(path: Path) -> str | None:
    """The municipality folder a plan file lies in (`…/plan/<municipality>/file`), or None."""
    return path.parent.name if path.parent.parent.name == "plan" else None


def _append(table: RawTable, canon: str, header: str) -> int:
    """Position of a canonical column, added at the end of every row when absent."""
    for pos, name in table.columns.items():
        if name == canon:
            return pos
    width = max([len(r) for r in table.rows] + [max(table.columns, default=-1) + 1])
    table.columns[width] = canon
    table.headers[canon] = header
    for r in table.rows:
        r.extend([None] * (width + 1 - len(r)))
    return width


def normalise(table: RawTable, path: Path | None = None) -> RawTable:
    """The sheet with section rows turned into `section`, continuation rows joined to the
    measure above and the municipality of a per-municipality folder filled in."""
    if table.frame is not None:  # a Parquet table is already canonical
        return table
    t = replace(table, columns=dict(table.columns), headers=dict(table.headers),
                rows=[list(r) for r in table.rows], row_numbers=list(table.row_numbers))
    pos = {name: p for p, name in t.columns.items()}
    no_pos, due_pos = pos.get("measure_no"), pos.get("due")
    has_section_col = "section" in pos
    sec_pos = _append(t, "section", "Раздел (строка раздела в таблице)")
    mun = municipality_of(path) if path is not None else None
    mun_pos = _append(t, "municipality_code", "Муниципалитет (папка файла)") if mun else None

    rows, numbers = [], []
    section: str | None = None
    for row, number in zip(t.rows, t.row_numbers):
        texts = [_text(c) for c in row]
        filled = [(i, s) for i, s in enumerate(texts) if s]
        distinct = {s for _, s in filled}
        number_text = texts[no_pos] if no_pos is not None and no_pos < len(texts) else ""
        if filled and all(_BARE_NUMBER.match(s) for _, s in filled) and len(filled) > 1:
            continue  # the columns' numbering under the header («1 2 3 4 5»)
        # a section title starts the row (merged from column A, or in the № column); one text
        # further right is the rest of a measure's cell (seed 003: «оценочных процедур»)
        if len(distinct) == 1 and not _BARE_NUMBER.match(next(iter(distinct))) \
                and filled[0][0] in (0, no_pos) and (not number_text or number_text in distinct):
            section = next(iter(distinct))  # a section title on a row of its own
            continue
        due_text = texts[due_pos] if due_pos is not None and due_pos < len(texts) else ""
        if not number_text and due_text and no_pos is not None:
            # a measure without a number, with its own due date (seed 003's plan of the
            # year numbers none): numbered by its place among the sheet's measures
            number_text = str(len(rows) + 1)
            row[no_pos] = number_text
        if not number_text and rows and filled:
            prev = rows[-1]  # a cell broken over two rows: the rest of the measure above
            for i, s in filled:
                old = _text(prev[i]) if i < len(prev) else ""
                prev[i] = f"{old} {s}".strip() if old else s
            continue
        if not has_section_col or not texts[sec_pos]:
            row[sec_pos] = section
        if mun_pos is not None and not texts[mun_pos]:
            row[mun_pos] = mun
        rows.append(row)
        numbers.append(number)
    t.rows, t.row_numbers = rows, numbers
    return t


class PlanReader:
    """The seeds' plan layouts as a reader given to `tasks.read.read_table` (as the ФИС ОКО
    layouts are): it reads nothing itself and normalises the plan's sheets the generic
    reader read (`normalise`)."""

    def read(self, path: Path, source, sheets, search_rows: int = 20):
        return None

    def label(self, path: Path, source, tables: list) -> list:
        return [normalise(t, path) for t in tables] if source.name == "plan" else tables
