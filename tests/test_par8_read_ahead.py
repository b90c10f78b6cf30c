"""Rendering in worker processes reads the next chunk of municipalities in a thread while
the workers render this one's (tasks/render.py::render_spravki, issue 12): the documents
are byte for byte those of one process reading the whole cycle at once. The fixture of
tests/report_fixture.py: mo1 «Город Первый» (a1, b2), mo2 «Посёлок Второй» (c3); its two
municipalities would get one process, so the test asks for two workers."""

from __future__ import annotations

import copy

import pytest

from tasks import render
from tests.report_fixture import AY, TODAY, build


@pytest.mark.parametrize("cycle", ["september", "june"])
def test_two_workers_reading_ahead_give_the_documents_of_one_process(tmp_path, monkeypatch, cycle):
    con, cfg, run, whole, _ = build(tmp_path, cycle, with_plan=cycle == "september")
    # one process, the whole cycle in one read (build() rendered with these settings)
    assert render._workers(cfg, 2) == 1
    assert f"reports/mo2/{AY}/{cycle}/spravka.pdf" in whole

    reads = []
    cycle_data = render.cycle_data

    def counted(con, ay, cycle, cfg, municipalities=None):
        reads.append(municipalities)
        return cycle_data(con, ay, cycle, cfg, municipalities)

    monkeypatch.setattr(render, "cycle_data", counted)
    monkeypatch.setattr(render, "_workers", lambda cfg, jobs: 2)
    chunked = copy.deepcopy(cfg)
    chunked["report"]["chunk_municipalities"] = 1
    arrived = []
    docs: dict[str, bytes] = {}

    def sink(part):
        arrived.append(sorted({k.split("/")[1] for k in part}))
        docs.update(part)

    assert render.render_spravki(con, AY, cycle, chunked, run, today=TODAY, sink=sink) == {}
    assert reads == [["mo1"], ["mo2"]]  # one read per chunk, in order
    assert arrived == [["mo1"], ["mo2"]]  # each municipality's documents in one call, in order
    assert sorted(docs) == sorted(whole)
    for key in whole:
        assert docs[key] == whole[key], key


def test_an_error_in_the_sink_ends_the_read_ahead_before_render_spravki_returns(tmp_path, monkeypatch):
    """The caller closes its connection when render_spravki raises: no read may still be
    running on it in the parent's thread."""
    import threading

    con, cfg, run, _, _ = build(tmp_path, "september", formats=("html",))
    monkeypatch.setattr(render, "_workers", lambda cfg, jobs: 2)
    chunked = copy.deepcopy(cfg)
    chunked["report"]["chunk_municipalities"] = 1

    def sink(part):
        raise RuntimeError("the store is down")

    with pytest.raises(RuntimeError, match="the store is down"):
        render.render_spravki(con, AY, "september", chunked, run, today=TODAY, sink=sink)
    assert not [t for t in threading.enumerate() if t.name.startswith("render-read")]
    con.close()
