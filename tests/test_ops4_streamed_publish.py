"""The streamed publication (issue 10): tables and each municipality's documents go to the
store as they are made (`tasks.publish.Publication`), the steps handing on only a small
state. It must give exactly what the all-at-once `publish_cycle` gives, show readers
nothing before the pointer switches, upload nothing on an unchanged rerun, and on S3 make
the stable table names by a server-side copy."""

from __future__ import annotations

import hashlib
import json

import pytest

from tasks.publish import Publication, publish_cycle
from tasks.s3store import S3Store
from tasks.store import LocalStore
from tests.publication import CountingLocalStore, inputs, read_publication
from tests.s3server import weed_server

AY = 2023
RUN = {"run_id": "run-1", "definitions_version": "d1", "template_version": "t1"}
MUNS = ("mo1", "mo2", "mo3")


def tables() -> dict[str, bytes]:
    """Two tables in both formats, one municipality's workbook, the quality page: four units."""
    return {f"tables/{AY}/shnor.parquet": b"PAR1 shnor", f"tables/{AY}/shnor.xlsx": b"PK shnor",
            f"tables/{AY}/risk_schools.parquet": b"PAR1 risk", f"tables/{AY}/risk_schools.xlsx": b"PK risk",
            f"tables/{AY}/municipalities/mo2/shnor.xlsx": b"PK shnor mo2",
            f"quality/{AY}/september/checkpoint.html": b"<html>q</html>"}


def documents(mun: str) -> dict[str, bytes]:
    base = f"reports/{mun}/{AY}/september"
    return {f"{base}/spravka.html": f"<p>справка {mun}</p>".encode(), f"{base}/spravka.pdf": f"%PDF {mun}".encode(),
            f"{base}/about.json": json.dumps({"municipality_code": mun, "municipality_name": f"Район {mun}"}).encode()}


def all_documents() -> dict[str, bytes]:
    return {k: v for m in MUNS for k, v in documents(m).items()}


def streamed(store, run=RUN, tag="a") -> list[str]:
    """As the flow does it: tables unit by unit, documents municipality by municipality, the
    state round-tripped through JSON between the steps (as between Prefect tasks)."""
    pub = Publication(store, run, "september", AY, inputs(tag))
    units: dict[tuple, dict] = {}
    for k, v in tables().items():
        units.setdefault(k.rsplit(".", 1)[0], {})[k] = v
    for unit in units.values():
        pub.add_tables(unit)
    state = json.loads(json.dumps(pub.state()))
    pub = Publication.resume(store, state)
    for mun in MUNS:
        pub.add_documents(documents(mun))
    pub = Publication.resume(store, json.loads(json.dumps(pub.state())))
    return pub.finish()


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_streamed_publication_writes_exactly_what_publish_cycle_writes(tmp_path):
    a, b = LocalStore(tmp_path / "a"), LocalStore(tmp_path / "b")
    publish_cycle(a, dict(RUN), "september", AY, tables(), all_documents(), inputs())
    manifests = streamed(b)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    # three municipalities, each its pointer → its manifest: its 3 documents, the 5 shared
    # table files (2 tables × 2 formats, the quality page) and its own workbook, if any —
    # never another municipality's (at country scale that would be 23,000 entries each)
    assert len(manifests) == 3
    for mun in MUNS:
        got = read_publication(b, mun, AY, "september")
        own = sorted(k.rsplit("/", 1)[1] for k in got["objects"] if k.startswith(f"reports/{mun}/"))
        assert own == ["about.json", "spravka.html", "spravka.pdf"]
        workbooks = [k for k in got["objects"] if "/municipalities/" in k]
        assert workbooks == ([next(k for k in got["objects"] if k.startswith(f"tables/{AY}/municipalities/mo2/"))]
                             if mun == "mo2" else [])
        assert len(got["objects"]) == 3 + 5 + (1 if mun == "mo2" else 0)
        assert got["objects"][next(k for k in got["objects"] if k.endswith("spravka.html"))] == \
            f"<p>справка {mun}</p>".encode()
    # the stable names are copies of the current version
    assert (tmp_path / "b" / f"tables/{AY}/shnor.xlsx").read_bytes() == b"PK shnor"
    assert (tmp_path / "b" / f"tables/{AY}/municipalities/mo2/shnor.xlsx").read_bytes() == b"PK shnor mo2"


def test_readers_see_the_previous_version_until_the_pointer_switches_and_a_rerun_uploads_nothing(tmp_path):
    store = CountingLocalStore(tmp_path / "s")
    streamed(store, tag="a")
    before = read_publication(store, "mo2", AY, "september")
    pub = Publication(store, dict(RUN, run_id="run-2"), "september", AY, inputs("b"))
    pub.add_tables(tables())
    for mun in MUNS:
        pub.add_documents(documents(mun))
    assert store.puts, "the new version was uploaded"
    # every object of the new version is in the store, yet a reader still gets run 1's
    assert read_publication(store, "mo2", AY, "september") == before
    assert json.loads(store.get(f"cycles/{AY}/september/current.json"))["run_id"] == "run-1"
    pub.finish()
    after = read_publication(store, "mo2", AY, "september")
    assert after["manifest"]["run_id"] == "run-2" and after["pointer"]["version"] != before["pointer"]["version"]
    store.puts.clear()
    streamed(store, run=dict(RUN, run_id="run-3"), tag="b")   # the same inputs again
    assert store.puts == []
    assert read_publication(store, "mo2", AY, "september")["manifest"]["run_id"] == "run-2"


def test_the_state_between_steps_holds_no_object_bytes(tmp_path):
    pub = Publication(LocalStore(tmp_path / "s"), RUN, "september", AY, inputs())
    big = {f"tables/{AY}/shnor.parquet": b"x" * 2_000_000}
    pub.add_tables(big)
    pub.add_documents({f"reports/mo1/{AY}/september/spravka.pdf": b"y" * 3_000_000})
    text = json.dumps(pub.state())   # plain JSON: no bytes anywhere
    assert len(text) < 5_000
    assert hashlib.sha256(b"x" * 2_000_000).hexdigest() in text   # the table entry, by its sha256
    assert json.loads(store_get(pub, pub.state()["reports"]["mo1"]["manifest"]))["files"][0]["size"] == 3_000_000
    with pytest.raises(RuntimeError):   # a municipality's version names every table: tables come first
        pub.add_tables({f"tables/{AY}/late.parquet": b"late"})


BUCKET = "edumon-stream"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from weed_server(tmp_path_factory, BUCKET)


@pytest.mark.slow
def test_s3_streamed_publication_matches_the_folder_and_copies_stable_names_on_the_server(
        server, monkeypatch, tmp_path):
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    s3 = S3Store.from_url(f"s3://{BUCKET}/stream")
    calls: list[str] = []
    for op in ("CopyObject", "GetObject"):
        s3.client.meta.events.register(f"before-parameter-build.s3.{op}",
                                       lambda params=None, op=op, **kw: calls.append(f"{op} {params['Key']}"))
    streamed(s3)
    stable = f"tables/{AY}/shnor.xlsx"
    assert f"CopyObject stream/{stable}" in calls
    # the table bytes never came back down to be sent again
    assert not [c for c in calls if c.startswith("GetObject") and c.endswith((".xlsx", ".parquet"))], calls
    local = LocalStore(tmp_path / "local")
    streamed(local)
    s3_keys = s3.list("")
    assert s3_keys == local.list("")
    for key in s3_keys:
        assert s3.get(key) == local.get(key), key
    head = s3.head(stable)
    assert head["sha256"] == hashlib.sha256(b"PK shnor").hexdigest()
    assert head["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def store_get(pub, key: str) -> bytes:
    return pub.store.get(key)


def test_the_folder_store_lists_a_prefix_from_a_relative_root(tmp_path, monkeypatch):
    """`--store var/store` is relative: listing walks only the prefix's folder and gives keys."""
    monkeypatch.chdir(tmp_path)
    store = LocalStore("var/store")
    for key in ("tables/2023/shnor.parquet", "tables/2023/municipalities/mo1/shnor.xlsx",
                "reports/mo1/2023/index.html", "reports/mo10/2023/index.html", "tables.txt"):
        store.put(key, b"1")
    assert store.list("tables/") == ["tables/2023/municipalities/mo1/shnor.xlsx", "tables/2023/shnor.parquet"]
    assert store.list("reports/mo1/2023/") == ["reports/mo1/2023/index.html"]
    assert store.list("reports/mo1") == ["reports/mo1/2023/index.html", "reports/mo10/2023/index.html"]
    assert store.list("tables") == ["tables.txt", "tables/2023/municipalities/mo1/shnor.xlsx",
                                    "tables/2023/shnor.parquet"]
    assert store.list("nothing/") == []
    assert len(store.list("")) == 5


def test_link_artifacts_one_markdown_list_up_to_the_limit_then_one_table():
    from flows.common import link_artifacts

    links = {"mo1": ["file:///s/reports/mo1/2023/index.html", "http://h/b/reports/mo1/2023/index.html"],
             "mo2": ["file:///s/my (old) store/reports/mo2/2023/index.html"]}
    [(kind, kw)] = link_artifacts(links, "september", 2023, links_max=2)
    assert kind == "markdown" and kw["key"] == "september-2023-spravki"
    # one link a municipality and store, in order; a space or parenthesis of a path escaped
    assert [line for line in kw["markdown"].splitlines() if line.startswith("- ")] == [
        "- [Справки mo1, 2023/2024](file:///s/reports/mo1/2023/index.html)",
        "- [Справки mo1, 2023/2024](http://h/b/reports/mo1/2023/index.html)",
        "- [Справки mo2, 2023/2024](file:///s/my%20%28old%29%20store/reports/mo2/2023/index.html)"]
    assert "(муниципалитетов: 2)" in kw["description"]
    assert link_artifacts({}, "september", 2023, links_max=2) == []
    [(kind, kw)] = link_artifacts(links, "september", 2023, links_max=1)   # 2 municipalities > 1
    assert kind == "table" and kw["key"] == "september-2023-spravki"
    assert kw["table"] == [{"Муниципалитет": "mo1", "Справки": "file:///s/reports/mo1/2023/index.html"},
                           {"Муниципалитет": "mo1", "Справки": "http://h/b/reports/mo1/2023/index.html"},
                           {"Муниципалитет": "mo2", "Справки": "file:///s/my (old) store/reports/mo2/2023/index.html"}]
    assert "(муниципалитетов: 2)" in kw["description"]
