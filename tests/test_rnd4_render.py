"""rnd4: the chart embedded in the DOCX as SVG beside its PNG fallback, the country
benchmark's municipality sizes (bench/render_country.py), the October risk table without
school codes and the September order of sections."""

from __future__ import annotations

import io
import re
import statistics
import zipfile

import lxml.etree
import lxml.html

from bench.render_country import municipality_sizes
from reports import charts
from reports.docx import html_to_docx
from tests.report_fixture import AY, build

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ASVG = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def test_docx_chart_is_svg_with_png_fallback():
    chart = charts.stacked_statuses(["Нормативно-правовое обеспечение", "Методическое сопровождение"],
                                    {"выполнено": [2, 0], "просрочено": [1, 3]}, "Мероприятия по разделам плана")
    html = (f'<html><body><p>Текст.</p><figure><img src="{charts.data_uri(chart)}"><figcaption>Рисунок 1'
            "</figcaption></figure></body></html>")
    z = zipfile.ZipFile(io.BytesIO(html_to_docx(html)))
    doc = lxml.etree.fromstring(z.read("word/document.xml"))
    blips = doc.findall(f".//{A}blip")
    assert len(blips) == 1
    svg_blips = blips[0].findall(f"./{A}extLst/{A}ext/{ASVG}svgBlip")
    assert len(svg_blips) == 1
    rels = {r.get("Id"): r.get("Target")
            for r in lxml.etree.fromstring(z.read("word/_rels/document.xml.rels")).findall(f"{PR}Relationship")}
    png_target, svg_target = rels[blips[0].get(f"{R}embed")], rels[svg_blips[0].get(f"{R}embed")]
    assert (png_target, svg_target) == ("media/image1.png", "media/image1.svg")
    assert z.read("word/media/image1.svg").decode("utf-8") == chart.svg
    assert z.read("word/media/image1.png") == chart.png
    assert b'Extension="svg" ContentType="image/svg+xml"' in z.read("[Content_Types].xml")


def test_docx_png_picture_has_no_svg():
    png = charts.stacked_statuses(["Раздел"], {"выполнено": [1]}, "План").png
    html = f'<html><body><figure><img src="{charts.data_uri(png)}"></figure></body></html>'
    z = zipfile.ZipFile(io.BytesIO(html_to_docx(html)))
    assert "word/media/image1.svg" not in z.namelist()
    assert b"svgBlip" not in z.read("word/document.xml")


def test_country_sizes_of_municipalities():
    sizes = municipality_sizes(2300, 30)
    assert len(sizes) == 2300
    assert sum(sizes) == 40_000  # the country: 40,000 schools in 2,300 municipalities
    assert min(sizes) >= 3 and max(sizes) == 30  # subsets of the demo's 30 schools
    assert statistics.median(sizes) < 40_000 / 2300  # more small districts than large ones
    assert sum(1 for s in sizes if s <= 10) > 300  # many small rural districts
    assert sizes == municipality_sizes(2300, 30)  # deterministic
    assert sizes[:50] != sorted(sizes[:50])  # neighbours differ
    # at the benchmark's smaller scales the same ratio: 230 → 4,000, 23 → 400
    assert sum(municipality_sizes(230, 30)) == 4000 and sum(municipality_sizes(23, 30)) == 400


# -- the справки's order and the October risk table (the hand-made fixture of tests/report_fixture.py)

def _text(html: bytes) -> str:
    root = lxml.html.document_fromstring(html.decode("utf-8"))
    for bad in root.xpath("//style|//title"):
        bad.drop_tree()
    return re.sub(r"[ \t\r\n]+", " ", " ".join(root.itertext()))


def test_october_risk_table_names_schools_without_codes(tmp_path):
    *_, docs, _ = build(tmp_path, "october", formats=("html",))
    root = lxml.html.document_fromstring(docs[f"reports/mo1/{AY}/october/spravka.html"].decode("utf-8"))
    tables = [t for t in root.xpath("//table") if "Дефициты и значения показателей" in t.text_content()]
    assert len(tables) == 1
    schools = [" ".join(r.xpath("./td")[1].text_content().split()) for r in tables[0].xpath(".//tbody/tr")]
    # a1 (staff load 15,0 %) and b2 (ВПР shares, computers) are the fixture's risk schools
    assert sorted(schools) == ["СОШ № 1", "СОШ № 2"]
    assert not re.search(r"\b(a1|b2|c3)\b", tables[0].text_content())


def test_september_other_assessments_after_the_target_groups(tmp_path):
    *_, docs, _ = build(tmp_path, "september", formats=("html",))
    t = _text(docs[f"reports/mo1/{AY}/september/spravka.html"])
    dynamics, shnor = t.index("2. Динамика результатов"), t.index("3. Итоги выявления ШНОР")
    groups, other = t.index("Перечень школ для адресной работы"), t.index("Результаты других оценочных процедур")
    effect = t.index("4. Анализ эффективности принятых мер")
    assert dynamics < shnor < groups < other < effect
