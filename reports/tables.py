"""How the published tables read for people: Russian titles of tables and columns, Russian
words for the codes in their cells, and which columns hold what (shares, counts, dates,
lists of schools). One place for this wording; `tasks/export.py` turns it into SQL and
number formats. Parquet keeps the English contract names; only the XLSX uses this module.
"""

from __future__ import annotations

from reports.labels import (ASSESSMENTS, ATTEMPT_TITLES, DOMAIN_TITLES, HALVES, LIST_CHANGES, OFFICIAL, PAIR_STATUSES,
                            PLAN_STATUSES, RISK_FACTORS, RISK_SECTIONS, STAGE_TITLES, STUDY_TITLES,
                            procedure_title, subject_title)

# published table name → its title in Russian (the index and the XLSX title row name tables so)
TABLE_TITLES = {
    "procedure_results": "Результаты оценочных процедур по школам",
    "shnor": "Перечень школ с низкими образовательными результатами (ШНОР)",
    "shvor": "Школы со стабильно высокими результатами",
    "risk_schools": "Школы, находящиеся в зоне риска снижения образовательных результатов",
    "objectivity_flags": "Признаки необъективности результатов ВПР",
    "shnor_monitoring": "Мониторинг показателей работы со ШНОР",
    "risk_monitoring": "Мониторинг показателей работы с рисковыми школами",
    "project_500plus": "Мониторинг показателей проекта «500+»",
    "prevention_half1": "Профилактика учебной неуспешности за I полугодие",
    "prevention": "Профилактика учебной неуспешности за учебный год",
    "plan_status": "Исполнение плана мероприятий",
    "plan_sections": "Исполнение плана мероприятий по разделам",
    # issue 14: the other assessments, ШНСУ, curator pairs
    "assessment_results": "Результаты других оценочных процедур (НИКО, ВсОШ, итоговое собеседование, функциональная грамотность, международные исследования)",
    "shnsu": "Школы, функционирующие в неблагоприятных социальных условиях (ШНСУ)",
    "curators": "Кураторство ШВОР над ШНОР",
    "plan_checkpoint": "Исполнение плана мероприятий на сентябрь (итоги года)",
}

# Russian column titles of the XLSX. Every column a table can have is here (a test checks it).
COLUMN_TITLES = {
    "school_code": "Код ОО",
    "ay": "Учебный год",
    "municipality_code": "Код муниципалитета",
    "municipality_name": "Муниципалитет",
    "short_name": "ОО (краткое наименование)",
    "school_name": "Наименование ОО",
    "procedure": "Оценочная процедура",
    "procedure_title": "Оценочная процедура",
    "kind": "Вид процедуры",
    "participants": "Участников",
    "low_count": "Низких результатов («2» / ниже порога)",
    "low_share_pct": "Доля низких результатов, %",
    "is_low": "Низкий результат",
    "is_weak": "Менее 10 участников (ненадёжно)",
    "is_shnor_procedure": "Процедура для отбора ШНОР",
    "is_shnor": "ШНОР",
    "criterion": "Критерий",
    "criterion_1": "Критерий 1",
    "criterion_2": "Критерий 2",
    "criterion_2_reading": "Прочтение критерия 2",
    "prev_ay": "Предыдущий учебный год",
    "low_procedures_prev": "Низкие результаты в предыдущем году",
    "n_low_prev": "Число низких результатов в предыдущем году",
    "procedures_prev": "Процедур с данными в предыдущем году",
    "prev2_ay": "Позапрошлый учебный год",
    "low_procedures_prev2": "Низкие результаты в позапрошлом году",
    "n_low_prev2": "Число низких результатов в позапрошлом году",
    "procedures_prev2": "Процедур с данными в позапрошлом году",
    "no_data": "Нет данных",
    "in_official_list": "В перечне ФИОКО",
    "official_comparison": "Сравнение с перечнем ФИОКО",
    "was_shnor_last_year": "ШНОР в прошлом году",
    "in_working_list": "В перечне для адресной работы",
    "working_list_basis": "Основание включения в перечень для адресной работы",
    "is_shvor": "Стабильно высокие результаты",
    "was_shvor_last_year": "Стабильно высокие результаты в прошлом году",
    "participants_prev": "Участников (прошлый год)",
    "good_count_prev": "«4» и «5» (прошлый год)",
    "good_share_pct_prev": "Доля «4» и «5», % (прошлый год)",
    "municipality_good_share_pct_prev": "Доля «4» и «5» по муниципалитету, % (прошлый год)",
    "participants_prev2": "Участников (позапрошлый год)",
    "good_count_prev2": "«4» и «5» (позапрошлый год)",
    "good_share_pct_prev2": "Доля «4» и «5», % (позапрошлый год)",
    "municipality_good_share_pct_prev2": "Доля «4» и «5» по муниципалитету, % (позапрошлый год)",
    "oo2_computers_teaching": "ПК в учебных целях (ОО-2)",
    "oo2_computers_teaching_per100": "ПК в учебных целях на 100 обучающихся (ОО-2)",
    "list_change": "Изменение в перечне",
    "is_risk": "Рисковая школа",
    "risk_sections": "Разделы с риском",
    "no_data_sections": "Разделы без данных",
    "flag_material": "Риск: материально-техническая база",
    "material_no_items": "Отсутствует",
    "material_answered": "Ответов о МТБ",
    "oo2_computers_total": "Компьютеров всего (ОО-2)",
    "oo2_computers_internet": "Компьютеров с Интернетом (ОО-2)",
    "oo2_internet_speed_mbps": "Скорость Интернета, Мбит/с (ОО-2)",
    "flag_staff": "Риск: кадровые условия",
    "teachers_total": "Учителей всего",
    "teachers_load_36plus": "Учителей с нагрузкой 36 ч и более",
    "staff_load36_share_pct": "Доля учителей с нагрузкой 36 ч и более, %",
    "teachers_no_subject_diploma": "Учителей без диплома по предмету",
    "staff_no_diploma_share_pct": "Доля учителей без диплома по предмету, %",
    "flag_contingent": "Риск: контингент",
    "students_total": "Обучающихся всего",
    "contingent_count": "Обучающихся в группах риска (сумма)",
    "contingent_share_pct": "Доля обучающихся в группах риска, %",
    "students_registered": "Состоят на учёте",
    "students_ovz": "Дети с ОВЗ",
    "students_foreign_language": "Дети-инофоны",
    "students_absent_systematic": "Систематически пропускают занятия",
    "flag_results": "Риск: образовательные результаты",
    "vpr_ay": "Учебный год ВПР",
    "results_vpr_high_procedures": "ВПР с долей «2» выше порога",
    "results_vpr_high_count": "Число таких ВПР",
    "results_vpr_shares": "Доли «2» по ВПР",
    "students_failing": "Неуспевающих",
    "failing_share_pct": "Доля неуспевающих, %",
    # monitoring tables (municipality × AY [× half] × indicator)
    "half": "Полугодие",
    "indicator_code": "Показатель (код)",
    "indicator_title": "Показатель",
    "seed_ref": "Пункт методики",
    "unit": "Единица",
    "sort_order": "Порядок",
    "numerator": "Числитель",
    "denominator": "Знаменатель",
    "value_pct": "Значение, %",
    "value": "Значение (число)",
    "status": "Данные",
    "no_data_reason": "Причина отсутствия данных",
    "schools": "Школ в показателе",
    "schools_no_data": "Школ без данных",
    "details": "Значения по школам",
    "shnor_total": "Всего ШНОР",
    "factors": "Факторы риска (школ)",
    "better": "Направление улучшения",
    "value_pct_half1": "Значение за I полугодие, %",
    "change_vs_half1_pp": "Изменение к I полугодию, п. п.",
    "trend_vs_half1": "Динамика к I полугодию",
    "value_pct_prev_year": "Значение в прошлом году, %",
    "change_vs_prev_year_pp": "Изменение к прошлому году, п. п.",
    "trend_vs_prev_year": "Динамика к прошлому году",
    # plan of measures
    "measure_no": "№ мероприятия",
    "section": "Раздел плана",
    "title": "Мероприятие",
    "responsible": "Ответственные",
    "due": "Срок (как в плане)",
    "due_date": "Срок (дата)",
    "status_text": "Статус (как в отчёте)",
    "result": "Результат",
    "evidence": "Подтверждение",
    "reference_date": "Дата оценки исполнения",
    "measure_order": "Порядок мероприятия",
    "section_order": "Порядок раздела",
    "status_order": "Порядок статуса",
    "measures": "Мероприятия (№)",
    "data_status": "Данные",
    # plan of measures in the seeds' layouts (issue 14)
    "plan_scope": "План (муниципальный или региональный)",
    "document_kind": "Вид документа",
    "due_exact": "Срок — точная дата",
    "expected_result": "Ожидаемый результат",
    # project «500+»: what the municipality's form says beside the figure (seed 004 items 1.1–1.3)
    "value_text": "Значение (как в форме)",
    "data_source": "Источник данных",
    # objectivity flags (ВПР)
    "grade": "Класс",
    "subject": "Предмет",
    "stats_source": "Источник статистики",
    "is_small_group": "Малая группа (флаги не ставятся)",
    "journal_source": "Источник отметок журнала",
    "with_journal": "Участников с отметкой журнала",
    "raised": "Отметка ВПР выше журнальной",
    "lowered": "Отметка ВПР ниже журнальной",
    "confirmed": "Отметка ВПР совпала с журнальной",
    "raised_by2": "Выше журнальной на 2 балла",
    "lowered_by2": "Ниже журнальной на 2 балла",
    "raised_share_pct": "Доля повысивших отметку, %",
    "lowered_share_pct": "Доля понизивших отметку, %",
    "boundary_evidence": "Баллы на границе отметок",
    "boundary_peak_marks": "Отметки с пиком на границе",
    "oge_participants": "Участников ОГЭ",
    "vpr_good_pct": "Доля «4» и «5» по ВПР, %",
    "oge_good_pct": "Доля «4» и «5» по ОГЭ, %",
    "muni_vpr_good_pct": "Доля «4» и «5» по ВПР в муниципалитете, %",
    "muni_oge_good_pct": "Доля «4» и «5» по ОГЭ в муниципалитете, %",
    "vpr_above_oge_pp": "Превышение ВПР над ОГЭ к муниципалитету, п. п.",
    "share2_pct": "Доля «2», %",
    "prev_share2_pct": "Доля «2» в прошлом году, %",
    "prev_participants": "Участников в прошлом году",
    "share2_change_pp": "Изменение доли «2», п. п.",
    "flag_raised": "Признак: завышение относительно журнала",
    "flag_gap2": "Признак: расхождение с журналом на 2 балла",
    "flag_lowered": "Признак: занижение относительно журнала",
    "flag_boundary": "Признак: пик на границе отметок",
    "flag_share2_change": "Признак: резкое улучшение (прежнее название столбца)",
    "flag_vs_gia": "Признак: ВПР выше ГИА",
    "flag_improvement": "Признак: резкое улучшение, не подтверждённое ГИА и КДР",
    "flags": "Признаки",
    "has_scores": "Есть первичные баллы участников",
    "has_scale": "Есть шкала перевода баллов",
    "boundary_has_reference": "Есть распределение баллов по муниципалитету",
    "gia_exam": "ГИА для сравнения",
    "good_pct": "Доля «4» и «5», %",
    "prev_good_pct": "Доля «4» и «5» в прошлом году, %",
    "good_change_pp": "Изменение доли «4» и «5», п. п.",
    "share2_fall_z": "Снижение доли «2»: статистика z",
    "good_rise_z": "Рост доли «4» и «5»: статистика z",
    "other_oge_share2_fall_pp": "ОГЭ: снижение доли «2», п. п.",
    "other_oge_good_rise_pp": "ОГЭ: рост доли «4» и «5», п. п.",
    "other_rdr_low_fall_pp": "КДР: снижение доли низкого уровня, п. п.",
    "other_rdr_high_rise_pp": "КДР: рост доли высокого уровня, п. п.",
    "raised_not_checked": "Завышение: почему не проверялось",
    "gap2_not_checked": "Расхождение на 2 балла: почему не проверялось",
    "lowered_not_checked": "Занижение: почему не проверялось",
    "boundary_not_checked": "Пик на границе: почему не проверялось",
    "vs_gia_not_checked": "ВПР выше ГИА: почему не проверялось",
    "improvement_not_checked": "Резкое улучшение: почему не проверялось",
    "not_checked": "Не проверявшиеся признаки",
    "is_flagged": "Есть признаки необъективности",
    "definitions_version": "Версия методики",
    "run_id": "Запуск",
    # issue 14: assessment_results, shnsu, curators
    "assessment": "Вид оценочной процедуры",
    "stage": "Этап олимпиады",
    "domain": "Направление функциональной грамотности",
    "study": "Исследование",
    "attempt": "Срок",
    "quota": "Квота участников",
    "quota_coverage_pct": "Участие от квоты, %",
    "quota_met": "Квота выполнена",
    "mid_count": "Средний результат, чел.",
    "mid_share_pct": "Средний результат, %",
    "high_count": "Высокий результат, чел.",
    "high_share_pct": "Высокий результат, %",
    "winners": "Победителей",
    "prize_winners": "Призёров",
    "is_shnsu": "В перечне ШНСУ",
    "shnsu_list_loaded": "Перечень ШНСУ загружен",
    "municipal_internship_site": "Муниципальная стажировочная площадка",
    "regional_internship_site": "Региональная стажировочная площадка",
    "curator_code": "Код школы-куратора",
    "curator_short_name": "Школа-куратор",
    "curator_municipality_code": "Муниципалитет школы-куратора",
    "has_curator": "Куратор назначен",
    "curator_is_shvor": "Куратор — школа со стабильно высокими результатами",
    "pair_status": "Оценка пары",
}

# Columns the analyst's sheet leaves out: codes and technical sort keys with a Russian
# counterpart beside them (`indicator_title`, the sheet's own order), and the run's
# provenance, which the «Пояснения» sheet states once instead of on every row.
XLSX_HIDDEN = frozenset({"indicator_code", "seed_ref", "sort_order", "measure_order", "section_order",
                         "status_order", "definitions_version", "run_id"})

# Academic-year columns (the AY's starting year) are shown as «2023/2024».
AY_COLUMNS = frozenset({"ay", "prev_ay", "prev2_ay", "vpr_ay"})

# Integer columns that are not counts (no thousands separator).
NOT_COUNTS = AY_COLUMNS | {"half", "grade", "sort_order", "measure_order", "section_order", "status_order"}

# Excel number formats (Excel shows them with the reader's locale: «0,0», «# ##0»).
# A share is stored exact and rounded once, half up, by the format, as Excel does.
SHARE_FORMAT = "0.0"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "dd.mm.yyyy"


def is_share(column: str) -> bool:
    """Percent shares and their changes in percentage points."""
    return "_pct" in column or column.endswith("_pp")


TRENDS = {"better": "лучше", "worse": "хуже", "same": "без изменений"}
DATA_STATUS = {"ok": "есть данные", "no_data": "нет данных"}
OBJECTIVITY_FLAGS = {
    "raised": "завышение относительно журнала",
    "gap2": "расхождение с журналом на 2 балла",
    "lowered": "занижение относительно журнала",
    "boundary": "пик на границе отметок",
    "vs_gia": "ВПР выше ОГЭ",
    "share2_change": "резкое изменение доли «2»",
    "improvement": "резкое улучшение, не подтверждённое ГИА и КДР",
}

# code column → {code: Russian}; a code not listed stays as it is
VALUE_TITLES: dict[str, dict] = {
    "status": DATA_STATUS,
    "data_status": DATA_STATUS,
    "unit": {"pct": "%", "count": "число", "schools": "школы", "persons": "человек"},
    "better": {"higher": "чем выше, тем лучше", "lower": "чем ниже, тем лучше"},
    "trend_vs_half1": TRENDS,
    "trend_vs_prev_year": TRENDS,
    "official_comparison": OFFICIAL,
    "list_change": LIST_CHANGES,
    "working_list_basis": {"both": "оба перечня", "ours": "перечень по методике муниципалитета",
                           "official": "перечень ФИОКО"},
    "kind": {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ"},
    "criterion_2_reading": {"any": "любая процедура в каждом из двух лет",
                            "same": "одна и та же процедура в обоих годах"},
    "stats_source": {"participants": "результаты участников", "school_stats": "статистика по ОО"},
    "journal_source": {"participants": "результаты участников", "journal_export": "выгрузка журнала"},
    "half": {str(k): v for k, v in HALVES.items()},
    "risk_sections": RISK_SECTIONS,
    "no_data_sections": RISK_SECTIONS,
    "material_no_items": RISK_FACTORS,
    "flags": OBJECTIVITY_FLAGS,
    "not_checked": OBJECTIVITY_FLAGS,
    "gia_exam": {"oge": "ОГЭ", "ege": "ЕГЭ"},
    # issue 14
    "assessment": ASSESSMENTS,
    "stage": STAGE_TITLES,
    "domain": DOMAIN_TITLES,
    "study": STUDY_TITLES,
    "attempt": ATTEMPT_TITLES,
    "pair_status": PAIR_STATUSES,
}
# the plan's status column; in other tables `status` is the data status
PLAN_VALUE_TITLES = {"status": PLAN_STATUSES,
                     "plan_scope": {"municipal": "план муниципалитета", "regional": "региональный план"}}
PLAN_COLUMN_TITLES = {"status": "Статус исполнения"}

# columns whose values (or list elements) are procedure codes: vpr_math_5 → «ВПР, математика, 5 класс»
PROCEDURE_COLUMNS = frozenset({"procedure", "low_procedures_prev", "low_procedures_prev2",
                               "results_vpr_high_procedures"})
SUBJECT_COLUMNS = frozenset({"subject"})

# Lists of school codes: on the data sheet the number of schools; the schools themselves
# are rows of the sheet «Школы» (one row per indicator row × list × school).
SCHOOL_LISTS = {"schools": "Входит в показатель", "schools_no_data": "Нет данных"}
# a list of per-school values {school_code, …} joined onto those rows
SCHOOL_DETAILS = "details"
DETAIL_TITLES = {"prev_pct": "Значение в прошлом году, %", "cur_pct": "Значение в текущем году, %"}
# columns of the parent row repeated on each row of «Школы»
SCHOOL_SHEET_KEYS = ("municipality_code", "municipality_name", "ay", "half", "indicator_title")

SHEET_DATA = "Данные"
SHEET_SCHOOLS = "Школы"
SHEET_NOTES = "Пояснения"

# what the «Пояснения» sheet says a column holds, by its kind
KIND_NOTES = {
    "share": "доля, %; в ячейке точное значение, показано с округлением до десятых",
    "count": "число",
    "date": "дата",
    "bool": "да / нет; пусто — нет данных",
    "ay": "учебный год",
    "list": "число школ; сами школы — на листе «Школы»",
    "number": "число",
    "text": "текст",
}


def ay_title(ay: int) -> str:
    return f"{ay}/{ay + 1} учебный год"


def title_row(table: str, ay: int | None, municipality: str | None = None) -> str:
    """«Перечень школ … (ШНОР), 2023/2024 учебный год — Город Первый»."""
    text = TABLE_TITLES.get(table, table)
    if ay is not None:
        text += f", {ay_title(ay)}"
    return f"{text} — {municipality}" if municipality else text


def procedure_titles(codes) -> dict[str, str]:
    return {c: procedure_title(c) for c in codes if c is not None}


def subject_titles(codes) -> dict[str, str]:
    return {c: subject_title(c).capitalize() for c in codes if c is not None}
