"""The documents a department signs: справка, addressed recommendations, plan report, in
HTML, DOCX (checked with python-docx and converted by LibreOffice) and PDF, plus the XLSX
tables. Figures are worked out by hand in tests/report_fixture.py."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import lxml.html
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from reports.docx import html_to_docx
from reports import typography
from reports.pdf import html_to_pdf
from tasks import render
from tests.report_fixture import AY, build

NBSP = "\u00a0"
SEP = f"reports/mo1/{AY}/september"
OCT = f"reports/mo1/{AY}/october"


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sep"), "september", with_plan=True)


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    return build(tmp_path_factory.mktemp("oct"), "october", formats=("html",))


def text(html_bytes: bytes) -> str:
    root = lxml.html.document_fromstring(html_bytes.decode("utf-8"))
    for bad in root.xpath("//style|//title"):
        bad.drop_tree()
    # collapse ASCII whitespace only: str.split() would also eat the no-break spaces under test
    return re.sub(r"[ \t\r\n]+", " ", " ".join(root.itertext())).strip()


def test_spravka_has_heading_block_basis_method_and_signature(september):
    _, _, run, docs, _ = september
    t = text(docs[f"{SEP}/spravka.html"])
    assert t.startswith("Аналитическая справка о выявлении школ с низкими образовательными результатами (ШНОР) "
                        "на 2023/2024 учебный год")
    assert f"Управление образования, Город Первый 15 сентября 2023 г. №{NBSP}__________" in t  # «№» tied
    assert "В соответствии с муниципальной программой повышения качества образования" in t  # [report.basis]
    assert f"не менее 30{NBSP}% от общего числа участников получили отметку «2»" in t       # method, 30 %
    for heading in ("1. Методика", "2. Динамика результатов оценочных процедур", "3. Итоги выявления ШНОР",
                    "4. Анализ эффективности принятых мер", "8. Выводы", "9. Рекомендации"):
        assert heading in t
    # the run is on the technical page beside the справка, not in the signed text
    assert "Начальник Управления образования" in t and run["run_id"] not in t
    assert run["run_id"] in text(docs[f"{SEP}/technical.html"])


def test_shnor_table_names_schools_without_their_codes(september):
    _, _, _, docs, _ = september
    root = lxml.html.document_fromstring(docs[f"{SEP}/spravka.html"].decode("utf-8"))
    table = next(t for t in root.iter("table") if "Критерий" in t.text_content())
    rows = [[re.sub(r"[ \t\r\n]+", " ", td.text_content()).strip() for td in tr.iter("td")] for tr in table.iter("tr")][1:]
    assert rows and rows[0][1] == f"СОШ №{NBSP}1"  # the name only: the code a1 is for the XLSX
    assert not any("a1" in cell.split() for row in rows for cell in row)


def test_dynamics_table_shows_municipal_shares_with_weak_values_marked(september):
    _, _, _, docs, _ = september
    html = docs[f"{SEP}/spravka.html"].decode()
    t = text(docs[f"{SEP}/spravka.html"])
    # ВПР maths 5: 2021/2022 a1 2 of 20 = 10,0 %; 2022/2023 (8 + 1) of (20 + 20) = 22,5 %
    assert f"ВПР, математика, 5 класс 10,0{NBSP}% 2 из 20 22,5{NBSP}% 9 из 40" in t
    # ОГЭ maths 2022/2023: 4 of 12 = 33,3 %; no 2021/2022 data → «—»
    assert f"ОГЭ, математика — 33,3{NBSP}% 4 из 12" in t
    # ВПР Russian 5: 3 of 8 = 37,5 %, 8 < 10 participants → weak: italic with an asterisk
    assert f'<span class="weak">37,5{NBSP}%*</span>' in html
    assert 'src="data:image/svg+xml;base64,' in html  # the chart (SVG) is inside the file
    assert "2021/2022: ВПР" not in t  # a1's 2021 share (10 %) is not low: not listed as a reason
    assert f"2022/2023: ВПР, математика, 5 класс — 40,0{NBSP}% (8 из 20)" in t
    assert "В перечень ШНОР на 2023/2024 учебный год по методике вошла 1 школа" in t  # the verb agrees


def test_addressed_recommendations_take_measures_from_the_catalogue(september, october):
    _, _, _, docs, _ = september
    t = text(docs[f"{SEP}/recommendations.html"])
    assert f"1. МБОУ «СОШ №{NBSP}1»" in t and "СОШ №{NBSP}2" not in t     # only ШНОР schools
    assert f"ОГЭ, математика (2022/2023) 33,3{NBSP}% 4 из 12 ≥ 30{NBSP}%" in t
    assert "Разработать и утвердить программу повышения качества образования" in t   # key shnor
    assert "Организовать консультации по математике для обучающихся 9-х классов" in t  # key oge_math
    assert "Проанализировать орфографические и пунктуационные умения" in t           # key vpr_russian
    _, _, _, docs, _ = october
    t = text(docs[f"{OCT}/recommendations.html"])
    # b2: ВПР maths 4 5/20 = 25,0 % and Russian 4 4/20 = 20,0 %, both ≥ 20 %; no computers
    assert f"доля отметок «2», ВПР, математика, 4 класс (2022/2023) 25,0{NBSP}% 20 участников ≥ 20{NBSP}%" in t
    assert "обеспеченность компьютерной техникой нет да" in t
    assert "Перераспределить компьютерную технику для учебного процесса" in t
    # a1: 3 of 20 teachers with ≥ 36 h = 15,0 % > 10 %
    assert f"доля учителей с нагрузкой 36 часов и более 15,0{NBSP}% 3 из 20 > 10{NBSP}%" in t
    assert "Перераспределить учебную нагрузку" in t


def test_plan_report_lists_measures_in_order_with_shares_by_section(september):
    _, _, _, docs, _ = september
    t = text(docs[f"{SEP}/plan.html"])
    assert "Информационно-аналитический отчёт об итогах реализации муниципального плана мероприятий" in t
    # measures sorted as numbers: 1, 2, then 10
    assert t.index("Разработка муниципального плана") < t.index("Положение о конкурсе") < t.index("Городской семинар")
    assert "до 31 марта 2024 г." in t
    # section 1: 2 measures, 1 done → 50,0 %; 1 overdue → 50,0 %; totals: 3, done 1 → 33,3 %
    assert f"Нормативно-правовое обеспечение 2 1 50,0{NBSP}% 0 0,0{NBSP}% 0 0,0{NBSP}% 1 50,0{NBSP}%" in t
    assert f"Итого 3 1 33,3{NBSP}%" in t
    assert f"Просрочены сроки исполнения 1 мероприятия: №{NBSP}2 «Положение о конкурсе лучших практик»" in t


def test_plan_report_is_skipped_when_the_table_is_absent(september):
    con, cfg, run, _, _ = september
    con.execute("ALTER TABLE mart_plan_checkpoint RENAME TO plan_hidden")
    try:
        docs = render.render_spravki(con, AY, "september", {**cfg, "report": {**cfg["report"], "formats": ["html"]}}, run)
    finally:
        con.execute("ALTER TABLE plan_hidden RENAME TO mart_plan_checkpoint")
    assert f"{SEP}/spravka.html" in docs and not any("/plan." in k for k in docs)


def test_docx_is_a_word_document_with_headings_repeated_table_headers_and_chart(september):
    _, _, _, docs, _ = september
    doc = Document(io.BytesIO(docs[f"{SEP}/spravka.docx"]))
    paras = [p.text for p in doc.paragraphs]
    assert any(p.startswith("Аналитическая справка") for p in paras)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "1. Методика" in headings and "8. Выводы" in headings
    # the date line and the signature are tabbed paragraphs («№» tied to its number)
    assert f"15 сентября 2023 г.\t№{NBSP}__________" in paras
    assert any(p.startswith("Начальник Управления образования\t") for p in paras)
    grid = [t for t in doc.tables if t.style is not None and t.style.name == "Table Grid"]
    assert grid and all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in grid)
    assert zipfile.ZipFile(io.BytesIO(docs[f"{SEP}/spravka.docx"])).namelist().count("word/charts/chart1.xml") == 1


def test_same_html_gives_the_same_docx_and_pdf_bytes(september):
    _, _, _, docs, _ = september
    html = docs[f"{SEP}/spravka.html"].decode()
    assert html_to_docx(html) == html_to_docx(html)
    assert html_to_pdf(typography.tie(html), "typst", title="Аналитическая справка", author="Управление образования") \
        == docs[f"{SEP}/spravka.pdf"]  # «№» tied in print; the default engine


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils не установлены (make test ставит их)")
def test_weasyprint_pdf_holds_the_headings(september, tmp_path):
    _, _, _, docs, _ = september
    (tmp_path / "s.pdf").write_bytes(docs[f"{SEP}/spravka.pdf"])
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True).stdout
    for heading in ("Аналитическая справка", "1. Методика", "3. Итоги выявления ШНОР", "9. Рекомендации"):
        assert heading in out


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice не установлен (make test ставит его)")
def test_libreoffice_converts_the_docx_to_pdf_with_the_headings(september, tmp_path):
    _, _, _, docs, _ = september
    src = tmp_path / "spravka.docx"
    src.write_bytes(docs[f"{SEP}/spravka.docx"])
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    out = subprocess.run(["pdftotext", str(tmp_path / "spravka.pdf"), "-"], capture_output=True, text=True).stdout
    flat = " ".join(out.split())
    for heading in ("Аналитическая справка", "1. Методика", "2. Динамика результатов оценочных процедур",
                    "3. Итоги выявления ШНОР", "8. Выводы", "9. Рекомендации"):
        assert heading in flat
    assert "15 сентября 2023 г." in flat and "№ __________" in flat.replace(NBSP, " ")


def test_xlsx_tables_have_russian_titles_and_a_frozen_header(september):
    _, _, _, _, tables = september
    wb = openpyxl.load_workbook(io.BytesIO(tables[f"tables/{AY}/shnor.xlsx"]))
    ws = wb.active  # a title row, then the header (tests/test_export_xlsx_for_analysts.py has the rest)
    header = [c.value for c in ws[2]]
    assert header[:2] == ["Код ОО", "Учебный год"] and "ШНОР" in header
    assert ws.freeze_panes == "A3"
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["a1"]["ШНОР"] == "да" and rows["b2"]["ШНОР"] == "нет"
