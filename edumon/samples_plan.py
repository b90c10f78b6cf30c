"""Sample data of issue 14's plan room, called once from edumon/generate.py after the
inbox of every AY is written (the sample-data hook of the project):

* the plan of measures rewritten in seed 000's own layout: section rows inside the
  table, the status written inside «Результат» (the orders and links of a done measure,
  «Запланировано» / «в работе» / «Не принимали участие» otherwise) — the same measures
  and statuses the generator planted, so its planted overdue measure stays overdue;
* the five measures of seed 003 §4.5 added as columns of the semi-annual prevention
  report (mentor pairs, anti-risk programme, parent meetings, plan of work with low
  achievers, psychological and pedagogical support service);
* the municipality's yearly form of project «500+» (seed 004 items 1.1–1.3),
  inbox/<AY>/p500/p500_<AY>.xlsx, its ШНОР in network interaction at most the ФИОКО
  list's ШНОР of the municipality.

Every file is written with fixed zip timestamps and document properties, so the same
seed gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy
import openpyxl
import pandas
from openpyxl.styles import Alignment, Font

from edumon.sample.shapes import save_workbook


def _new_workbook(sheet: str) -> tuple[openpyxl.Workbook, object]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    wb.properties.creator = "edumon"
    return wb, ws


def _rows(path: Path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _header_at(rows: list[list], first: str) -> int:
    return next(i for i, r in enumerate(rows) if r and str(r[0] or "").strip() == first)


def _bold(ws, row: int, cols: int) -> None:
    for c in range(1, cols + 1):
        ws.cell(row, c).font = Font(bold=True)
        ws.cell(row, c).alignment = Alignment(wrap_text=True, vertical="center")


# -- the plan in seed 000's layout ------------------------------------------------------

SEED000_HEADER = ["№ п/п", "Наименование мероприятий/мер", "Ответственные исполнители", "Сроки реализации",
                  "Результат"]


def _result_cell(status: str, result: str, evidence: str) -> str:
    """What seed 000 writes in «Результат»: the documents of a done measure, else the status."""
    if result and status.lower() == "выполнено":
        return f"{result} — {evidence}" if evidence else result
    return (status or "Запланировано")[:1].upper() + (status or "Запланировано")[1:]


def plan_in_seed000_layout(path: Path) -> None:
    """Rewrite one plan file (the generator's canonical columns) in seed 000's layout."""
    rows = _rows(path)
    h = _header_at(rows, "№ п/п")
    pos = {str(c).strip(): i for i, c in enumerate(rows[h]) if c}
    get = lambda r, name: "" if pos.get(name) is None or r[pos[name]] is None else str(r[pos[name]]).strip()
    titles = [str(c) for r in rows[:h] for c in r if c]
    wb, ws = _new_workbook("План")
    for t in titles:
        ws.append([t])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(SEED000_HEADER))
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.append([])
    ws.append(SEED000_HEADER)
    _bold(ws, ws.max_row, len(SEED000_HEADER))
    section = None
    for r in rows[h + 1:]:
        if not r or not any(c not in (None, "") for c in r):
            continue
        if get(r, "Раздел") != section:
            section = get(r, "Раздел")
            ws.append([section])  # a section row inside the table, merged across it
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row,
                           end_column=len(SEED000_HEADER))
            ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append([f"{get(r, '№ п/п')}.", get(r, "Наименование мероприятия"), get(r, "Ответственные исполнители"),
                   get(r, "Сроки реализации"),
                   _result_cell(get(r, "Статус"), get(r, "Результат"), get(r, "Подтверждение"))])
    save_workbook(wb, path)


# -- seed 003 §4.5 measures in the prevention report -------------------------------------

MEASURE_HEADERS = ["Наставнических пар", "Программа антирисковых мер", "Собраний для родителей",
                   "План работы со слабоуспевающими и неуспевающими", "Служба психолого-педагогического сопровождения"]


def prevention_with_measures(path: Path, rng: numpy.random.Generator) -> None:
    rows = _rows(path)
    h = _header_at(rows, "Код ОО")
    if MEASURE_HEADERS[0] in rows[h]:
        return
    yn = lambda p: "да" if rng.random() < p else "нет"
    wb, ws = _new_workbook("Профилактика")
    for r in rows[:h]:
        if r and r[0]:
            ws.append([r[0]])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
    header = [c for c in rows[h] if c] + MEASURE_HEADERS
    ws.append(header)
    _bold(ws, ws.max_row, len(header))
    measures: dict[str, list] = {}
    for r in rows[h + 1:]:
        if not r or r[0] in (None, ""):
            continue
        code = str(r[0])
        if code not in measures:  # the school's measures of half 1; half 2 adds to them
            measures[code] = [int(rng.integers(0, 6)), yn(0.85), int(rng.integers(0, 3)), yn(0.9), yn(0.8)]
        else:
            m = measures[code]
            measures[code] = [m[0] + int(rng.integers(0, 3)), m[1] if m[1] == "да" else yn(0.5),
                              m[2] + int(rng.integers(0, 2)), m[3] if m[3] == "да" else yn(0.5), m[4]]
        ws.append(list(r[:len(rows[h])]) + measures[code])
    save_workbook(wb, path)


# -- the «500+» form (seed 004 items 1.1–1.3) -----------------------------------------------

P500_HEADER = ["Код МО", "Наименование муниципалитета", "Программа повышения квалификации утверждена",
               "Дата утверждения программы", "Номер приказа об утверждении программы",
               "Удовлетворённость населения качеством общего образования, %", "Источник данных об удовлетворённости",
               "ШНОР в сетевом взаимодействии"]


def _official_counts(folder: Path, schools: pandas.DataFrame) -> dict[str, int]:
    mun_of = dict(zip(schools["code"], schools["municipality_code"]))
    counts: dict[str, int] = {}
    for f in sorted(folder.glob("*.xlsx")):
        rows = _rows(f)
        h = _header_at(rows, "Логин ОО")
        for r in rows[h + 1:]:
            if r and r[0] and str(r[0]) in mun_of:
                counts[mun_of[str(r[0])]] = counts.get(mun_of[str(r[0])], 0) + 1
    return counts


def write_p500(path: Path, ay: int, schools: pandas.DataFrame, shnor: dict[str, int],
               rng: numpy.random.Generator) -> int:
    wb, ws = _new_workbook("Форма 500+")
    ws.append([f"Показатели эффективности муниципального управленческого инструмента по работе со школами "
               f"проекта «500+» за {ay}/{ay + 1} учебный год"])
    ws.cell(1, 1).font = Font(bold=True)
    ws.append(P500_HEADER)
    _bold(ws, 2, len(P500_HEADER))
    muns = schools[["municipality_code", "municipality_name"]].drop_duplicates().sort_values("municipality_code")
    for code, name in muns.itertuples(index=False):
        adopted = rng.random() < 0.8
        day, month = int(rng.integers(1, 29)), int(rng.integers(9, 13))
        n = shnor.get(code, 0)
        ws.append([code, name, "да" if adopted else "нет",
                   f"{day:02d}.{month:02d}.{ay}" if adopted else None,
                   f"{int(rng.integers(100, 900))}-п" if adopted else None,
                   round(float(rng.uniform(55, 92)), 1),
                   f"Опрос населения на сайте органа управления образованием, {ay + 1}",
                   int(numpy.ceil(n * rng.uniform(0.3, 1.0)))])
    save_workbook(wb, path)
    return len(muns)


def write(inbox: Path, schools: pandas.DataFrame, ays: list[int], rng: numpy.random.Generator) -> dict[str, int]:
    """The hook (COMMON.md): `schools` has the registry's columns code, municipality_code,
    municipality_name; the generator has already written every other file of the AYs."""
    inbox = Path(inbox)
    counts: dict[str, int] = {}  # rows per "<source>/<AY>" of what this writer adds (the plan and
    for ay in ays:                # prevention files keep their rows: only their layout changes)
        for f in sorted((inbox / str(ay) / "plan").glob("*.xlsx")):
            plan_in_seed000_layout(f)
        for f in sorted((inbox / str(ay) / "prevention").glob("*.xlsx")):
            prevention_with_measures(f, rng)
        counts[f"p500/{ay}"] = write_p500(inbox / str(ay) / "p500" / f"p500_{ay}.xlsx", ay, schools,
                   _official_counts(inbox / str(ay) / "official_shnor", schools), rng)
    return counts
