"""The page-number stamp reads a PDF's objects through its xref table entry by entry
(reports/typst_pdf.py::_Objects, rnd10): each expected offset below is counted by hand."""

import pytest

from reports import typst_pdf


def _pdf(entry_end: bytes = b"\r\n") -> bytes:
    body = b"%PDF-1.7\n"                                  # 9 bytes: object 1 starts at 9
    body += b"1 0 obj\n<</Type/Catalog>>\nendobj\n"       # 9 + 33 = 42: object 3 starts at 42
    body += b"3 0 obj\n(three)\nendobj\n"                 # 42 + 23 = 65: the xref starts at 65
    xref = (b"xref\n0 4\n0000000000 65535 f" + entry_end + b"0000000009 00000 n" + entry_end
            + b"0000000000 00001 f" + entry_end + b"0000000042 00000 n" + entry_end)
    return body + xref + b"trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n65\n%%EOF\n"


def test_objects_by_their_entries():
    objs = typst_pdf._Objects(_pdf())
    assert [objs.offset(n) for n in range(5)] == [None, 9, None, 42, None]  # 0 and 2 free, 4 beyond
    assert objs.offsets == [1, 3]
    assert objs[1] == b"<</Type/Catalog>>"
    assert objs[3] == b"(three)"
    assert objs.get(2, b"none") == b"none"
    with pytest.raises(KeyError):
        objs[2]


def test_entries_not_20_bytes_refused():
    with pytest.raises(ValueError):
        typst_pdf._Objects(_pdf(entry_end=b"\n"))  # 19-byte entries: not read as 20


def test_no_classic_xref_refused():
    pdf = _pdf().replace(b"xref\n0 4\n", b"xref\n1 3\n")
    with pytest.raises(ValueError):
        typst_pdf._Objects(pdf)
