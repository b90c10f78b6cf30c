"""Parsing one sheet's raw cells into typed columns (the pandas path of the clerk-sized
sources; the bulk sources are typed in DuckDB, tasks/bulk.py, with the same rules)."""

from __future__ import annotations

from itertools import zip_longest

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
    raw = pd.DataFrame(sheet_columns(t), dtype=object)
    raw.index = pd.RangeIndex(len(t.rows))
    return raw


def sheet_columns(t: RawTable) -> dict:
    """The cells of a sheet read row by row (`t.rows`), by canonical column: a column the
    rows are too short for is all None."""
    columns = transpose(t.rows)
    return {canon: columns[pos] if pos < len(columns) else [None] * len(t.rows) for pos, canon in t.columns.items()}


def transpose(rows: list) -> list:
    """The columns of a sheet's rows, short rows padded with None, transposed in C: rows of
    one width (every XLSX row calamine gives) as one 2-D object array (`zip_longest` makes an
    iterator per row, ≈ 0.3 s of allocations and garbage collection per 200,000 rows)."""
    if not rows:
        return []
    width = len(rows[0])
    if width and all(len(r) == width for r in rows):
        grid = np.empty((len(rows), width), dtype=object)
        grid[:] = rows
        return [grid[:, pos] for pos in range(width)]
    return [list(c) for c in zip_longest(*rows)]


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


def table_frames(ts: list[RawTable], source: Source) -> list[tuple[pd.DataFrame, pd.DataFrame, list[Problem]]]:
    """`table_frame` of each sheet, the Parquet sheets of one shape typed together.

    The typing is cell by cell, so one `parse_column` per column over the rows of all the
    regional Parquet files of a source-year (85 at country scale, a few hundred rows each)
    gives every cell what its own file's call gives it, without 85 × the pandas overhead of
    a call. The results are split back per sheet: the same typed frame, raw frame, problems
    and formula notes, in the same order, as `table_frame` of that sheet alone."""
    out: list = [None] * len(ts)
    groups: dict[tuple, list[int]] = {}
    for i, t in enumerate(ts):
        if t.frame is not None and isinstance(t.frame, pd.DataFrame) and not t.duplicates:
            key = tuple((str(c), str(d)) for c, d in t.frame.dtypes.items())
            groups.setdefault(key, []).append(i)
        else:
            out[i] = table_frame(t, source)
    for members in groups.values():
        if len(members) == 1:
            out[members[0]] = table_frame(ts[members[0]], source)
            continue
        for i, res in zip(members, _typed_together([ts[i] for i in members], source)):
            out[i] = res
    return out


def _typed_together(ts: list[RawTable], source: Source) -> list[tuple[pd.DataFrame, pd.DataFrame, list[Problem]]]:
    raws = [raw_frame(t) for t in ts]
    starts = np.cumsum([0] + [len(r) for r in raws])
    raw = pd.concat(raws, ignore_index=True)
    rows = [np.asarray(t.row_numbers, dtype="int64") for t in ts]
    typed_all = pd.DataFrame(index=raw.index)
    problems: list[list[Problem]] = [[] for _ in ts]
    for name in raw.columns:
        col = source.col(name)
        values, bad, rule = parse_column(raw[name], col)
        typed_all[name] = values
        flagged = (formula_like(values, col) & ~bad).to_numpy(dtype=bool)
        if flagged.any():
            for k, t in enumerate(ts):
                seg = flagged[starts[k]:starts[k + 1]]
                if seg.any():
                    part = values.iloc[starts[k]:starts[k + 1]][seg]
                    for value, n in part.value_counts(sort=False).sort_index().items():
                        t.notes.append(formula_like_warning(t.file, t.sheet, t.headers[name], str(value), int(n)))
        if bad.any():
            texts = _as_text(raw.loc[bad, name])
            for i, v in texts.items():
                k = int(np.searchsorted(starts, i, side="right")) - 1
                t = ts[k]
                why = rule_for(rule, i)
                problems[k].append(Problem(source.name, t.file, t.sheet, int(rows[k][i - starts[k]]), t.headers[name],
                                           "" if pd.isna(v) else str(v), why,
                                           code="formula" if why == RULE_TEXT["formula"] else col.type))
    # the per-sheet columns once for all the sheets (the same values and types as `table_frame`'s)
    sizes = np.diff(starts)
    typed_all["_file"] = np.repeat(np.array([t.file for t in ts], dtype=object), sizes)
    typed_all["_sheet"] = np.repeat(np.array([t.sheet for t in ts], dtype=object), sizes)
    typed_all["_row"] = pd.array(np.concatenate(rows), dtype="Int64")
    out = []
    for k, t in enumerate(ts):
        typed = typed_all.iloc[starts[k]:starts[k + 1]].reset_index(drop=True)
        problems[k] += duplicate_header_problems(t, source, rows[k])
        out.append((typed, raws[k], problems[k]))
    return out


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
