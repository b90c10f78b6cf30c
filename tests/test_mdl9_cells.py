"""Text-only table cells (the fast path of reports/document._table) give the same runs as
cells with markup: whitespace collapsed and trimmed, th bold, an empty cell no runs."""

from reports import document
from reports.document import BOLD, Run


def _cells(html: str):
    doc = document.parse(f"<html><body><table>{html}</table></body></html>")
    (cells, _), = doc.blocks[0].table.rows
    return cells


def test_text_only_cells_collapse_and_trim_whitespace():
    cells = _cells("<tr><th>\n  Доля\t учащихся </th><td> 12,5\u00a0% \n</td><td>  </td><td></td></tr>")
    assert cells[0].runs == [Run("Доля учащихся", BOLD)]
    assert cells[1].runs == [Run("12,5\u00a0%", 0)]  # the no-break space kept
    assert cells[2].runs == []
    assert cells[3].runs == []


def test_text_only_cell_equals_the_same_text_in_markup():
    plain, marked = _cells("<tr><td>  два  слова </td><td><span> два  слова </span></td></tr>")
    assert plain.runs == marked.runs == [Run("два слова", 0)]
