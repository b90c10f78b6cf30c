"""Landing contracts: one per source folder of the inbox (SPEC §3.1).

Each source lists its canonical columns (English snake_case) with the type, the
allowed range and the Russian headers real exports use for it (aliases). Header
matching is done on a normalised form (see ``normalise_header``), so aliases are
written here the way a person reads them.

Types:
  code   school code / login, kept as text (leading zeros matter)
  text   free text
  int    whole number (counts, grades)
  float  number with a possible decimal comma
  pct    percentage 0..100 («45,5 %» is read as 45.5)
  bool   «да/нет», «1/0», «есть/нет», «+/-»
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None
    title: str = ""  # Russian column title for published tables and messages
    dates: bool = False  # a text column that may hold dates (Excel serial numbers become dd.mm.yyyy)


@dataclass(frozen=True)
class Source:
    name: str
    title: str  # Russian name of the source, used in messages
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()  # one row per key (within a file set for one AY)
    yearly: bool = True  # lives under inbox/<AY>/<source>/
    participant_level: bool = False  # personal data: never published
    # millions of rows at country scale: read, typed and checked set-based in DuckDB
    # (tasks/bulk.py) instead of in pandas; the rules are the same
    bulk: bool = False
    # cross-field rules, as data: "part<=total", "a<=b+c", or a named rule ("marks_sum");
    # schemas/contracts.py turns each into a dataframe-level pandera check
    extra_checks: tuple[str, ...] = field(default=())

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def C(name, type_, *aliases, required=False, min=None, max=None, title="", dates=False):
    return Col(name, type_, tuple(aliases), required, min, max, title or (aliases[0] if aliases else name),
               dates)


SCHOOL = C("school_code", "code", "Код ОО", "Логин", "Логин ОО", "Логин школы", "Код школы",
           "Код организации", "ОО (логин)", "Код ОУ", "user", required=True, title="Код ОО")


def _count(name, *aliases, required=False, title=""):
    return C(name, "int", *aliases, required=required, min=0, title=title)


def _flag(name, *aliases, title=""):
    return C(name, "bool", *aliases, title=title)


SOURCES: dict[str, Source] = {}


def _register(src: Source) -> Source:
    SOURCES[src.name] = src
    return src


_register(Source(
    "schools", "Реестр общеобразовательных организаций",
    (
        SCHOOL,
        C("school_name", "text", "Полное наименование", "Наименование ОО", "Наименование организации",
          "Название ОО", "Наименование", required=True),
        C("short_name", "text", "Краткое наименование", "Сокращённое наименование", "Краткое название"),
        C("municipality_code", "code", "Код муниципалитета", "Код МО", "Код АТЕ", required=True),
        C("municipality_name", "text", "Муниципалитет", "Муниципальное образование", "Наименование МО",
          "МО", required=True),
        C("school_type", "text", "Тип ОО", "Тип", "Вид ОО"),
        C("levels", "text", "Уровни образования", "Уровни", "Реализуемые уровни"),
        C("is_rural", "bool", "Сельская", "Сельская школа", "Городская/сельская", "Сельская местность"),
    ),
    key=("school_code",), yearly=False,
))

_register(Source(
    "oo1", "Форма ОО-1",
    (
        SCHOOL,
        _count("students_total", "Всего обучающихся", "Численность обучающихся", "Обучающихся всего",
               required=True),
        *[_count(f"students_g{g}", f"{g} класс", f"Обучающихся {g} класс", f"{g} кл", f"{g} кл.",
                 f"Обучающихся в {g} классе", title=f"{g} класс") for g in range(1, 12)],
        _count("students_ovz", "Обучающихся с ОВЗ", "С ОВЗ", "Дети с ОВЗ", "Численность обучающихся с ОВЗ"),
        _count("teachers_total", "Учителей всего", "Педагогических работников всего", "Численность учителей"),
        _count("teachers_higher_ped", "С высшим педагогическим образованием",
               "Учителей с высшим педагогическим образованием"),
        _count("teachers_cat_highest", "С высшей категорией", "Высшая квалификационная категория",
               "Учителей с высшей категорией"),
        _count("teachers_cat_first", "С первой категорией", "Первая квалификационная категория",
               "Учителей с первой категорией"),
    ),
    key=("school_code",),
    extra_checks=(*[f"students_g{g}<=students_total" for g in range(1, 12)], "students_ovz<=students_total",
                  "teachers_higher_ped<=teachers_total", "teachers_cat_highest+teachers_cat_first<=teachers_total"),
))

_register(Source(
    "oo2", "Форма ОО-2",
    (
        SCHOOL,
        _count("computers_total", "Компьютеров всего", "Число персональных компьютеров", "Всего ПК"),
        _count("computers_teaching", "Используются в учебных целях", "Компьютеров в учебных целях",
               "ПК в учебных целях"),
        _count("computers_internet", "С доступом к Интернету", "Компьютеров с доступом к Интернету",
               "ПК с доступом к Интернет"),
        C("internet_speed_mbps", "float", "Скорость Интернета, Мбит/с", "Скорость доступа к Интернету",
          "Скорость Интернет (Мбит/с)", "Скорость, Мбит/с", min=0),
    ),
    key=("school_code",),
    extra_checks=("computers_teaching<=computers_total", "computers_internet<=computers_total"),
))

_register(Source(
    "context", "Контекстные данные (КИАСУО)",
    (
        SCHOOL,
        _flag("internet_stable", "Устойчивый доступ в Интернет", "Устойчивый Интернет"),
        _flag("computers_enough", "Обеспеченность компьютерной техникой", "Достаточно компьютеров"),
        _flag("lab_physics", "Лабораторное оборудование: физика", "Оборудование физика", "Физика"),
        _flag("lab_chemistry", "Лабораторное оборудование: химия", "Оборудование химия", "Химия"),
        _flag("lab_biology", "Лабораторное оборудование: биология", "Оборудование биология", "Биология"),
        _flag("lab_geography", "Лабораторное оборудование: география", "Оборудование география", "География"),
        _flag("lab_technology", "Лабораторное оборудование: технология", "Оборудование технология",
              "Технология"),
        _count("teachers_total", "Учителей всего", "Общее число учителей", "Численность учителей"),
        _count("teachers_load_36plus", "Учителей с нагрузкой 36 часов и более", "Нагрузка 36 ч и более",
               "Учителей с нагрузкой 36 ч и более"),
        _count("teachers_no_subject_diploma", "Учителей без диплома по преподаваемому предмету",
               "Учителей без диплома (переподготовки) по предмету", "Без диплома о переподготовке по предмету"),
        _count("students_total", "Обучающихся всего", "Всего обучающихся", "Численность обучающихся"),
        _count("students_registered", "Состоят на различных видах учета", "Состоящих на учете",
               "На учете"),
        _count("students_ovz", "Обучающихся с ОВЗ", "С ОВЗ", "Дети с ОВЗ"),
        _count("students_foreign_language", "Дети-инофоны", "Инофоны", "Обучающихся инофонов"),
        _count("students_absent_systematic", "Систематически пропускающих занятия",
               "Систематически пропускающие учебные занятия", "Пропускающих занятия"),
        _count("students_failing", "Неуспевающих", "Неуспевающие", "Количество неуспевающих"),
    ),
    key=("school_code",),
    extra_checks=("teachers_load_36plus<=teachers_total", "teachers_no_subject_diploma<=teachers_total",
                  "students_registered<=students_total", "students_ovz<=students_total",
                  "students_foreign_language<=students_total", "students_absent_systematic<=students_total",
                  "students_failing<=students_total"),
))

_register(Source(
    "vpr_stats", "ВПР: статистика по отметкам",
    (
        SCHOOL,
        C("grade", "int", "Класс", "Параллель", required=True, min=2, max=11),
        C("subject", "text", "Предмет", "Учебный предмет", required=True),
        _count("participants", "Кол-во участников", "Количество участников", "Участников",
               "Число участников", required=True),
        _count("mark2", "Кол-во «2»", "Количество «2»", "Отметка «2», чел.", title="«2», чел."),
        _count("mark3", "Кол-во «3»", "Количество «3»", "Отметка «3», чел.", title="«3», чел."),
        _count("mark4", "Кол-во «4»", "Количество «4»", "Отметка «4», чел.", title="«4», чел."),
        _count("mark5", "Кол-во «5»", "Количество «5»", "Отметка «5», чел.", title="«5», чел."),
        # ФИС ОКО «Статистика по отметкам» gives the marks as percentages under bare "2".."5".
        C("pct2", "pct", "2", "«2»", "% «2»", "«2», %", "Доля «2»", min=0, max=100),
        C("pct3", "pct", "3", "«3»", "% «3»", "«3», %", "Доля «3»", min=0, max=100),
        C("pct4", "pct", "4", "«4»", "% «4»", "«4», %", "Доля «4»", min=0, max=100),
        C("pct5", "pct", "5", "«5»", "% «5»", "«5», %", "Доля «5»", min=0, max=100),
        C("year", "int", "Год"),
        C("municipality_name", "text", "Муниципалитет"),
        C("school_name", "text", "ОО", "Наименование ОО"),
    ),
    key=("school_code", "grade", "subject"),
    extra_checks=("marks_sum",),
    bulk=True,
))

_register(Source(
    "vpr_participants", "ВПР: индивидуальные результаты",
    (
        SCHOOL,
        C("participant_id", "text", "Код участника", "Код обучающегося", "code", required=True),
        C("grade", "int", "Класс", "klass", required=True, min=2, max=11),
        C("subject", "text", "Предмет", required=True),
        C("variant", "text", "Вариант", "var-1"),
        C("primary_score", "float", "Первичный балл", "Всего баллов", "sum", min=0),
        C("mark", "int", "Отметка", "Отметка ВПР", min=2, max=5),
        C("journal_mark", "int", "Отметка по журналу", "Отметка за предыдущую четверть/триместр",
          "otc", min=2, max=5),
        # ФИС ОКО exports (tasks/fisoko.py): the spring year of the title line or file name,
        # the class as written («5А»), the municipality («регион» in the per-subject files).
        C("year", "int", "Год", min=2015, max=2100, title="Год проведения ВПР"),
        C("class_label", "text", "Класс (буква)", title="Класс"),
        C("municipality_name", "text", "Муниципалитет", "регион"),
        C("school_name", "text", "Название ОО", "Наименование ОО"),
    ),
    key=("school_code", "participant_id", "subject"),
    participant_level=True,
    bulk=True,
))

_register(Source(
    "vpr_journal", "ВПР: сравнение отметок с отметками по журналу",
    (
        SCHOOL,
        C("grade", "int", "Класс", required=True, min=2, max=11),
        C("subject", "text", "Предмет", required=True),
        _count("lowered", "Понизили", "Понизили (чел.)", "Понизили, чел.", "Понизили (Отметка < Отметка по журналу)"),
        _count("confirmed", "Подтвердили", "Подтвердили (чел.)", "Подтвердили, чел.",
               "Подтвердили (Отметка = Отметке по журналу)"),
        _count("raised", "Повысили", "Повысили (чел.)", "Повысили, чел.", "Повысили (Отметка > Отметка по журналу)"),
        C("year", "int", "Год", min=2015, max=2100, title="Год проведения ВПР"),
        C("municipality_name", "text", "Муниципалитет"),
        C("school_name", "text", "ОО", "Наименование ОО", "Название ОО"),
    ),
    key=("school_code", "grade", "subject"),
))

_register(Source(
    "gia", "ГИА (ОГЭ, ЕГЭ, ГВЭ): результаты участников",
    (
        C("participant_id", "text", "Код участника", "Идентификатор участника", "ID участника", required=True),
        SCHOOL,
        C("exam", "text", "Форма ГИА", "Экзамен", "Вид экзамена", "Форма", required=True),
        C("subject", "text", "Предмет", "Учебный предмет", required=True),
        C("period", "text", "Этап", "Период", "Период проведения", "Срок"),
        C("is_retake", "bool", "Пересдача", "Повторная сдача"),
        C("category", "text", "Категория участника", "Категория"),
        C("primary_score", "float", "Первичный балл", min=0),
        C("test_score", "float", "Тестовый балл", "Балл", min=0, max=100),
        C("mark", "int", "Отметка", "Оценка", min=2, max=5),
        C("passed_min", "bool", "Преодолел минимальный порог", "Минимальный порог пройден",
          "Порог пройден"),
    ),
    key=("participant_id", "exam", "subject", "period", "is_retake"),
    participant_level=True,
    bulk=True,
    # ГИА consistency (issue 11): ОГЭ «2» with the threshold passed; one first attempt per
    # participant, exam and subject (the others are retakes)
    extra_checks=("oge_mark2_passed", "one_first_attempt"),
))

_register(Source(
    "rdr", "Краевые (региональные) диагностические работы",
    (
        SCHOOL,
        C("grade", "int", "Класс", required=True, min=1, max=11),
        C("subject", "text", "Предмет", "Направление", required=True),
        _count("participants", "Кол-во участников", "Количество участников", "Участников", required=True),
        _count("below_basic", "Ниже базового", "Ниже базового уровня", "Пониженный уровень"),
        _count("basic", "Базовый", "Базовый уровень"),
        _count("advanced", "Повышенный", "Повышенный уровень", "Высокий уровень"),
    ),
    key=("school_code", "grade", "subject"),
    extra_checks=("below_basic+basic+advanced<=participants",),
))

_register(Source(
    "prevention", "Отчёт о профилактике учебной неуспешности",
    (
        SCHOOL,
        C("half", "int", "Полугодие", required=True, min=1, max=2),
        _flag("has_prevention_system", "Сформирована внутришкольная система профилактики",
              "Система профилактики учебной неуспешности"),
        _count("students_total", "Обучающихся всего", "Всего обучающихся"),
        _count("low_achieving", "Слабоуспевающих", "Слабоуспевающие"),
        _count("failing", "Неуспевающих", "Неуспевающие"),
        _count("with_iom", "Имеют ИОМ", "С ИОМ", "Разработан ИОМ"),
        _count("failing_in_extra_classes", "Неуспевающих на дополнительных занятиях",
               "Посещают дополнительные занятия"),
        # seed 003 §4.5 «Меры и мероприятия» (issue 14): what the school did, as reported
        _count("mentor_pairs", "Наставнических пар", "Закреплено наставнических пар",
               "Число наставнических пар (ученическое наставничество)", "Ученическое наставничество: пар"),
        _flag("antirisk_programme", "Программа антирисковых мер принята", "Программа антирисковых мер",
              "Принята программа антирисковых мер"),
        _count("parent_meetings", "Собраний для родителей", "Проведено собраний для родителей",
               "Родительских собраний по профилактике учебной неуспешности", "Родительские собрания"),
        _flag("low_achievers_plan", "План работы со слабоуспевающими и неуспевающими",
              "Разработан план работы со слабоуспевающими и неуспевающими", "План работы со слабоуспевающими"),
        _flag("psych_service", "Служба психолого-педагогического сопровождения",
              "Психолого-педагогическая служба", "Психологическая служба", "Служба психологической поддержки"),
    ),
    key=("school_code", "half"),
    extra_checks=("low_achieving<=students_total", "failing<=students_total", "with_iom<=low_achieving+failing",
                  "failing_in_extra_classes<=failing"),
))

_register(Source(
    "staff", "Мониторинг кадрового обеспечения и методической поддержки",
    (
        SCHOOL,
        _count("teachers_total", "Педагогов всего", "Учителей всего"),
        _count("diag_subject", "Прошли диагностику: предметные", "Диагностика предметных дефицитов"),
        _count("diag_method", "Прошли диагностику: методические", "Диагностика методических дефицитов"),
        _count("diag_psych", "Прошли диагностику: психолого-педагогические",
               "Диагностика психолого-педагогических дефицитов"),
        _count("supported", "Оказана поддержка", "Получили методическую поддержку"),
        _count("in_regional_network", "В региональных сетевых объединениях", "Региональные сетевые МО"),
        _count("in_municipal_mo", "В ГМО", "В муниципальных объединениях (ГМО)"),
        _count("with_iom", "Педагогов с ИОМ", "Имеют ИОМ"),
        _flag("events_participated", "Участие в мероприятиях", "Вовлечена в мероприятия"),
        _flag("productive_participation", "Продуктивное участие", "Продуктивное участие (выступление, статья)"),
        _flag("municipal_internship_site", "Муниципальная стажировочная площадка"),
        _flag("regional_internship_site", "Региональная стажировочная площадка"),
        _count("leaders_total", "Руководителей всего", "Руководящих работников"),
        _count("leaders_pd", "Руководителей прошли КПК", "Руководители с КПК"),
        _count("teachers_pd", "Педагогов прошли КПК", "Педагоги с КПК"),
        _count("teachers_webinars", "Участвовали в вебинарах", "Педагогов в вебинарах"),
        _count("teachers_seminars", "Участвовали в семинарах", "Педагогов в семинарах"),
        _count("teachers_contests", "Участвовали в конкурсах", "Педагогов в конкурсах"),
    ),
    key=("school_code",),
    extra_checks=(*[f"{c}<=teachers_total" for c in (
        "diag_subject", "diag_method", "diag_psych", "supported", "in_regional_network", "in_municipal_mo",
        "with_iom", "teachers_pd", "teachers_webinars", "teachers_seminars", "teachers_contests")],
        "leaders_pd<=leaders_total"),
))

_register(Source(
    "official_shnor", "Перечень ШНОР (ФИОКО)",
    (SCHOOL, C("school_name", "text", "Наименование ОО", "Название ОО", "ОО")),
    key=("school_code",),
))

_register(Source(
    "plan", "План мероприятий",
    (
        C("measure_no", "text", "№ п/п", "№", "Номер", "№ п.п.", required=True),
        C("section", "text", "Раздел", "Направление"),
        C("title", "text", "Наименование мероприятия", "Мероприятие", "Наименование мероприятий/мер",
          required=True),
        C("responsible", "text", "Ответственный", "Ответственные", "Ответственный исполнитель",
          "Ответственные исполнители"),
        C("due", "text", "Срок", "Сроки", "Сроки реализации", "Сроки выполнения", dates=True),
        C("status", "text", "Статус", "Состояние", "Отметка о выполнении"),
        # seed 000 writes the status inside «Результат» («Запланировано», «Не принимали участие»)
        C("result", "text", "Результат", "Результат выполнения", "Фактический результат",
          "Достигнутый результат"),
        C("evidence", "text", "Подтверждение", "Ссылки", "Документы"),
        # seed 001's roadmap: what the measure is to produce, not what it produced
        C("document_kind", "text", "Вид документа", "Форма документа", "Вид документа (форма)"),
        C("expected_result", "text", "Ожидаемый результат", "Планируемый результат", "Ожидаемые результаты"),
        # a municipality's own plan: its code or name; none (or the file outside a
        # `plan/<municipality>/` folder): the regional plan, shared by every municipality
        C("municipality_code", "text", "Код МО", "Код муниципалитета", "Муниципалитет",
          "Муниципальное образование", "Муниципальный район (городской округ)", title="Муниципалитет"),
    ),
    key=("municipality_code", "measure_no"),
))


# seed 004 items 1.1–1.3 (issue 14): the municipality's yearly form for project «500+»,
# inbox/<AY>/p500/ — one row per municipality (its code or its name as in the registry)
_register(Source(
    "p500", "Форма муниципалитета по проекту «500+»",
    (
        C("municipality_code", "text", "Код МО", "Код муниципалитета", "Муниципалитет", "Муниципальное образование",
          required=True, title="Муниципалитет"),
        C("municipality_name", "text", "Наименование муниципалитета", "Наименование МО"),
        _flag("pd_programme_adopted", "Программа повышения квалификации утверждена",
              "Программа ПК утверждена", "Утверждена программа повышения квалификации"),
        C("pd_programme_date", "text", "Дата утверждения программы", "Дата приказа об утверждении программы",
          "Программа ПК: дата", dates=True),
        C("pd_programme_number", "text", "Номер приказа об утверждении программы", "№ приказа",
          "Программа ПК: номер приказа", "Номер приказа"),
        C("satisfaction_pct", "pct", "Удовлетворённость населения качеством общего образования, %",
          "Удовлетворённость населения, %", "Доля удовлетворённых качеством общего образования, %",
          min=0, max=100),
        C("satisfaction_source", "text", "Источник данных об удовлетворённости", "Источник (опрос)",
          "Источник данных опроса", "Опрос"),
        _count("network_schools", "ШНОР в сетевом взаимодействии", "Число ШНОР, охваченных сетевым взаимодействием",
               "Школ с низкими результатами в сетевом взаимодействии"),
    ),
    key=("municipality_code",),
))


# -- other assessments, ШНСУ, curators (issue 14; appended at the end of the registry) ----
# Result levels of each assessment are counts of pupils; sql/mart_assessment_results.sql
# turns them into one long table (school × AY × procedure). Vocabulary columns (subject,
# stage, domain, study, attempt) are read through schemas/vocabulary.py.

_register(Source(
    "niko", "НИКО: результаты по отметкам",
    (
        SCHOOL,
        C("subject", "text", "Предмет", "Учебный предмет", required=True),
        C("grade", "int", "Класс", "Параллель", required=True, min=1, max=11),
        _count("participants", "Кол-во участников", "Количество участников", "Участников",
               "Число участников", required=True),
        _count("mark2", "Кол-во «2»", "Количество «2»", "Отметка «2», чел.", "«2»", "2", title="«2», чел."),
        _count("mark3", "Кол-во «3»", "Количество «3»", "Отметка «3», чел.", "«3»", "3", title="«3», чел."),
        _count("mark4", "Кол-во «4»", "Количество «4»", "Отметка «4», чел.", "«4»", "4", title="«4», чел."),
        _count("mark5", "Кол-во «5»", "Количество «5»", "Отметка «5», чел.", "«5»", "5", title="«5», чел."),
    ),
    key=("school_code", "subject", "grade"),
    extra_checks=("mark2+mark3+mark4+mark5<=participants",),
))

_register(Source(
    "olympiad", "Всероссийская олимпиада школьников: результаты по этапам",
    (
        SCHOOL,
        C("subject", "text", "Предмет", "Общеобразовательный предмет", required=True),
        C("stage", "text", "Этап", "Этап олимпиады", "Уровень", required=True),
        _count("participants", "Кол-во участников", "Количество участников", "Участников",
               "Число участников", required=True),
        _count("winners", "Победителей", "Кол-во победителей", "Количество победителей", "Победители"),
        _count("prize_winners", "Призёров", "Кол-во призёров", "Количество призёров", "Призёры"),
    ),
    key=("school_code", "subject", "stage"),
    extra_checks=("winners+prize_winners<=participants",),
))

_register(Source(
    "interview", "Итоговое собеседование по русскому языку (9 класс)",
    (
        SCHOOL,
        C("attempt", "text", "Срок", "Попытка", "Срок проведения", "Основной срок / повторно", required=True),
        C("grade", "int", "Класс", min=9, max=9),
        _count("participants", "Кол-во участников", "Количество участников", "Участников",
               "Число участников", required=True),
        _count("passed", "Получили «зачёт»", "Зачёт", "Кол-во «зачёт»", "Количество «зачёт»", "Зачет, чел.",
               required=True, title="«Зачёт», чел."),
    ),
    key=("school_code", "attempt"),
    extra_checks=("passed<=participants",),
))

_register(Source(
    "literacy", "Диагностика функциональной грамотности",
    (
        SCHOOL,
        C("grade", "int", "Класс", "Параллель", required=True, min=1, max=11),
        C("domain", "text", "Направление", "Вид грамотности", "Направление функциональной грамотности",
          "Компетенция", required=True),
        _count("participants", "Кол-во участников", "Количество участников", "Участников",
               "Число участников", required=True),
        _count("level_insufficient", "Недостаточный уровень", "Недостаточный", "Ниже базового уровня",
               "Ниже базового", title="Недостаточный уровень, чел."),
        _count("level_low", "Низкий уровень", "Низкий", title="Низкий уровень, чел."),
        _count("level_medium", "Средний уровень", "Средний", "Базовый уровень", "Базовый",
               title="Средний уровень, чел."),
        _count("level_raised", "Повышенный уровень", "Повышенный", title="Повышенный уровень, чел."),
        _count("level_high", "Высокий уровень", "Высокий", title="Высокий уровень, чел."),
    ),
    key=("school_code", "grade", "domain"),
    extra_checks=("level_insufficient+level_low+level_medium+level_raised+level_high<=participants",),
))

_register(Source(
    "intl_studies", "Международные и национальные сравнительные исследования (TIMSS, PIRLS, PISA)",
    (
        SCHOOL,
        C("study", "text", "Исследование", "Наименование исследования", required=True),
        C("grade", "int", "Класс", "Параллель", min=1, max=11),
        _count("quota", "Квота", "Квота участников", "Установленная квота", "Выборка, чел.", required=True),
        _count("participants", "Кол-во участников", "Количество участников", "Приняли участие", "Участников",
               required=True),
    ),
    key=("school_code", "study"),
))

_register(Source(
    "official_shnsu", "Перечень ШНСУ (школ, функционирующих в неблагоприятных социальных условиях)",
    (SCHOOL, C("school_name", "text", "Наименование ОО", "Название ОО", "ОО")),
    key=("school_code",),
))

_register(Source(
    "curators", "Кураторы ШНОР (школы-кураторы)",
    (
        C("school_code", "code", "Код ШНОР", "Код курируемой ОО", "Логин ШНОР", "Курируемая школа (код)",
          "Код ОО", required=True, title="Код курируемой школы"),
        C("school_name", "text", "ШНОР", "Курируемая ОО", "Курируемая школа", "Наименование ШНОР"),
        C("curator_code", "code", "Код школы-куратора", "Код ОО-куратора", "Код куратора", "Логин куратора",
          "Куратор (код)", required=True, title="Код школы-куратора"),
        C("curator_name", "text", "Школа-куратор", "ОО-куратор", "Куратор", "Наименование школы-куратора"),
    ),
    key=("school_code", "curator_code"),
))


_PUNCT = re.compile(r"[\s\"'«»“”„`.,:;()\[\]{}/\\_\-–—%№]+")


def normalise_header(text: object) -> str:
    """Lower-case, ё→е, punctuation and spaces folded: «Кол-во участников» == 'кол во участников'."""
    s = str(text if text is not None else "").strip().lower().replace("ё", "е")
    return _PUNCT.sub(" ", s).strip()


def alias_index(source: Source) -> dict[str, str]:
    """Normalised header → canonical column, canonical names included."""
    idx: dict[str, str] = {}
    for c in source.columns:
        for a in (c.name, *c.aliases):
            idx.setdefault(normalise_header(a), c.name)
    return idx
