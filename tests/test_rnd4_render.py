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
    # an SVG without a native chart's data (charts drawn here are Word charts: test_cht9_native_chart)
    chart = charts.Chart(charts.stacked_statuses(["Нормативно-правовое обеспечение", "Методическое сопровождение"],
                                                 {"выполнено": [2, 0], "просрочено": [1, 3]},
                                                 "Мероприятия по разделам плана").svg)
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


def test_replicate_copies_are_subsets_of_the_demo_schools(tmp_path):
    """Each copy holds the number of schools municipality_sizes gives it, all of them the
    source's schools with the copy's suffix; municipality rows keep one row per copy with
    their lists of schools cut to the copy's; tables without codes are copied once."""
    import duckdb

    from bench.render_country import built, replicate

    src, dst = tmp_path / "src.duckdb", tmp_path / "dst.duckdb"
    con = duckdb.connect(str(src))
    codes = [f"s{i:02d}" for i in range(30)]
    con.execute("CREATE TABLE stg_schools AS SELECT unnest(?::VARCHAR[]) AS school_code, "
                "'mo01' AS municipality_code, 'Школа' AS short_name", [codes])
    con.execute("CREATE TABLE mart_x AS SELECT 'mo01' AS municipality_code, 2023 AS ay, ?::VARCHAR[] AS schools",
                [codes[:12]])
    con.execute("CREATE TABLE reference_y AS SELECT 1 AS k")
    con.close()
    replicate(src, dst, 46, identical=True)
    sizes = municipality_sizes(46, 30)
    assert sum(sizes) == 800  # 40,000 / 2,300 × 46
    assert len(set(sizes)) > 5
    con = duckdb.connect(str(dst), read_only=True)
    got = dict(con.execute("SELECT municipality_code, count(*) FROM stg_schools GROUP BY 1").fetchall())
    assert got == {f"mo01~{i}": n for i, n in enumerate(sizes)}
    for mun, members, listed in con.execute(
            "SELECT x.municipality_code, (SELECT list(school_code ORDER BY school_code) FROM stg_schools s "
            "WHERE s.municipality_code = x.municipality_code), list_sort(x.schools) FROM mart_x x").fetchall():
        copy = mun.split("~")[1]
        assert all(c.endswith("~" + copy) and c.split("~")[0] in codes for c in members)
        assert listed == [c for c in members if c.split("~")[0] in codes[:12]]
    assert con.execute("SELECT count(*) FROM mart_x").fetchone()[0] == 46
    assert con.execute("SELECT count(*) FROM reference_y").fetchone()[0] == 1
    con.close()
    assert built(dst, 46, True, "country") and not built(dst, 47, True, "country")


def test_a_table_too_wide_for_its_words_is_hyphenated_and_fits_the_page(tmp_path):
    """Six columns whose longest words need 18,6 cm of a 17 cm page (June's effectiveness
    table): the long words get soft hyphens, the DOCX grid fits the page, every part
    between hyphens fits its column, and the PDF's words stay inside the margins."""
    import shutil
    import subprocess

    import pytest

    from reports import document, layout
    from reports.typst_pdf import html_to_pdf

    head = ["Показатель", "I полугодие", "II полугодие", "Изменение к I полугодию", "II полугодие 2022/2023",
            "Изменение к прошлому году"]
    row = ["Доля слабоуспевающих и неуспевающих обучающихся, для которых разработан ИОМ", "64,3 %", "62,1 %",
           "снижение на 2,2 п. п., ухудшение", "67,2 %", "снижение на 5,1 п. п., ухудшение"]
    html = ("<html><body><table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
            + "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" * 1 + "</tbody></table></body></html>")
    whole = [max(layout.word_cm(w) for c in col for w in c.split()) + layout.CELL_PADDING_CM
             for col in zip(head, row)]
    assert sum(whole) > 17.0  # unhyphenated, the longest words alone do not fit
    model = document.parse(html)
    table = model.blocks[0].table
    assert abs(sum(table.widths) - 17.0) < 0.01
    for cells, _ in table.rows:
        for c, width in zip(cells, table.widths):
            for w in document.plain(c.runs).split():
                assert all(layout.word_cm(p) + layout.CELL_PADDING_CM <= width + 0.01 for p in layout.pieces(w))
    z = zipfile.ZipFile(io.BytesIO(html_to_docx(html)))
    xml = z.read("word/document.xml").decode("utf-8")
    grid = [int(g) for g in re.findall(r'<w:gridCol w:w="(\d+)"', xml)]
    assert sum(grid) <= 9639  # 17 cm in twips
    assert "<w:softHyphen/>" in xml and "\u00ad" not in xml
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils не установлены")
    (tmp_path / "t.pdf").write_bytes(html_to_pdf(html))
    subprocess.run(["pdftotext", "-bbox", str(tmp_path / "t.pdf"), str(tmp_path / "t.html")], check=True)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"',
                       (tmp_path / "t.html").read_text(encoding="utf-8"))
    assert words
    left, right = 25 / 25.4 * 72, 595.28 - 15 / 25.4 * 72
    assert all(float(x0) >= left - 1 and float(x1) <= right + 1 for x0, x1 in words)
