"""Prevention measures of seed 003 §4.5 as columns of the semi-annual report (issue 14):
mentor pairs, the anti-risk programme, parent meetings, the plan of work with low
achievers, the psychological and pedagogical support service — their indicators in
`prevention_half1` / `prevention` and their table in the January справка. A real XLSX
with a title row and Russian headers; every figure worked out here by hand.

Registry mo01: s1, s2, s3, s4 (s4 sends no report). First half of AY 2023:
            pairs  programme  meetings  plan  service
  s1          3      да          2       да     да
  s2          0      нет         1       да     нет
  s3          —      да          0       нет    да
Shares of the 4 schools of the registry ([monitoring] denominator = "all"):
  mentoring        s1            → 1 / 4 = 25,0 %   (no data: s3, s4)
  programme        s1, s3        → 2 / 4 = 50,0 %
  parent meetings  s1, s2        → 2 / 4 = 50,0 %   (from 2 meetings: s1 → 25,0 %)
  plan             s1, s2        → 2 / 4 = 50,0 %
  service          s1, s3        → 2 / 4 = 50,0 %
"""

from __future__ import annotations

import lxml.html
import openpyxl
import pytest

from edumon.config import load_config
from tasks import indicators, render
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import rows, write_csv

AY = 2023
HEADER = ["Код ОО", "Полугодие", "Сформирована внутришкольная система профилактики", "Обучающихся всего",
          "Слабоуспевающих", "Неуспевающих", "Имеют ИОМ", "Неуспевающих на дополнительных занятиях",
          "Наставнических пар", "Программа антирисковых мер", "Собраний для родителей",
          "План работы со слабоуспевающими и неуспевающими", "Служба психолого-педагогического сопровождения"]
REPORTS = [
    ["s1", 1, "да", 100, 10, 2, 5, 1, 3, "да", 2, "да", "да"],
    ["s2", 1, "да", 100, 10, 2, 5, 1, 0, "нет", 1, "да", "нет"],
    ["s3", 1, "нет", 100, 10, 2, 5, 1, None, "да", 0, "нет", "да"],
]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}", "municipality_code": "mo01",
         "municipality_name": "Город А"} for c in ("s1", "s2", "s3", "s4")])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Отчёт о профилактике учебной неуспешности за I полугодие 2023/2024 учебного года"])
    ws.append(HEADER)
    for r in REPORTS:
        ws.append(r)
    (root / str(AY) / "prevention").mkdir(parents=True)
    wb.save(root / str(AY) / "prevention" / "Профилактика.xlsx")
    return root


def january(inbox, path, overrides=None):
    cfg = load_config(overrides={"report": {"formats": ["html"]}, **(overrides or {})})
    con = connect(path)
    for s in ("schools", "prevention"):
        rep = ingest_source(con, inbox, s, AY, "test-run", cfg)
        assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    indicators.load_reference(con, inbox)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    indicators.build_staging(con, params)
    indicators.build_marts(con, [(m, AY + o) for m, o in cfg["cycles"]["january"]["marts"]], params)
    return con, cfg


def values(con):
    return {r["indicator_code"]: (r["numerator"], r["denominator"], r["value_pct"], list(r["schools"]),
                                  list(r["schools_no_data"]))
            for r in rows(con, f"SELECT * FROM mart_prevention_half1 WHERE ay = {AY}")}


def test_measures_are_read_from_the_report_columns(inbox, tmp_path):
    con, _ = january(inbox, tmp_path / "w.duckdb")
    got = rows(con, "SELECT school_code, mentor_pairs, antirisk_programme, parent_meetings, low_achievers_plan, "
                    "psych_service FROM raw_prevention ORDER BY school_code")
    assert [tuple(r.values()) for r in got] == [("s1", 3, True, 2, True, True), ("s2", 0, False, 1, True, False),
                                                ("s3", None, True, 0, False, True)]
    con.close()


def test_measure_indicators_are_shares_of_the_schools(inbox, tmp_path):
    con, _ = january(inbox, tmp_path / "w.duckdb")
    got = values(con)
    assert got["prevention_mentoring"] == (1, 4, 25.0, ["s1"], ["s3", "s4"])
    assert got["prevention_antirisk_programme"] == (2, 4, 50.0, ["s1", "s3"], ["s4"])
    assert got["prevention_parent_meetings"] == (2, 4, 50.0, ["s1", "s2"], ["s4"])
    assert got["prevention_low_achievers_plan"] == (2, 4, 50.0, ["s1", "s2"], ["s4"])
    assert got["prevention_psych_service"] == (2, 4, 50.0, ["s1", "s3"], ["s4"])
    # §4.3 indicators unchanged beside them: 2 of 4 schools with a prevention system
    assert got["prevention_system"][:3] == (2, 4, 50.0)
    con.close()


def test_meeting_threshold_is_a_parameter(inbox, tmp_path):
    con, _ = january(inbox, tmp_path / "w.duckdb",
                     {"monitoring": {"prevention_min_parent_meetings": 2}})
    assert values(con)["prevention_parent_meetings"][:4] == (1, 4, 25.0, ["s1"])
    con.close()


def test_january_spravka_shows_the_measures(inbox, tmp_path):
    con, cfg = january(inbox, tmp_path / "w.duckdb")
    run = {"run_id": "r", "definitions_version": cfg.definitions_version, "small_group_below": 10,
           "template_version": render.template_version(cfg)}
    docs = render.render_spravki(con, AY, "january", cfg, run)
    con.close()
    t = " ".join(lxml.html.document_fromstring(
        docs[f"reports/mo01/{AY}/january/spravka.html"].decode("utf-8")).text_content().split())
    assert "Доля ОУ, в которых закреплены наставнические пары (ученическое наставничество)" in t
    assert "Меры профилактики учебной неуспешности (раздел 4.5 программы)" in t
    # the table by school: s3 gave no number of pairs
    assert "Школа s3 нет данных да 0 нет да" in t
    assert "Наставнические пары не закреплены в 1 школе: Школа s2" in t
    assert "Программа антирисковых мер не принята в 1 школе: Школа s2" in t
    assert "Собрания для родителей по вовлечению в профилактику учебной неуспешности не проводились в 1 школе: " \
           "Школа s3" in t
    assert "План работы со слабоуспевающими и неуспевающими обучающимися не разработан в 1 школе: Школа s3" in t
    assert "Служба психолого-педагогического сопровождения не действует в 1 школе: Школа s2" in t
