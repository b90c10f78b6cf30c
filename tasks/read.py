"""Read export files as users receive them into header-mapped tables of raw cells.

XLSX through python-calamine (DuckDB has no offline Excel reader), CSV in UTF-8 or
cp1251 with `;`, `,` or tab, Parquet as is. The header row is found by matching the
source's aliases in the first rows of every sheet, so title rows above the header
are skipped. Every data row keeps the row number the user sees in Excel (1-based,
counting the title rows), which is what error messages and the quarantine quote.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from schemas.sources import Source, alias_index, normalise_header

READABLE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".parquet"}


class ReadError(Exception):
    """A file that cannot be read at all: the file's name and the Russian reason."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"Файл «{file}»: {reason}")
        self.file = file
        self.reason = reason


@dataclass
class RawTable:
    """One sheet's data under a recognised header."""

    file: str
    sheet: str
    header_row: int  # Excel row number of the header
    columns: dict[int, str]  # position in the row → canonical column
    headers: dict[str, str]  # canonical column → header as written in the file
    unknown_headers: list[str]
    rows: list[list[object]]
    row_numbers: list[int]
    title_lines: list[str] = field(default_factory=list)  # non-empty text above the header
    notes: list[str] = field(default_factory=list)  # warnings for the load report (Russian)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first, then cp1251, the two encodings exports use."""
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReadError(file, "не удалось определить кодировку (ожидается UTF-8 или Windows-1251).")


def _sniff_delimiter(text: str) -> str:
    head = text.splitlines()[:30]
    best, best_score = ";", -1
    for d in (";", "\t", ","):
        counts = [line.count(d) for line in head if line.strip()]
        score = max(counts, default=0)
        if score > best_score:
            best, best_score = d, score
    return best


def read_sheets(path: Path) -> list[tuple[str, list[list[object]]]]:
    """All sheets of a file as (sheet name, rows from row 1). CSV is one sheet named ''."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        text = decode_text(path.read_bytes(), path.name)
        rows = list(csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text)))
        return [("", rows)]
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types
            raise ReadError(path.name, f"не удалось открыть как книгу Excel ({exc}).") from exc
        return [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in wb.sheet_names]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        header = [table.column_names]
        body = [list(r.values()) for r in table.to_pylist()]
        return [("", header + body)]
    raise ReadError(path.name, f"формат {suffix or 'без расширения'} не поддерживается "
                               f"(ожидается XLSX, CSV или Parquet).")


def find_header(rows: list[list[object]], source: Source, search_rows: int, min_matches: int):
    """Index of the row that names most of the source's columns, with its mapping."""
    idx = alias_index(source)
    best = (None, {}, 0)
    for i, row in enumerate(rows[:search_rows]):
        mapping = {}
        for pos, cell in enumerate(row):
            canon = idx.get(normalise_header(cell))
            if canon and canon not in mapping.values():
                mapping[pos] = canon
        if len(mapping) > best[2]:
            best = (i, mapping, len(mapping))
    # A one-column source (a list of codes) is recognised by its one column.
    required = [c for c in source.columns if c.required]
    i, mapping, score = best
    if i is None or score < min(min_matches, len(required)):
        return None, {}
    return i, mapping


def read_table(path: Path, source: Source, search_rows: int = 20, min_matches: int = 2) -> list[RawTable]:
    """Every sheet of the file that carries the source's header, as RawTables."""
    tables = []
    sheets = read_sheets(path)
    # ФИС ОКО's own layouts (ВПР folders) are turned into this source's canonical table first.
    from tasks.fisoko import read_fisoko

    special = read_fisoko(path, source, sheets, search_rows)
    if special:
        return special
    for sheet, rows in sheets:
        i, mapping = find_header(rows, source, search_rows, min_matches)
        if i is None:
            continue
        header = rows[i]
        headers = {canon: str(header[pos]).strip() for pos, canon in mapping.items()}
        unknown = [str(h).strip() for pos, h in enumerate(header)
                   if pos not in mapping and str(h if h is not None else "").strip()]
        body, numbers = [], []
        for j, row in enumerate(rows[i + 1:], start=i + 2):
            if not any(str(c if c is not None else "").strip() for c in row):
                continue
            body.append(row)
            numbers.append(j)
        titles = [str(c).strip() for r in rows[:i] for c in r if str(c if c is not None else "").strip()]
        tables.append(RawTable(path.name, sheet, i + 1, mapping, headers, unknown, body, numbers, titles))
    if not tables:
        names = ", ".join(f"«{c.aliases[0] if c.aliases else c.name}»" for c in source.columns if c.required)
        where = f"ни на одном листе ({', '.join(s for s, _ in sheets)})" if sheets and sheets[0][0] else ""
        raise ReadError(path.name, f"не найдена строка заголовков источника «{source.title}» {where}".rstrip()
                        + f". Ожидаются столбцы, например: {names}.")
    return tables
