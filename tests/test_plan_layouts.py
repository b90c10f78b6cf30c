"""Plan files in the seeds' own layouts (issue 14 item 1): seed 000's execution table
(section rows inside the table, the status written in «Результат»), seed 001's roadmap
(«Вид документа», «Ожидаемый результат», numbered section rows, a cell broken over two
rows), a plan with a municipality column, one plan per municipality folder and the
regional plan shared by the others. Real XLSX files with a title row; every expected
figure is worked out here by hand.

Registry: mo01 «Город А» (a1), mo02 «Город Б» (b1), mo03 «Город В» (c1).
AY 2023; the June reference date is 10.06.2024, the September checkpoint 15.09.2024.

inbox/2023/plan/mo01/План.xlsx — seed 000's layout, mo01's own plan:
  «Нормативно-правовое обеспечение (сопровождение)» (a merged section row)
    1. I квартал 2024, «Приказ … от 18.02.2024 № 102»   → due 31.03.2024, done (a result)
    2. 01.03.2024, «Запланировано»                         → due 01.03.2024 (exact), overdue
  «Методическое сопровождение плана мероприятий»
    3. Ноябрь 2023, «в работе»                             → due 30.11.2023, overdue
    4. II квартал 2024, «Не принимали участие.»            → due 30.06.2024, not taken part
    5. В течение года, «в работе»                          → due 31.08.2024 (end of AY), in progress;
                                                             overdue at the checkpoint
    6. до 20 июня 2024, «Запланировано»                    → due 20.06.2024 (exact), planned;
                                                             overdue at the checkpoint
  June: 6 measures: done 1 (16,67 %), in progress 1, planned 1, overdue 2 (33,33 %), not taken part 1.
  September checkpoint: done 1, overdue 4 (2, 3, 5, 6), not taken part 1.

inbox/2023/plan/Дорожная карта.xlsx — seed 001's roadmap, no municipality: the regional
plan, for mo02 only (mo01 and mo03 have their own):
  «1. Нормативно-правовое обеспечение» (in the № column)
    1.1. «До 31 декабря 2023», «Локальные акты», expected «Приказ, реализация мероприятий»
         → due 31.12.2023, no status and no achieved result: planned → overdue
    1.2. «2022-2024 до 31 ноября» (+ a continuation row) → 31 November is no day: 30.11.2024; planned
  «2. Научно-методическое обеспечение»
    2.1. «Ежегодно» → no due date; planned
  mo02: 3 measures, overdue 1 (33,33 %), planned 2 (66,67 %), done 0 (an expected result is
  not an achieved one).

inbox/2023/plan/Планы МО.xlsx — a municipality column with a name and a «Статус» column:
  «Город В» 1  15.05.2024  «выполнено»  → done;   «Город В» 2  Май 2024  «в работе» → overdue (31.05.2024)
"""

from __future__ import annotations

import openpyxl
import pytest

from edumon.config import load_config
from tasks import indicators, render
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import rows, write_csv

AY = 2023

SEED000 = [
    ["1.", "Разработка и реализация муниципального плана мероприятий", "Департамент, МКУ ДО «ЦРО»",
     "I квартал 2024", "Приказ Департамента от 18.02.2024 № 102 «Об организации работы»"],
    ["2.", "Разработка и утверждение положения о конкурсе", "Департамент", "01.03.2024", "Запланировано"],
    ["3.", "Информационно-методическое сопровождение", "Департамент, МКУ ДО «ЦРО»", "Ноябрь 2023", "в работе"],
    ["4.", "Участие в региональном конкурсе муниципальных программ", "Департамент, ШНОР", "II квартал 2024",
     "Не принимали участие."],
    ["5.", "Оказание консультативной поддержки ШНОР", "МКУ ДО «ЦРО»", "В течение года", "в работе"],
    ["6.", "Мониторинг результативности программ", "ШНОР", "до 20 июня 2024", "Запланировано"],
]


def seed000_file(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "План"
    ws.append(["Информационно-аналитический отчёт об итогах реализации Муниципального плана мероприятий "
               "по повышению качества общего образования на 2023 год"])
    ws.append([])
    ws.append(["№ п/п", "Наименование мероприятий/мер", "Ответственные исполнители", "Сроки реализации",
               "Результат"])
    ws.append(["Нормативно-правовое обеспечение (сопровождение)"])
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=5)
    for r in SEED000[:2]:
        ws.append(r)
    ws.append(["Методическое сопровождение плана мероприятий"])
    ws.merge_cells(start_row=7, start_column=1, end_row=7, end_column=5)
    for r in SEED000[2:]:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def seed001_file(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Дорожная карта"
    ws.append(["Дорожная карта по повышению качества образования на 2023-2024 годы"])
    ws.append(["№ п/п", "Наименование мероприятия", "Ответственный исполнитель", "Вид документа",
               "Сроки выполнения", "Ожидаемый результат"])
    ws.append(["1. Нормативно-правовое обеспечение", None, None, None, None, None])
    ws.append(["1.1.", "Разработка правовых актов по повышению объективности ВПР", "Отдел общего образования",
               "Локальные акты", "До 31 декабря 2023", "Приказ, реализация мероприятий"])
    ws.append(["1.2.", "Разработка правовых актов в общеобразовательных организациях по повышению",
               "Общеобразовательные организации, имеющие", "приказ", "2022-2024 до 31 ноября",
               "Приказ, реализация мероприятий. Выход общеобразовательных"])
    # the same measure continued on the next row (a page break in the source document)
    ws.append([None, "объективности проведения и оценивания ВПР", "необъективные признаки оценивания", None, None,
               "организаций в эффективный режим функционирования"])
    ws.append(["2. Научно-методическое обеспечение"])
    ws.append(["2.1.", "Анализ результатов мониторинга", "МКУ «ЦРО»", "Аналитическая справка", "Ежегодно",
               "Составлены рекомендации"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def municipal_column_file(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Планы мероприятий муниципалитетов"])
    ws.append(["Муниципалитет", "№", "Мероприятие", "Срок", "Статус", "Результат"])
    ws.append(["Город В", "1", "Совещание руководителей ШНОР", "15.05.2024", "выполнено", "Протокол № 3"])
    ws.append(["Город В", "2", "Курсы повышения квалификации", "Май 2024", "в работе", None])
    wb.save(path)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}", "municipality_code": m,
         "municipality_name": n} for c, m, n in (("a1", "mo01", "Город А"), ("b1", "mo02", "Город Б"),
                                                 ("c1", "mo03", "Город В"))])
    seed000_file(root / str(AY) / "plan" / "mo01" / "План.xlsx")
    seed001_file(root / str(AY) / "plan" / "Дорожная карта.xlsx")
    municipal_column_file(root / str(AY) / "plan" / "Планы МО.xlsx")
    return root


def build(inbox, path, marts, overrides=None):
    cfg = load_config(overrides=overrides)
    con = connect(path)
    reports = [ingest_source(con, inbox, s, ay, "test-run", cfg) for s, ay in (("schools", AY), ("plan", AY))]
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    indicators.build_staging(con, params)
    indicators.build_marts(con, [(m, AY) for m in marts], params)
    return con, cfg, reports


@pytest.fixture(scope="module")
def june(inbox, tmp_path_factory):
    con, cfg, reports = build(inbox, tmp_path_factory.mktemp("wh") / "w.duckdb",
                              ["mart_plan_status", "mart_plan_sections"])
    yield con, cfg, reports
    con.close()


def measures(con, table="mart_plan_status"):
    return {(r["municipality_code"], r["measure_no"]): r
            for r in rows(con, f"SELECT * FROM {table} WHERE ay = {AY}")}


def test_section_rows_and_continuations_are_not_rejects(june):
    _, _, reports = june
    plan = reports[1]
    # 6 + 3 + 2 measures; the 4 section rows and the continuation row are not rows of the table
    assert (plan.rows_in, plan.rows_loaded, plan.rows_quarantined) == (11, 11, 0)
    assert sorted(f["file"] for f in plan.files) == sorted(["Дорожная карта.xlsx", "Планы МО.xlsx", "mo01/План.xlsx"])


def test_seed000_sections_statuses_and_exact_dates(june):
    con, _, _ = june
    got = measures(con)
    expect = {
        "1.": ("Нормативно-правовое обеспечение (сопровождение)", "2024-03-31", False, "done"),
        "2.": ("Нормативно-правовое обеспечение (сопровождение)", "2024-03-01", True, "overdue"),
        "3.": ("Методическое сопровождение плана мероприятий", "2023-11-30", False, "overdue"),
        "4.": ("Методическое сопровождение плана мероприятий", "2024-06-30", False, "not_participated"),
        "5.": ("Методическое сопровождение плана мероприятий", "2024-08-31", False, "in_progress"),
        "6.": ("Методическое сопровождение плана мероприятий", "2024-06-20", True, "planned"),
    }
    mo01 = {no: (r["section"], str(r["due_date"]), r["due_exact"], r["status"])
            for (m, no), r in got.items() if m == "mo01"}
    assert mo01 == expect
    assert got[("mo01", "2.")]["status_text"] is None and got[("mo01", "2.")]["result"] == "Запланировано"
    assert {r["plan_scope"] for (m, _), r in got.items() if m == "mo01"} == {"municipal"}
    assert got[("mo01", "1.")]["municipality_name"] == "Город А"


def test_seed001_roadmap_expected_result_is_not_an_achieved_one(june):
    con, _, _ = june
    got = measures(con)
    mo02 = {no: (r["section"], str(r["due_date"]) if r["due_date"] else None, r["status"])
            for (m, no), r in got.items() if m == "mo02"}
    assert mo02 == {
        "1.1.": ("1. Нормативно-правовое обеспечение", "2023-12-31", "overdue"),
        "1.2.": ("1. Нормативно-правовое обеспечение", "2024-11-30", "planned"),
        "2.1.": ("2. Научно-методическое обеспечение", None, "planned"),
    }
    r = got[("mo02", "1.1.")]
    assert (r["document_kind"], r["expected_result"], r["result"], r["plan_scope"]) == (
        "Локальные акты", "Приказ, реализация мероприятий", None, "regional")
    joined = got[("mo02", "1.2.")]
    assert joined["title"] == ("Разработка правовых актов в общеобразовательных организациях по повышению "
                               "объективности проведения и оценивания ВПР")
    assert joined["expected_result"].endswith("Выход общеобразовательных организаций в эффективный режим "
                                              "функционирования")


def test_each_municipality_gets_its_own_plan_or_the_regional_one(june):
    con, _, _ = june
    got = measures(con)
    by_mun = {}
    for (m, no) in got:
        by_mun.setdefault(m, set()).add(no)
    # mo01: its folder; mo03: the municipality column («Город В»); mo02: the regional roadmap
    assert by_mun == {"mo01": {"1.", "2.", "3.", "4.", "5.", "6."}, "mo02": {"1.1.", "1.2.", "2.1."},
                      "mo03": {"1", "2"}}
    assert (got[("mo03", "1")]["status"], got[("mo03", "2")]["status"]) == ("done", "overdue")
    assert str(got[("mo03", "2")]["due_date"]) == "2024-05-31"


def test_sections_mart_counts_the_same_statuses(june):
    con, _, _ = june
    got = {(r["municipality_code"], r["section"], r["status"]): (r["numerator"], r["denominator"], r["value_pct"])
           for r in rows(con, f"SELECT * FROM mart_plan_sections WHERE ay = {AY}")}
    assert got[("mo01", "Всего по плану", "done")] == (1, 6, 16.67)
    assert got[("mo01", "Всего по плану", "overdue")] == (2, 6, 33.33)
    assert got[("mo01", "Нормативно-правовое обеспечение (сопровождение)", "overdue")] == (1, 2, 50.0)
    assert got[("mo02", "Всего по плану", "overdue")] == (1, 3, 33.33)
    assert got[("mo02", "Всего по плану", "planned")] == (2, 3, 66.67)
    assert got[("mo02", "Всего по плану", "done")] == (0, 3, 0.0)
    assert got[("mo03", "Всего по плану", "done")] == (1, 2, 50.0)


def test_september_checkpoint_of_the_year_that_ended(inbox, tmp_path):
    cfg = load_config()
    # the September cycle of AY + 1 reads the plan of AY and writes its checkpoint
    assert cfg["cycles"]["september"]["sources"]["plan"] == [-1]
    assert ["mart_plan_checkpoint", -1] in cfg["cycles"]["september"]["marts"]
    con, _, _ = build(inbox, tmp_path / "w.duckdb", ["mart_plan_checkpoint"])
    got = measures(con, "mart_plan_checkpoint")
    assert {no: r["status"] for (m, no), r in got.items() if m == "mo01"} == {
        "1.": "done", "2.": "overdue", "3.": "overdue", "4.": "not_participated", "5.": "overdue", "6.": "overdue"}
    assert {str(r["reference_date"]) for r in got.values()} == {"2024-09-15"}
    con.close()


def test_overdue_is_shown_overdue_in_every_table_of_the_report(inbox, tmp_path):
    import lxml.html

    write_csv(inbox / str(AY) / "prevention" / "p.csv", [
        {"school_code": c, "half": h, "has_prevention_system": "да", "students_total": 100, "low_achieving": 10,
         "failing": 2, "with_iom": 5, "failing_in_extra_classes": 1} for c in ("a1", "b1", "c1") for h in (1, 2)])
    try:
        cfg = load_config(overrides={"report": {"formats": ["html"]}})
        con = connect(tmp_path / "w.duckdb")
        for s in ("schools", "prevention", "plan"):
            ingest_source(con, inbox, s, AY, "test-run", cfg)
        indicators.load_reference(con, inbox)
        params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
        indicators.build_staging(con, params)
        indicators.build_marts(con, [(m, AY + o) for m, o in cfg["cycles"]["june"]["marts"]], params)
        run = {"run_id": "r", "definitions_version": cfg.definitions_version, "small_group_below": 10,
               "template_version": render.template_version(cfg)}
        docs = render.render_spravki(con, AY, "june", cfg, run)
        con.close()
    finally:
        (inbox / str(AY) / "prevention" / "p.csv").unlink()
    root = lxml.html.document_fromstring(docs[f"reports/mo01/{AY}/june/plan.html"].decode("utf-8"))
    table = root.xpath("//table")[0]
    status_col = {tr.xpath("td")[0].text_content().strip(): tr.xpath("td")[-1].text_content().strip()
                  for tr in table.xpath(".//tbody/tr") if len(tr.xpath("td")) == 6}
    # one status per measure: 2 and 3 are overdue in the status column, as in the summary
    assert status_col == {"1.": "выполнено", "2.": "просрочено", "3.": "просрочено", "4.": "не принимали участие",
                          "5.": "в процессе выполнения", "6.": "запланировано"}
    text = " ".join(root.text_content().split())
    assert "Просрочены сроки исполнения 2 мероприятий: № 2. «Разработка и утверждение положения о конкурсе»; " \
           "№ 3. «Информационно-методическое сопровождение»" in text
    assert "вид документа" not in text  # seed 000 has none
    # the roadmap's municipality: the document kind and the expected result, as what they are
    road = " ".join(lxml.html.document_fromstring(
        docs[f"reports/mo02/{AY}/june/plan.html"].decode("utf-8")).text_content().split())
    assert "вид документа: Локальные акты" in road and "ожидаемый результат: Приказ, реализация мероприятий" in road
    # the June справка counts the same overdue measures
    spravka = " ".join(lxml.html.document_fromstring(
        docs[f"reports/mo01/{AY}/june/spravka.html"].decode("utf-8")).text_content().split())
    assert "Из 6 мероприятий плана мероприятий выполнено 1" in spravka and "просрочено 2" in spravka


def test_a_warehouse_of_the_earlier_release_gets_the_new_columns(inbox, tmp_path):
    con = connect(tmp_path / "w.duckdb")
    for c in ("document_kind", "expected_result", "municipality_code"):
        con.execute(f"ALTER TABLE raw_plan DROP COLUMN {c}")
    con.close()
    con = connect(tmp_path / "w.duckdb")  # the columns come back (NULL in earlier rows)
    rep = ingest_source(con, inbox, "plan", AY, "test-run", load_config())
    assert rep.rows_loaded == 11
    assert rows(con, "SELECT document_kind FROM raw_plan WHERE measure_no = '1.1.'") == [
        {"document_kind": "Локальные акты"}]
    con.close()


def test_seed003_plan_without_numbers(tmp_path):
    """Seed 003's «План мероприятий … на 2023 год» numbers no measure: a row with its own
    due date is a measure (numbered 1, 2, … in the sheet), a row without one continues it."""
    root = tmp_path / "inbox"
    write_csv(root / "schools" / "r.csv", [{"school_code": "a1", "school_name": "Школа", "short_name": "Школа",
                                            "municipality_code": "mo01", "municipality_name": "Город А"}])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["План мероприятий по повышению качества общего образования в городе на 2023 год"])
    ws.append(["№ п/п", "Наименование мероприятия", "Срок", "Ответственные", "Результат"])
    ws.append(["Нормативно-правовые и организационно-управленческие мероприятия"])
    ws.append([None, "Анализ результатов независимых", "Январь 2023", "МБУ «МЦ»", "Выявление дефицитов"])
    ws.append([None, "оценочных процедур", None, None, None])
    ws.append([None, "Мониторинг нормативной базы ОУ", "Февраль 2023", "ОУ", "Актуализация нормативной базы ОУ"])
    (root / "2022" / "plan").mkdir(parents=True)
    wb.save(root / "2022" / "plan" / "План 2023.xlsx")
    con = connect(tmp_path / "w.duckdb")
    rep = ingest_source(con, root, "plan", 2022, "test-run", load_config())
    assert (rep.rows_in, rep.rows_quarantined) == (2, 0)
    assert [tuple(r.values()) for r in rows(con, "SELECT measure_no, section, title, due FROM raw_plan ORDER BY 1")] == [
        ("1", "Нормативно-правовые и организационно-управленческие мероприятия",
         "Анализ результатов независимых оценочных процедур", "Январь 2023"),
        ("2", "Нормативно-правовые и организационно-управленческие мероприятия", "Мониторинг нормативной базы ОУ",
         "Февраль 2023")]
    con.close()
