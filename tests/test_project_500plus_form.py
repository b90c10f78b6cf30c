"""Seed 004 items 1.1–1.3 from the municipality's yearly form (inbox/<AY>/p500/, issue 14):
the PD programme with its order's date and number, the population's satisfaction with
its source, the ШНОР in network interaction — used by `project_500plus` instead of «нет
данных» and of the staff proxy. A real XLSX with a title row and Russian headers; every
figure worked out here by hand.

Registry: mo01 «Город А» (a1, a2, a3), mo02 «Город Б» (b1, b2), mo03 «Город В» (c1).
ШНОР of AY 2022 (the ФИОКО list, `[shnor] working_list = "official"`): a1, a2, b1, b2.
Staff monitoring 2022 (the proxy of 1.3): a1 and a2 have teachers in a regional network
(proxy for mo01: 2 of 2), b1 and b2 none (proxy for mo02: 0 of 2).
Form 2022:
  «Город А» (by name): programme adopted, 12.02.2023 (a date cell), № 45-п; 78,5 %, «Опрос
           населения на сайте Департамента, 2023»; 1 ШНОР in network → 1 of 2 = 50,0 %
  mo02 (by code): programme not adopted; satisfaction left empty; 2 ШНОР → 2 of 2 = 100,0 %
  mo03: no row → 1.1 and 1.2 «форма … не загружена»; 1.3: no ШНОР in mo03.
"""

from __future__ import annotations

import datetime

import openpyxl
import pytest

from edumon.config import load_config
from tasks import indicators, render
from tasks.ingest import ingest_source
from tasks.warehouse import connect
from tests.helpers import rows, write_csv

AY = 2022


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    write_csv(root / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "short_name": f"Школа {c}", "municipality_code": m,
         "municipality_name": n}
        for c, m, n in (("a1", "mo01", "Город А"), ("a2", "mo01", "Город А"), ("a3", "mo01", "Город А"),
                        ("b1", "mo02", "Город Б"), ("b2", "mo02", "Город Б"), ("c1", "mo03", "Город В"))])
    write_csv(root / str(AY) / "official_shnor" / "f.csv",
              [{"school_code": c, "school_name": f"Школа {c}"} for c in ("a1", "a2", "b1", "b2")])
    write_csv(root / str(AY) / "staff" / "s.csv",
              [{"school_code": c, "teachers_total": 20, "in_regional_network": n}
               for c, n in (("a1", 2), ("a2", 1), ("b1", 0), ("b2", 0))])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Показатели эффективности муниципального управленческого инструмента (проект «500+») за 2022 год"])
    ws.append(["Муниципалитет", "Программа повышения квалификации утверждена", "Дата утверждения программы",
               "Номер приказа об утверждении программы", "Удовлетворённость населения, %",
               "Источник данных об удовлетворённости", "ШНОР в сетевом взаимодействии"])
    ws.append(["Город А", "да", datetime.date(2023, 2, 12), "45-п", "78,5", "Опрос населения на сайте Департамента, 2023",
               1])
    ws.append(["mo02", "нет", None, None, None, None, 2])
    (root / str(AY) / "p500").mkdir(parents=True)
    wb.save(root / str(AY) / "p500" / "Форма 500+.xlsx")

    cfg = load_config(overrides={"shnor": {"working_list": "official"}})
    c = connect(tmp_path_factory.mktemp("wh") / "w.duckdb")
    for source, ay in (("schools", AY + 1), ("official_shnor", AY), ("staff", AY), ("p500", AY)):
        rep = ingest_source(c, root, source, ay, "test-run", cfg)
        assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    indicators.load_reference(c, root)
    params = {**cfg.sql_params(), "definitions_version": cfg.definitions_version, "run_id": "test-run"}
    indicators.build_staging(c, params)
    indicators.build_marts(c, [("mart_project_500plus", AY)], params)
    yield c
    c.close()


def got(con, mun):
    return {r["indicator_code"]: r for r in rows(con, "SELECT * FROM mart_project_500plus WHERE ay = ? "
                                                      "AND municipality_code = ?", AY, mun)}


def test_the_september_cycle_reads_the_form_of_the_year_that_ended():
    cfg = load_config()
    assert cfg["cycles"]["september"]["sources"]["p500"] == [-1]
    assert ["mart_project_500plus", -1] in cfg["cycles"]["september"]["marts"]


def test_pd_programme_with_the_order(con):
    a, b, c = got(con, "mo01"), got(con, "mo02"), got(con, "mo03")
    r = a["p500_pd_programme"]
    assert (r["status"], r["value_text"], r["numerator"], r["denominator"]) == (
        "ok", "утверждена (приказ от 12.02.2023 № 45-п)", None, None)
    assert (b["p500_pd_programme"]["status"], b["p500_pd_programme"]["value_text"]) == ("ok", "не утверждена")
    assert c["p500_pd_programme"]["status"] == "no_data"
    assert c["p500_pd_programme"]["no_data_reason"] == ("форма муниципалитета по проекту «500+» за 2022/2023 "
                                                        "учебный год не загружена")


def test_satisfaction_share_with_its_source(con):
    r = got(con, "mo01")["p500_satisfaction"]
    assert (r["status"], r["value_pct"], r["numerator"], r["data_source"]) == (
        "ok", 78.5, None, "Опрос населения на сайте Департамента, 2023")
    r = got(con, "mo02")["p500_satisfaction"]
    assert r["status"] == "no_data" and r["value_pct"] is None
    assert r["no_data_reason"] == ("нет данных: в форме муниципалитета по проекту «500+» за 2022/2023 учебный год "
                                   "показатель не заполнен")


def test_network_from_the_form_instead_of_the_proxy(con):
    a, b, c = got(con, "mo01"), got(con, "mo02"), got(con, "mo03")
    part = lambda r: (r["numerator"], r["denominator"], r["value_pct"], list(r["schools"]), r["data_source"])
    # the proxy would say 2 of 2 for mo01 and 0 of 2 for mo02
    assert part(a["p500_network"]) == (1, 2, 50.0, [], "форма муниципалитета по проекту «500+»")
    assert part(b["p500_network"]) == (2, 2, 100.0, [], "форма муниципалитета по проекту «500+»")
    assert c["p500_network"]["no_data_reason"] == "в перечне ШНОР за 2022 год нет школ муниципалитета"


def test_the_indicator_table_shows_the_form(con):
    import lxml.html

    table = render.environment().from_string(
        '{% from "_indicators.html.j2" import indicator_table %}{{ indicator_table(rows, names) }}').render(
        rows=render._indicator_rows(sorted(got(con, "mo01").values(), key=lambda r: r["sort_order"])), names={})
    # (str.split also folds the no-break space before «%»)
    cells = {tr.xpath("td")[1].text.strip(): " ".join(" ".join(tr.xpath("td")[2].itertext()).split())
             for tr in lxml.html.fragment_fromstring(table).xpath(".//tbody/tr")}
    assert cells["Разработка и утверждение программы повышения квалификации"] == \
        "утверждена (приказ от 12.02.2023 № 45-п)"
    assert cells["Удовлетворённость населения качеством общего образования"] == \
        "78,5 % источник: Опрос населения на сайте Департамента, 2023"
    assert cells["Доля ШНОР, охваченных системой сетевого взаимодействия"] == \
        "50,0 % 1 из 2 источник: форма муниципалитета по проекту «500+»"
