"""Parsing one sheet's raw cells into typed columns (the pandas path of the clerk-sized
sources; the bulk sources are typed in DuckDB, tasks/bulk.py, with the same rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.contracts import RULE_TEXT, Problem, _as_text, formula_like, formula_like_warning, parse_column, rule_for
from schemas.sources import Source
from tasks.header_repair import duplicate_header_problems
from tasks.read import RawTable


def raw_frame(t: RawTable) -> pd.DataFrame:
    """The sheet's raw cells, one column per canonical column."""
    if t.frame is not None:
        return t.frame.reset_index(drop=True)
    raw = pd.DataFrame({canon: [r[pos] if pos < len(r) else None for r in t.rows]
                        for pos, canon in t.columns.items()}, dtype=object)
    raw.index = pd.RangeIndex(len(t.rows))
    return raw


def table_frame(t: RawTable, source: Source) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """(typed frame, raw cell frame, parse problems) for one sheet.

    Whole columns at a time: a Python step per problem, never per cell of good data."""
    raw = raw_frame(t)
    row_numbers = np.asarray(t.row_numbers, dtype="int64")
    typed = pd.DataFrame(index=raw.index)
    problems = []
    for name in raw.columns:
        col = source.col(name)
        values, bad, rule = parse_column(raw[name], col)
        typed[name] = values
        flagged = formula_like(values, col) & ~bad
        if flagged.any():
            for value, n in values[flagged].value_counts(sort=False).sort_index().items():
                t.notes.append(formula_like_warning(t.file, t.sheet, t.headers[name], str(value), int(n)))
        if bad.any():
            texts = _as_text(raw.loc[bad, name])
            for i, v in texts.items():
                problems.append(Problem(source.name, t.file, t.sheet, int(row_numbers[i]), t.headers[name],
                                        "" if pd.isna(v) else str(v), rule_for(rule, i),
                                        code="formula" if rule_for(rule, i) == RULE_TEXT["formula"] else col.type))
    problems += duplicate_header_problems(t, source, row_numbers)
    typed["_file"] = t.file
    typed["_sheet"] = t.sheet
    typed["_row"] = pd.array(row_numbers, dtype="Int64")
    return typed, raw, problems


def missing_column_problems(t: RawTable, source: Source) -> list[Problem]:
    """A required column absent from the sheet: every row of the sheet gets the reason."""
    problems = []
    for c in source.columns:
        if c.required and c.name not in t.columns.values():
            for r in t.row_numbers:
                problems.append(Problem(source.name, t.file, t.sheet, int(r), c.title, "",
                                        f"в файле нет обязательного столбца «{c.title}»", code="missing_column"))
    return problems


def unknown_header_warning(t: RawTable) -> str | None:
    if not t.unknown_headers:
        return None
    return (f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: столбцы не распознаны "
            f"и не загружены: {', '.join('«' + h + '»' for h in t.unknown_headers)}.")


def empty_sheet_warning(t: RawTable) -> str:
    return (f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: под "
            f"заголовком (строка {t.header_row}) нет ни одной строки данных — загружено 0 строк.")
