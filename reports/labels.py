"""Russian names of codes that appear in tables and documents (one place for wording)."""

from __future__ import annotations

import re

from schemas.vocabulary import SUBJECT_TITLES

EXAM_TITLES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ"}

RISK_SECTIONS = {
    "material": "материально-техническая база",
    "staff": "кадровые условия",
    "contingent": "контингент обучающихся",
    "results": "образовательные результаты обучающихся",
}

RISK_ITEMS = {
    "internet_stable": "устойчивый доступ в Интернет",
    "computers_enough": "обеспеченность компьютерной техникой",
    "lab_physics": "лабораторное оборудование по физике",
    "lab_chemistry": "лабораторное оборудование по химии",
    "lab_biology": "лабораторное оборудование по биологии",
    "lab_geography": "лабораторное оборудование по географии",
    "lab_technology": "лабораторное оборудование по технологии",
    "students_registered": "состоящие на различных видах учёта",
    "students_ovz": "дети с ОВЗ",
    "students_foreign_language": "дети-инофоны",
    "students_absent_systematic": "систематически пропускающие учебные занятия",
}

LIST_CHANGES = {"entered": "вошла в перечень", "stayed": "остаётся в перечне", "left": "вышла из перечня"}
OFFICIAL = {"both": "в обоих перечнях", "only_ours": "только в расчёте по методике",
            "only_official": "только в перечне ФИОКО"}

CYCLES = {
    "september": "Сентябрьский мониторинг: ШНОР и рисковые школы",
    "october": "Октябрьский мониторинг: выявление рисковых школ",
    "january": "Январский мониторинг: профилактика учебной неуспешности (I полугодие)",
    "june": "Июньский мониторинг: профилактика учебной неуспешности и эффективность мер",
}

_VPR = re.compile(r"^vpr_(?P<subject>.+)_(?P<grade>\d+)$")


def subject_title(code: str) -> str:
    return SUBJECT_TITLES.get(code, code)


def _procedure_parts(code: str) -> tuple[str, str, str | None] | None:
    """vpr_math_5 → ('ВПР', 'math', '5'); ege_math_base → ('ЕГЭ', 'math_base', None)."""
    m = _VPR.match(code)
    if m:
        return "ВПР", m["subject"], m["grade"]
    exam, _, subject = code.partition("_")
    if exam in EXAM_TITLES and subject:
        return EXAM_TITLES[exam], subject, None
    return None


def procedure_title(code: str) -> str:
    """vpr_math_5 → 'ВПР, математика, 5 класс'; ege_math_base → 'ЕГЭ, математика (базовая)'."""
    parts = _procedure_parts(code)
    if parts is None:
        return code
    exam, subject, grade = parts
    title = f"{exam}, {subject_title(subject).lower()}"
    return f"{title}, {grade} класс" if grade else title

# plan of measures (SPEC §4.8): status codes of `plan_status` as the execution report says them
PLAN_STATUSES = {
    "done": "выполнено",
    "in_progress": "в процессе выполнения",
    "planned": "запланировано",
    "overdue": "просрочено",
    "not_participated": "не принимали участие",
}

# June effectiveness analysis: direction of a change, by the indicator's sense
TRENDS = {"better": "улучшение", "worse": "ухудшение", "same": "без изменений"}

HALVES = {1: "I полугодие", 2: "II полугодие"}

RISK_FACTORS = {**RISK_SECTIONS, **RISK_ITEMS}

_SUBJECT_SHORT = {"math": "мат.", "russian": "рус.", "math_base": "мат. (б)", "math_profile": "мат. (п)"}


def procedure_short(code: str) -> str:
    """A short axis label: vpr_math_5 → 'ВПР мат. 5'; ege_math_base → 'ЕГЭ мат. (б)'."""
    parts = _procedure_parts(code)
    if parts is None:
        return code
    exam, subject, grade = parts
    label = f"{exam} {_SUBJECT_SHORT.get(subject, subject_title(subject).lower())}"
    return f"{label} {grade}" if grade else label
