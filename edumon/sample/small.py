"""The small engine: a deterministic sample inbox with planted cases, for the demo and tests.

`generate(out, seed, municipalities, schools, years)` writes every source of SPEC §3.1
for every AY of the range, in the shapes users receive: title rows above Russian
headers, CSV in cp1251 with `;` and decimal commas, ВПР «Статистика по отметкам» with
the marks as percentages, ГИА participant rows with retakes, reserve days, past-year
graduates and СПО students. It returns (and writes as `planted.json`) the planted cases
with what the rules of config/edumon.toml must find for each of them in the last AY L
(planted.py). Shapes and writers come from shapes.py; the extra writers of new sources
(extra.py) are called after the built-in ones.

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

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from edumon.sample import extra
from edumon.sample.planted import (
    PLANTED, PLANTED_BY_CODE, PLANTED_SIZES, PlantedCase, _expect, official_list, shnor_list,
)
from edumon.sample.shapes import (
    CATEGORY_TITLE, CONTEXT_HEADER, EXAM_TITLE, GIA_HEADER, OFFICIAL_SHNOR_HEADER, OO1_HEADER, OO2_HEADER,
    PERIOD_TITLE, PLAN_HEADER, PREVENTION_HEADER, RDR_HEADER, REGISTRY_HEADER, REGISTRY_TITLE, STAFF_HEADER,
    SUBJECT_TITLES, VPR_JOURNAL_HEADER, VPR_STATS_HEADER, context_title, decimal_comma, ege_min_scores,
    official_shnor_title, oo1_title, plan_title, prevention_title, rdr_title, staff_title, vpr_journal_title,
    vpr_stats_title, write_cp1251_csv, write_xlsx, yn,
)

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
EGE_MIN_TEST = ege_min_scores()  # {"russian": 24, "math_profile": 27}


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

def write_registry(out: Path, schools: list[School]) -> None:
    rows = [[s.code, s.name, s.short_name, s.municipality_code, s.municipality_name, s.type, s.levels,
             yn(s.is_rural)] for s in sorted(schools, key=lambda s: (s.municipality_code, s.code))]
    write_xlsx(out / "schools" / "registry.xlsx", "Реестр", [REGISTRY_TITLE], REGISTRY_HEADER, rows,
               blank_after_title=True)


def write_oo1(path: Path, ay: int, years: list[SchoolYear], rng: random.Random) -> None:
    rows = []
    for sy in years:
        t = sy.teachers
        highest = int(t * rng.uniform(0.2, 0.4))
        rows.append([sy.school.code, sy.students, *[sy.grades[g] for g in range(1, 12)], sy.ovz, t,
                     int(t * rng.uniform(0.82, 0.96)), highest, int((t - highest) * rng.uniform(0.3, 0.5))])
    write_xlsx(path, "ОО-1", [oo1_title(ay)], OO1_HEADER, rows)


def write_oo2(path: Path, years: list[SchoolYear], rng: random.Random) -> None:
    rows = []
    for sy in years:
        total = round(sy.students / rng.uniform(4, 7)) + 5
        speed = rng.choice([20.0, 30.5, 50.0, 50.5, 75.5, 100.0, 100.0, 150.0])
        rows.append([sy.school.code, total, int(total * rng.uniform(0.8, 0.95)), int(total * rng.uniform(0.85, 1.0)),
                     decimal_comma(speed)])
    write_cp1251_csv(path, OO2_HEADER, rows)


def write_context(path: Path, ay: int, years: list[SchoolYear]) -> None:
    rows = [[sy.school.code] + [yn(v) if isinstance(v, bool) else v for v in
                                (sy.context[k] for k in CONTEXT_HEADER)] for sy in years]
    write_xlsx(path, "Контекст", [context_title(ay)], ["Код ОО", *CONTEXT_HEADER.values()], rows)


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
                   [vpr_stats_title(ay, subject)], VPR_STATS_HEADER, rows)
    write_xlsx(out_dir / "vpr_journal" / f"vpr_journal_{ay}.xlsx", "Сравнение", [vpr_journal_title(ay)],
               VPR_JOURNAL_HEADER, journal)


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
    write_xlsx(path, "КДР", [rdr_title(ay)], RDR_HEADER, rows)


def write_prevention(path: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    rows = []
    for sy in years:
        rng = _rng(seed, "prevention", sy.school.code, ay)
        has_system = rng.random() < 0.9
        failing = int(sy.context["students_failing"])
        for half in (1, 2):
            f = failing if half == 1 else max(0, failing - rng.randint(0, 3))
            low = int(sy.students * rng.uniform(0.05, 0.12))
            rows.append([sy.school.code, half, yn(has_system), sy.students, low, f,
                         int((low + f) * rng.uniform(0.4, 0.9)), int(f * rng.uniform(0.6, 1.0))])
    write_xlsx(path, "Профилактика", [prevention_title(ay)], PREVENTION_HEADER, rows)


def write_staff(path: Path, seed: int, ay: int, years: list[SchoolYear]) -> None:
    rows = []
    for sy in years:
        rng = _rng(seed, "staff", sy.school.code, ay)
        t = sy.teachers

        def part(lo, hi):
            return int(t * rng.uniform(lo, hi))

        leaders = rng.randint(3, 6) if t > 15 else rng.randint(1, 3)
        rows.append([sy.school.code, t, part(0.3, 0.7), part(0.2, 0.6), part(0.1, 0.4), part(0.3, 0.8),
                     part(0.05, 0.25), part(0.4, 0.9), part(0.1, 0.35), yn(rng.random() < 0.9),
                     yn(rng.random() < 0.5), yn(rng.random() < 0.1), yn(rng.random() < 0.03), leaders,
                     rng.randint(0, leaders), part(0.2, 0.5), part(0.3, 0.8), part(0.2, 0.6), part(0.05, 0.2)])
    write_xlsx(path, "Кадры", [staff_title(ay)], STAFF_HEADER, rows)


def write_official_shnor(path: Path, ay: int, listed: list[School]) -> None:
    rows = [[s.code, s.name] for s in sorted(listed, key=lambda s: s.code)]
    write_xlsx(path, "Перечень", [official_shnor_title(ay)], OFFICIAL_SHNOR_HEADER, rows)


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
    write_xlsx(path, "План", [plan_title(ay)], PLAN_HEADER, rows, blank_after_title=True)


# ---------------------------------------------------------------------------------------
# The whole inbox
# ---------------------------------------------------------------------------------------

def generate(out: Path, seed: int = 1, municipalities: int = 1, schools: int = 30,
             years: tuple[int, int] = (2019, 2023)) -> dict:
    """Write a sample inbox (SPEC §3.1) under `out` and return the planted cases.

    AYs run from years[0] to years[1] (L); the range needs at least three AYs, since the
    ШНОР rule of L reads L−1 and L−2. The ФИОКО lists are planted (planted.official_list):
    the list of L differs from ours on purpose, earlier lists name the schools that are
    ШНОР by design. Then the extra writers of new sources (extra.py) write theirs. Files
    of the same names under `out` are replaced; nothing else is touched.
    """
    out = Path(out)
    first, last = years
    if last - first < 2:
        raise ValueError(f"the year range needs at least three academic years (L−2 … L), got {first}–{last}")
    if municipalities < 1:
        raise ValueError("need at least one municipality")
    registry = build_registry(seed, municipalities, schools)
    write_registry(out, registry)

    grades: dict[int, dict[str, dict[int, int]]] = {}  # AY → school → pupils by grade (ОО-1)
    for ay in range(first, last + 1):
        present = [s for s in registry if not _missing(s, ay, last)]
        school_years = [build_school_year(seed, s, ay, last) for s in present]
        grades[ay] = {sy.school.code: sy.grades for sy in school_years}
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

        write_official_shnor(ay_dir / "official_shnor" / f"shnor_fioko_{ay}.xlsx", ay,
                             [s for s in registry if s.code in official_list(ay, first, last)])
    extra.write_all(out, registry_frame(registry, grades, first, last), list(range(first, last + 1)), seed)

    planted = describe_planted(registry, seed, first, last, municipalities, schools)
    (out / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return planted


def registry_frame(registry: list[School], grades: dict[int, dict[str, dict[int, int]]], first: int,
                   last: int) -> pd.DataFrame:
    """The schools as the extra writers get them (columns: extra.py), the ШНОР AYs from the
    planted design (planted.shnor_list), the grades as ОО-1 of each AY says."""
    lists = {ay: shnor_list(ay, first, last) for ay in range(first, last + 1)}
    return pd.DataFrame([{
        "school_code": s.code, "school_name": s.name, "short_name": s.short_name,
        "municipality_code": s.municipality_code, "municipality_name": s.municipality_name,
        "school_type": s.type, "levels": s.levels, "is_rural": s.is_rural, "top_grade": s.top_grade,
        "size": s.size, "quality": s.quality, "case": s.case,
        "missing_ay": next((ay for ay in range(first, last + 1) if _missing(s, ay, last)), None),
        "shnor_ays": [ay for ay, codes in lists.items() if s.code in codes],
        "grades": {ay: by_code[s.code] for ay, by_code in grades.items() if s.code in by_code},
    } for s in registry])


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
