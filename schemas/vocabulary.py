"""Controlled vocabularies: subjects, exams, periods, participant categories.

Canonical codes are English; every Russian spelling seen in exports is an alias.
Lookups go through ``normalise_header`` so case, «ё» and punctuation do not matter.
"""

from __future__ import annotations

from schemas.sources import normalise_header

SUBJECTS: dict[str, tuple[str, ...]] = {
    "russian": ("Русский язык", "Русский", "рус", "русский яз"),
    "math": ("Математика", "мат", "матем"),
    "math_base": ("Математика (базовая)", "Математика базовая", "Математика базового уровня",
                  "Математика Б", "Математика (базовый уровень)", "Базовая математика"),
    "math_profile": ("Математика (профильная)", "Математика профильная", "Математика профильного уровня",
                     "Математика П", "Математика (профильный уровень)", "Профильная математика"),
    "literature": ("Литература",),
    "physics": ("Физика",),
    "chemistry": ("Химия",),
    "biology": ("Биология",),
    "geography": ("География",),
    "history": ("История",),
    "social_studies": ("Обществознание",),
    "informatics": ("Информатика", "Информатика и ИКТ"),
    "english": ("Английский язык",),
    "german": ("Немецкий язык",),
    "french": ("Французский язык",),
    "world_around": ("Окружающий мир",),
    "reading": ("Читательская грамотность", "Чтение"),
    # ВсОШ subjects beyond the ВПР / ГИА ones (issue 14, appended)
    "economics": ("Экономика",),
    "law": ("Право",),
    "astronomy": ("Астрономия",),
    "ecology": ("Экология",),
    "technology": ("Технология", "Труд (технология)"),
    "life_safety": ("Основы безопасности жизнедеятельности", "ОБЖ", "Основы безопасности и защиты Родины", "ОБЗР"),
    "art": ("Искусство (МХК)", "Искусство", "МХК", "Мировая художественная культура"),
    "physical_education": ("Физическая культура", "Физкультура"),
    "spanish": ("Испанский язык",),
    "chinese": ("Китайский язык",),
    "italian": ("Итальянский язык",),
    "natural_science": ("Естествознание",),
}

SUBJECT_TITLES: dict[str, str] = {code: names[0] for code, names in SUBJECTS.items()}

EXAMS = {"oge": ("ОГЭ",), "ege": ("ЕГЭ",), "gve": ("ГВЭ", "ГВЭ-9", "ГВЭ-11")}
PERIODS = {
    "main": ("Основной", "Основной период", "Основной срок", "Основной день"),
    "additional": ("Дополнительный", "Дополнительный период", "Сентябрьский", "Дополнительный срок"),
    "reserve": ("Резервный", "Резервный день", "Резерв", "Резервный срок", "Основной (резерв)"),
}
CATEGORIES = {
    "current": ("Выпускник текущего года", "ВТГ", "Выпускник текущего учебного года", "Обучающийся"),
    "past": ("Выпускник прошлых лет", "ВПЛ", "Выпускники прошлых лет"),
    "spo": ("Обучающийся СПО", "СПО", "Студент СПО"),
}


# -- other assessments (issue 14, appended) --
STAGES = {
    "school": ("Школьный", "Школьный этап", "ШЭ", "Школьный уровень"),
    "municipal": ("Муниципальный", "Муниципальный этап", "МЭ", "Муниципальный уровень"),
    "regional": ("Региональный", "Региональный этап", "РЭ", "Региональный уровень"),
}
DOMAINS = {
    "reading": ("Читательская грамотность", "Читательская", "ЧГ"),
    "math": ("Математическая грамотность", "Математическая", "МГ"),
    "science": ("Естественнонаучная грамотность", "Естественнонаучная", "ЕНГ"),
    "financial": ("Финансовая грамотность", "Финансовая", "ФГ"),
    "global": ("Глобальные компетенции", "Глобальная компетентность", "ГК"),
    "creative": ("Креативное мышление", "КМ"),
}
STUDIES = {
    "timss": ("TIMSS", "ТИМСС", "Международное исследование TIMSS"),
    "pirls": ("PIRLS", "ПИРЛС", "Международное исследование PIRLS"),
    "pisa": ("PISA", "ПИЗА", "Исследование по модели PISA", "Региональное исследование по модели PISA",
             "Исследование PISA"),
}
ATTEMPTS = {
    "first": ("Основной срок", "Основной", "Впервые", "Первая попытка", "Февраль"),
    "retake": ("Повторно", "Пересдача", "Дополнительный срок", "Повторная попытка", "Дополнительный"),
}


def _index(vocab: dict[str, tuple[str, ...]]) -> dict[str, str]:
    idx = {}
    for code, names in vocab.items():
        for n in (code, *names):
            idx[normalise_header(n)] = code
    return idx


VOCABULARIES = {
    "subject": _index(SUBJECTS),
    "exam": _index(EXAMS),
    "period": _index(PERIODS),
    "category": _index(CATEGORIES),
    "stage": _index(STAGES),
    "domain": _index(DOMAINS),
    "study": _index(STUDIES),
    "attempt": _index(ATTEMPTS),
}

VOCABULARY_TITLES = {
    "subject": "предмет",
    "exam": "форма ГИА",
    "period": "период",
    "category": "категория участника",
    "stage": "этап олимпиады",
    "domain": "направление функциональной грамотности",
    "study": "исследование",
    "attempt": "срок итогового собеседования",
}


def lookup(kind: str, value: object) -> str | None:
    """Canonical code of a vocabulary value, or None when it is not known."""
    return VOCABULARIES[kind].get(normalise_header(value))
