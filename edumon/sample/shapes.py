"""The shapes users receive, written once for both sample engines.

Russian headers of every export, the value vocabularies, the ЕГЭ minimum scores (from
config/reference/ege_min_scores.csv, the table the rules read) and the writers: XLSX with
title lines above the header (openpyxl, byte-reproducible), the same from Arrow columns
for large sheets (xlsxwriter, constant memory), CSV in cp1251 with `;` from rows or from
an Arrow table, and Parquet with the canonical columns.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from edumon.config import REFERENCE_DIR
from schemas.vocabulary import CATEGORIES, EXAMS, PERIODS, SUBJECT_TITLES

# ---------------------------------------------------------------------------------------
# Headers (as the exports spell them) and titles
# ---------------------------------------------------------------------------------------

REGISTRY_HEADER = ["Код ОО", "Полное наименование", "Краткое наименование", "Код МО", "Муниципальное образование",
                   "Тип ОО", "Уровни образования", "Сельская местность"]
REGISTRY_TITLE = "Реестр общеобразовательных организаций"

OO1_HEADER = (["Код ОО", "Всего обучающихся"] + [f"{g} класс" for g in range(1, 12)]
              + ["Обучающихся с ОВЗ", "Учителей всего", "С высшим педагогическим образованием",
                 "С высшей категорией", "С первой категорией"])
OO2_HEADER = ["Код ОО", "Компьютеров всего", "Используются в учебных целях", "С доступом к Интернету",
              "Скорость Интернета, Мбит/с"]

CONTEXT_HEADER = {
    "internet_stable": "Устойчивый доступ в Интернет",
    "computers_enough": "Обеспеченность компьютерной техникой",
    "lab_physics": "Лабораторное оборудование: физика",
    "lab_chemistry": "Лабораторное оборудование: химия",
    "lab_biology": "Лабораторное оборудование: биология",
    "lab_geography": "Лабораторное оборудование: география",
    "lab_technology": "Лабораторное оборудование: технология",
    "teachers_total": "Учителей всего",
    "teachers_load_36plus": "Учителей с нагрузкой 36 часов и более",
    "teachers_no_subject_diploma": "Учителей без диплома (переподготовки) по предмету",
    "students_total": "Обучающихся всего",
    "students_registered": "Состоят на различных видах учета",
    "students_ovz": "Обучающихся с ОВЗ",
    "students_foreign_language": "Дети-инофоны",
    "students_absent_systematic": "Систематически пропускающие учебные занятия",
    "students_failing": "Неуспевающих",
}

VPR_STATS_HEADER = ["Год", "Класс", "Предмет", "Муниципалитет", "Логин", "ОО", "Кол-во участников",
                    "2", "3", "4", "5"]
VPR_JOURNAL_HEADER = ["Логин", "Класс", "Предмет", "Понизили (чел.)", "Подтвердили (чел.)", "Повысили (чел.)"]

# ГИА participant rows (РЦОИ export): canonical column → Russian header
GIA_HEADERS_RU = {
    "participant_id": "Код участника", "school_code": "Код ОО", "exam": "Форма ГИА", "subject": "Предмет",
    "period": "Период", "is_retake": "Пересдача", "category": "Категория участника",
    "primary_score": "Первичный балл", "test_score": "Тестовый балл", "mark": "Отметка",
    "passed_min": "Преодолел минимальный порог",
}
GIA_HEADER = list(GIA_HEADERS_RU.values())

RDR_HEADER = ["Код ОО", "Класс", "Предмет", "Количество участников", "Ниже базового уровня", "Базовый уровень",
              "Повышенный уровень"]
PREVENTION_HEADER = ["Код ОО", "Полугодие", "Сформирована внутришкольная система профилактики",
                     "Обучающихся всего", "Слабоуспевающих", "Неуспевающих", "Имеют ИОМ",
                     "Неуспевающих на дополнительных занятиях"]
STAFF_HEADER = ["Код ОО", "Педагогов всего", "Прошли диагностику: предметные", "Прошли диагностику: методические",
                "Прошли диагностику: психолого-педагогические", "Оказана поддержка",
                "В региональных сетевых объединениях", "В муниципальных объединениях (ГМО)", "Педагогов с ИОМ",
                "Участие в мероприятиях", "Продуктивное участие", "Муниципальная стажировочная площадка",
                "Региональная стажировочная площадка", "Руководителей всего", "Руководителей прошли КПК",
                "Педагогов прошли КПК", "Участвовали в вебинарах", "Участвовали в семинарах",
                "Участвовали в конкурсах"]
OFFICIAL_SHNOR_HEADER = ["Логин ОО", "Наименование ОО"]
PLAN_HEADER = ["№ п/п", "Раздел", "Наименование мероприятия", "Ответственные исполнители", "Сроки реализации",
               "Статус", "Результат", "Подтверждение"]


def ay_title(ay: int) -> str:
    return f"{ay}/{ay + 1} учебный год"


def oo1_title(ay: int) -> str:
    return f"Форма ОО-1. Сведения об общеобразовательных организациях на 20 сентября {ay} г."


def context_title(ay: int) -> str:
    return f"Контекстные данные общеобразовательных организаций (КИАСУО), октябрь {ay} г."


def vpr_stats_title(ay: int, subject: str | None = None) -> str:
    """«Статистика по отметкам. ВПР <spring year>[. <subject>]»."""
    return f"Статистика по отметкам. ВПР {ay + 1}" + (f". {SUBJECT_TITLES[subject]}" if subject else "")


def vpr_journal_title(ay: int) -> str:
    return f"ВПР {ay + 1}. Сравнение отметок с отметками по журналу"


def rdr_title(ay: int) -> str:
    return f"Результаты краевых диагностических работ, {ay_title(ay)}"


def prevention_title(ay: int) -> str:
    return f"Отчёт о профилактике учебной неуспешности, {ay_title(ay)}"


def staff_title(ay: int) -> str:
    return f"Мониторинг кадрового обеспечения и методической поддержки, {ay_title(ay)}"


def official_shnor_title(ay: int) -> str:
    return (f"Перечень общеобразовательных организаций, имеющих низкие образовательные результаты, на "
            f"{ay_title(ay)} (ФИОКО)")


def plan_title(ay: int) -> str:
    return (f"План мероприятий по повышению качества образования в ОО, имеющих низкие образовательные "
            f"результаты, на {ay_title(ay)}")


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------

EXAM_TITLE = {code: names[0] for code, names in EXAMS.items()}
PERIOD_TITLE = {code: names[0] for code, names in PERIODS.items()}
CATEGORY_TITLE = {code: names[0] for code, names in CATEGORIES.items()}
GIA_VALUES_RU = {"exam": EXAM_TITLE, "period": PERIOD_TITLE, "category": CATEGORY_TITLE, "subject": SUBJECT_TITLES}


def yn(v: object) -> str:
    return "да" if v else "нет"


def decimal_comma(v: float) -> str:
    return f"{v:g}".replace(".", ",")


@lru_cache(maxsize=None)
def ege_min_scores(ay: int = 9999) -> dict[str, int]:
    """ЕГЭ minimum test scores valid in AY (subject → score), from the reference table the
    rules read (config/reference/ege_min_scores.csv); subjects graded by mark are left out."""
    latest: dict[str, tuple[int, int]] = {}
    with open(REFERENCE_DIR / "ege_min_scores.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            since = int(row["valid_from_ay"])
            if row["min_test_score"] and since <= ay and since >= latest.get(row["subject"], (-1, 0))[0]:
                latest[row["subject"]] = (since, int(row["min_test_score"]))
    return {subject: score for subject, (_, score) in latest.items()}


# ---------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------

FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _normalised_zip(data: bytes, core_xml: bytes) -> bytes:
    """The same workbook bytes on every run: fixed zip timestamps and document properties."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = core_xml if info.filename == "docProps/core.xml" else src.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def write_xlsx(path: Path, sheet: str, title: Sequence[str], header: Sequence[str],
               rows: Iterable[Sequence], blank_after_title: bool = False) -> None:
    """One sheet: title lines (merged across the header's width), the header, the rows.
    Same rows give the same bytes."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    bold = Font(bold=True)
    for i, line in enumerate(title, start=1):
        cell = WriteOnlyCell(ws, value=line)
        cell.font = bold
        ws.append([cell])
        if len(header) > 1:
            ws.merged_cells.add(f"A{i}:{get_column_letter(len(header))}{i}")
    if blank_after_title:
        ws.append([])
    heads = []
    for h in header:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        heads.append(cell)
    ws.append(heads)
    for row in rows:
        ws.append(list(row))
    save_workbook(wb, path)


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save an openpyxl workbook so that the same content gives the same bytes (fixed
    document properties and zip timestamps): every sample writer saves through here."""
    wb.properties.creator = "edumon"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalised_zip(buf.getvalue(), tostring(wb.properties.to_tree())))


def write_xlsx_columns(path: Path, sheet: str, title: Sequence[str], header: Sequence[str],
                       columns: Sequence[Sequence]) -> None:
    """The same sheet shape from whole columns (lists of equal length), in constant memory:
    for sheets of tens of thousands of rows (xlsxwriter; not byte-reproducible)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet(sheet)
    for i, line in enumerate(title):
        ws.write_row(i, 0, [line])
    ws.write_row(len(title), 0, list(header))
    for i, row in enumerate(zip(*columns), start=len(title) + 1):
        ws.write_row(i, 0, row)
    wb.close()


def write_cp1251_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """CSV as regional systems export it: Windows-1251, `;`, CRLF (numbers with a decimal
    comma are formatted by the caller with `decimal_comma`)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("cp1251"))


def _russian_dict(col: pa.ChunkedArray, names: dict[str, str]) -> pa.Array:
    arr = col.combine_chunks()
    return pa.DictionaryArray.from_arrays(arr.indices, pa.array([names[v] for v in arr.dictionary.to_pylist()]))


def write_table_cp1251(t: pa.Table, path: Path, headers: dict[str, str],
                       values: dict[str, dict[str, str]] | None = None) -> None:
    """An Arrow table with canonical columns as the export: cp1251, `;`, the Russian headers
    of `headers` (in its order), dictionary columns in `values` spelled in Russian, booleans
    «да/нет», floats with decimal commas."""
    values = values or {}
    out = {}
    for name, title in headers.items():
        col = t[name]
        if name in values:
            col = pc.cast(_russian_dict(col, values[name]), pa.string())
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "да", "нет")
        elif pa.types.is_floating(col.type):
            col = pc.replace_substring(pc.cast(col, pa.string()), ".", ",")
        out[title] = col
    buf = io.BytesIO()
    pacsv.write_csv(pa.table(out), buf, pacsv.WriteOptions(delimiter=";", quoting_style="none"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().decode("utf-8").encode("cp1251"))


def write_parquet(t: pa.Table, path: Path) -> None:
    """The canonical columns as they are (what a bulk export converted upstream looks like)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(t, path, compression="zstd")
