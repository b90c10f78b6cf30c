"""Render workers start with the cyclic collector's gen-0 threshold raised (tasks/render.py,
rnd10: CPython's default of 700 ran it ≈ 8 times a municipality); the process that calls
render_spravki keeps its own. Fixture: tests/report_fixture.py (two municipalities)."""

from __future__ import annotations

import copy
import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from tasks import render
from tests.report_fixture import AY, TODAY, build


def test_a_worker_started_by_the_initializer_has_the_raised_threshold():
    before = gc.get_threshold()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=render._worker_init) as pool:
        inside = pool.submit(gc.get_threshold).result()
    # CPython's defaults are (700, 10, 10): only the first changes, to 50,000
    assert inside == (50_000, 10, 10)
    assert gc.get_threshold() == before  # this process untouched


def test_render_spravki_starts_its_workers_with_it(tmp_path, monkeypatch):
    con, cfg, run, whole, _ = build(tmp_path, "september", formats=("html",))
    made = []

    class Recorded(ProcessPoolExecutor):
        def __init__(self, *args, **kw):
            made.append(kw.get("initializer"))
            super().__init__(*args, **kw)

    monkeypatch.setattr(render, "ProcessPoolExecutor", Recorded)
    monkeypatch.setattr(render, "_workers", lambda cfg, jobs: 2)
    before = gc.get_threshold()
    docs: dict[str, bytes] = {}
    render.render_spravki(con, AY, "september", copy.deepcopy(cfg), run, today=TODAY, sink=docs.update)
    assert made == [render._worker_init]
    assert gc.get_threshold() == before
    assert sorted(docs) == sorted(whole)
    for key in whole:
        assert docs[key] == whole[key], key
