"""A header written twice in one sheet: the first column is loaded, rows where the copies
differ are rejected (which value is right is the user's call)."""

from __future__ import annotations

import pandas as pd

from schemas.contracts import Problem, _as_text
from schemas.sources import Source
from tasks.read import RawTable


def duplicate_header_problems(t: RawTable, source: Source, row_numbers) -> list[Problem]:
    problems = []
    for canon, positions in t.duplicates.items():
        letters = " и ".join(col_letter(p) for p in positions)
        cells = [pd.Series([r[p] if p < len(r) else None for r in t.rows], dtype=object) for p in positions]
        texts = [_as_text(c) for c in cells]
        differ = pd.Series(False, index=texts[0].index)
        for other in texts[1:]:
            differ |= (texts[0].fillna("") != other.fillna(""))
        header = t.headers.get(canon, canon)
        for i in differ[differ].index:
            problems.append(Problem(
                source.name, t.file, t.sheet, int(row_numbers[i]), header,
                " / ".join("" if pd.isna(x[i]) else str(x[i]) for x in texts),
                f"столбец «{header}» повторяется в заголовке (столбцы {letters}) с разными значениями — "
                f"оставьте один столбец", code="duplicate_header"))
        t.notes.append(f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: столбец «{header}» "
                       f"повторяется в заголовке (столбцы {letters}); загружен первый.")
    return problems


def col_letter(pos: int) -> str:
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
