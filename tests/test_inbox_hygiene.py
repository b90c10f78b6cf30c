"""Issue 11, inbox hygiene: names that look like data but are not read are reported, links
leaving the inbox are refused (a real symlink to a system file), and a folder given to
`edumon validate` is said to be a folder."""

from __future__ import annotations

import os

import pytest

from edumon.config import load_config
from tasks.errors import IngestError
from tasks.ingest import ingest_source
from tasks.validate import validate_paths
from tasks.warehouse import connect
from tests.helpers import write_csv


def _registry(inbox):
    write_csv(inbox / "schools" / "r.csv", [
        {"school_code": c, "school_name": f"Школа {c}", "municipality_code": "m1", "municipality_name": "Город"}
        for c in ("a1", "b2")])


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_names_that_look_like_data_but_are_not_read_are_reported(tmp_path, con):
    inbox = tmp_path / "inbox"
    _registry(inbox)
    oo1 = [{"Код ОО": "a1", "Всего обучающихся": 10}, {"Код ОО": "b2", "Всего обучающихся": 20}]
    (inbox / "2022" / "staff_2022.xlsx").mkdir(parents=True)             # a folder named like a file
    write_csv(inbox / "20x3" / "oo1" / "oo1.csv", oo1)                    # an AY folder that is not a year
    write_csv(inbox / "2023" / "oo1" / "old" / "oo1.csv", oo1)            # a subfolder of a source folder: read
    write_csv(inbox / "2023" / "школы" / "oo1.csv", oo1)                  # an unknown source folder
    write_csv(inbox / "2023" / "oo1.csv", oo1)                            # a file outside any source folder
    (inbox / "2023" / "oo1" / "письмо.pdf").write_bytes(b"%PDF-1.4")      # a format that is not read
    rep = ingest_source(con, inbox, "schools", None, "r", load_config())
    assert rep.rows_loaded == 2
    found = [w for w in rep.warnings if "не читается" in w or "не читаются" in w or "названа как файл" in w]
    assert found == [
        "Папка «2022/staff_2022.xlsx/» названа как файл и не читается: это папка, а не файл (файлы кладут в папку "
        "источника, например 2022/staff/).",
        "Файл «2023/oo1.csv» лежит вне папки источника и не читается: положите его в папку 2023/<источник>/.",
        "Папка «2023/школы/»: нет такого источника, файлы в ней не читаются (известные источники: "
        + ", ".join(sorted(n for n, s in __import__("schemas.sources", fromlist=["SOURCES"]).SOURCES.items()
                           if s.yearly)) + ").",
        "Папка «20x3/» не похожа на учебный год (ожидается год начала, например 2023) — файлы в ней не читаются.",
        "Файл «2023/oo1/письмо.pdf» не читается: формат .pdf (читаются XLSX, CSV и Parquet).",
    ]
    # the subfolder of the source folder is read, under its relative name
    rep = ingest_source(con, inbox, "oo1", 2023, "r", load_config())
    assert [f["file"] for f in rep.files] == ["old/oo1.csv"] and rep.rows_loaded == 2


def test_a_link_leaving_the_inbox_is_refused_naming_the_link(tmp_path, con):
    inbox = tmp_path / "inbox"
    _registry(inbox)
    folder = inbox / "2023" / "oo1"
    write_csv(folder / "oo1.csv", [{"Код ОО": "a1", "Всего обучающихся": 10}])
    os.symlink("/etc/passwd", folder / "passwd.csv")
    with pytest.raises(IngestError) as exc:
        ingest_source(con, inbox, "oo1", 2023, "r", load_config())
    assert str(exc.value) == ("Ссылка «passwd.csv» в папке oo1/ ведёт за пределы папки входящих (/etc/passwd): такие "
                              "ссылки не читаются. Удалите ссылку и положите в папку сам файл.")
    assert con.execute("SELECT count(*) FROM raw_oo1").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]
    # a link to a file inside the inbox is read
    (folder / "passwd.csv").unlink()
    os.symlink(inbox / "schools" / "r.csv", folder / "inner.csv")
    assert ingest_source(con, inbox, "schools", None, "r", load_config()).rows_loaded == 2


def test_validate_says_a_folder_is_a_folder(tmp_path):
    (tmp_path / "staff_2022.xlsx").mkdir()
    [(label, source, res, err)] = validate_paths([tmp_path / "staff_2022.xlsx"], load_config())
    assert (label, source, res) == ("staff_2022.xlsx", None, None)
    assert err == "это папка, а не файл (папка названа как файл): укажите файлы внутри неё"
