"""The ingest's fast paths (issue 12) give what the general rules give: numbers typed from
Excel's floats, one-kind text columns, the CSV read on its bytes (encodings decided on the
bytes, mixed files left to the generic reader). Expected values are written out by hand."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from schemas import contracts
from schemas.contracts import RULE_TEXT, _as_text, parse_column
from schemas.sources import SOURCES, Col
from tasks.read import _mojibake, decode_text, read_csv_arrow

GIA_HEAD = ["Код участника", "Код ОО", "Форма ГИА", "Предмет", "Этап", "Пересдача", "Категория участника",
            "Первичный балл", "Тестовый балл", "Отметка", "Преодолел минимальный порог"]


def test_excel_numbers_typed_by_hand():
    raw = pd.Series([12.0, 4.5, None, -0.0, float("nan"), 7.0], dtype=object)
    values, bad, rule = parse_column(raw, Col("n", "int"))
    assert values.astype(object).where(values.notna(), None).tolist() == [12, None, None, 0, None, 7]
    assert bad.tolist() == [False, True, False, False, False, False]
    assert str(rule) == RULE_TEXT["int"]
    values, bad, _ = parse_column(raw, Col("x", "float"))
    assert values.astype(object).where(values.notna(), None).tolist() == [12.0, 4.5, None, 0.0, None, 7.0]
    assert str(values.iat[3]) == "0.0" and not bad.any()  # −0.0 is read back as 0, as its text «0» is


def test_excel_numbers_fast_path_equals_the_text_rule(monkeypatch):
    vals = [0.1, 0.30000000000000004, 1e-7, 45.5, 99.99999999999999, 123456789.123, 2.0 ** 53 - 1, -3.0, None]
    raw = pd.Series(vals, dtype=object)
    for kind in ("int", "float", "pct"):
        fast = parse_column(raw, Col("x", kind))
        with monkeypatch.context() as m:
            m.setattr(contracts, "_float_cells", lambda r, c: None)
            ref = parse_column(raw, Col("x", kind))
        assert fast[0].astype(object).where(fast[0].notna(), None).tolist() == \
            ref[0].astype(object).where(ref[0].notna(), None).tolist()
        assert list(fast[1]) == list(ref[1]) and str(fast[2]) == str(ref[2])


def test_numbers_past_2_53_and_inf_keep_the_text_rule():
    values, bad, rule = parse_column(pd.Series([2.0 ** 60, float("inf"), 3.0], dtype=object), Col("n", "int"))
    assert bad.tolist() == [True, True, False]
    assert contracts.rule_for(rule, 0) == RULE_TEXT["too_large"] and contracts.rule_for(rule, 1) == RULE_TEXT["finite"]


def test_one_kind_object_columns_as_text():
    assert _as_text(pd.Series([" a ", "", None, "b"], dtype=object)).tolist() == ["a", pd.NA, pd.NA, "b"]
    assert _as_text(pd.Series([5.0, 2.5, None], dtype=object)).tolist() == ["5", "2.5", pd.NA]
    assert _as_text(pd.Series([1, None, 2 ** 60], dtype=object)).tolist() == ["1", pd.NA, "1152921504606846976"]


def test_mojibake_on_bytes_is_the_regex_on_the_text():
    regex = re.compile("[РС][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")) + "]")
    for a in range(256):
        for b in (0x80, 0x97, 0x98, 0x99, 0xBF, 0xC0, 0xE0, 0x20):
            pair = bytes([a, b])
            assert _mojibake(pair) == bool(regex.search(pair.decode("cp1251", errors="replace"))), pair
    assert _mojibake("Математика".encode("utf-8")) and not _mojibake("Математика".encode("cp1251"))


def _gia_csv(path, body_lines: list[str], encoding="cp1251", newline="\n"):
    text = ";".join(GIA_HEAD) + newline + "".join(line + newline for line in body_lines)
    path.write_bytes(text.encode(encoding))
    return path


def test_cp1251_csv_read_on_its_bytes(tmp_path):
    p = _gia_csv(tmp_path / "g.csv", ["p1;s1;ОГЭ;Русский язык;Основной;нет;;20,8;;5;да",
                                      "p2;s2;ЕГЭ;Физика;Основной;нет;;7;55;;нет"], newline="\r\n")
    t = read_csv_arrow(p, SOURCES["gia"])
    assert t is not None and list(t.row_numbers) == [2, 3]
    assert t.frame.column("subject").to_pylist() == ["Русский язык", "Физика"]
    assert t.frame.column("primary_score").to_pylist() == ["20,8", "7"]
    assert isinstance(t.frame, pa.Table) and t.notes == []


def test_mixed_encoding_and_lone_cr_go_to_the_generic_reader(tmp_path):
    p = tmp_path / "mixed.csv"
    text = ";".join(GIA_HEAD) + "\n"
    p.write_bytes(text.encode("cp1251") + "p1;s1;ОГЭ;Русский язык;Основной;нет;;20;;5;да\n".encode("utf-8")
                  + "p2;s1;ОГЭ;Математика;Основной;нет;;12;;4;да\n".encode("cp1251"))
    assert read_csv_arrow(p, SOURCES["gia"]) is None
    decoded, warning = decode_text(p.read_bytes(), "mixed.csv")
    assert "Русский язык" in decoded and "Математика" in decoded
    assert warning.startswith("Файл «mixed.csv» в смешанной кодировке: строки 2 записаны в UTF-8")
    q = _gia_csv(tmp_path / "cr.csv", ["p1;s1;ОГЭ;Русский язык;Основной;нет;;20;;5;да\rp2"])
    assert read_csv_arrow(q, SOURCES["gia"]) is None
