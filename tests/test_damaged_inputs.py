"""Issue 11: a damaged file never changes an official list silently.

Real `edumon run september` processes on a generated inbox (the real Prefect flow, a
folder store). A truncated ВПР statistics XLSX stops the run (exit code 1, a Russian
message naming the file, no traceback) and the published ШНОР list stays as it was; a
header-only ОО-1 file likewise; with `[ingest] on_unreadable = "continue"` in the
municipality's rules file the run goes on without the file (exit 0), the warehouse
records the excluded file with what it held last time, and the справка's first page says
the calculation used incomplete data, naming the file.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.publication import document_file, table_file
from tests.test_shell_errors import assert_clean_failure, edumon

AY = 2023


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A generated inbox, run once cleanly: the published lists every later run is compared with."""
    root = tmp_path_factory.mktemp("damaged")
    box = root / "inbox"
    out = edumon("generate", "--out", box, "--schools", "20", "--years", "2020-2023")
    assert out.returncode == 0, out.stderr
    out = edumon("run", "september", "--ay", AY, "--inbox", box, "--warehouse", root / "w.duckdb",
                 "--store", root / "store")
    assert out.returncode == 0, out.stdout + out.stderr
    return root


def _pointer(store, name="shnor"):
    return (store / "tables" / str(AY) / f"{name}.current.json").read_text()


def _vpr_stats_file(root):
    files = sorted((root / "inbox" / str(AY - 1) / "vpr_stats").glob("*"))
    assert files, "the generator writes ВПР statistics for the previous AY"
    return files[0]


def _warehouse_rows(root, sql):
    con = duckdb.connect(str(root / "w.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_truncated_file_stops_the_run_and_keeps_the_published_list(first_run, cli_temporary_server, tmp_path):
    root = first_run
    store = root / "store"
    before = _pointer(store)
    shnor_before = table_file(store, AY, "shnor", "parquet").read_bytes()
    rows_before = _warehouse_rows(root, f"SELECT count(*) FROM raw_vpr_stats WHERE ay = {AY - 1}")
    work = tmp_path / "inbox"
    shutil.copytree(root / "inbox", work)
    bad = _vpr_stats_file(root)
    target = work / bad.relative_to(root / "inbox")
    data = bad.read_bytes()
    target.write_bytes(data[: len(data) // 2])          # cut in half, as an interrupted copy leaves it
    out = edumon("run", "september", "--ay", AY, "--inbox", work, "--warehouse", root / "w.duckdb",
                 "--store", store)
    assert_clean_failure(out, "не удалось прочитать файл", f"файл «{target.name}»", "данные этого года не заменены",
                         'on_unreadable = "continue"')
    # nothing published, nothing replaced
    assert _pointer(store) == before
    assert table_file(store, AY, "shnor", "parquet").read_bytes() == shnor_before
    assert _warehouse_rows(root, f"SELECT count(*) FROM raw_vpr_stats WHERE ay = {AY - 1}") == rows_before


def test_header_only_file_stops_the_run(first_run, cli_temporary_server, tmp_path):
    """The September cycle reads the staff monitoring of AY − 1 (20 schools): a file with its
    title and header and no rows would replace 20 rows with 0."""
    root = first_run
    store = root / "store"
    before = _pointer(store)
    rows_before = _warehouse_rows(root, f"SELECT count(*) FROM raw_staff WHERE ay = {AY - 1}")[0][0]
    assert rows_before == 20
    work = tmp_path / "inbox"
    shutil.copytree(root / "inbox", work)
    [staff] = sorted((work / str(AY - 1) / "staff").glob("*.xlsx"))
    _header_only(staff)
    out = edumon("run", "september", "--ay", AY, "--inbox", work, "--warehouse", root / "w.duckdb",
                 "--store", store)
    assert_clean_failure(out, "Источник «Мониторинг кадрового обеспечения и методической поддержки» за 2022/2023 "
                              "учебный год", f"«{staff.name}»", "строк без ошибок 0, а в хранилище сейчас 20",
                         "данные этого года не заменены")
    assert _pointer(store) == before
    assert _warehouse_rows(root, f"SELECT count(*) FROM raw_staff WHERE ay = {AY - 1}")[0][0] == 20


def _header_only(path):
    """Rewrite an XLSX with its rows up to the header only (title and header kept)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value is not None)
    ws.delete_rows(header + 1, ws.max_row)
    wb.save(path)


def test_header_only_oo1_file_keeps_the_years_oo1(tmp_path):
    """ОО-1 (read by the October cycle), through the load itself: 3 schools, then a file with
    the header only — the load stops and the 3 rows stay; with min_rows_ratio = 0 it loads."""
    from edumon.config import load_config
    from tasks.errors import IngestError
    from tasks.ingest import ingest_source
    from tasks.warehouse import connect
    from tests.helpers import write_csv

    inbox = tmp_path / "inbox"
    path = inbox / str(AY) / "oo1" / "oo1.csv"
    write_csv(path, [{"Код ОО": c, "Всего обучающихся": 100, "5 класс": 10} for c in ("a1", "b2", "c3")])
    con = connect(tmp_path / "w.duckdb")
    try:
        assert ingest_source(con, inbox, "oo1", AY, "r1", load_config()).rows_loaded == 3
        path.write_text("Код ОО;Всего обучающихся;5 класс\n", encoding="utf-8")
        with pytest.raises(IngestError) as exc:
            ingest_source(con, inbox, "oo1", AY, "r2", load_config())
        assert str(exc.value) == (
            "Источник «Форма ОО-1» за 2023/2024 учебный год: в новых файлах («oo1.csv») строк без ошибок 0, а в "
            "хранилище сейчас 3 — меньше 50 % прежнего. Похоже, файл неполный (например, только строка заголовков). "
            "Загрузка источника остановлена, данные этого года не заменены. Если список действительно стал короче, "
            "уменьшите [ingest] min_rows_ratio в файле правил муниципалитета.")
        assert con.execute(f"SELECT count(*) FROM raw_oo1 WHERE ay = {AY}").fetchall() == [(3,)]
        rep = ingest_source(con, inbox, "oo1", AY, "r3", load_config(overrides={"ingest": {"min_rows_ratio": 0}}))
        assert rep.rows_loaded == 0
        assert con.execute(f"SELECT count(*) FROM raw_oo1 WHERE ay = {AY}").fetchall() == [(0,)]
    finally:
        con.close()


def test_with_the_switch_the_run_goes_on_and_the_spravka_names_the_file(first_run, cli_temporary_server, tmp_path):
    root = first_run
    work = tmp_path / "inbox"
    shutil.copytree(root / "inbox", work)
    bad = _vpr_stats_file(root)
    target = work / bad.relative_to(root / "inbox")
    last_time = _warehouse_rows(root, f"SELECT rows_in FROM ingest_files WHERE source = 'vpr_stats' AND ay = {AY - 1} "
                                      f"AND file = '{bad.name}' ORDER BY loaded_at DESC LIMIT 1")[0][0]
    assert last_time > 0
    target.write_bytes(b"")                               # zero bytes
    rules = tmp_path / "municipality.toml"
    rules.write_text('[ingest]\non_unreadable = "continue"\n', encoding="utf-8")
    store = tmp_path / "store"
    wh = tmp_path / "w.duckdb"
    shutil.copy(root / "w.duckdb", wh)
    out = edumon("run", "september", "--ay", AY, "--inbox", work, "--warehouse", wh, "--store", store,
                 "--config", rules)
    assert out.returncode == 0, out.stdout + out.stderr
    con = duckdb.connect(str(wh), read_only=True)
    try:
        excluded = con.execute("SELECT source, ay, file, rows_last_time FROM excluded_files").fetchall()
    finally:
        con.close()
    assert excluded == [("vpr_stats", AY - 1, bad.name, last_time)]
    muns = sorted(p.name for p in (store / "reports").iterdir() if p.is_dir())
    assert muns
    html = document_file(store, muns[0], AY, "september", "spravka.html").read_text(encoding="utf-8")
    body = html[html.index("<body"):]
    first = body.index("Расчёт выполнен по неполным данным")
    assert f"не загружен файл «{bad.name}»" in body
    assert f"в прошлый раз он содержал {last_time} строк" in body
    # on the first page: before the first section heading
    assert first < body.index("<h2")
