"""The DOCX's charts are native Word charts (word/charts/chartN.xml with the figures
cached), not pictures: the chart part holds a fixture's hand-worked values, categories,
colours and axis; python-docx reads the package; LibreOffice draws the charts from the
cached values (its PDF's text has the labels)."""

import io
import shutil
import subprocess
import zipfile

import docx as python_docx
import lxml.etree
import pytest
from docx.enum.shape import WD_INLINE_SHAPE

from reports import charts
from reports.docx import html_to_docx

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _docx() -> bytes:
    shares = charts.grouped_shares(["ВПР", "ОГЭ"], {"2022/2023": [31.25, None], "2023/2024": [8.7479, 12.0]},
                                   "Доля низких результатов")
    counts = charts.counts_by_year(["кадровые условия", "мотивация"], {"2022/2023": [4, 0], "2023/2024": [7, 2]},
                                   "Число школ с риском")
    plan = charts.stacked_statuses(["Раздел А", "Раздел Б"], {"выполнено": [3, 1], "просрочено": [2, 0]},
                                   "Мероприятия плана")
    figures = "".join(f'<figure><img src="{charts.data_uri(c)}"><figcaption>Рисунок {n}</figcaption></figure>'
                      for n, c in enumerate((shares, counts, plan), 1))
    return html_to_docx(f"<html><body><p>Текст.</p>{figures}</body></html>")


def _chart(z: zipfile.ZipFile, n: int):
    return lxml.etree.fromstring(z.read(f"word/charts/chart{n}.xml"))


def _series(chart) -> list[tuple[str, list[str], list[str], str]]:
    """(name, categories, cached values, colour) of every series."""
    out = []
    for ser in chart.iter(f"{C}ser"):
        name = ser.find(f"{C}tx//{C}v").text
        cats = [v.text for v in ser.findall(f"{C}cat//{C}pt/{C}v")]
        vals = [v.text for v in ser.findall(f"{C}val//{C}pt/{C}v")]
        colour = ser.find(f"{C}spPr/{A}solidFill/{A}srgbClr").get("val")
        out.append((name, cats, vals, colour))
    return out


def _axis(chart) -> tuple[str, str, str]:
    ax = chart.find(f".//{C}valAx")
    return ax.find(f"{C}scaling/{C}max").get("val"), ax.find(f"{C}majorUnit").get("val"), \
        ax.find(f"{C}numFmt").get("formatCode")


def test_the_chart_parts_hold_the_hand_worked_figures():
    z = zipfile.ZipFile(io.BytesIO(_docx()))
    assert not any(n.startswith("word/media/") for n in z.namelist())  # no raster at all
    types = z.read("[Content_Types].xml").decode()
    rels = lxml.etree.fromstring(z.read("word/_rels/document.xml.rels"))
    targets = sorted(r.get("Target") for r in rels.findall(f"{PR}Relationship") if r.get("Type").endswith("/chart"))
    assert targets == ["charts/chart1.xml", "charts/chart2.xml", "charts/chart3.xml"]
    for n in (1, 2, 3):
        assert f'PartName="/word/charts/chart{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
               f'drawingml.chart+xml"' in types

    shares = _chart(z, 1)
    assert shares.find(f".//{C}barDir").get("val") == "col"
    # rounded once as the text: 31.25 → 31.3, 8.7479 → 8.7; no data → a bar of 0 written «н/д»
    assert _series(shares) == [("2022/2023", ["ВПР", "ОГЭ"], ["31.3", "0"], "9ECAE1"),
                               ("2023/2024", ["ВПР", "ОГЭ"], ["8.7", "12"], "4292C6")]
    no_data = shares.find(f".//{C}ser/{C}dLbls/{C}dLbl")
    assert no_data.find(f"{C}idx").get("val") == "1" and no_data.find(f".//{A}t").text == "н/д"
    # the largest share 31.25: a step of 10 (31.25·1.15 / 5 = 7.2 → 10), the top 40 (31.25·1.2 → 40)
    assert _axis(shares) == ("40", "10", "0")
    assert shares.find(f"{C}chart/{C}title//{A}t").text == "Доля низких результатов"

    counts = _chart(z, 2)
    assert counts.find(f".//{C}barDir").get("val") == "bar"
    assert _series(counts) == [("2022/2023", ["кадровые условия", "мотивация"], ["4", "0"], "9ECAE1"),
                               ("2023/2024", ["кадровые условия", "мотивация"], ["7", "2"], "4292C6")]
    assert _axis(counts) == ("8", "2", "0")  # the largest 7: step 2 (7/5 = 1.4 → 2), the top 8

    plan = _chart(z, 3)
    assert plan.find(f".//{C}grouping").get("val") == "stacked"
    assert _series(plan) == [("выполнено", ["Раздел А", "Раздел Б"], ["3", "1"], "2CA25F"),
                             ("просрочено", ["Раздел А", "Раздел Б"], ["2", "0"], "DE2D26")]
    assert _axis(plan) == ("6", "1", "0")  # totals 5 and 1: step 1, the top 6
    # a zero segment is not written («0;;;»: zero shows nothing)
    assert {f.get("formatCode") for f in plan.findall(f".//{C}dLbls/{C}numFmt")} == {"0;;;"}


def test_python_docx_reads_the_charts_as_charts():
    doc = python_docx.Document(io.BytesIO(_docx()))
    assert [s.type for s in doc.inline_shapes] == [WD_INLINE_SHAPE.CHART] * 3
    assert [p.text for p in doc.paragraphs if p.text] == ["Текст.", "Рисунок 1", "Рисунок 2", "Рисунок 3"]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice не установлен (make test ставит его)")
def test_libreoffice_draws_the_charts_from_the_cached_values(tmp_path):
    src = tmp_path / "charts.docx"
    src.write_bytes(_docx())
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "charts.pdf"), "-"], capture_output=True, text=True).stdout
    words = text.split()
    flat = " ".join(words)
    for title in ("Доля низких результатов", "Число школ с риском", "Мероприятия плана", "кадровые условия",
                  "доля, %", "число школ", "число мероприятий"):
        assert title in flat
    # the values as the text writes them (decimal comma), «н/д», the years of the legend
    for label in ("31,3", "8,7", "12,0", "н/д", "2022/2023", "2023/2024", "Раздел А", "выполнено", "просрочено"):
        assert label in words or label in flat


def test_values_stand_on_narrow_columns_as_in_the_svg():
    def label_rotation(n_categories: int) -> str | None:
        chart = charts.grouped_shares([f"П{i}" for i in range(n_categories)],
                                      {y: [4.4] * n_categories for y in ("2021", "2022", "2023")}, "Доли")
        html = f'<html><body><figure><img src="{charts.data_uri(chart)}"></figure></body></html>'
        part = _chart(zipfile.ZipFile(io.BytesIO(html_to_docx(html))), 1)
        return part.find(f".//{C}ser/{C}dLbls/{C}txPr/{A}bodyPr").get("rot")

    # 10 categories × 3 years: a column ≈ 11.7 / 10 / 3.4 = 0.34 cm, «4,4» at 8 pt ≈ 0.34 cm: standing
    assert label_rotation(10) == "-5400000"
    # 2 categories: a column ≈ 1.7 cm, the label lies
    assert label_rotation(2) is None
