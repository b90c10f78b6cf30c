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

# the risk deficits of the addressed recommendations (sql/report_risk_deficits.sql codes)
RISK_DEFICITS = {
    "staff_load36": "доля учителей с нагрузкой 36 часов и более",
    "staff_no_diploma": "доля учителей без диплома (переподготовки) по преподаваемому предмету",
    "contingent": "доля обучающихся, состоящих на учёте, с ОВЗ, инофонов и систематически пропускающих занятия "
                  "(в сумме)",
    "failing": "доля неуспевающих",
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

# Every document's title, in one place (render and the index page read these).
# heading: the lines of the title block; {ay} is «2023/2024 учебный год» in the case the
# line needs (see document_heading).
DOCUMENT_TITLES = {
    "spravka": "Аналитическая справка",
    "recommendations": "Адресные рекомендации",
    "plan": "Отчёт об исполнении плана мероприятий",
    "technical": "Технические сведения о расчёте (для специалиста)",
}

SPRAVKA_HEADINGS = {
    "september": ["Аналитическая справка",
                  "о выявлении школ с низкими образовательными результатами (ШНОР) на {ay_acc}",
                  "и о результатах мониторинга работы со ШНОР и рисковыми школами за {prev_ay_acc}"],
    "october": ["Аналитическая справка",
                "о выявлении школ, функционирующих в зоне риска снижения образовательных результатов,",
                "на {ay_acc}"],
    "january": ["Аналитическая справка",
                "о результатах мониторинга профилактики учебной неуспешности",
                "за I полугодие {ay_gen}"],
    "june": ["Аналитическая справка",
             "о результатах мониторинга профилактики учебной неуспешности",
             "и об анализе эффективности принятых мер за {ay_acc}"],
}


def spravka_heading(cycle: str, ay: int) -> list[str]:
    """The title lines of a cycle's справка with the AY in the case Russian needs:
    «на 2023/2024 учебный год», «за I полугодие 2023/2024 учебного года»."""
    forms = {"ay_acc": f"{ay}/{ay + 1} учебный год", "ay_gen": f"{ay}/{ay + 1} учебного года",
             "prev_ay_acc": f"{ay - 1}/{ay} учебный год"}
    return [line.format(**forms) for line in SPRAVKA_HEADINGS[cycle]]


# A methodology reference as the municipal programme names its own sections. The
# indicator catalogue keeps the developer's source reference (e.g. «seed 003 §2.3.1 п. 1»);
# the document says «раздел 2.3.1 программы, п. 1».
_PROGRAMME_REF = re.compile(r"^seed\s+(?P<seed>\d+)\s*(?:§\s*(?P<section>[\d.]+))?\s*(?P<rest>.*)$")
PROGRAMME_SOURCES = {"003": "программы", "004": "показателей эффективности проекта «500+»",
                     "000": "плана мероприятий", "001": "положения о мониторинге"}


def programme_ref(ref: str | None) -> str:
    """seed 003 §2.3.1 п. 1 → «раздел 2.3.1 программы, п. 1»; seed 004 п. 1.1 →
    «п. 1.1 показателей эффективности проекта «500+»»; anything else is left out."""
    if not ref:
        return ""
    m = _PROGRAMME_REF.match(ref.strip())
    if not m:
        return ""
    source = PROGRAMME_SOURCES.get(m["seed"], "программы")
    rest = m["rest"].strip()
    if m["section"]:
        text = f"раздел {m['section']} {source}"
        return f"{text}, {rest}" if rest.startswith("п.") else f"{text} {rest}".strip()
    if rest.startswith("п."):
        return f"{rest} {source}"
    return ""


_CODE_IN_PARENS = re.compile(r"\s*\((?:[a-z][a-z0-9_]*|(?:SPEC|seed)[^)]*)\)")


def official_text(text: str | None) -> str:
    """A reason written by SQL, as a document prints it: no table names in parentheses
    («отчёт о профилактике (prevention)» → «отчёт о профилактике»), no leading «нет данных:»."""
    if not text:
        return ""
    text = _CODE_IN_PARENS.sub("", text)
    return re.sub(r"^нет данных:\s*", "", text)


def decapitalize(text: str | None) -> str:
    """Lower the first letter for use inside a sentence, unless the word is an
    abbreviation: «Доля ОУ …» → «доля ОУ …», «ИОМ …» stays, «ВПР» stays."""
    if not text:
        return ""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


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
        return assessment_procedure_title(code)
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


# -- the other assessments, ШНСУ, curators (issue 14; table `assessment_results`) ---------
ASSESSMENTS = {
    "niko": "НИКО",
    "olympiad": "Всероссийская олимпиада школьников",
    "interview": "Итоговое собеседование по русскому языку",
    "literacy": "Диагностика функциональной грамотности",
    "intl_studies": "Международные сравнительные исследования",
}
STAGE_TITLES = {"school": "школьный этап", "municipal": "муниципальный этап", "regional": "региональный этап"}
DOMAIN_TITLES = {
    "reading": "читательская грамотность", "math": "математическая грамотность",
    "science": "естественнонаучная грамотность", "financial": "финансовая грамотность",
    "global": "глобальные компетенции", "creative": "креативное мышление",
}
STUDY_TITLES = {"timss": "TIMSS", "pirls": "PIRLS", "pisa": "исследование по модели PISA"}
ATTEMPT_TITLES = {"first": "основной срок", "retake": "повторно"}
PAIR_STATUSES = {
    "ok": "куратор из числа ШВОР",
    "curator_not_shvor": "куратор не входит в число ШВОР",
    "not_shnor": "курируемая школа не в перечне ШНОР",
    "no_curator": "куратор не назначен",
}
_ASSESSMENT_PROC = re.compile(
    r"^(?:(?P<niko>niko)_(?P<ns>.+)_(?P<ng>\d+)|(?P<olymp>olympiad)_(?P<stage>school|municipal|regional)_(?P<os>.+)"
    r"|(?P<interview>interview)_9_(?P<attempt>.+)|(?P<lit>literacy)_(?P<domain>.+)_(?P<lg>\d+)"
    r"|(?P<intl>intl)_(?P<study>[a-z]+)(?:_(?P<ig>\d+))?)$")


def assessment_procedure_title(code: str) -> str:
    """niko_math_5 → «НИКО, математика, 5 класс»; olympiad_municipal_physics → «ВсОШ,
    муниципальный этап, физика»; an unknown code is returned as it is."""
    m = _ASSESSMENT_PROC.match(code or "")
    if not m:
        return code
    if m["niko"]:
        return f"НИКО, {subject_title(m['ns']).lower()}, {m['ng']} класс"
    if m["olymp"]:
        return f"ВсОШ, {STAGE_TITLES[m['stage']]}, {subject_title(m['os']).lower()}"
    if m["interview"]:
        return f"Итоговое собеседование, 9 класс, {ATTEMPT_TITLES.get(m['attempt'], m['attempt'])}"
    if m["lit"]:
        return f"Функциональная грамотность, {DOMAIN_TITLES.get(m['domain'], m['domain'])}, {m['lg']} класс"
    title = STUDY_TITLES.get(m["study"], m["study"])
    return f"{title}, {m['ig']} класс" if m["ig"] else title
