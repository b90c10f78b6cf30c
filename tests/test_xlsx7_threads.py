"""The XLSX export on more than one thread (xlsx7, tasks/export.py `[export] threads`):
municipalities' workbooks packed and deflated by a pool while the calling thread streams
the next rows, a whole table's sheets deflated by a thread of their own. The bytes must be
those of one thread, the workbooks in the same order, and an error must reach the caller.

Fixture (hand-made): a monitoring table of five municipalities mo1…mo5, municipality k
with k indicator rows (value = 10·k + row), each row listing the schools «s<k>a» (and
«s<k>b» on its first row); `stg_schools` names them.
"""

from __future__ import annotations

import io
import os
import threading

import duckdb
import pytest
from openpyxl import load_workbook

from edumon.config import load_config
from tasks import export

MART = "mart_shnor_monitoring"


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(f"""CREATE TABLE {MART} AS
      SELECT 'mo' || k AS municipality_code, 2022 AS ay, r AS sort_order, 'Показатель ' || r AS indicator_title,
             (10 * k + r)::BIGINT AS value,
             CASE WHEN r = 1 THEN ['s' || k || 'a', 's' || k || 'b'] ELSE ['s' || k || 'a'] END AS schools
      FROM range(1, 6) a(k), range(1, 6) b(r) WHERE r <= k""")
    c.execute("""CREATE TABLE stg_schools AS
      SELECT 's' || k || x AS school_code, 'mo' || k AS municipality_code, 'Район ' || k AS municipality_name,
             'Школа ' || k || x AS short_name FROM range(1, 6) a(k), (VALUES ('a'), ('b')) v(x)""")
    yield c
    c.close()


def test_the_pool_gives_one_threads_bytes_in_the_same_order(con, monkeypatch):
    one = list(export.iter_municipality_xlsx(con, MART, 2022, threads=1))
    assert [m for m, _ in one] == ["mo1", "mo2", "mo3", "mo4", "mo5"]
    for threads in (2, 3):
        for batch in (1, 2, export.POOL_BATCH):  # workbooks a pool task makes: 5 tasks, 3, 1
            monkeypatch.setattr(export, "POOL_BATCH", batch)
            assert list(export.iter_municipality_xlsx(con, MART, 2022, threads=threads)) == one
    # one row an Arrow batch: a municipality's rows come in several pieces
    monkeypatch.setattr(export, "CHUNK_ROWS", 1)
    assert list(export.iter_municipality_xlsx(con, MART, 2022, threads=2)) == one
    # the pool's workbook of mo3 as Excel reads it: rows 31, 32, 33; «s3a» on each, «s3b» on the first
    wb = load_workbook(io.BytesIO(dict(one)["mo3"]))
    assert wb.sheetnames == ["Данные", "Школы", "Пояснения"]
    assert [r[-2:] for r in wb["Данные"].iter_rows(min_row=3, values_only=True)] == [(31, 2), (32, 1), (33, 1)]
    assert [(r[2], r[3], r[4]) for r in wb["Школы"].iter_rows(min_row=3, values_only=True)] == [
        ("Показатель 1", "s3a", "Школа 3a"), ("Показатель 1", "s3b", "Школа 3b"),
        ("Показатель 2", "s3a", "Школа 3a"), ("Показатель 3", "s3a", "Школа 3a")]


@pytest.mark.parametrize("large", [False, True])
def test_a_whole_table_deflated_beside_the_stream_is_the_same(con, monkeypatch, large):
    """Both zip writers: the hand-written one and zipfile's Zip64 one (a workbook above
    10 × CONSTANT_MEMORY_ROWS rows; made small here), many pieces a sheet (one row a batch,
    more than the deflate thread's queue holds)."""
    if large:
        monkeypatch.setattr(export, "CONSTANT_MEMORY_ROWS", 0)
    q = export.table_query(con, MART, 2022)
    one = export.xlsx_bytes(q, threads=1)
    monkeypatch.setattr(export, "CHUNK_ROWS", 1)
    assert export.xlsx_bytes(q, threads=2) == one
    wb = load_workbook(io.BytesIO(one))
    data = list(wb["Данные"].iter_rows(min_row=3, values_only=True))
    assert len(data) == 1 + 2 + 3 + 4 + 5
    assert data[-1][-2:] == (55, 1)
    assert wb["Школы"].max_row == 2 + (5 * 2 + (1 + 2 + 3 + 4))  # two on each first row, one on the others


def test_an_error_in_the_deflate_thread_reaches_the_caller():
    class Broken:
        def write(self, data):
            raise OSError("диск полон")

        def close(self):
            raise AssertionError("not closed after an error")

    before = threading.active_count()
    b = export._Background(Broken())
    b.write(b"x")
    with pytest.raises(OSError, match="диск полон"):
        for _ in range(export.DEFLATE_QUEUE + 3):
            b.write(b"x")
        b.close()
    b.stop()
    assert threading.active_count() == before


def test_threads_come_from_the_config_and_are_no_rule(monkeypatch):
    monkeypatch.delenv("EDUMON_EXPORT_THREADS", raising=False)
    cfg = load_config()
    assert cfg["export"]["threads"] == 0
    assert export.export_threads(0) == os.cpu_count()
    assert export.export_threads(1) == 1 and export.export_threads(3) == 3
    assert export.export_threads() == os.cpu_count()
    assert load_config(overrides={"export": {"threads": 1}}).definitions_version == cfg.definitions_version
    monkeypatch.setenv("EDUMON_EXPORT_THREADS", "1")
    assert export.export_threads() == 1 and export.export_threads(2) == 2


@pytest.mark.parametrize("threads", [1, 2])
def test_the_whole_table_beside_the_municipalities_is_the_same(con, threads):
    """`iter_table_xlsx` (as tasks/pipeline.py calls it): the whole workbook (None) and each
    municipality's, the same bytes as `xlsx_bytes` and `iter_municipality_xlsx`; the
    municipalities in their order; no thread left behind, also when the caller stops early."""
    expected = {None: export.xlsx_bytes(export.table_query(con, MART, 2022), threads=1),
                **dict(export.iter_municipality_xlsx(con, MART, 2022, threads=1))}
    before = threading.active_count()
    got = list(export.iter_table_xlsx(con, MART, 2022, threads=threads))
    assert dict(got) == expected and len(got) == 6
    assert [m for m, _ in got if m is not None] == ["mo1", "mo2", "mo3", "mo4", "mo5"]
    if threads == 1:
        assert got[0][0] is None  # one thread: the whole table first, as before
    units = export.iter_table_xlsx(con, MART, 2022, threads=threads)
    next(units)
    units.close()
    assert threading.active_count() == before
