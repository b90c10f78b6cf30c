"""A PDF table row never splits across pages, as a DOCX row does not (`w:cantSplit`): a
row that does not fit the rest of a page moves whole to the next one, its header repeated.

The fixture: 12 rows, each a cell of several lines at 10.5 pt (≈ 3 cm) between a start
word and an end word, under two paragraphs. An A4 page holds 25.7 cm of text, so a row
must reach the page bottom and either split or move (with Typst's default, breakable
rows, row 6 split: its start word on page 1, its end word on page 2); every row's start
and end word must be printed on the same page."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from reports import typst_pdf

ROWS = 12
FILLER = " ".join(["показатель результативности"] * 22)


def _html() -> str:
    rows = "".join(f"<tr><td>{i}</td><td>Начало{i:02d} {FILLER} Конец{i:02d}</td></tr>" for i in range(ROWS))
    return ("<html><body><h1>Аналитическая справка</h1>"
            + "<p>Текст справки перед таблицей.</p>" * 2
            + f"<table><thead><tr><th>№</th><th>Описание</th></tr></thead><tbody>{rows}</tbody></table>"
            "</body></html>")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_rows_do_not_split_across_pages(tmp_path):
    pdf = tmp_path / "rows.pdf"
    pdf.write_bytes(typst_pdf.html_to_pdf(_html()))
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    where: dict[str, int] = {}
    for number, page in enumerate(pages, 1):
        for word in re.findall(r"(?:Начало|Конец)\d\d", page):
            where[word] = number
    assert len(where) == 2 * ROWS  # every marker printed once
    assert max(where.values()) >= 2  # the table met a page end
    split = [i for i in range(ROWS) if where[f"Начало{i:02d}"] != where[f"Конец{i:02d}"]]
    assert split == []
    # the header repeats on every page the table reaches
    for number in range(where["Начало00"], where[f"Конец{ROWS - 1:02d}"] + 1):
        assert "Описание" in pages[number - 1]


# Rows given their height (reports/typst_pdf.py::_row_heights): Typst lays such a row's cells
# out once instead of twice; the page must be the one Typst's auto rows give.
# Hand-worked heights, points: the cell inset 1.2 mm above and below = 2 × 3.40157 = 6.80315;
# a line of 10.5 pt Liberation Serif from cap height to baseline = 10.5 × 1341/2048 = 6.87524,
# of 10 pt = 6.54785; the leading between lines 0.45 em × 10.5 pt = 4.725.
ONE_LINE = "13.6784pt"  # 6.80315 + 6.87524
TWO_LINES = "25.2786pt"  # 6.80315 + 2 × 6.87524 + 4.725
THREE_LINES = "36.8789pt"  # 6.80315 + 3 × 6.87524 + 2 × 4.725
SHARE_AND_COUNT = "24.9512pt"  # 6.80315 + 6.87524 + 4.725 + 6.54785 («47,3 %», a break, «26 из 55» at 10 pt)


def _doc():
    """Four columns of 1, 3, 2 and 6 cm. The school column holds 3 cm less the insets
    (2 × 1.5 mm) = 76.5 pt: «МБОУ «СОШ № 1»» and «МБОУ «ЦО № 30»» take two lines,
    «МБОУ «Гимназия № 8» (1)» three («МБОУ «Гимназия» is 80.4 pt wide), «МБОУ «Лицей»» one."""
    from reports import document as d

    def cell(*runs, num=False, head=False):
        return d.Cell(list(runs), head=head, num=num)

    r, share = d.Run, (d.Run("47,3\u00a0%"), d.Run(d.BR), d.Run("26 из 55", d.SMALL))
    rows = [([cell(r(h, d.BOLD), head=True) for h in ("№", "Школа", "Доля", "Система")], True),
            ([cell(r("1"), num=True), cell(r("МБОУ «СОШ №\u00a01»")), cell(r("3,0\u00a0%"), num=True), cell(r("да"))], False),
            ([cell(r("2"), num=True), cell(r("МБОУ «Гимназия №\u00a08» (1)")), cell(*share, num=True), cell(r("нет"))], False),
            ([cell(r("3"), num=True), cell(r("МБОУ «Лицей»")), cell(*share, num=True), cell()], False),
            ([cell(r("4"), num=True), cell(r("МБОУ «Лицей №\u00a09»")), cell(r("—"), num=True),
              cell(r("служба психолого-педагогического сопровождения"))], False),
            ([cell(r("5"), num=True), cell(r("МБОУ «ЦО №\u00a030»")), cell(r("0,0\u00a0%"), num=True), cell(r("да"))], False)]
    table = d.Table(rows, 4, [1.0, 3.0, 2.0, 6.0])
    # no header: Typst prints its first row bold all the same («Гимназия «Сфера»» is 84.3 pt
    # wide in the regular face and 90.5 pt in bold; the column holds 34.3 − 3 mm = 88.7 pt:
    # one line in the regular face, two in bold)
    plain = d.Table([([cell(r("Гимназия «Сфера»"))], False), ([cell(r("Гимназия «Сфера»"))], False)], 1, [3.43])
    return d.Document([d.Block("para", [r("Таблица.")]), d.Block("table", table=table),
                       d.Block("para", [r("Вторая таблица.")]), d.Block("table", table=plain),
                       d.Block("para", [r("Конец таблицы.")])], False, 17.0)


def _words(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml)]


def test_row_heights_hand_worked():
    src, _ = typst_pdf.model_to_typst(_doc())
    first, second = (m.rstrip(",").split(", ") for m in re.findall(r"rows: \(([^)]*)\)", src))
    # the header; 1, 2, 3; 4: «служба психолого-педагогического | сопровождения», two lines
    # whether or not Typst may break after the hyphen; 5
    assert first == [ONE_LINE, TWO_LINES, THREE_LINES, SHARE_AND_COUNT, TWO_LINES, TWO_LINES]
    assert second == [TWO_LINES, ONE_LINE]  # the first row, printed bold, takes two lines; the second one


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_row_heights_print_as_auto_rows(monkeypatch):
    given = _words(typst_pdf.model_to_pdf(_doc()))
    monkeypatch.setattr(typst_pdf, "_row_heights", lambda t: None)  # every row auto: Typst measures each
    auto = _words(typst_pdf.model_to_pdf(_doc()))
    assert [w[0] for w in given] == [w[0] for w in auto]
    assert "Конец" in [w[0] for w in given]  # the paragraph after the table moves if a row's height is off
    assert max(abs(a - b) for g, u in zip(given, auto) for a, b in zip(g[1:], u[1:])) < 0.01


def test_a_count_that_hangs_on_a_hyphen_stays_auto():
    """«учителя-предметники» in a room wider than «учителя-» but narrower than the whole:
    one overflowing line if Typst does not break after the hyphen, two if it does."""
    part = typst_pdf._text_pt("учителя-", 0, 10.5)
    whole = typst_pdf._text_pt("учителя-предметники", 0, 10.5)
    room = (part + whole) / 2
    assert typst_pdf._lines("учителя-предметники", 0, 10.5, room) is None
    assert typst_pdf._lines("учителя-предметники", 0, 10.5, whole + 5) == 1
