"""Render workers are forked from a forkserver that imported the render modules once
(tasks/render.py `_pool_context`, run11): a worker finds them loaded before its first job,
where a spawned worker imported them itself (≈ 0.4 s of CPU each). The documents are the
same bytes whatever the workers' start (tests/test_rnd10_worker_gc.py renders with two)."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

PRELOADED = ("tasks.render", "typst", "pyphen")


def loaded_before_any_job() -> list[str]:
    """Runs in a worker; this module imports none of them itself."""
    return [m for m in PRELOADED if m in sys.modules]


def test_a_render_worker_starts_with_the_render_modules_loaded():
    from tasks import render

    ctx = render._pool_context()
    assert ctx.get_start_method() == "forkserver"
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=render._worker_init) as pool:
        assert pool.submit(loaded_before_any_job).result() == list(PRELOADED)


def test_a_spawned_worker_would_not_have_them():   # the control: what the test above tells apart
    import multiprocessing

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(loaded_before_any_job).result() == []
