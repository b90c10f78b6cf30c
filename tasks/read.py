"""Read export files as users receive them into header-mapped tables of raw cells.

XLSX through python-calamine (DuckDB has no offline Excel reader), CSV in UTF-8 or
cp1251 with `;`, `,` or tab, Parquet as is (typed columns pass through untouched). The
header row is found by matching the source's aliases in the first rows of every
sheet, so title rows above the header are skipped; a two-row header whose parent cell
is merged over its children («Отметки» over «2» «3» «4» «5») is read as one. Every
data row keeps the row number the user sees in Excel (1-based, counting the title
rows), which is what error messages and the quarantine quote.

Hostile files are stopped before they are parsed: the file size, an XLSX's declared
uncompressed size and compression ratio (zip bombs) and each sheet's declared
dimension are checked against `[ingest]` limits. Formulas are never executed: XLSX
cells give the value Excel cached; a formula with no cached value, or a formula typed
as text in a CSV («=HYPERLINK(…)»), is rejected by the contract (schemas/contracts.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from schemas.cells import Formula  # noqa: F401  (re-exported: callers import it from here)
from schemas.sources import Source, alias_index, normalise_header

READABLE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".parquet"}

# Columns real exports carry that no rule needs: recognised and not loaded, without a
# warning per file (normalised as schemas.sources.normalise_header does).
IGNORED_HEADERS = frozenset({"учебник", "пол", "пол участника", "gender", "умк", "дата рождения", "примечание",
                             "фио", "фамилия", "имя", "отчество", "номер обучающегося", "номер участника",
                             "код региона", "наименование региона"})

# Defaults of the `[ingest]` limits, used when a caller passes none.
DEFAULT_LIMITS = {"max_file_mb": 100.0, "max_uncompressed_mb": 500.0, "max_compression_ratio": 100.0,
                  "max_sheet_rows": 300_000}


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
    header_row: int  # Excel row number of the header (the lower row of a two-row header)
    columns: dict[int, str]  # position in the row → canonical column
    headers: dict[str, str]  # canonical column → header as written in the file
    unknown_headers: list[str]
    rows: list[list[object]]
    row_numbers: list[int]
    title_lines: list[str] = field(default_factory=list)  # non-empty text above the header
    # canonical column → every position naming it (only when a header repeats)
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Russian warnings about what was skipped
    frame: object | None = None  # a typed pandas DataFrame (Parquet): canonical columns, no `rows`
    # cell-level findings of a special reader (schemas.contracts.Problem): their rows are rejected
    problems: list = field(default_factory=list)
    rebuilt: int = 0  # rows whose total a special reader rebuilt from the task points
    journal_dropped: int = 0  # rows whose unreadable optional journal mark was dropped


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class InboxFile(type(Path())):
    """A file found in a subfolder of a source folder (an archive unpacked as it comes):
    `relative` is its path below the source folder («5/Математика.xlsx»), which is the
    name shown to the user, logged and kept with every row."""

    relative: str = ""


def inbox_file(path: Path, relative: str) -> Path:
    p = InboxFile(path)
    p.relative = relative
    return p


def display_name(path: Path) -> tuple[str, str | None]:
    """The file's name as a person reads it, and a warning when it was not UTF-8. A file
    below the source folder keeps its relative path («5/Математика.xlsx», tasks.inbox).

    Names that arrive from Windows archives are often cp1251/cp866 bytes; Python keeps
    them as lone surrogates, which no database, JSON or XLSX accepts. They are decoded
    as cp1251 (the usual case) and the user is told."""
    relative = getattr(path, "relative", "")
    raw = os.fsencode(relative or path.name)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        name = raw.decode("cp1251", errors="replace")
        return name, (f"Имя файла «{name}» записано не в UTF-8 (байты {raw.hex(' ')[:60]}…): прочитано как "
                      f"Windows-1251. Переименуйте файл, чтобы имя читалось везде.")


def _mojibake(data: bytes) -> bool:
    """UTF-8 Cyrillic read as Windows-1251 («Р» or «С» followed by a byte 0x80–0xBF that
    Windows-1251 defines): the sign of lines in both encodings. Checked on the bytes, in
    numpy (a regex over the decoded text costs ≈ 0.2 s on a 17 MB file)."""
    import numpy as np

    b = np.frombuffer(data, np.uint8)
    if len(b) < 2:
        return False
    nxt = b[1:]
    return bool((((b[:-1] & 0xFE) == 0xD0) & ((nxt & 0xC0) == 0x80) & (nxt != 0x98)).any())


def _encoding(data: bytes, file: str) -> str | None:
    """The file's one encoding ("utf-8-sig" or "cp1251"), None when it mixes both; UTF-16,
    binary, KOI8-R/CP866 and undecodable files are refused (the rules of `decode_text`)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (data[:2000].count(b"\x00") > len(data[:2000]) // 8):
        raise ReadError(file, "файл в кодировке UTF-16 (или не текстовый): сохраните его как «CSV UTF-8» "
                              "или «CSV (разделители — точка с запятой)» в кодировке Windows-1251.")
    try:
        data.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    other = _other_cyrillic_encoding(data, data[:20000].decode("cp1251", errors="replace"))
    if other:
        raise ReadError(file, f"файл, по-видимому, в кодировке {other}: такие файлы не читаются — сохраните файл в "
                              f"UTF-8 или Windows-1251 (в Excel: «Сохранить как» → «CSV UTF-8»).")
    if _mojibake(data):
        return None
    if b"\x98" in data:  # the one byte Windows-1251 leaves undefined
        raise ReadError(file, "не удалось определить кодировку (ожидается UTF-8 или Windows-1251).")
    return "cp1251"


def decode_text(data: bytes, file: str) -> tuple[str, str | None]:
    """UTF-8 (with or without BOM) first, then cp1251, the two encodings exports use.

    A file mixing both (lines pasted from two sources) is decoded line by line, with a
    warning. UTF-16 and binary files are refused with the way to fix them."""
    encoding = _encoding(data, file)
    if encoding is not None:
        return data.decode(encoding), None
    lines, mixed = [], []
    for n, line in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
            if any(b > 0x7F for b in line):
                mixed.append(n)
        except UnicodeDecodeError:
            lines.append(line.decode("cp1251", errors="replace"))
    where = ", ".join(map(str, mixed[:10])) + (" …" if len(mixed) > 10 else "")
    return "\n".join(lines).lstrip("\ufeff"), (
        f"Файл «{file}» в смешанной кодировке: строки {where} записаны в UTF-8, остальные — в Windows-1251. "
        f"Каждая строка прочитана в своей кодировке; проверьте текст и сохраните файл в одной кодировке.")


# the most frequent letter pairs of Russian text
_BIGRAMS = frozenset("ст но то на ен ов ни ра во ко ро ан ер ре ал ли ол ра ат ор ел ет не по пр ва ие ия ая ой ый"
                     " ни ос ин ог ть ки ле ла ка ем об го де та ом ис".split())


def _russian_score(text: str) -> float | None:
    """Share of frequent Russian letter pairs among the pairs of Cyrillic letters (None: too
    few to say): about 0.3 for Russian text in any case, near 0 for text decoded with the
    wrong code page (KOI8-R or cp866 read as Windows-1251)."""
    low = text.lower()
    pairs = [low[i:i + 2] for i in range(len(low) - 1)
             if "\u0430" <= low[i] <= "\u044f" and "\u0430" <= low[i + 1] <= "\u044f"]
    if len(pairs) < 15:
        return None
    return sum(p in _BIGRAMS for p in pairs) / len(pairs)


def _other_cyrillic_encoding(data: bytes, as_cp1251: str) -> str | None:
    """KOI8-R or cp866 (DOS) text, which decodes as cp1251 without an error but as nonsense."""
    base = _russian_score(as_cp1251[:20000])
    if base is not None and base >= 0.2:
        return None
    best, name = base or 0.0, None
    for codec, title in (("koi8_r", "KOI8-R"), ("cp866", "CP866 (DOS)")):
        score = _russian_score(data[:20000].decode(codec, errors="replace"))
        if score is not None and score > best + 0.08:
            best, name = score, title
    return name


def _first_lines(text: str, n: int) -> list[str]:
    """`text.splitlines()[:n]` without splitting the whole text."""
    pos = -1
    for _ in range(n):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return text.splitlines()[:n]
    return text[:pos + 1].splitlines()[:n]


def _line_end(data: bytes, n: int) -> int:
    """The offset just after the n-th newline of `data` (its length when it has fewer)."""
    pos = -1
    for _ in range(n):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            return len(data)
    return pos + 1


def _sniff_delimiter(text: str) -> str:
    head = _first_lines(text, 30)
    best, best_score = ";", -1
    for d in (";", "\t", ","):
        counts = [line.count(d) for line in head if line.strip()]
        score = max(counts, default=0)
        if score > best_score:
            best, best_score = d, score
    return best


_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:?[A-Z]*(\d*)"')


def check_limits(path: Path, file: str, limits: dict | None = None) -> None:
    """Refuse oversized files and zip bombs before any parsing (limits from `[ingest]`)."""
    lim = {**DEFAULT_LIMITS, **(limits or {})}
    size = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return  # columnar, streamed by pyarrow: the country-scale path
    if size > lim["max_file_mb"] * 2**20:
        raise ReadError(file, f"файл слишком большой: {size / 2**20:.1f} МБ, допустимо не более "
                              f"{lim['max_file_mb']:g} МБ. Разделите его на части.")
    if suffix not in (".xlsx", ".xlsm"):
        return
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            declared = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if declared > lim["max_uncompressed_mb"] * 2**20 or declared / packed > lim["max_compression_ratio"]:
                raise ReadError(file, f"книга распаковывается в {declared / 2**20:.1f} МБ из {size / 2**20:.2f} МБ "
                                      f"(сжатие {declared / packed:.0f}:1; допустимо не более "
                                      f"{lim['max_uncompressed_mb']:g} МБ и {lim['max_compression_ratio']:g}:1) — "
                                      f"файл похож на «zip-бомбу» и не открывается.")
            for i in infos:
                if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
                    with z.open(i) as f:
                        m = _DIMENSION.search(f.read(4096))
                    if m and m.group(1) and int(m.group(1)) > lim["max_sheet_rows"]:
                        raise ReadError(file, f"лист объявляет {int(m.group(1))} строк, допустимо не более "
                                              f"{lim['max_sheet_rows']}. Разделите данные на несколько файлов.")
    except zipfile.BadZipFile as exc:
        raise ReadError(file, "файл с расширением .xlsx не является книгой Excel (повреждён или это "
                              "другой формат). Откройте его в Excel и сохраните как «Книга Excel».") from exc


def _formula_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """XLSX cells holding a formula with no cached value, or an Excel error (#N/A, #DIV/0!:
    calamine reads those as empty), per sheet: {sheet: {(row, col): marker text}}.

    calamine returns Excel's cached values (formulas are never evaluated here); a file
    written by a program that does not compute formulas has none, and such cells must
    not pass as empty. Sheets with no `<f>` element cost one substring search."""
    out: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
            for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
                target = targets.get(rid, "")
                member = target.lstrip("/") if target.startswith("/") else "xl/" + target
                try:
                    xml = z.read(member)
                except KeyError:
                    continue
                if b"<f" not in xml and b't="e"' not in xml:
                    continue
                cells = {}
                for ref, attrs, body in re.findall(rb'<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>', xml, flags=re.S):
                    error = b't="e"' in attrs
                    if error or (b"<f" in body and (b"<v>" not in body or b"<v></v>" in body or b"<v/>" in body)):
                        m = re.match(rb"([A-Z]+)(\d+)", ref)
                        col = 0
                        for ch in m.group(1):
                            col = col * 26 + ch - 64
                        v = re.search(rb"<v>(.*?)</v>", body, flags=re.S) if error else None
                        # an error cell is named by its error (#N/A, #DIV/0!…), the contract rejects it
                        cells[(int(m.group(2)), col - 1)] = (_unescape(v.group(1).decode("utf-8", "replace"))
                                                             if v else "#ОШИБКА") if error else \
                            "формула без вычисленного значения"
                if cells:
                    out[_unescape(name)] = cells
    except (zipfile.BadZipFile, KeyError):
        return {}
    return out


def _unescape(s: str) -> str:
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')




def _sheet_rows(sheet) -> list[tuple]:
    """A sheet's rows from row 1 and column A (what calamine's `to_python(skip_empty_area=False)`
    gives), as tuples: one row at a time, so no list per row lives on. The garbage collector
    walks every list alive at each full collection (≈ 0.1 s per 200,000 rows, several times
    over a sheet's reading and typing); a tuple of plain cells it stops tracking."""
    start = sheet.start
    pad = ("",) * start[1] if start else ()
    if pad:
        return [pad + tuple(r) for r in sheet.iter_rows()]
    return [tuple(r) for r in sheet.iter_rows()]


def read_sheets(path: Path, limits: dict | None = None,
                warnings: list[str] | None = None) -> list[tuple[str, list[list[object]]]]:
    """All sheets of a file as (sheet name, rows from row 1). CSV is one sheet named ''.
    Russian warnings (file name, mixed encoding) are appended to `warnings`."""
    file, name_warning = display_name(path)
    warnings = warnings if warnings is not None else []
    if name_warning:
        warnings.append(name_warning)
    check_limits(path, file, limits)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        text, warning = decode_text(path.read_bytes(), file)
        if warning:
            warnings.append(warning)
        rows = list(csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text)))
        return [("", rows)]
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        try:
            with open(path, "rb") as f:  # a file object: the name may not be valid UTF-8
                wb = CalamineWorkbook.from_filelike(f)
                sheets = [(name, _sheet_rows(wb.get_sheet_by_name(name))) for name in wb.sheet_names]
        except Exception as exc:  # calamine raises its own error types
            raise ReadError(file, f"не удалось открыть как книгу Excel ({exc}).") from exc
        formulas = _formula_cells(path) if suffix in (".xlsx", ".xlsm") else {}
        for name, rows in sheets:
            for (r, c), text in formulas.get(name, {}).items():
                if r - 1 < len(rows):
                    row = list(rows[r - 1])
                    row.extend([""] * (c + 1 - len(row)))
                    row[c] = Formula(text)
                    rows[r - 1] = tuple(row)
        return sheets
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        header = [table.column_names]
        body = [list(r.values()) for r in table.slice(0, 50).to_pylist()]
        return [("", header + body)]
    raise ReadError(file, f"формат {suffix or 'без расширения'} не поддерживается "
                          f"(ожидается XLSX, CSV или Parquet).")


def _blank(cell: object) -> bool:
    return cell is None or not str(cell).strip()


def has_data(row: list[object]) -> bool:
    """Whether any cell of the row is not blank (`_blank`), without a call per cell for
    text or numbers: `s.strip()` is empty exactly when `s` is empty or all whitespace."""
    for cell in row:
        if cell is None:
            continue
        kind = type(cell)
        if kind is str:
            if cell and not cell.isspace():
                return True
        elif kind is float or kind is int or not _blank(cell):  # a number's text is never blank
            return True
    return False


def _row_mapping(row: list[object], idx: dict[str, str]) -> tuple[dict[int, str], dict[str, list[int]]]:
    mapping: dict[int, str] = {}
    seen: dict[str, list[int]] = {}
    for pos, cell in enumerate(row):
        canon = idx.get(normalise_header(cell))
        if canon:
            seen.setdefault(canon, []).append(pos)
            if canon not in mapping.values():
                mapping[pos] = canon
    return mapping, {k: v for k, v in seen.items() if len(v) > 1}


def _merge_two_rows(upper: list[object], lower: list[object]) -> list[object]:
    """A two-row header as one: the lower cell where written (children under a merged
    parent), else the upper one (a cell merged down over both rows)."""
    n = max(len(upper), len(lower))
    up = list(upper) + [None] * (n - len(upper))
    lo = list(lower) + [None] * (n - len(lower))
    return [lo[i] if not _blank(lo[i]) else up[i] for i in range(n)]


def find_header(rows: list[list[object]], source: Source, search_rows: int, min_matches: int):
    """Index of the row that names most of the source's columns, with its mapping.

    Returns (index of the last header row, mapping, header cells, number of header rows)
    — (None, {}, [], 0) when no row qualifies."""
    idx = source_aliases(source)
    best = (None, {}, [], 0, 0)
    for i, row in enumerate(rows[:search_rows]):
        mapping, _ = _row_mapping(row, idx)
        if len(mapping) > best[4]:
            best = (i, mapping, list(row), 1, len(mapping))
        if i + 1 < len(rows):
            merged = _merge_two_rows(row, rows[i + 1])
            m2, _ = _row_mapping(merged, idx)
            # the two-row reading must name more columns than either row alone
            if len(m2) > best[4] and len(m2) > len(_row_mapping(rows[i + 1], idx)[0]):
                best = (i + 1, m2, merged, 2, len(m2))
    required = [c for c in source.columns if c.required]
    i, mapping, cells, nrows, score = best
    if i is None or score < min(min_matches, max(len(required), 1)):
        return None, {}, [], 0
    return i, mapping, cells, nrows


def header_score(rows: list[list[object]], source: Source, search_rows: int = 20) -> int:
    """How many of the source's columns the best header row names (source detection)."""
    _, mapping, _, _ = find_header(rows, source, search_rows, 1)
    return len(mapping)


def read_table(path: Path, source: Source, search_rows: int = 20, min_matches: int = 2,
               limits: dict | None = None, sheets: list | None = None, readers: tuple = ()) -> list[RawTable]:
    """Every sheet of the file that carries the source's header, as RawTables.

    `readers`: special readers the caller gives (e.g. tasks.fisoko.FisokoReader for the
    ФИС ОКО layouts), each with `read(path, source, sheets, search_rows)` → tables or None
    (asked first, in order) and `label(path, source, tables)` → tables (applied to what the
    generic reader read). This module knows none of them.

    Data ends at the first fully empty row after data, or at a row that repeats the
    header (a second table below the first); what lies below is reported, not loaded."""
    file, _ = display_name(path)
    if path.suffix.lower() == ".parquet":
        return [_parquet_table(path, file, source)]
    file_notes: list[str] = []
    sheets = sheets if sheets is not None else read_sheets(path, limits, file_notes)
    if all(not any(not _blank(c) for r in rows for c in r) for _, rows in sheets):
        names = ", ".join(f"«{s}»" for s, _ in sheets if s)
        raise ReadError(file, f"файл пуст: ни на одном листе нет данных{' (' + names + ')' if names else ''}.")
    for reader in readers:
        special = reader.read(path, source, sheets, search_rows)
        if special:
            if file_notes:
                special[0].notes = file_notes + special[0].notes
            return special
    tables = _read_sheets_generic(path, file, source, sheets, file_notes, search_rows, min_matches)
    for reader in readers:
        tables = reader.label(path, source, tables)
    return tables


def _read_sheets_generic(path, file, source, sheets, file_notes, search_rows, min_matches) -> list[RawTable]:
    tables = []
    for sheet, rows in sheets:
        i, mapping, cells, nrows = find_header(rows, source, search_rows, min_matches)
        if i is None:
            continue
        idx = source_aliases(source)
        _, dups = _row_mapping(cells, idx)
        headers = {}
        for pos, canon in mapping.items():
            headers[canon] = _header_text(rows, i, pos, nrows)
        unknown = [str(h).strip() for pos, h in enumerate(cells) if pos not in mapping
                   and not any(pos in v for v in dups.values()) and not _blank(h)
                   and normalise_header(h) not in IGNORED_HEADERS]
        header_norm = [normalise_header(c) for c in rows[i]]
        # the probe: the mapped column with the fewest distinct values near the top (a
        # vocabulary, «да/нет»), so its normalised form is nearly always cached
        positions = [p for p in sorted(mapping) if p < len(header_norm)] or [0]
        sample = rows[i + 1:i + 51]
        probe = min(positions, key=lambda p: len({str(r[p]) if p < len(r) else "" for r in sample}))
        body, numbers, notes = [], [], []
        started = False
        for j in range(i + 1, len(rows)):
            row = rows[j]
            if not has_data(row):
                if started:
                    rest = [k for k in range(j + 1, len(rows)) if any(not _blank(c) for c in rows[k])]
                    if rest:
                        notes.append(_skipped_note(file, sheet, j + 1, rest[0] + 1, rest[-1] + 1))
                    break
                continue
            # a repeated header: one cell compared first (one regex a row, not one a cell)
            if started and len(row) == len(header_norm) and _normalised(row[probe]) == header_norm[probe] \
                    and [normalise_header(c) for c in row] == header_norm:
                notes.append(_skipped_note(file, sheet, j + 1, j + 1, len(rows), repeat=True))
                break
            started = True
            body.append(row)
            numbers.append(j + 1)
        titles = [str(c).strip() for r in rows[:i - nrows + 1] for c in r if not _blank(c)]
        if nrows == 2:
            notes.append(f"Файл «{file}»{_sheet(sheet)}: заголовок занимает две строки "
                         f"({i}–{i + 1}, объединённые ячейки) и прочитан целиком.")
        tables.append(RawTable(file, sheet, i + 1, mapping, headers, unknown, body, numbers, titles,
                               duplicates=dups, notes=(file_notes if not tables else []) + notes))
    if not tables:
        names = ", ".join(f"«{c.aliases[0] if c.aliases else c.name}»" for c in source.columns if c.required)
        where = f"ни на одном листе ({', '.join(s for s, _ in sheets)})" if sheets and sheets[0][0] else ""
        raise ReadError(file, f"не найдена строка заголовков источника «{source.title}» {where}".rstrip()
                        + f". Ожидаются столбцы, например: {names}.")
    return tables


@lru_cache(maxsize=64)
def source_aliases(source: Source) -> dict[str, str]:
    """`alias_index` of a source, built once (a header search asks it for every file); read only."""
    return alias_index(source)


@lru_cache(maxsize=4096)
def _normalised_cached(cell: str) -> str:
    return normalise_header(cell)


def _normalised(cell: object) -> str:
    """`normalise_header`, cached: it depends on the cell's `str` only (a number's too)."""
    if isinstance(cell, str):
        return _normalised_cached(cell)
    return "" if cell is None else _normalised_cached(str(cell))


def _sheet(sheet: str) -> str:
    return f", лист «{sheet}»" if sheet else ""


def _header_text(rows, i, pos, nrows) -> str:
    lower = rows[i][pos] if pos < len(rows[i]) else None
    if nrows == 2:
        upper_row = rows[i - 1]
        upper = upper_row[pos] if pos < len(upper_row) else None
        if _blank(lower):
            return str(upper).strip()
        # the parent of a merged cell is written in its first column only
        parent = next((upper_row[k] for k in range(min(pos, len(upper_row) - 1), -1, -1)
                       if not _blank(upper_row[k])), None)
        if parent is not None and not _blank(parent) and (pos >= len(upper_row) or _blank(upper_row[pos])
                                                           or upper_row[pos] == parent):
            return f"{str(parent).strip()} / {str(lower).strip()}"
    return str(lower).strip()


def _skipped_note(file, sheet, stop_row, first, last, repeat=False) -> str:
    why = (f"строка {stop_row} повторяет заголовок" if repeat
           else f"после пустой строки {stop_row}")
    return (f"Файл «{file}»{_sheet(sheet)}: {why} — похоже, ниже начинается другая таблица; "
            f"строки {first}–{last} не загружены. Если это данные, удалите разрыв или вынесите таблицу "
            f"в отдельный файл.")


def parquet_columns(names: list[str], source: Source, file: str) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """A Parquet file's columns against the source: {position: canonical name}, {canonical:
    the file's name}, and the names that are not the source's (a name met twice counts once)."""
    idx = source_aliases(source)
    mapping, headers, unknown = {}, {}, []
    for pos, name in enumerate(names):
        canon = idx.get(_normalised(name))
        if canon and canon not in mapping.values():
            mapping[pos] = canon
            headers[canon] = name
        else:
            unknown.append(name)
    if not mapping:
        raise ReadError(file, f"в файле нет столбцов источника «{source.title}».")
    return mapping, headers, unknown


def _parquet_table(path: Path, file: str, source: Source) -> RawTable:
    """Parquet keeps its types: columns are renamed to canonical names and passed as a frame."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as f:  # one small file: no dataset, no thread pool
        table = f.read(use_threads=False)
    names = table.column_names
    if len(set(names)) < len(names):  # refused as the dataset reader refused it: a damaged file
        twice = sorted({n for n in names if names.count(n) > 1})
        raise pa.ArrowInvalid(f"Parquet file has duplicated columns: {', '.join(twice)}")
    mapping, headers, unknown = parquet_columns(table.column_names, source, file)
    frame = table.select([table.column_names[p] for p in mapping]).rename_columns(list(mapping.values()))
    df = frame.to_pandas()
    n = len(df)
    return RawTable(file, "", 1, {i: c for i, c in enumerate(mapping.values())}, headers, unknown, [],
                    range(2, n + 2), frame=df)


def read_csv_arrow(path: Path, source: Source, search_rows: int = 20, min_matches: int = 2,
                   limits: dict | None = None) -> RawTable | None:
    """A plain CSV (one table, no quotes, no blank or repeated-header rows, a one-row header)
    read in C by pyarrow into string columns: `RawTable.frame` is a pyarrow Table of the
    source's columns, `rows` stays empty. The header is found exactly as `read_table` finds
    it (on the first records, by the csv module); None when the file is not that plain, and
    the caller reads it with `read_table`, which gives the same rows on plain files."""
    import itertools

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    file, name_warning = display_name(path)
    check_limits(path, file, limits)
    data = path.read_bytes()
    encoding = _encoding(data, file)
    if encoding is None:
        return None  # both encodings: the generic reader decodes it line by line and says so
    warning = None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    if encoding == "utf-8-sig":
        encoding = "utf-8"
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
    # the header is found on the first lines only, decoded; the body goes to pyarrow as bytes
    head_text = data[:_line_end(data, max(30, search_rows + 1))].decode(encoding)
    delimiter = _sniff_delimiter(head_text)
    head = list(itertools.islice(csv.reader(io.StringIO(head_text), delimiter=delimiter), search_rows + 1))
    i, mapping, cells, nrows = find_header(head, source, search_rows, min_matches)
    if i is None or nrows != 1 or _row_mapping(cells, source_aliases(source))[1]:
        return None
    body = data[_line_end(data, i + 1):]
    # the body unquoted, and the header's lines the header's records (no quoted line break)
    if not body.strip() or b'"' in body or \
            list(csv.reader(head_text.split("\n", i + 1)[:i + 1], delimiter=delimiter)) != head[:i + 1]:
        return None
    ncols = len(head[i])
    names = [f"c{k}" for k in range(ncols)]
    try:  # pyarrow transcodes Windows-1251 while it streams (no decoded copy of the file in Python)
        table = pacsv.read_csv(io.BytesIO(body),
                               read_options=pacsv.ReadOptions(column_names=names, encoding=encoding),
                               parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False,
                                                                ignore_empty_lines=False),
                               convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                    strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # ragged rows, an empty line: the generic reader says what it does with them
    rest = table  # the rows not yet seen to hold a non-blank cell
    for n in names:
        rest = rest.filter(pc.invert(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(rest[n])), 0)))
        if not rest.num_rows:
            break
    if rest.num_rows:
        return None
    header_norm = [normalise_header(c) for c in head[i]]
    # any column finds a repeated header; the one with the fewest distinct values is the cheapest
    top = table.slice(0, 1000)
    probe = min(mapping, key=lambda p: pc.count_distinct(top[names[p]]).as_py())
    if any(normalise_header(v) == header_norm[probe] for v in pc.unique(table[names[probe]]).to_pylist()):
        return None  # a repeated header somewhere below
    notes = [w for w in (name_warning, warning) if w]
    headers = {canon: _header_text(head, i, pos, 1) for pos, canon in mapping.items()}
    unknown = [str(h).strip() for pos, h in enumerate(cells) if pos not in mapping and not _blank(h)
               and normalise_header(h) not in IGNORED_HEADERS]
    titles = [str(c).strip() for r in head[:i] for c in r if not _blank(c)]
    frame = pa.table([table[names[p]] for p in mapping], names=list(mapping.values()))
    n = table.num_rows
    return RawTable(file, "", i + 1, dict(enumerate(mapping.values())), headers, unknown, [],
                    range(i + 2, i + 2 + n), titles, notes=notes, frame=frame)
