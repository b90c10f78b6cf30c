"""The planted cases of the small sample: schools made low, at risk or on a list on purpose,
each with what the rules of config/edumon.toml (seed 003 §2.1, §3.2) must find for it in the
last AY L. The expectations are worked by hand from the planted counts (`why` says how);
nothing here applies the rules. Every other school is clean by construction (see small.py).

All planted schools are in the first municipality; offsets are relative to L.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    # AY offsets whose ФИОКО list names it (0: the list of L). The lists of earlier AYs
    # name the schools that are ШНОР in that AY by design (left_list in L−1), as a federal
    # list that agrees with ours would.
    official_lists: tuple[int, ...] = ()
    missing_offset: int | None = None  # no rows at all in this AY
    failed_retakes_offset: int | None = None  # ОГЭ maths retakes and past-year graduates that fail
    expect: dict = field(default_factory=dict)

    @property
    def in_official_list(self) -> bool:
        """The ФИОКО list of AY L names it."""
        return 0 in self.official_lists


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
        official_lists=(0,),
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
        official_lists=(-1,),
        expect=_expect(list_change="left", was_shnor=True)),
    PlantedCase(
        "official_only", "edu860107", "СОШ",
        "Результаты без низких, но школа есть в перечне ФИОКО на L: «только в федеральном перечне».",
        official_lists=(0,),
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



def official_list(ay: int, first: int, last: int) -> set[str]:
    """The planted ФИОКО list of AY: the list of L as planted; an earlier AY's list only when
    the two AYs before it were generated (a federal list needs them), else empty."""
    if ay != last and ay - 2 < first:
        return set()
    return {p.code for p in PLANTED if ay - last in p.official_lists}


def shnor_list(ay: int, first: int, last: int) -> set[str]:
    """The ШНОР working list of AY by design, for the writers that need it (extra.py): the
    schools worked by hand to be ШНОР in L (`expect["shnor"]`) or in L−1
    (`expect["was_shnor_last_year"]`), when the two AYs before were generated, and the
    planted ФИОКО list of L (the working list is their union by default)."""
    if ay - 2 < first:
        return official_list(ay, first, last) if ay == last else set()
    designed = {p.code for p in PLANTED if (ay == last and p.expect["shnor"])
                or (ay == last - 1 and p.expect["was_shnor_last_year"])}
    return designed | (official_list(ay, first, last) if ay == last else set())
