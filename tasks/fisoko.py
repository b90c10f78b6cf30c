"""ФИС ОКО's own export layouts read as they come (issue 6, SPEC §3.1).

`read_fisoko` is a pre-reader that `tasks.read.read_table` asks first for the ВПР
folders. It turns a ФИС ОКО file into the canonical RawTable of its source, so parsing,
the pandera contract, quarantine and loading stay the ordinary ones:

- participant level (`vpr_participants`), three header styles:
  * «Проведение работы по математике, 5 класс. ВПР 2021.xlsx»: логин школы, регион,
    номер обучающегося, код обучающегося, отметка за предыдущую четверть/триместр, пол,
    класс, вариант, всего баллов, балл за 1 … балл за N (no ВПР mark: it comes from the
    scale, see tasks/vpr_scales.py);
  * the older English headers of the same file: user, id, code, otc, gender, klass,
    var-1, sum, a-1-grade …;
  * «Ф1 Индивидуальные результаты»: title line «ВПР 2021 Математика 5 класс», then ОО,
    Муниципалитет, Название ОО, Код участника, Класс, Вариант, task columns «1 (2б)»,
    Первичный балл, Отметка, Отметка по журналу.
- school level (`vpr_stats` «Статистика по отметкам», `vpr_journal» «Сравнение отметок с
  отметками по журналу»): the ordinary header search, plus a second header row
  («2» «3» «4» «5» under a merged «Распределение отметок, %»; «Кол-во» / «%» under
  «Понизили»), and the subject, grade and year from the title line or file name when
  the table has no such columns.

Task cells «Х», «-» and empty count as no points; «всего баллов» is taken as written
and, when it is empty, is the sum of the task points. A row with no points at all (no
total, every task «Х», «-» or empty) is a pupil who did not write: not loaded, counted
in a warning. «пол» and «номер обучающегося» are not loaded (no rule needs them).

The year in a title or file name is the calendar year of the spring the work was
written: ВПР 2021 belongs to AY 2020 (SPEC §2). `year_warnings` compares it with the AY
folder the file was found in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from schemas.contracts import Problem
from schemas.sources import Source, normalise_header
from schemas.vocabulary import SUBJECT_TITLES, lookup
from tasks.errors import IngestError
from tasks.read import IGNORED_HEADERS, RawTable, ReadError, display_name, find_header, has_data, source_aliases

FISOKO_SOURCES = ("vpr_participants", "vpr_stats", "vpr_journal")

# «ВПР 2021 Математика 5 класс», «ВПР 2021. Русский язык. 4 класс»
_TITLE = re.compile(r"ВПР[\s.,_-]*(?P<year>20\d\d)[\s.,_-]+(?P<subject>[^\d]+?)[\s.,_-]*(?P<grade>\d{1,2})\s*(?:класс|кл)",
                    re.IGNORECASE)
# «Проведение работы по математике, 5 класс. ВПР 2021.xlsx»
_FILE = re.compile(r"по\s+(?P<subject>[^\d,.]+?)[\s,._-]*(?P<grade>\d{1,2})\s*(?:класс|кл)", re.IGNORECASE)
_GRADE = re.compile(r"(?P<grade>\d{1,2})\s*(?:класс|кл)", re.IGNORECASE)
_YEAR = re.compile(r"ВПР[\s.,_-]*(?P<year>20\d\d)", re.IGNORECASE)

# Subject names in the cases file names and titles use («по математике», «по русскому
# языку», «Окружающий мир»): matched by stem. Order matters only for shared prefixes.
SUBJECT_STEMS: tuple[tuple[str, str], ...] = (
    ("русск", "russian"), ("математ", "math"), ("окружающ", "world_around"),
    ("обществозн", "social_studies"), ("истор", "history"), ("биолог", "biology"),
    ("географ", "geography"), ("физик", "physics"), ("хими", "chemistry"),
    ("литератур", "literature"), ("информатик", "informatics"), ("английск", "english"),
    ("немецк", "german"), ("французск", "french"), ("чтени", "reading"),
)

# Participant-level headers of the three styles → canonical column. `_drop` columns are
# recognised and deliberately not loaded.
_PARTICIPANT_HEADERS: dict[str, tuple[str, ...]] = {
    "school_code": ("логин школы", "user", "ОО", "Логин", "Логин ОО", "Код ОО"),
    "municipality_name": ("регион", "Муниципалитет"),
    "school_name": ("Название ОО", "Наименование ОО"),
    "participant_id": ("код обучающегося", "code", "Код участника"),
    "participant_number": ("номер обучающегося", "id"),
    "journal_mark": ("отметка за предыдущую четверть/триместр", "отметка за предыдущую четверть",
                     "otc", "Отметка по журналу"),
    "class_label": ("класс", "klass"),
    "variant": ("вариант", "var-1", "var"),
    "primary_score": ("всего баллов", "sum", "Первичный балл"),
    "mark": ("Отметка", "Отметка ВПР"),
    "subject": ("Предмет",),
    "year": ("Год",),
    # recognised and deliberately not loaded (no rule needs them): no warning per file
    "_drop": ("пол", "gender", "Пол участника", "Учебник", "учебник", "УМК", "Дата рождения", "Дата",
              "Примечание", "Код региона", "Код муниципалитета", "Наименование региона", "ФИО", "Фамилия",
              "Имя", "Отчество"),
}
_PARTICIPANT_INDEX = {normalise_header(a): canon for canon, aliases in _PARTICIPANT_HEADERS.items()
                      for a in aliases}

# «балл за 1», «балл за задание 8.1», «a-1-grade», «1 (2б)», «8.1 (1б)», «1К1 (4б)»
_TASK = (
    re.compile(r"^\s*балл\s+за\s+(?:задание\s+)?(?P<task>\d+[\w.,]*)\s*$", re.IGNORECASE),
    re.compile(r"^\s*a-(?P<task>\d+[\w.]*)-grade\s*$", re.IGNORECASE),
    re.compile(r"^\s*(?P<task>\d+[\wа-яА-Я.,]*)\s*\(\s*\d+\s*б\.?\s*\)\s*$", re.IGNORECASE),
)

# Cells that mean "no value" in ФИС ОКО exports: «Х» (Cyrillic or Latin), dashes.
_NO_VALUE = {"", "х", "x", "-", "–", "—", "н/я", "нет"}

CANONICAL_PARTICIPANT = ("school_code", "participant_id", "grade", "subject", "variant", "primary_score",
                         "mark", "journal_mark", "year", "class_label", "municipality_name", "school_name")


@dataclass
class WorkLabel:
    """Subject, grade and spring year of a ВПР work as the file names them."""

    year: int | None = None
    subject: str | None = None
    grade: int | None = None
    year_from: str = ""
    subject_from: str = ""
    grade_from: str = ""


def subject_from_text(text: str) -> str | None:
    """Canonical subject of a Russian phrase in any case: «по русскому языку» → russian."""
    direct = lookup("subject", text)
    if direct:
        return direct
    low = str(text).lower().replace("ё", "е")
    for stem, code in SUBJECT_STEMS:
        if stem in low:
            return code
    return None


def work_label(title_lines: list[str], file_name: str) -> WorkLabel:
    """The title line wins over the file name; each part is taken where it is found."""
    label = WorkLabel()
    for text, where in [(t, "title") for t in title_lines] + [(Path(file_name).stem, "file")]:
        m = _TITLE.search(text)
        if m:
            _fill(label, int(m["year"]), subject_from_text(m["subject"]), int(m["grade"]), where)
        m = _FILE.search(text) if where == "file" else None
        if m:
            _fill(label, None, subject_from_text(m["subject"]), int(m["grade"]), where)
        y = _YEAR.search(text)
        g = _GRADE.search(text)
        _fill(label, int(y["year"]) if y else None, None, int(g["grade"]) if g else None, where)
        if where == "title" and label.subject is None:
            # a bare title such as «Математика» on its own line
            s = subject_from_text(text) if len(text) < 80 else None
            _fill(label, None, s, None, where)
        if where == "file" and label.subject is None:
            _fill(label, None, subject_from_text(text), None, where)
    return label


def _fill(label: WorkLabel, year, subject, grade, where: str) -> None:
    if year and label.year is None:
        label.year, label.year_from = year, where
    if subject and label.subject is None:
        label.subject, label.subject_from = subject, where
    if grade and label.grade is None:
        label.grade, label.grade_from = grade, where


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _value(v: object) -> object:
    """A cell with «Х», «-» or blanks is no value."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    return None if _text(v).lower() in _NO_VALUE else v


def _points(v: object) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return None if v != v else float(v)
    t = _text(v).lower().replace(",", ".")
    if t in _NO_VALUE:
        return None
    try:
        return float(t)
    except ValueError:
        return None


def _task_column(header: object) -> str | None:
    text = _text(header)
    for rx in _TASK:
        m = rx.match(text)
        if m:
            return m["task"]
    return None


def _where(label: WorkLabel, part: str) -> str:
    return {"title": "из строки заголовка", "file": "из имени файла"}.get(getattr(label, f"{part}_from"), "")


@dataclass
class FisokoReader:
    """The ФИС ОКО layouts as a reader given to `tasks.read.read_table` (which does not
    know this module). `max_scores`: the maximum primary score of a work, (ВПР year,
    subject, grade) → points, from the shipped and the inbox's scales; used when the task
    headers do not give each task's maximum («1 (2б)»). `scales`: a function giving them,
    called the first time a participant file needs them (reading the scale files is a
    fixed cost every other source would pay for nothing)."""

    max_scores: dict | None = None
    scales: object | None = None

    def read(self, path: Path, source: Source, sheets, search_rows: int = 20):
        if self.max_scores is None and self.scales is not None and source.name == "vpr_participants":
            self.max_scores = self.scales()
        return read_fisoko(path, source, sheets, search_rows, self.max_scores)

    def label(self, path: Path, source: Source, tables: list) -> list:
        return label_tables(path, source, tables)


def read_fisoko(path: Path, source: Source, sheets: list[tuple[str, list[list[object]]]],
                search_rows: int = 20, max_scores: dict | None = None):
    """RawTables of a ФИС ОКО file, or None when the file is not in a ФИС ОКО layout (the
    ordinary reader then handles it)."""
    if source.name == "vpr_participants":
        tables = [t for sheet, rows in sheets
                  if (t := _participant_table(path, sheet, rows, search_rows, max_scores or {})) is not None]
        return tables or None
    if source.name in ("vpr_stats", "vpr_journal"):
        tables = [t for sheet, rows in sheets
                  if (t := _school_table(path, source, sheet, rows, search_rows)) is not None]
        return tables or None
    return None


def _participant_header(rows: list[list[object]], search_rows: int):
    best = (None, {}, {}, 0)
    for i, row in enumerate(rows[:search_rows]):
        mapping, tasks = {}, {}
        for pos, cell in enumerate(row):
            task = _task_column(cell)
            if task is not None:
                tasks[pos] = task
                continue
            canon = _PARTICIPANT_INDEX.get(normalise_header(cell))
            if canon and (canon == "_drop" or canon not in mapping.values()):
                mapping[pos] = canon
        score = len(mapping) + min(len(tasks), 3)
        if score > best[3]:
            best = (i, mapping, tasks, score)
    i, mapping, tasks, _ = best
    has_id = "participant_id" in mapping.values() or "participant_number" in mapping.values()
    has_score = "primary_score" in mapping.values() or len(tasks) > 0
    if i is None or not has_id or not has_score or "school_code" not in mapping.values():
        return None
    return i, mapping, tasks


def _participant_table(path: Path, sheet: str, rows: list[list[object]], search_rows: int,
                       max_scores: dict | None = None):
    found = _participant_header(rows, search_rows)
    if found is None:
        return None
    i, mapping, tasks = found
    header = rows[i]
    titles = [_text(c) for r in rows[:i] for c in r if _text(c)]
    label = work_label(titles, path.name)
    pos = {canon: p for p, canon in mapping.items()}
    if label.subject is None and "subject" not in pos:
        raise ReadError(display_name(path)[0], "не удалось определить предмет ВПР: в файле нет столбца «Предмет», "
                                   "строки вида «ВПР 2021 Математика 5 класс» над таблицей, а имя файла не "
                                   "вида «Проведение работы по математике, 5 класс. ВПР 2021.xlsx».")
    headers = {canon: _text(header[p]) for canon, p in pos.items() if not canon.startswith("_")}
    headers["grade"] = f"Класс ({_where(label, 'grade')})" if label.grade else headers.get("class_label", "Класс")
    headers.setdefault("subject", f"Предмет ({_where(label, 'subject')})")
    headers.setdefault("year", f"Год ({_where(label, 'year')})")
    headers.setdefault("primary_score", "Всего баллов (сумма баллов за задания)")
    for c in CANONICAL_PARTICIPANT:
        headers.setdefault(c, c)
    unknown = [_text(h) for p, h in enumerate(header)
               if p not in mapping and p not in tasks and _text(h) and normalise_header(h) not in IGNORED_HEADERS]

    def cell(row, canon):
        p = pos.get(canon)
        return row[p] if p is not None and p < len(row) else None

    file = display_name(path)[0]
    where_sheet = f", лист «{sheet}»" if sheet else ""
    maximum, max_from = _work_maximum(header, tasks, label, max_scores or {})
    total_header = headers["primary_score"]
    journal_header = headers["journal_mark"]
    body, numbers, absent, problems = [], [], 0, []
    rebuilt: list[int] = []
    journal_dropped: list[tuple[int, str]] = []
    for j, row in enumerate(rows[i + 1:], start=i + 2):
        if not has_data(row):  # any(_text(c) for c in row), without a call per text cell
            continue
        total = _value(cell(row, "primary_score"))
        if total is None:
            # the tasks are read only when the total is missing: it is their sum, but only
            # when every task cell is filled («Х» and «-» are filled: no points)
            scored = [x for p in tasks if p < len(row) and (x := _points(row[p])) is not None]
            empty = [_text(header[p]) for p in tasks if p >= len(row) or not _text(row[p])]
            if not scored:
                absent += 1
                continue
            if empty:
                shown = ", ".join(f"«{h}»" for h in empty[:5]) + (" …" if len(empty) > 5 else "")
                problems.append(Problem("vpr_participants", file, sheet, j, total_header, "",
                                        f"сумма баллов не указана, а ячейки заданий {shown} пусты — сумму не "
                                        f"восстановить; строка не будет загружена", code="total_incomplete"))
            else:
                rebuilt.append(j)
            total = sum(scored)
        elif maximum is not None and (x := _points(total)) is not None and x > maximum:
            problems.append(Problem("vpr_participants", file, sheet, j, total_header, _text(total),
                                    f"сумма баллов больше максимального балла работы ({_fmt(maximum)}, {max_from}); "
                                    f"строка не будет загружена", code="total_above_max"))
        journal = _value(cell(row, "journal_mark"))
        if journal is not None and _journal(journal) is None:
            # an optional cell that cannot be read: the cell is dropped, never the pupil
            journal_dropped.append((j, _text(journal)))
            journal = None
        class_label = _value(cell(row, "class_label"))
        grade = label.grade
        if grade is None and class_label is not None:
            m = re.match(r"\s*(\d{1,2})", _text(class_label))
            grade = int(m[1]) if m else class_label  # unreadable: the contract reports it
        pid = _value(cell(row, "participant_id"))
        if pid is None and "participant_number" in pos:
            # older files may carry only the running number: unique within the school
            num = _value(cell(row, "participant_number"))
            pid = None if num is None else f"{_text(cell(row, 'school_code'))}#{_text(num)}"
        body.append([
            _value(cell(row, "school_code")),
            pid,
            grade,
            _value(cell(row, "subject")) or label.subject,
            _value(cell(row, "variant")),
            total,
            _value(cell(row, "mark")),
            journal,
            label.year or _value(cell(row, "year")),
            class_label,
            _value(cell(row, "municipality_name")),
            _value(cell(row, "school_name")),
        ])
        numbers.append(j)
    notes = []
    if absent:
        notes.append(f"Файл «{file}»{where_sheet}: {absent} строк(и) без баллов "
                     f"(все задания «Х», «-» или пусто, «всего баллов» пусто) — участник не писал работу, "
                     f"строки не загружены.")
    for k, (j, value) in enumerate(journal_dropped):
        if k == JOURNAL_NOTES_SHOWN:
            notes.append(f"Файл «{file}»{where_sheet}, столбец «{journal_header}»: ещё {len(journal_dropped) - k} "
                         f"строк(и) с нечитаемой отметкой по журналу — участники будут учтены, отметка по журналу "
                         f"не загружена.")
            break
        notes.append(f"Файл «{file}»{where_sheet}, строка {j}, столбец «{journal_header}»: значение «{value}» — "
                     f"не отметка 2–5; участник будет учтён, отметка по журналу не загружена.")
    if rebuilt:
        rows_text = ", ".join(map(str, rebuilt[:10])) + (" …" if len(rebuilt) > 10 else "")
        notes.append(f"Файл «{file}»{where_sheet}: у {len(rebuilt)} участник(ов) «{total_header}» пусто — сумма "
                     f"баллов восстановлена по заданиям (все ячейки заданий заполнены; "
                     f"{'строка' if len(rebuilt) == 1 else 'строки'} {rows_text}).")
    table = RawTable(file, sheet, i + 1, dict(enumerate(CANONICAL_PARTICIPANT)), headers, unknown,
                     body, numbers, titles, notes=notes)
    table.problems = problems
    table.rebuilt = len(rebuilt)
    table.journal_dropped = len(journal_dropped)
    return table


JOURNAL_NOTES_SHOWN = 20  # rows named one by one per file; the rest counted in one line


def _journal(v: object) -> int | None:
    """A journal mark 2–5, or None when the cell holds anything else («нет отметки», «1», «*»)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v) if v == v and float(v).is_integer() and 2 <= v <= 5 else None
    t = _text(v).replace(",", ".")
    try:
        x = float(t)
    except ValueError:
        return None
    return int(x) if x.is_integer() and 2 <= x <= 5 else None


_TASK_MAX = re.compile(r"\(\s*(\d+)\s*б\.?\s*\)", re.IGNORECASE)


def _work_maximum(header: list, tasks: dict[int, str], label: WorkLabel, max_scores: dict):
    """The work's maximum primary score and where it comes from: the sum of the task maxima
    when every task header gives one («1 (2б)»), else the scale of the ВПР year, subject and
    grade (the upper bound of «5»); (None, "") when neither is known."""
    maxima = [_TASK_MAX.search(_text(header[p])) for p in tasks]
    if tasks and all(maxima):
        return float(sum(int(m[1]) for m in maxima)), "сумма максимальных баллов заданий"
    if label.year and label.subject and label.grade:
        top = max_scores.get((label.year, label.subject, label.grade))
        if top is not None:
            return float(top), f"по шкале ВПР {label.year} года"
    return None, ""


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


_SUBHEADER_COUNT = {"кол во", "количество", "чел", "человек", "кол во участников", "число"}


def _school_table(path: Path, source: Source, sheet: str, rows: list[list[object]], search_rows: int):
    i, mapping, _, nrows = find_header(rows, source, search_rows, 2)
    if i is None or nrows == 2:
        # a two-row header with merged parent cells is the generic reader's job (tasks/read.py)
        return None
    idx = source_aliases(source)
    skip = 0
    nxt = rows[i + 1] if i + 1 < len(rows) else []
    # A second header row: «2» «3» «4» «5» under a merged «Распределение отметок, %», or
    # «Кол-во» / «%» under a merged «Понизили».
    sub = {p: normalise_header(c) for p, c in enumerate(nxt)}
    school_pos = next((p for p, c in mapping.items() if c == "school_code"), None)
    # a second header row has no school code and nothing but header words: a data row with
    # a missing code (to be quarantined) must not be mistaken for one
    looks_like_header = (school_pos is not None and not _text(nxt[school_pos] if school_pos < len(nxt) else None)
                         and all(not v or v in idx or v in _SUBHEADER_COUNT for v in sub.values()))
    if looks_like_header and any(sub.values()):
        added = False
        for p, norm in sub.items():
            canon = idx.get(norm)
            if p not in mapping and canon and canon not in mapping.values():
                mapping[p] = canon
                added = True
        for p, canon in list(mapping.items()):
            # count and percentage side by side under one merged group header
            if sub.get(p) in ("%",) or (sub.get(p) == "" and sub.get(p + 1) in _SUBHEADER_COUNT):
                if sub.get(p + 1) in _SUBHEADER_COUNT and p + 1 not in mapping:
                    mapping[p + 1] = canon
                    del mapping[p]
                    added = True
            elif sub.get(p) in _SUBHEADER_COUNT:
                added = True
        if added:
            skip = 1
    header = rows[i]
    headers = {canon: _text(header[p]) or _text(nxt[p] if p < len(nxt) else None) for p, canon in mapping.items()}
    # a group header over mapped sub-header cells («Распределение отметок, %») is not unknown
    unknown = [_text(h) for p, h in enumerate(header)
               if p not in mapping and _text(h) and not (skip and idx.get(sub.get(p, "")))
               and normalise_header(h) not in IGNORED_HEADERS]
    body, numbers = [], []
    for j, row in enumerate(rows[i + 1 + skip:], start=i + 2 + skip):
        if not has_data(row):  # any(_text(c) for c in row), without a call per text cell
            continue
        body.append(row)  # the reader's row (nothing changes it: the labels make new rows)
        numbers.append(j)
    titles = [_text(c) for r in rows[:i] for c in r if _text(c)]
    table = RawTable(display_name(path)[0], sheet, i + 1, mapping, headers, unknown, body, numbers, titles)
    return _add_label_columns(table, path, source, len(header))


def _add_label_columns(t, path: Path, source: Source, header_width: int = 0):
    """Grade, subject and year from the title line or the file name, as columns, where the
    table has no such column (SPEC §3.1: «ВПР YYYY Предмет N класс»)."""
    label = work_label(t.title_lines, path.name)
    width = max([len(r) for r in t.rows] + [header_width, max(t.columns, default=-1) + 1])
    extra = {"grade": label.grade, "subject": label.subject, "year": label.year}
    added = []  # the label values, in the columns after the widest row
    for canon, value in extra.items():
        if canon in t.columns.values() or value is None or canon not in source.names:
            continue
        t.columns[width + len(added)] = canon
        t.headers[canon] = {"grade": "Класс", "subject": "Предмет", "year": "Год"}[canon] + \
            f" ({_where(label, canon)})"
        added.append(value)
    if added:  # each row once: padded to the width, then the labels
        tail = tuple(added)
        t.rows = [tuple(r) + (None,) * (width - len(r)) + tail for r in t.rows]
    return t


def label_tables(path: Path, source: Source, tables: list) -> list:
    """Tables the generic reader read from a ВПР school-level file, labelled from the title
    line or the file name."""
    if source.name not in ("vpr_stats", "vpr_journal"):
        return tables
    return [_add_label_columns(t, path, source) for t in tables]


def year_error(df, ay: int | None, source_name: str, folder: str = "") -> str | None:
    """ВПР YYYY belongs to AY YYYY−1: a file whose title or name gives another year than its
    AY folder stops the load with one message naming the folder it belongs in."""
    if ay is None or df is None or "year" not in df.columns or source_name not in FISOKO_SOURCES:
        return None
    bad = df[df["year"].notna() & (df["year"] != ay + 1)]
    if not len(bad):
        return None
    lines = [f"Файлы ВПР лежат не в папке своего учебного года (ВПР {ay + 1} года относится к папке {ay}, "
             f"{ay}/{ay + 1} учебный год). Загрузка источника остановлена, данные не изменены:"]
    for file, years in bad.groupby("_file")["year"]:
        for y in sorted({int(v) for v in years}):
            lines.append(f"  • файл «{file}»: ВПР {y} года относится к {y - 1}/{y} учебному году — переложите его "
                         f"в папку inbox/{y - 1}/{source_name}/")
    return "\n".join(lines)


def year_warnings(df, ay: int | None, source_name: str) -> list[str]:
    """Kept for callers of the old name: the mismatch as a list of one message."""
    msg = year_error(df, ay, source_name)
    return [msg] if msg else []


def subject_title(code: str) -> str:
    return SUBJECT_TITLES.get(code, code)
