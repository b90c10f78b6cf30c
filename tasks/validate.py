"""`edumon validate`: check export files the way the load does, without loading them.

For the clerk before sending a file, and the analyst before a run: the source is
detected from the headers (every source's aliases are scored), the files are read,
typed and checked with the same contract as the load (tasks.ingest.check_files), and
every problem is listed in Russian, grouped by rule: the first screenful printed, the
full list saved as XLSX. No Prefect, no Great Expectations on this path.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from schemas.contracts import Problem
from schemas.sources import SOURCES, Source
from tasks.ingest import CheckResult, check_files
from tasks.read import ReadError, display_name, header_score, read_sheets
from tasks import keys


@dataclass
class Detection:
    source: Source | None
    scores: dict[str, int]
    reason: str = ""
    ties: list[str] = field(default_factory=list)  # sources the headers fit equally well


def detect_source(path: Path, limits: dict | None = None, search_rows: int = 20) -> Detection:
    """The source whose aliases name most columns of the file's best header row.

    Fewer than two named columns is not a detection; nor is a tie (the ФИС ОКО exports of
    ВПР and НИКО share one layout), unless the file lies in the inbox folder of one of the
    tied sources (`…/2022/niko/file.xlsx`), as the load would read it. Otherwise the user is
    asked for `--source`."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        sheets = [("", [pq.read_schema(path).names])]
    else:
        sheets = read_sheets(path, limits)
    scores = {}
    for name, src in SOURCES.items():
        scores[name] = max((header_score(rows, src, search_rows) for _, rows in sheets), default=0)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    if score < 2:
        return Detection(None, scores, "не найдено ни одного знакомого заголовка столбца")
    if len(ranked) > 1 and ranked[1][1] == score:
        ties = [n for n, s in ranked if s == score]
        if path.parent.name in ties:
            return Detection(SOURCES[path.parent.name], scores, ties=ties)
        return Detection(None, scores, f"заголовки подходят сразу к нескольким источникам: {', '.join(ties)}",
                         ties=ties)
    return Detection(SOURCES[best], scores)


def group_problems(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    """Problems grouped by rule (largest group first), each group in file/row order."""
    groups: dict[str, list[Problem]] = {}
    for p in problems:
        groups.setdefault(p.rule if p.code in ("", "file", "damaged", "empty") else (p.code + "|" + _generic(p)), []).append(p)
    out = []
    for key, items in groups.items():
        items.sort(key=lambda p: (p.file, p.sheet, p.row or 0))
        out.append((_generic(items[0]), items))
    return sorted(out, key=lambda kv: -len(kv[1]))


def _generic(p: Problem) -> str:
    return p.rule


def format_report(file_label: str, source: Source, res: CheckResult, max_lines: int = 30) -> list[str]:
    """The screenful: a summary line, then the groups with their first messages."""
    bad = len(res.rejected) if res.rejected is not None else 0
    lines = [f"{file_label}: источник «{source.title}» ({source.name}); строк {res.rows_in}, "
             f"без ошибок {res.rows_in - bad}, с ошибками {bad}."]
    for w in res.warnings:
        lines.append(f"  Предупреждение: {w}")
    for n in res.notes:
        lines.append(f"  Примечание: {n}")
    shown = 0
    for rule, items in group_problems(res.problems):
        lines.append(f"  Правило: {rule} — {len(items)} шт.")
        for p in items:
            if shown >= max_lines:
                break
            lines.append(f"    • {outcome(p)}")
            shown += 1
        if shown >= max_lines:
            lines.append("    …")
            break
    return lines


def outcome(p: Problem) -> str:
    """The message with what the load will do: a row named by a problem is not loaded."""
    msg = p.message()
    if p.row is None or "строка не будет загружена" in msg:
        return msg
    return f"{msg}; строка не будет загружена"


def excluded_participants(con, reads: list[tuple[str, int | None]]) -> list[tuple]:
    """Pupils excluded from the school figures: rejected participant rows of the latest
    successful load of each (source, AY) the cycle reads, counted per school, grade and
    subject as written in the file — (source, AY, school, grade, subject, pupils). School
    level only: no participant id leaves the warehouse."""
    pairs = [(s, a) for s, a in reads if s in SOURCES and SOURCES[s].participant_level]
    if not pairs:
        return []
    values = ", ".join(["(?, ?)"] * len(pairs))
    args = [x for pair in pairs for x in pair]
    return con.execute(f"""
        WITH reads(source, ay) AS (VALUES {values}),
        latest AS (
            SELECT f.source, f.ay, arg_max(f.run_id, f.loaded_at) AS run_id
            FROM ingest_files f JOIN reads r ON f.source = r.source AND f.ay IS NOT DISTINCT FROM r.ay
            GROUP BY f.source, f.ay)
        SELECT q.source, q.ay, coalesce(json_extract_string(q.raw_json, '$.school_code'), '') AS school,
               coalesce(json_extract_string(q.raw_json, '$.grade'), '') AS grade,
               coalesce(json_extract_string(q.raw_json, '$.subject'), '') AS subject, count(*) AS pupils
        FROM quarantine q JOIN latest l
          ON q.source = l.source AND q.ay IS NOT DISTINCT FROM l.ay AND q.run_id = l.run_id
        WHERE q.row IS NOT NULL
        GROUP BY ALL ORDER BY ALL""", args).fetchall()


def problems_xlsx(problems: list[Problem], warnings: list[str], excluded: list[tuple] | None = None) -> bytes:
    """Every problem as a row (Russian column titles, frozen header, autofilter).

    Values are written as text, never as formulas: a cell «=HYPERLINK(…)» quoted from
    a hostile file must not become a live formula in the report."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    ws = wb.add_worksheet("Ошибки")
    head = wb.add_format({"bold": True, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top"})
    titles = ["№", "Файл", "Лист", "Строка", "Столбец", "Значение", "Правило", "Сообщение"]
    widths = [5, 30, 14, 8, 28, 24, 60, 90]
    for c, (t, w) in enumerate(zip(titles, widths)):
        ws.write_string(0, c, t, head)
        ws.set_column(c, c, w)
    ordered = [p for _, items in group_problems(problems) for p in items]
    for r, p in enumerate(ordered, start=1):
        ws.write_number(r, 0, r)
        ws.write_string(r, 1, p.file)
        ws.write_string(r, 2, p.sheet or "")
        if p.row is not None:
            ws.write_number(r, 3, p.row)
        ws.write_string(r, 4, p.column or "")
        ws.write_string(r, 5, p.value or "")
        ws.write_string(r, 6, p.rule)
        ws.write_string(r, 7, p.message())
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(ordered), 1), len(titles) - 1)
    if excluded:
        wse = wb.add_worksheet("Исключённые участники")
        for c, (t, w) in enumerate(zip(["Источник", "Учебный год", "Код ОО", "Класс", "Предмет",
                                        "Исключено участников"], [34, 12, 16, 8, 20, 14])):
            wse.write_string(0, c, t, head)
            wse.set_column(c, c, w)
        for r, (source, ay, school, grade, subject, n) in enumerate(excluded, start=1):
            wse.write_string(r, 0, SOURCES[source].title if source in SOURCES else source)
            wse.write_string(r, 1, "" if ay is None else f"{ay}/{ay + 1}")
            wse.write_string(r, 2, school)
            wse.write_string(r, 3, grade)
            wse.write_string(r, 4, subject)
            wse.write_number(r, 5, int(n))
        wse.freeze_panes(1, 0)
    if warnings:
        wsw = wb.add_worksheet("Предупреждения")
        wsw.write_string(0, 0, "Предупреждение", head)
        wsw.set_column(0, 0, 140)
        for r, w in enumerate(warnings, start=1):
            wsw.write_string(r, 0, w)
        wsw.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def validate_paths(paths: list[Path], cfg, source_name: str | None = None, warehouse: Path | None = None,
                   ay: int | None = None) -> list[tuple[str, Source | None, CheckResult | None, str]]:
    """Check each file (its source detected unless given). Returns, per file:
    (label, source, result, error). With a warehouse, codes are checked against its
    registry and participants against its ОО-1 of `ay`."""
    registry = oo1 = None
    if warehouse is not None and Path(warehouse).exists():
        import duckdb

        from tasks.ingest import warehouse_oo1, warehouse_registry

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            registry = warehouse_registry(con)
            oo1 = warehouse_oo1(con, ay)
        finally:
            con.close()
    out = []
    for path in paths:
        label, _ = display_name(path)
        if path.is_dir():
            out.append((label, None, None, "это папка, а не файл" + (" (папка названа как файл)" if path.suffix else "")
                        + ": укажите файлы внутри неё"))
            continue
        if not path.is_file():
            out.append((label, None, None, "файл не найден"))
            continue
        try:
            if source_name:
                source = SOURCES[source_name]
            else:
                det = detect_source(path, cfg["ingest"], cfg["ingest"]["header_search_rows"])
                if det.source is None:
                    out.append((label, None, None, ambiguous_source(label, det.ties) if det.ties else
                                f"не удалось определить источник: {det.reason}. "
                                f"Укажите его: --source ИМЯ ({', '.join(SOURCES)})."))
                    continue
                source = det.source
        except ReadError as exc:
            out.append((label, None, None, exc.reason))
            continue
        except Exception as exc:  # noqa: BLE001 — a damaged file is a message, not a traceback
            out.append((label, None, None, _damaged(exc, path)))
            continue
        try:
            res = check_files([path], source, cfg, registry=registry, oo1=oo1)
        except ReadError as exc:
            out.append((label, source, None, exc.reason))
            continue
        except Exception as exc:  # noqa: BLE001
            out.append((label, source, None, _damaged(exc, path)))
            continue
        damaged = [p for p in res.problems if p.code == "damaged"]
        if damaged and not res.read_any:  # a damaged file is one line, as the CLI says it
            out.append((label, source, None, damaged[0].rule))
            continue
        out.append((label, source, res, ""))
    return out


def ambiguous_source(label: str, ties: list[str]) -> str:
    """The headers fit several sources equally (ВПР and НИКО from ФИС ОКО): which ones, by
    their titles, and the two ways to say which it is (the option, the inbox folder)."""
    names = ", ".join(f"«{SOURCES[n].title}» (--source {n})" for n in ties)
    guess = next((n for n in ties if n in label.lower()), ties[0])
    file = f'"{label}"' if " " in label else label
    folder = f"2022/{guess}/" if SOURCES[guess].yearly else f"{guess}/"
    return (f"не удалось определить источник: столбцы файла одинаково подходят к нескольким источникам — {names}; "
            f"так бывает с выгрузками ФИС ОКО, у ВПР и НИКО одна форма. Укажите источник явно, например: "
            f"edumon validate {file} --source {guess} — или положите файл в папку источника во входящих "
            f"(например, {folder}), тогда источник берётся по папке.")


def _damaged(exc: Exception, path: Path) -> str:
    """A reader's failure on a damaged file, in Russian (the file is named by the caller)."""
    from tasks.errors_ru import describe

    text = describe(exc, file="", path=str(path))
    return text[:1].lower() + text[1:]


def warehouse_problems(con, reads: list[tuple[str, int | None]]) -> list[Problem]:
    """Every problem the warehouse holds for the files a cycle reads: for each (source, AY)
    the quarantine of its latest successful load (the load that put the current rows in,
    in this run or an earlier one). Values of participant-level sources are withheld."""
    import re

    if not reads:
        return []
    values = ", ".join(["(?, ?)"] * len(reads))
    args = [x for pair in reads for x in pair]
    rows = con.execute(f"""
        WITH reads(source, ay) AS (VALUES {values}),
        latest AS (
            SELECT f.source, f.ay, arg_max(f.run_id, f.loaded_at) AS run_id
            FROM ingest_files f JOIN reads r ON f.source = r.source AND f.ay IS NOT DISTINCT FROM r.ay
            GROUP BY f.source, f.ay)
        SELECT q.source, q.ay, q.file, coalesce(q.sheet, '') AS sheet, q.row, q.reasons
        FROM quarantine q JOIN latest l
          ON q.source = l.source AND q.ay IS NOT DISTINCT FROM l.ay AND q.run_id = l.run_id
        ORDER BY q.source, q.ay NULLS FIRST, q.file, q.sheet, q.row NULLS FIRST""", args).fetchall()
    problems = []
    for source, _ay, file, sheet, row, reasons in rows:
        hide = source in SOURCES and SOURCES[source].participant_level
        for text in re.split(r"\n(?=файл «)", reasons or ""):
            if text.strip():
                problems.append(parse_message(source, file, sheet, row, text, hide))
    return problems


def parse_message(source: str, file: str, sheet: str, row: int | None, text: str, hide: bool = False) -> Problem:
    """A stored message (`Problem.message()`) back into its parts: the file, sheet and row
    are known from the quarantine row; the column, value and rule are read from the text."""
    import re

    rest = text
    prefix = f"файл «{file}»" + (f", лист «{sheet}»" if sheet else "") + (f", строка {row}" if row is not None else "")
    rest = rest[len(prefix):] if rest.startswith(prefix) else rest
    column = value = ""
    m = re.match(r"^, столбец «(.*?)»(?=: значение «| — )", rest, re.S)
    if m:
        column, rest = m[1], rest[m.end():]
    m = re.match(r"^: значение «(.*)» — ", rest, re.S)
    if m:
        value, rule = m[1], rest[m.end():]
    else:
        rule = rest[3:] if rest.startswith(" — ") else rest
    if hide and value:
        value = "(скрыто: персональные данные)"
    return Problem(source, file, sheet, row, column, value, rule)


def warehouse_report_objects(warehouse: str, cycle: str, ay: int, reads: list[tuple[str, list[int]]],
                             loads: list[dict], settings: dict | None = None) -> dict[str, bytes]:
    """The published validation report (SPEC §5) as the warehouse's truth: every problem
    of every file the cycle reads, loaded in this run or earlier (a rerun that skips an
    unchanged file still lists its rejected rows). Warnings are the run's own. `settings`:
    the run's `[warehouse]` (a municipality's `--config` included); None: config/edumon.toml's."""
    from tasks.warehouse import connect

    pairs = []
    for source, offsets in reads:
        years = [ay + o for o in offsets] if SOURCES[source].yearly else [None]
        pairs += [(source, y) for y in sorted(set(years), key=lambda v: -1 if v is None else v)]
    con = connect(warehouse, settings)
    try:
        problems = warehouse_problems(con, pairs)
        excluded = excluded_participants(con, pairs)
    finally:
        con.close()
    warnings = [w for x in loads for w in x.get("warning_list", [])]
    return {keys.validation(ay, cycle): problems_xlsx(problems, warnings, excluded)}


def load_report_objects(loads: list[dict], cycle: str, ay: int) -> dict[str, bytes]:
    """The run's validation report (SPEC §5): every problem of every load of the cycle as
    XLSX, published next to the справки as `validation/<AY>/<cycle>/problems.xlsx`."""
    problems = [Problem(**p) for x in loads for p in x.get("problem_list", [])]
    warnings = [w for x in loads for w in x.get("warning_list", [])]
    return {keys.validation(ay, cycle): problems_xlsx(problems, warnings)}
