"""The publication's JSON objects (manifests, pointers, followers) are written by
`tasks.publish._dumps` byte for byte as `json.dumps(…, ensure_ascii=False, indent=2)` wrote
them, so no published object and no version changes; and `_each` with threads gives what
one thread gives, in order, for more items than one batch."""

from __future__ import annotations

import json
import threading

from tasks import publish
from tasks.publish import Publication, _dumps, _each
from tasks.store import LocalStore
from tests.publication import add_two_municipalities


def _stdlib(o) -> bytes:
    return json.dumps(o, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def test_every_shape_is_written_as_the_standard_library_writes_it():
    shapes = [
        {}, [], "", 0, -7, 3.25, 1e-07, 1e22, 12345678901234567890, True, False, None,
        {"a": {}, "b": [], "c": [{}], "d": [[]], "e": [1, [2, [3, {}]]]},
        {"текст": "Посёлок «Второй»\n\t\"кавычки\" \\ \u2028 \x01 é 😀", "size": 0, "share": 0.1 + 0.2},
        ("tuple", 1, (2, 3)),
        {"files": [{"key": "tables/2023/abc/shnor.xlsx", "sha256": "a" * 64, "size": 1234,
                    "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}],
         "inputs": [{"source": "gia", "ay": 2022, "file": "gia/2022/x.csv", "sha256": "b" * 64, "rows": None}]},
        # left to the standard library: a key that is not text, a float it writes as NaN/Infinity
        {1: "a", "b": 2}, {"x": float("nan")}, [float("inf"), float("-inf")],
        {"ok": True, "nested": {None: 1}},
    ]
    for o in shapes:
        assert _dumps(o) == _stdlib(o), o


def test_a_real_publications_objects_are_the_same_bytes(tmp_path):
    """A small publication written end to end: every JSON object in the store (municipality
    manifests, the cycle manifest, the pointer, every follower) as the standard library
    writes what it reads back."""
    store = LocalStore(tmp_path / "store")
    run = {"run_id": "r-1", "definitions_version": "2024.1+abc", "template_version": "t"}
    inputs = [{"source": "vpr_stats", "ay": 2022, "file": "2022/vpr_stats/ы.csv", "sha256": "c" * 64}]
    pub = Publication(store, run, "september", 2023, inputs)
    add_two_municipalities(pub)
    pub.finish(threads=3)
    written = [p for p in (tmp_path / "store").rglob("*.json") if p.name != "about.json"]
    assert len(written) == 9   # 3 table followers, 2 manifests and 2 pointers of municipalities, the cycle manifest and pointer
    for p in written:
        data = p.read_bytes()
        assert data == _stdlib(json.loads(data)), p


def test_each_by_threads_is_each_in_order_in_batches(monkeypatch):
    monkeypatch.setattr(publish, "EACH_BATCH", 8)
    items = list(range(203))
    names = set()

    def f(x):
        names.add(threading.current_thread().name)
        return x * x

    assert _each(f, items, 4) == [x * x for x in items]
    assert len(names - {threading.main_thread().name}) >= 1
    assert _each(f, items, 1) == [x * x for x in items] and _each(f, [], 4) == []
