"""A deterministic sample inbox with planted cases, for the demo, tests and benchmarks.

`generate(out, seed, municipalities, schools, years)` writes every source of SPEC §3.1
for every AY of the range, in the shapes users receive: title rows above Russian
headers, CSV in cp1251 with `;` and decimal commas, ВПР «Статистика по отметкам» with
the marks as percentages, ГИА participant rows with retakes, reserve days, past-year
graduates and СПО students. It returns (and writes as `planted.json`) the planted cases
with what the rules of config/edumon.toml must find for each of them in the last AY L.

Every school that is not planted is clean in every year: all material items «да»,
load ≥ 36 h share ≤ 5 % and nobody without a subject diploma, contingent sum ≤ 6 %,
неуспевающие ≤ 3 %, every ВПР «2» share and ГИА below-minimum share ≤ 15 %. So a clean
school is flagged by neither the ШНОР rule (seed 003 §2.1) nor the risk rule (§3.2),
whichever reading of criterion 2 is chosen, and the planted schools are the only
ones whose expectations are not "nothing".

Same seed and arguments give the same files byte for byte: every random draw comes from
a `random.Random` seeded with the seed and the draw's purpose (school, AY, source), and
the XLSX zips carry fixed timestamps and document properties.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from edumon import samples_plan
from schemas.vocabulary import CATEGORIES, EXAMS, PERIODS, SUBJECT_TITLES

# ---------------------------------------------------------------------------------------
# Municipalities and schools
# ---------------------------------------------------------------------------------------

# (name, region digits of the school codes). The first three are the seeds' towns.
KNOWN_MUNICIPALITIES = [("г. Ханты-Мансийск", "86"), ("г. Мегион", "86"), ("г. Норильск", "24")]
INVENTED_TOWNS = ["Северогорск", "Светлоозёрск", "Кедроград", "Лесогорск", "Заозёрный", "Тайгинск",
                  "Сосногорье", "Ключевской", "Березняки-на-Оби", "Полярный Яр", "Новокаменск",
                  "Снежногорье"]
INVENTED_DISTRICTS = ["Кедровский", "Сосновский", "Озёрский", "Таёжный", "Северный", "Речной", "Луговской",
                      "Приобский", "Каменский", "Светлый", "Ягодный", "Туманный", "Лебяжский", "Песчаный",
                      "Еловый", "Брусничный"]
REGION_CODES = ["86", "24", "08", "02", "74", "05", "89", "66"]
VILLAGES = ["Покур", "Ларьяк", "Сосновка", "Берёзовка", "Кедровый", "Луговской", "Выкатной", "Шапша",
            "Селиярово", "Цингалы", "Батово", "Реполово", "Нялинское", "Тундрино", "Высокий Мыс",
            "Ломовое", "Лемпино", "Урманный", "Чеускино", "Сытомино"]

SCHOOL_TYPES = {
    # type: (full name pattern, short name pattern, levels, top grade, typical size)
    "СОШ": ("Средняя общеобразовательная школа", "СОШ", "НОО, ООО, СОО", 11, (350, 1100)),
    "гимназия": ("Гимназия", "Гимназия", "НОО, ООО, СОО", 11, (550, 1200)),
    "лицей": ("Лицей", "Лицей", "НОО, ООО, СОО", 11, (500, 1100)),
    "ЦО": ("Центр образования", "ЦО", "НОО, ООО, СОО", 11, (650, 1400)),
    "ООШ": ("Основная общеобразовательная школа", "ООШ", "НОО, ООО", 9, (120, 380)),
    "НОШ": ("Начальная общеобразовательная школа", "НОШ", "НОО", 4, (60, 220)),
}
CLEAN_TYPE_WEIGHTS = {"СОШ": 55, "гимназия": 8, "лицей": 7, "ЦО": 8, "ООШ": 12, "НОШ": 10}

VPR_GRADES = (4, 5, 6, 7, 8)
VPR_SUBJECTS = ("math", "russian")
RDR_WORKS = {4: ("math", "russian", "reading"), 6: ("math", "russian", "reading"), 7: ("math", "russian"),
             8: ("math", "russian")}

# Clean schools stay at or under these shares (percent), well below every rule's threshold.
CLEAN_LOW_SHARE_MAX = 15
CLEAN_LOAD36_MAX = 5
CLEAN_CONTINGENT_MAX = 6
CLEAN_FAILING_MAX = 3

FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class School:
    code: str
    name: str
    short_name: str
    municipality_code: str
    municipality_name: str
    type: str
    is_rural: bool
    size: int  # students, before the yearly drift
    quality: float  # baseline share of «2» (0..1)
    case: str | None = None  # planted case, None for a clean school

    @property
    def levels(self) -> str:
        return SCHOOL_TYPES[self.type][2]

    @property
    def top_grade(self) -> int:
        return SCHOOL_TYPES[self.type][3]


# ---------------------------------------------------------------------------------------
# Planted cases (all in the first municipality; offsets are relative to the last AY L)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlantedCase:
    case: str
    code: str
    school_type: str
    why: str
    # AY offset from L (-1, -2, -3) → procedure → (participants, low count); for ОГЭ/ЕГЭ
    # these are the first attempts of current-year graduates.
    results: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)
    # context survey of AY L (October): values that replace the clean ones
    context: dict[str, object] = field(default_factory=dict)
    students_total: int | None = None  # AY L, ОО-1 and the context survey agree
    teachers_total: int | None = None
    in_official_list: bool = False  # the ФИОКО list of AY L names it
    missing_offset: int | None = None  # no rows at all in this AY
    failed_retakes_offset: int | None = None  # ОГЭ maths retakes and past-year graduates that fail
    expect: dict = field(default_factory=dict)


def _expect(shnor=False, criterion=None, same=False, risk_sections=(), list_change=None,
            was_shnor=False, official=None) -> dict:
    return {"shnor": shnor, "criterion": criterion, "shnor_same_reading": same, "risk": bool(risk_sections),
            "risk_sections": list(risk_sections), "list_change": list_change, "was_shnor_last_year": was_shnor,
            "official_comparison": official}


PLANTED: list[PlantedCase] = [
    PlantedCase(
        "shnor_c1", "sch860101", "СОШ",
        "Два низких результата в L−1 (ВПР математика 5 — 40 %, ОГЭ математика — 35 % ниже минимума), "
        "в L−2 низких нет: ШНОР по критерию 1 при любом прочтении критерия 2; есть в перечне ФИОКО.",
        results={-1: {"vpr_math_5": (25, 10), "oge_math": (20, 7)}},
        in_official_list=True,
        expect=_expect(True, "1", True, list_change="entered", official="both")),
    PlantedCase(
        "shnor_c2_any", "sch860102", "СОШ",
        "Один низкий результат в L−1 (ВПР русский язык 6 — ровно 30,0 %, 6 из 20) и другой в L−2 "
        "(ВПР математика 6): ШНОР по критерию 2 в прочтении «любая процедура», не ШНОР в прочтении "
        "«та же процедура».",
        results={-1: {"vpr_russian_6": (20, 6)}, -2: {"vpr_math_6": (22, 8)}},
        expect=_expect(True, "2", False, list_change="entered", official="only_ours")),
    PlantedCase(
        "shnor_c2_same", "sch860103", "ООШ",
        "ОГЭ по русскому языку низкий и в L−1 (8 из 25 = 32 %), и в L−2 (9 из 24 = 37,5 %), других "
        "низких нет: ШНОР по критерию 2 при обоих прочтениях.",
        results={-1: {"oge_russian": (25, 8)}, -2: {"oge_russian": (24, 9)}},
        expect=_expect(True, "2", True, list_change="entered", official="only_ours")),
    PlantedCase(
        "near_miss", "sch860104", "СОШ",
        "Две процедуры в L−1 на 29,17 % (7 из 24: ВПР математика 5 и ОГЭ математика) — ниже порога 30 %: "
        "не ШНОР.",
        results={-1: {"vpr_math_5": (24, 7), "oge_math": (24, 7)}},
        expect=_expect()),
    PlantedCase(
        "retake_only", "sch860105", "СОШ",
        "ОГЭ математика в L−1: первые попытки выпускников текущего года — 5 из 25 ниже минимума (20 %); "
        "пересдачи (резервный и дополнительный периоды) и выпускники прошлых лет почти все с «2», и с "
        "ними доля превысила бы 30 %: не низкий результат, не ШНОР.",
        results={-1: {"oge_math": (25, 5)}},
        failed_retakes_offset=-1,
        expect=_expect()),
    PlantedCase(
        "left_list", "sch860106", "ЦО",
        "Два низких результата в L−2 (ВПР математика 5, ЕГЭ профильная математика) и низкий в L−3: ШНОР "
        "в L−1; в L−1 низких нет: в L вышла из перечня.",
        results={-2: {"vpr_math_5": (20, 7), "ege_math_profile": (12, 4)}, -3: {"vpr_math_5": (22, 7)}},
        expect=_expect(list_change="left", was_shnor=True)),
    PlantedCase(
        "official_only", "edu860107", "СОШ",
        "Результаты без низких, но школа есть в перечне ФИОКО на L: «только в федеральном перечне».",
        in_official_list=True,
        expect=_expect(official="only_official")),
    PlantedCase(
        "risk_material", "sch860201", "гимназия",
        "Контекстные данные L: нет лабораторного оборудования по химии, остальное «да»: риск по "
        "материальной базе.",
        context={"lab_chemistry": False},
        expect=_expect(risk_sections=["material"])),
    PlantedCase(
        "risk_staff", "sch860202", "лицей",
        "Нагрузка 36 ч и более у 4 из 39 учителей (10,26 % > 10 %): кадровый риск.",
        context={"teachers_load_36plus": 4, "teachers_no_subject_diploma": 0}, teachers_total=39,
        expect=_expect(risk_sections=["staff"])),
    PlantedCase(
        "staff_exact_10", "sch860203", "СОШ",
        "Нагрузка 36 ч и более ровно у 3 из 30 учителей (10 %, порог «более 10 %»): риска нет.",
        context={"teachers_load_36plus": 3, "teachers_no_subject_diploma": 0}, teachers_total=30,
        expect=_expect()),
    PlantedCase(
        "risk_no_diploma", "sch860204", "СОШ",
        "Один учитель без диплома (переподготовки) по преподаваемому предмету (> 0 %): кадровый риск.",
        context={"teachers_load_36plus": 1, "teachers_no_subject_diploma": 1}, teachers_total=42,
        expect=_expect(risk_sections=["staff"])),
    PlantedCase(
        "risk_contingent", "sch860205", "СОШ",
        "На учёте 12, ОВЗ 20, инофоны 15, систематически пропускают 8: 55 из 500 = 11 % > 10 %: риск по "
        "контингенту.",
        context={"students_registered": 12, "students_ovz": 20, "students_foreign_language": 15,
                 "students_absent_systematic": 8},
        students_total=500,
        expect=_expect(risk_sections=["contingent"])),
    PlantedCase(
        "contingent_exact_10", "sch860206", "СОШ",
        "На учёте 10, ОВЗ 18, инофоны 12, пропускают 8: 48 из 480 = ровно 10 % (порог «более 10 %»): "
        "риска нет.",
        context={"students_registered": 10, "students_ovz": 18, "students_foreign_language": 12,
                 "students_absent_systematic": 8},
        students_total=480,
        expect=_expect()),
    PlantedCase(
        "risk_results", "sch860207", "СОШ",
        "ВПР L−1: математика 4 — ровно 20 % «2» (5 из 25), русский язык 8 — 25 % (6 из 24): две "
        "процедуры ≥ 20 %, риск по результатам.",
        results={-1: {"vpr_math_4": (25, 5), "vpr_russian_8": (24, 6)}},
        expect=_expect(risk_sections=["results"])),
    PlantedCase(
        "risk_failing", "sch860208", "ООШ",
        "Неуспевающих 44 из 400 = 11 % > 10 %: риск по результатам.",
        context={"students_failing": 44}, students_total=400,
        expect=_expect(risk_sections=["results"])),
    PlantedCase(
        "primary_two_high", "edu080209", "НОШ",
        "Начальная школа (только 1–4 классы): ВПР L−1 математика 4 — 25 % «2» (5 из 20), русский язык 4 — "
        "ровно 20 % (4 из 20): две процедуры ≥ 20 %, риск по результатам.",
        results={-1: {"vpr_math_4": (20, 5), "vpr_russian_4": (20, 4)}},
        expect=_expect(risk_sections=["results"])),
    PlantedCase(
        "primary_one_high", "edu080210", "НОШ",
        "Начальная школа: ВПР L−1 только математика 4 — 27,78 % «2» (5 из 18), русский язык 4 в норме: "
        "одна процедура, риска нет.",
        results={-1: {"vpr_math_4": (18, 5)}},
        expect=_expect()),
    PlantedCase(
        "missing_year", "sch860301", "СОШ",
        "Школа есть в реестре, но за L−2 нет ни одной строки ни в одном источнике; остальные годы в "
        "норме: не ШНОР, не рисковая.",
        missing_offset=-2,
        expect=_expect()),
]

PLANTED_BY_CODE = {p.code: p for p in PLANTED}

# Planted schools are mid-sized so that the planted counts fit their classes.
PLANTED_SIZES = {"СОШ": 290, "гимназия": 560, "лицей": 520, "ЦО": 420, "ООШ": 230, "НОШ": 90}


# ---------------------------------------------------------------------------------------
# Randomness: one independent stream per purpose, derived from the seed
# ---------------------------------------------------------------------------------------

def _rng(seed: int, *parts: object) -> random.Random:
    """A stream for one purpose: str seeds are hashed with sha512, stable across runs."""
    return random.Random("|".join([str(seed), *map(str, parts)]))


def _clean_low(n: int, quality: float, rng: random.Random) -> int:
    """Count of «2» (or below minimum) for a clean school: near its baseline, ≤ 15 %."""
    share = max(0.0, quality + rng.gauss(0, 0.02))
    return min(round(share * n), n * CLEAN_LOW_SHARE_MAX // 100)


# ---------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------

def _municipality_names(count: int) -> list[tuple[str, str]]:
    names = list(KNOWN_MUNICIPALITIES)
    names += [(f"г. {t}", REGION_CODES[i % len(REGION_CODES)]) for i, t in enumerate(INVENTED_TOWNS)]
    for form in ("муниципальный район", "муниципальный округ"):
        names += [(f"{d} {form}", REGION_CODES[(i + 3) % len(REGION_CODES)])
                  for i, d in enumerate(INVENTED_DISTRICTS)]
    i = 0
    while len(names) < count:
        i += 1
        names.append((f"Муниципальное образование № {i}", REGION_CODES[i % len(REGION_CODES)]))
    return names[:count]


def _school_code(rng: random.Random, region: str, used: set[str]) -> str:
    width = 4
    for attempt in range(10_000):
        if attempt and attempt % 200 == 0:
            width += 1  # the region's 4-digit space is crowded
        code = f"{'sch' if rng.random() < 0.75 else 'edu'}{region}{rng.randrange(10 ** width):0{width}d}"
        if code not in used:
            used.add(code)
            return code
    raise RuntimeError("cannot draw a free school code")


def _names(school_type: str, number: int, village: str | None) -> tuple[str, str]:
    full, short = SCHOOL_TYPES[school_type][:2]
    where = f"с. {village}" if village else f"№ {number}"
    quoted = school_type in ("гимназия", "лицей", "ЦО")
    full_name = f"Муниципальное бюджетное общеобразовательное учреждение «{full} {where}»"
    short_name = f"МБОУ «{short} {where}»" if quoted else f"МБОУ {short} {where}"
    return full_name, short_name


def build_registry(seed: int, municipalities: int, schools: int) -> list[School]:
    """All schools: the planted ones first in the first municipality, then clean ones."""
    n_clean = schools - len(PLANTED)
    if n_clean < municipalities - 1 or n_clean < 0:
        raise ValueError(f"need at least {len(PLANTED) + municipalities - 1} schools for {municipalities} "
                         f"municipalities and {len(PLANTED)} planted cases, got {schools}")
    rng = _rng(seed, "registry")
    munis = _municipality_names(municipalities)
    per_muni = [n_clean // municipalities + (1 if i < n_clean % municipalities else 0)
                for i in range(municipalities)]
    used = {p.code for p in PLANTED}
    result: list[School] = []
    for m, ((mname, region), n) in enumerate(zip(munis, per_muni)):
        mcode = f"mo{m + 1:02d}"
        number = 0
        villages = list(VILLAGES)
        rng.shuffle(villages)
        members: list[tuple[str, str | None, PlantedCase | None]] = []
        if m == 0:
            members += [(p.school_type, None, p) for p in PLANTED]
        for _ in range(n):
            stype = rng.choices(list(CLEAN_TYPE_WEIGHTS), weights=list(CLEAN_TYPE_WEIGHTS.values()))[0]
            rural = stype in ("СОШ", "ООШ", "НОШ") and rng.random() < 0.25 and bool(villages)
            members.append((stype, villages.pop() if rural else None, None))
        for stype, village, planted in members:
            number += 1
            full_name, short_name = _names(stype, number, village)
            if planted:
                code, size, quality = planted.code, planted.students_total or PLANTED_SIZES[stype], 0.04
            else:
                code = _school_code(rng, region, used)
                lo, hi = SCHOOL_TYPES[stype][4]
                size = rng.randint(lo, hi) if not village else rng.randint(max(40, lo // 3), max(60, lo))
                quality = rng.uniform(0.01, 0.08)
            result.append(School(code, full_name, short_name, mcode, mname, stype, village is not None, size,
                                 quality, planted.case if planted else None))
    return result


# ---------------------------------------------------------------------------------------
# One school in one AY: every figure every source reports
# ---------------------------------------------------------------------------------------

@dataclass
class SchoolYear:
    school: School
    ay: int
    grades: dict[int, int]
    ovz: int
    teachers: int
    context: dict[str, object]
    vpr: dict[tuple[str, int], tuple[int, int]]  # (subject, grade) → (participants, «2»)
    gia: dict[str, tuple[int, int]]  # procedure → (first attempts of current graduates, below minimum)

    @property
    def students(self) -> int:
        return sum(self.grades.values())


def _enrolment(school: School, ay: int, rng: random.Random, total: int | None) -> dict[int, int]:
    top = school.top_grade
    target = total or school.size * (1 + 0.015 * (ay - 2019)) * rng.uniform(0.96, 1.04)
    weights = {g: (1.0 if g <= 4 else 0.95 if g <= 9 else 0.55) * rng.uniform(0.88, 1.12) for g in range(1, top + 1)}
    s = sum(weights.values())
    grades = {g: max(1, round(target * w / s)) for g, w in weights.items()}
    if total is not None:
        grades[1] += total - sum(grades.values())
    return {g: grades.get(g, 0) for g in range(1, 12)}


def _planted_results(school: School, ay: int, last: int) -> dict[str, tuple[int, int]]:
    planted = PLANTED_BY_CODE.get(school.code)
    return planted.results.get(ay - last, {}) if planted else {}


def build_school_year(seed: int, school: School, ay: int, last: int) -> SchoolYear:
    rng = _rng(seed, "year", school.code, ay)
    planted = PLANTED_BY_CODE.get(school.code)
    in_last = planted is not None and ay == last
    grades = _enrolment(school, ay, rng, planted.students_total if in_last else None)
    students = sum(grades.values())
    teachers = (planted.teachers_total if in_last and planted.teachers_total
                else max(6, round(students / rng.uniform(12.5, 15.5)) + 2))

    # Context survey (October): clean values, then the planted ones of AY L.
    ovz = int(students * rng.uniform(0.01, 0.03))
    budget = max(0, students * CLEAN_CONTINGENT_MAX // 100 - ovz)
    spent = int(budget * rng.uniform(0.3, 0.95))
    registered = int(spent * rng.uniform(0.2, 0.5))
    foreign = int((spent - registered) * rng.uniform(0.2, 0.7))
    context: dict[str, object] = {
        "internet_stable": True, "computers_enough": True, "lab_physics": True, "lab_chemistry": True,
        "lab_biology": True, "lab_geography": True, "lab_technology": True,
        "teachers_total": teachers,
        "teachers_load_36plus": rng.randint(0, teachers * CLEAN_LOAD36_MAX // 100),
        "teachers_no_subject_diploma": 0,
        "students_total": students,
        "students_registered": registered,
        "students_ovz": ovz,
        "students_foreign_language": foreign,
        "students_absent_systematic": spent - registered - foreign,
        "students_failing": rng.randint(0, students * CLEAN_FAILING_MAX // 100),
    }
    if in_last:
        context.update(planted.context)
        ovz = int(context["students_ovz"])

    overrides = _planted_results(school, ay, last)
    vpr: dict[tuple[str, int], tuple[int, int]] = {}
    for grade in VPR_GRADES:
        if grade > school.top_grade:
            continue
        for subject in VPR_SUBJECTS:
            proc = f"vpr_{subject}_{grade}"
            if proc in overrides:
                vpr[(subject, grade)] = overrides[proc]
                continue
            n = round(grades[grade] * rng.uniform(0.86, 0.97))
            if n > 0:
                vpr[(subject, grade)] = (n, _clean_low(n, school.quality, rng))

    gia: dict[str, tuple[int, int]] = {}
    if school.top_grade >= 9:
        cohort = max([round(grades[9] * rng.uniform(0.93, 0.99))]
                     + [n for p, (n, _) in overrides.items() if p.startswith("oge_")])
        for proc in ("oge_russian", "oge_math"):
            if proc in overrides:
                gia[proc] = overrides[proc]
            elif cohort > 0:
                gia[proc] = (cohort, _clean_low(cohort, school.quality, rng))
    if school.top_grade == 11:
        cohort = round(grades[11] * rng.uniform(0.95, 1.0))
        profile_share = rng.uniform(0.45, 0.7) if school.type in ("гимназия", "лицей") else rng.uniform(0.3, 0.55)
        n_profile = overrides.get("ege_math_profile", (round(cohort * profile_share), 0))[0]
        n_base = overrides.get("ege_math_base", (max(0, cohort - n_profile), 0))[0]
        n_russian = overrides.get("ege_russian", (max(cohort, n_base + n_profile), 0))[0]
        for proc, n in (("ege_russian", n_russian), ("ege_math_base", n_base), ("ege_math_profile", n_profile)):
            if n > 0:
                gia[proc] = overrides.get(proc) or (n, _clean_low(n, school.quality, rng))
    return SchoolYear(school, ay, grades, ovz, teachers, context, vpr, gia)


# ---------------------------------------------------------------------------------------
# ГИА participant rows (РЦОИ export)
# ---------------------------------------------------------------------------------------

OGE_SCALES = {"math": [(0, 7), (8, 14), (15, 21), (22, 31)], "russian": [(0, 14), (15, 22), (23, 28), (29, 33)]}
EGE_BASE_SCALE = [(0, 6), (7, 11), (12, 16), (17, 21)]
EGE_MIN_TEST = {"russian": 24, "math_profile": 27}

EXAM_TITLE = {code: names[0] for code, names in EXAMS.items()}
PERIOD_TITLE = {code: names[0] for code, names in PERIODS.items()}
CATEGORY_TITLE = {code: names[0] for code, names in CATEGORIES.items()}

GIA_HEADER = ["Код участника", "Код ОО", "Форма ГИА", "Предмет", "Период", "Пересдача", "Категория участника",
              "Первичный балл", "Тестовый балл", "Отметка", "Преодолел минимальный порог"]


def _exam_result(exam: str, subject: str, passed: bool, rng: random.Random) -> tuple[int, int | None, int | None]:
    """(primary score, test score, mark) consistent with passing the minimum or not."""
    random_ = rng.random  # participant rows are the bulk of the work: plain uniform draws
    if exam == "oge" or subject == "math_base":
        scale = OGE_SCALES[subject] if exam == "oge" else EGE_BASE_SCALE
        u = random_()
        mark = (3 if u < 0.35 else 4 if u < 0.77 else 5) if passed else 2
        lo, hi = scale[mark - 2]
        return lo + int(random_() * (hi - lo + 1)), None, mark
    minimum = EGE_MIN_TEST[subject]
    if passed:
        test = int(rng.triangular(minimum, 98, 68))
    else:
        lo = max(5, minimum - 14)
        test = lo + int(random_() * (minimum - lo))
    primary = round(test / 2) if subject == "russian" else round(test / 3.1)
    return primary, test, None


class _Ids:
    """Pseudonymous participant ids, unique within an AY."""

    def __init__(self):
        self.used: set[str] = set()

    def new(self, rng: random.Random) -> str:
        while True:
            pid = f"{rng.getrandbits(48):012X}"
            if pid not in self.used:
                self.used.add(pid)
                return pid


def _gia_row(pid, code, exam, subject, period, retake, category, passed, rng) -> list:
    primary, test, mark = _exam_result(exam, subject, passed, rng)
    return [pid, code, EXAM_TITLE[exam], SUBJECT_TITLES[subject], PERIOD_TITLE[period], "да" if retake else "нет",
            CATEGORY_TITLE[category], primary, "" if test is None else test, "" if mark is None else mark,
            "да" if passed else "нет"]


def gia_rows(seed: int, sy: SchoolYear, ids: _Ids, failed_retakes: bool) -> dict[str, list[list]]:
    """Participant rows per exam: first attempts of current graduates as planned, then retakes
    of those who failed, past-year graduates and СПО students (who do not count)."""
    rng = _rng(seed, "gia", sy.school.code, sy.ay)
    code = sy.school.code
    out: dict[str, list[list]] = {"oge": [], "ege": []}
    for exam in ("oge", "ege"):
        procs = [p for p in sy.gia if p.startswith(exam + "_")]
        if not procs:
            continue
        cohort_size = max(sy.gia[p][0] for p in procs)
        if exam == "ege":
            cohort_size = max(cohort_size, sy.gia.get("ege_math_base", (0, 0))[0]
                              + sy.gia.get("ege_math_profile", (0, 0))[0])
        cohort = [ids.new(rng) for _ in range(cohort_size)]
        rows = out[exam]
        for proc in procs:
            subject = proc[len(exam) + 1:]
            n, low = sy.gia[proc]
            takers = cohort[sy.gia.get("ege_math_base", (0, 0))[0]:][:n] if proc == "ege_math_profile" else cohort[:n]
            failed = set(rng.sample(range(n), low))
            for i, pid in enumerate(takers):
                period = "main" if rng.random() < 0.93 else "reserve"  # ill on the main day
                rows.append(_gia_row(pid, code, exam, subject, period, False, "current", i not in failed, rng))
            if failed_retakes and proc == "oge_math":
                rows += _failed_retakes(code, [takers[i] for i in sorted(failed)], ids, rng)
                continue
            for i in sorted(failed):
                # a failed attempt is retaken on a reserve day or in the additional (September) period
                if subject == "math_profile":
                    continue  # profile maths is not retaken in the same year
                period = "reserve" if rng.random() < 0.6 else "additional"
                passed = rng.random() < 0.8
                rows.append(_gia_row(takers[i], code, exam, subject, period, True, "current", passed, rng))
                if not passed and period == "reserve":
                    rows.append(_gia_row(takers[i], code, exam, subject, "additional", True, "current",
                                         rng.random() < 0.7, rng))
        if exam == "ege":
            # past-year graduates and СПО students write ЕГЭ through the school; they do not count
            for _ in range(rng.randint(0, 3)):
                pid = ids.new(rng)
                for subject in ("russian", "math_profile"):
                    rows.append(_gia_row(pid, code, exam, subject, "main", False, "past", rng.random() < 0.9, rng))
            for _ in range(rng.randint(0, 2)):
                pid = ids.new(rng)
                for subject in ("russian", "math_base"):
                    rows.append(_gia_row(pid, code, exam, subject, "main", False, "spo", rng.random() < 0.9, rng))
    return out


def _failed_retakes(code: str, failed: list[str], ids: _Ids, rng: random.Random) -> list[list]:
    """retake_only: every failed student retakes on a reserve day and fails again, three of them
    fail in September too, and four past-year graduates fail. Counted with the first attempts
    (all rows 17 of 39; past-year included 9 of 29; retakes included 13 of 35; reserve-day retakes
    included 10 of 30) the share would pass 30 %; the rule's count is 5 of 25 = 20 %."""
    rows = [_gia_row(pid, code, "oge", "math", "reserve", True, "current", False, rng) for pid in failed]
    rows += [_gia_row(pid, code, "oge", "math", "additional", True, "current", i >= 3, rng)
             for i, pid in enumerate(failed)]
    for _ in range(4):
        rows.append(_gia_row(ids.new(rng), code, "oge", "math", "main", False, "past", False, rng))
    return rows


# ---------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------

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
    """One sheet: title lines (merged across the header's width), the header, the rows."""
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
    wb.properties.creator = "edumon"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalised_zip(buf.getvalue(), tostring(wb.properties.to_tree())))


def write_cp1251_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """CSV as regional systems export it: Windows-1251, `;`, CRLF (numbers with a decimal
    comma are formatted by the caller with `decimal_comma`)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("cp1251"))


def decimal_comma(v: float) -> str:
    return f"{v:g}".replace(".", ",")


def _yn(v: object) -> str:
    return "да" if v else "нет"


def _ay_title(ay: int) -> str:
    return f"{ay}/{ay + 1} учебный год"


def write_registry(out: Path, schools: list[School]) -> None:
    header = ["Код ОО", "Полное наименование", "Краткое наименование", "Код МО", "Муниципальное образование",
              "Тип ОО", "Уровни образования", "Сельская местность"]
    rows = [[s.code, s.name, s.short_name, s.municipality_code, s.municipality_name, s.type, s.levels,
             _yn(s.is_rural)] for s in sorted(schools, key=lambda s: (s.municipality_code, s.code))]
    write_xlsx(out / "schools" / "registry.xlsx", "Реестр", ["Реестр общеобразовательных организаций"],
               header, rows, blank_after_title=True)


def write_oo1(path: Path, ay: int, years: list[SchoolYear], rng: random.Random) -> None:
    header = (["Код ОО", "Всего обучающихся"] + [f"{g} класс" for g in range(1, 12)]
              + ["Обучающихся с ОВЗ", "Учителей всего", "С высшим педагогическим образованием",
                 "С высшей категорией", "С первой категорией"])
    rows = []
    for sy in years:
        t = sy.teachers
        highest = int(t * rng.uniform(0.2, 0.4))
        rows.append([sy.school.code, sy.students, *[sy.grades[g] for g in range(1, 12)], sy.ovz, t,
                     int(t * rng.uniform(0.82, 0.96)), highest, int((t - highest) * rng.uniform(0.3, 0.5))])
    write_xlsx(path, "ОО-1", [f"Форма ОО-1. Сведения об общеобразовательных организациях на 20 сентября {ay} г."],
               header, rows)


def write_oo2(path: Path, years: list[SchoolYear], rng: random.Random) -> None:
    header = ["Код ОО", "Компьютеров всего", "Используются в учебных целях", "С доступом к Интернету",
              "Скорость Интернета, Мбит/с"]
    rows = []
    for sy in years:
        total = round(sy.students / rng.uniform(4, 7)) + 5
        speed = rng.choice([20.0, 30.5, 50.0, 50.5, 75.5, 100.0, 100.0, 150.0])
        rows.append([sy.school.code, total, int(total * rng.uniform(0.8, 0.95)), int(total * rng.uniform(0.85, 1.0)),
                     decimal_comma(speed)])
    write_cp1251_csv(path, header, rows)


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


def write_context(path: Path, ay: int, years: list[SchoolYear]) -> None:
    rows = [[sy.school.code] + [_yn(v) if isinstance(v, bool) else v for v in
                                (sy.context[k] for k in CONTEXT_HEADER)] for sy in years]
    write_xlsx(path, "Контекст", [f"Контекстные данные общеобразовательных организаций (КИАСУО), октябрь {ay} г."],
               ["Код ОО", *CONTEXT_HEADER.values()], rows)


VPR_STATS_HEADER = ["Год", "Класс", "Предмет", "Муниципалитет", "Логин", "ОО", "Кол-во участников",
                    "2", "3", "4", "5"]


def _vpr_marks(n: int, low: int, quality: float, rng: random.Random) -> tuple[int, int, int, int]:
    rest = n - low
    m5 = round(rest * rng.uniform(0.08, 0.24) * (1.2 - quality * 3))
    m4 = round(rest * rng.uniform(0.35, 0.47))
    return low, rest - m4 - m5, m4, m5


def write_vpr(out_dir: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    """ФИС ОКО «Статистика по отметкам», one file per subject; marks in percent of participants.
    «Год» is the calendar year of the work (spring of AY+1)."""
    stats: dict[str, list] = {s: [] for s in VPR_SUBJECTS}
    journal = []
    for sy in years:
        rng = _rng(seed, "vpr", sy.school.code, ay)
        for (subject, grade), (n, low) in sorted(sy.vpr.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            marks = _vpr_marks(n, low, sy.school.quality, rng)
            stats[subject].append([ay + 1, grade, SUBJECT_TITLES[subject], sy.school.municipality_name,
                                   sy.school.code, sy.school.short_name, n, *[round(100 * m / n, 2) for m in marks]])
            raised = rng.randint(0, n * 5 // 100)
            lowered = rng.randint(n * 3 // 100, n * 12 // 100)
            journal.append([sy.school.code, grade, SUBJECT_TITLES[subject], lowered, n - lowered - raised, raised])
    for subject, rows in stats.items():
        rows.sort(key=lambda r: (r[1], r[3], r[4]))
        write_xlsx(out_dir / "vpr_stats" / f"vpr_stats_{ay}_{subject}.xlsx", "Статистика по отметкам",
                   [f"Статистика по отметкам. ВПР {ay + 1}. {SUBJECT_TITLES[subject]}"], VPR_STATS_HEADER, rows)
    write_xlsx(out_dir / "vpr_journal" / f"vpr_journal_{ay}.xlsx", "Сравнение",
               [f"ВПР {ay + 1}. Сравнение отметок с отметками по журналу"],
               ["Логин", "Класс", "Предмет", "Понизили (чел.)", "Подтвердили (чел.)", "Повысили (чел.)"], journal)


def write_gia(out_dir: Path, seed: int, ay: int, years: list[SchoolYear], last: int) -> None:
    ids = _Ids()
    by_exam: dict[str, list] = {"oge": [], "ege": []}
    for sy in years:
        planted = PLANTED_BY_CODE.get(sy.school.code)
        failed_retakes = (planted is not None and planted.failed_retakes_offset is not None
                          and ay == last + planted.failed_retakes_offset)
        for exam, rows in gia_rows(seed, sy, ids, failed_retakes).items():
            by_exam[exam] += rows
    for exam, rows in by_exam.items():
        write_cp1251_csv(out_dir / "gia" / f"{exam}_{ay}.csv", GIA_HEADER, rows)


def write_rdr(path: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    rows = []
    for sy in years:
        rng = _rng(seed, "rdr", sy.school.code, ay)
        for grade, subjects in RDR_WORKS.items():
            if grade > sy.school.top_grade:
                continue
            for subject in subjects:
                n = round(sy.grades[grade] * rng.uniform(0.85, 0.97))
                if n == 0:
                    continue
                below = _clean_low(n, sy.school.quality * 1.3, rng)
                advanced = round((n - below) * rng.uniform(0.1, 0.25))
                rows.append([sy.school.code, grade, SUBJECT_TITLES[subject], n, below, n - below - advanced,
                             advanced])
    write_xlsx(path, "КДР", [f"Результаты краевых диагностических работ, {_ay_title(ay)}"],
               ["Код ОО", "Класс", "Предмет", "Количество участников", "Ниже базового уровня", "Базовый уровень",
                "Повышенный уровень"], rows)


def write_prevention(path: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    rows = []
    for sy in years:
        rng = _rng(seed, "prevention", sy.school.code, ay)
        has_system = rng.random() < 0.9
        failing = int(sy.context["students_failing"])
        for half in (1, 2):
            f = failing if half == 1 else max(0, failing - rng.randint(0, 3))
            low = int(sy.students * rng.uniform(0.05, 0.12))
            rows.append([sy.school.code, half, _yn(has_system), sy.students, low, f,
                         int((low + f) * rng.uniform(0.4, 0.9)), int(f * rng.uniform(0.6, 1.0))])
    write_xlsx(path, "Профилактика", [f"Отчёт о профилактике учебной неуспешности, {_ay_title(ay)}"],
               ["Код ОО", "Полугодие", "Сформирована внутришкольная система профилактики", "Обучающихся всего",
                "Слабоуспевающих", "Неуспевающих", "Имеют ИОМ", "Неуспевающих на дополнительных занятиях"], rows)


def write_staff(path: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    header = ["Код ОО", "Педагогов всего", "Прошли диагностику: предметные", "Прошли диагностику: методические",
              "Прошли диагностику: психолого-педагогические", "Оказана поддержка",
              "В региональных сетевых объединениях", "В муниципальных объединениях (ГМО)", "Педагогов с ИОМ",
              "Участие в мероприятиях", "Продуктивное участие", "Муниципальная стажировочная площадка",
              "Региональная стажировочная площадка", "Руководителей всего", "Руководителей прошли КПК",
              "Педагогов прошли КПК", "Участвовали в вебинарах", "Участвовали в семинарах", "Участвовали в конкурсах"]
    rows = []
    for sy in years:
        rng = _rng(seed, "staff", sy.school.code, ay)
        t = sy.teachers

        def part(lo, hi):
            return int(t * rng.uniform(lo, hi))

        leaders = rng.randint(3, 6) if t > 15 else rng.randint(1, 3)
        rows.append([sy.school.code, t, part(0.3, 0.7), part(0.2, 0.6), part(0.1, 0.4), part(0.3, 0.8),
                     part(0.05, 0.25), part(0.4, 0.9), part(0.1, 0.35), _yn(rng.random() < 0.9),
                     _yn(rng.random() < 0.5), _yn(rng.random() < 0.1), _yn(rng.random() < 0.03), leaders,
                     rng.randint(0, leaders), part(0.2, 0.5), part(0.3, 0.8), part(0.2, 0.6), part(0.05, 0.2)])
    write_xlsx(path, "Кадры", [f"Мониторинг кадрового обеспечения и методической поддержки, {_ay_title(ay)}"],
               header, rows)


def write_official_shnor(path: Path, ay: int, listed: list[School]) -> None:
    rows = [[s.code, s.name] for s in sorted(listed, key=lambda s: s.code)]
    write_xlsx(path, "Перечень",
               [f"Перечень общеобразовательных организаций, имеющих низкие образовательные результаты, на "
                f"{_ay_title(ay)} (ФИОКО)"],
               ["Логин ОО", "Наименование ОО"], rows)


# Plan of measures shaped like seed 000: (section, title, responsible, when).
# `when` is a month (9..12 of AY, 1..8 of AY+1), a quarter ("Q1".."Q4") or a free wording.
PLAN_MEASURES = [
    ("Нормативно-правовое обеспечение", "Разработка и утверждение муниципального плана мероприятий по повышению "
     "качества образования в ОО, имеющих низкие образовательные результаты", "Управление образования", 10),
    ("Нормативно-правовое обеспечение", "Заключение соглашений с ШНОР о реализации адресных программ поддержки",
     "Управление образования, ШНОР", "Q4"),
    ("Нормативно-правовое обеспечение", "Утверждение программ повышения качества образования ШНОР",
     "ШНОР, Методический центр", "Q1"),
    ("Методическое сопровождение", "Диагностика профессиональных дефицитов педагогов ШНОР и школ с рисками "
     "учебной неуспешности", "Методический центр", 11),
    ("Методическое сопровождение", "Разработка индивидуальных образовательных маршрутов педагогов ШНОР",
     "Методический центр, ШНОР", "Q1"),
    ("Методическое сопровождение", "Организация работы муниципальных стажировочных площадок",
     "Методический центр", "В течение года"),
    ("Методическое сопровождение", "Участие педагогов ШНОР в курсах повышения квалификации по проекту «500+»",
     "Методический центр, ШНОР", "По отдельному графику"),
    ("Методическое сопровождение", "Сопровождение взаимодействия ШНОР и ШВОР (кураторство)",
     "Управление образования, Методический центр", "Постоянно"),
    ("Информационное сопровождение оценочных процедур", "Организация проведения всероссийских проверочных "
     "работ в общеобразовательных организациях", "Управление образования", 3),
    ("Информационное сопровождение оценочных процедур", "Анализ результатов ВПР и ГИА, подготовка аналитической "
     "справки для руководителей ОО", "Методический центр", 9),
    ("Информационное сопровождение оценочных процедур", "Самодиагностика ОО с признаками необъективности "
     "результатов ВПР", "Управление образования, ОО", "Q1"),
    ("Мониторинг и контроль", "Мониторинг реализации программ поддержки ШНОР", "Методический центр", "Q2"),
    ("Мониторинг и контроль", "Мониторинг профилактики учебной неуспешности (I полугодие)",
     "Методический центр, ОО", 1),
    ("Мониторинг и контроль", "Мониторинг профилактики учебной неуспешности (учебный год)",
     "Методический центр, ОО", 6),
    ("Мониторинг и контроль", "Участие в региональном конкурсе программ поддержки ШНОР",
     "Управление образования, ШНОР", "Q4"),
    ("Мониторинг и контроль", "Анализ эффективности принятых мер и управленческих решений",
     "Управление образования", 6),
]
MONTHS = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
          "Ноябрь", "Декабрь"]
QUARTERS = {"Q1": ("I", 1, 3), "Q2": ("II", 4, 6), "Q3": ("III", 7, 9), "Q4": ("IV", 10, 12)}


def _due(ay: int, when: object) -> tuple[str, int | None]:
    """The due wording and an order key (months since September of AY, None for "all year")."""
    if isinstance(when, int):
        year = ay if when >= 9 else ay + 1
        return f"{MONTHS[when - 1]} {year}", (when - 9) % 12
    if when in QUARTERS:
        roman, _, end = QUARTERS[when]
        year = ay if end >= 9 else ay + 1
        return f"{roman} квартал {year}", (end - 9) % 12
    return str(when), None


# In the plan of AY L this measure (due in November) is still «запланировано»: overdue.
PLAN_OVERDUE_NO = 4


def write_plan(path: Path, seed: int, ay: int, last: int) -> None:
    """The plan of measures of AY and its execution report. Past AYs are done (a contest
    sometimes not taken part in). AY L is reported as of late December: measures due by
    November are done, December–January ones in progress, later ones planned; the contest
    was not taken part in, and measure PLAN_OVERDUE_NO is overdue."""
    rng = _rng(seed, "plan", ay)
    rows = []
    for no, (section, title, responsible, when) in enumerate(PLAN_MEASURES, start=1):
        due, order = _due(ay, when)
        contest = "конкурсе" in title
        if ay < last:
            status = "не принимали участие" if contest and rng.random() < 0.5 else "выполнено"
        elif no == PLAN_OVERDUE_NO:
            status = "запланировано"
        elif order is None:
            status = "в работе"
        elif contest and order <= 4:
            status = "не принимали участие"
        else:
            status = "выполнено" if order <= 2 else "в работе" if order <= 4 else "запланировано"
        done = status == "выполнено"
        # the order that reports a done measure is dated within its due month (or the autumn)
        month = 9 + (order if order is not None else rng.randint(0, 3))
        year, month = (ay, month) if month <= 12 else (ay + 1, month - 12)
        result = (f"Приказ Управления образования от {rng.randint(1, 28):02d}.{month:02d}.{year} "
                  f"№ {rng.randint(100, 899)}" if done else
                  "Не принимали участие" if status == "не принимали участие" else "")
        evidence = f"https://cro.example.ru/kachestvo/{ay}/{no:02d}.pdf" if done else ""
        rows.append([str(no), section, title, responsible, due, status, result, evidence])
    write_xlsx(path, "План", [f"План мероприятий по повышению качества образования в ОО, имеющих низкие "
                              f"образовательные результаты, на {_ay_title(ay)}"],
               ["№ п/п", "Раздел", "Наименование мероприятия", "Ответственные исполнители", "Сроки реализации",
                "Статус", "Результат", "Подтверждение"], rows, blank_after_title=True)


# ---------------------------------------------------------------------------------------
# The rule, applied to what was generated, for the official lists of earlier AYs
# ---------------------------------------------------------------------------------------

SHNOR_PROCEDURES = ("vpr_math_5", "vpr_math_6", "vpr_russian_5", "vpr_russian_6", "oge_math", "oge_russian",
                    "ege_math_base", "ege_math_profile", "ege_russian")


def low_procedures(sy: SchoolYear) -> set[str]:
    """Procedures with ≥ 30 % «2» / below minimum (seed 003 §2.1), from the planned counts."""
    results = {f"vpr_{s}_{g}": v for (s, g), v in sy.vpr.items()} | sy.gia
    return {p for p in SHNOR_PROCEDURES if p in results and results[p][0] > 0
            and 100 * results[p][1] >= 30 * results[p][0]}


def shnor_by_rule(lows: dict[int, dict[str, set[str]]], ay: int) -> set[str]:
    prev, prev2 = lows.get(ay - 1, {}), lows.get(ay - 2, {})
    return {code for code, low in prev.items() if len(low) >= 2 or (low and prev2.get(code))}


# ---------------------------------------------------------------------------------------
# The whole inbox
# ---------------------------------------------------------------------------------------

def generate(out: Path, seed: int = 1, municipalities: int = 1, schools: int = 30,
             years: tuple[int, int] = (2019, 2023)) -> dict:
    """Write a sample inbox (SPEC §3.1) under `out` and return the planted cases.

    AYs run from years[0] to years[1] (L); the range needs at least three AYs, since the
    ШНОР rule of L reads L−1 and L−2. The ФИОКО list of AY L is planted (it differs from
    ours on purpose); the lists of earlier AYs are what the rule gives on the generated
    results. Files of the same names under `out` are replaced; nothing else is touched.
    """
    out = Path(out)
    first, last = years
    if last - first < 2:
        raise ValueError(f"the year range needs at least three academic years (L−2 … L), got {first}–{last}")
    if municipalities < 1:
        raise ValueError("need at least one municipality")
    registry = build_registry(seed, municipalities, schools)
    write_registry(out, registry)

    lows: dict[int, dict[str, set[str]]] = {}
    for ay in range(first, last + 1):
        present = [s for s in registry if not _missing(s, ay, last)]
        school_years = [build_school_year(seed, s, ay, last) for s in present]
        lows[ay] = {sy.school.code: low_procedures(sy) for sy in school_years}
        ay_dir = out / str(ay)
        write_oo1(ay_dir / "oo1" / f"oo1_{ay}.xlsx", ay, school_years, _rng(seed, "oo1", ay))
        write_oo2(ay_dir / "oo2" / f"oo2_{ay}.csv", school_years, _rng(seed, "oo2", ay))
        write_context(ay_dir / "context" / f"context_{ay}.xlsx", ay, school_years)
        write_vpr(ay_dir, seed, ay, school_years)
        write_gia(ay_dir, seed, ay, school_years, last)
        write_rdr(ay_dir / "rdr" / f"rdr_{ay}.xlsx", seed, ay, school_years)
        write_prevention(ay_dir / "prevention" / f"prevention_{ay}.xlsx", seed, ay, school_years)
        write_staff(ay_dir / "staff" / f"staff_{ay}.xlsx", seed, ay, school_years)
        write_plan(ay_dir / "plan" / f"plan_{ay}.xlsx", seed, ay, last)

    by_code = {s.code: s for s in registry}
    for ay in range(first, last + 1):
        if ay == last:
            listed = {p.code for p in PLANTED if p.in_official_list}
        else:
            listed = shnor_by_rule(lows, ay) if ay - 2 >= first else set()
        write_official_shnor(out / str(ay) / "official_shnor" / f"shnor_fioko_{ay}.xlsx", ay,
                             [by_code[c] for c in listed])

    samples_plan.write(out, pd.DataFrame([vars(s) for s in registry]), list(range(first, last + 1)),
                       np.random.default_rng(seed))  # plan layouts, §4.5 measures, «500+» form (issue 14)
    planted = describe_planted(registry, seed, first, last, municipalities, schools)
    (out / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return planted


def _missing(school: School, ay: int, last: int) -> bool:
    planted = PLANTED_BY_CODE.get(school.code)
    return planted is not None and planted.missing_offset is not None and ay == last + planted.missing_offset


def describe_planted(registry: list[School], seed: int, first: int, last: int, municipalities: int,
                     schools: int) -> dict:
    by_code = {s.code: s for s in registry}
    cases = []
    for p in PLANTED:
        s = by_code[p.code]
        entry = {"case": p.case, "code": p.code, "short_name": s.short_name, "school_type": s.type,
                 "expect": p.expect, "why": p.why}
        results = {}
        for offset, procs in sorted(p.results.items(), reverse=True):
            if last + offset < first:
                continue
            results[str(last + offset)] = {
                proc: {"participants": n, "low": k, "share_pct": round(100 * k / n, 2)}
                for proc, (n, k) in procs.items()}
        if results:
            entry["planted_results"] = results
        if p.context or p.students_total or p.teachers_total:
            ctx = dict(p.context)
            if p.students_total:
                ctx["students_total"] = p.students_total
            if p.teachers_total:
                ctx["teachers_total"] = p.teachers_total
            entry["planted_context"] = {str(last): ctx}
        if p.missing_offset is not None:
            entry["missing_ay"] = last + p.missing_offset
        cases.append(entry)
    clean = [s.code for s in registry if s.case is None]
    overdue_title, overdue_when = PLAN_MEASURES[PLAN_OVERDUE_NO - 1][1], PLAN_MEASURES[PLAN_OVERDUE_NO - 1][3]
    return {
        "ay": last,
        "years": [first, last],
        "seed": seed,
        "municipalities": municipalities,
        "schools": schools,
        "planted_municipality_code": "mo01",
        "rules": "config/edumon.toml defaults (seed 003 §2.1, §3.2)",
        "cases": cases,
        "clean": {"expect": _expect(), "codes": clean},
        "plan": {"ay": last, "overdue_measure_no": str(PLAN_OVERDUE_NO), "title": overdue_title,
                 "due": _due(last, overdue_when)[0], "status": "запланировано",
                 "why": "Срок прошёл (ноябрь), статус «запланировано»: просрочено для отчёта после ноября."},
    }
