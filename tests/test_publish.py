"""Publication to the local folder store: versions, pointers, manifests, the index, the
"unchanged uploads nothing" rule, and the privacy scan of everything published."""

from __future__ import annotations

import io
import json
import re
import subprocess
import shutil
import zipfile
from pathlib import PurePosixPath

import duckdb
import lxml.html
import pytest

from tasks.publish import publish_cycle
from tasks.store import LocalStore, PointerConflict
from tests.publication import CountingLocalStore, inputs, read_publication
from tests.report_fixture import AY, build

# participant-level columns (the word "variant" is left out: Office XML uses it)
FORBIDDEN_COLUMNS = {"participant_id", "primary_score", "test_score", "journal_mark"}


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sep"), "september", formats=("html", "docx"))


def test_publication_is_read_through_the_pointer_and_matches_its_manifest(september, tmp_path):
    _, _, run, docs, tables = september
    store = LocalStore(tmp_path / "store")
    manifests = publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    got = read_publication(store, "mo1", AY, "september")
    version = got["pointer"]["version"]
    assert manifests[0] == f"reports/mo1/{AY}/september/{version}/manifest.json"
    names = {PurePosixPath(k).name for k in got["objects"]}
    assert {"spravka.html", "spravka.docx", "recommendations.html", "shnor.parquet", "shnor.xlsx"} <= names
    # every document sits under the version prefix; tables under their own version
    assert all(k.startswith(f"reports/mo1/{AY}/september/{version}/") or k.startswith("tables/")
               for k in got["objects"])
    assert got["manifest"]["inputs"] == inputs() and got["manifest"]["run_id"] == run["run_id"]
    assert json.loads(store.get(f"tables/{AY}/shnor.current.json"))["version"] in \
        {PurePosixPath(k).parts[2] for k in got["objects"] if k.endswith("shnor.parquet")}


def _index_links(store, public=None) -> tuple[set[str], str]:
    page = lxml.html.document_fromstring(store.get(f"reports/mo1/{AY}/index.html").decode())
    base = PurePosixPath(f"reports/mo1/{AY}")
    resolved = set()
    for a in page.iter("a"):
        parts = []
        for p in (base / a.get("href")).parts:  # resolve "../"
            parts = parts[:-1] if p == ".." else parts + [p]
        resolved.add("/".join(parts))
    return resolved, page.text_content()


def test_index_links_every_document_and_table_of_the_ay_when_tables_are_public(september, tmp_path):
    _, _, run, docs, tables = september
    store = LocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs(), public_prefixes=("reports/", "tables/"))
    resolved, text = _index_links(store)
    manifest = read_publication(store, "mo1", AY, "september")["manifest"]
    # every document and table (about.json only names the municipality for this page)
    assert {f["key"] for f in manifest["files"] if not f["key"].endswith("/about.json")} <= resolved
    assert all(store.exists(k) for k in resolved)
    assert "Аналитическая справка" in text and "2023/2024 учебный год" in text
    assert "Документы мониторинга: Город Первый" in text


def test_index_links_only_the_public_prefix_and_names_the_private_tables(september, tmp_path):
    _, _, run, docs, tables = september
    store = LocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())   # default: reports/ only
    resolved, text = _index_links(store)
    manifest = read_publication(store, "mo1", AY, "september")["manifest"]
    assert resolved and all(k.startswith(f"reports/mo1/{AY}/") for k in resolved)
    assert {f["key"] for f in manifest["files"] if f["key"].startswith("reports/")
            and not f["key"].endswith("/about.json")} <= resolved
    # a table is named by its stable key, for analysts with a key to the store
    assert f"tables/{AY}/shnor.xlsx" in text and "доступ для аналитиков по ключу" in text


def test_republishing_unchanged_content_uploads_nothing(september, tmp_path):
    _, _, run, docs, tables = september
    store = CountingLocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    first = len(store.puts)
    # 2 municipalities × (spravka, recommendations for mo1 only) × 2 formats + manifests + tables + index
    assert first > 0
    store.puts.clear()
    before = read_publication(store, "mo1", AY, "september")["pointer"]
    publish_cycle(store, dict(run, run_id="another-run"), "september", AY, tables, docs, inputs())
    assert store.puts == []
    assert read_publication(store, "mo1", AY, "september")["pointer"] == before


def test_changed_inputs_make_a_new_version_and_keep_the_old_one_whole(september, tmp_path):
    _, _, run, docs, tables = september
    store = LocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs("a"))
    old = read_publication(store, "mo1", AY, "september")
    publish_cycle(store, dict(run, run_id="run-2"), "september", AY, tables, docs, inputs("b"))
    new = read_publication(store, "mo1", AY, "september")
    assert new["pointer"]["version"] != old["pointer"]["version"] and new["manifest"]["run_id"] == "run-2"
    for key, data in old["objects"].items():  # the previous version is still complete
        assert store.get(key) == data


def test_pointer_switch_is_conditional(tmp_path):
    store = LocalStore(tmp_path)
    store.put_if("p/current.json", b'{"version": "1"}', None)
    with pytest.raises(PointerConflict, match="изменён другой публикацией"):
        store.put_if("p/current.json", b'{"version": "x"}', None)           # If-None-Match: * lost
    etag = store.head("p/current.json")["etag"]
    store.put_if("p/current.json", b'{"version": "2"}', etag)
    with pytest.raises(PointerConflict):
        store.put_if("p/current.json", b'{"version": "3"}', etag)           # stale If-Match
    assert store.get("p/current.json") == b'{"version": "2"}'


def _texts_of(key: str, data: bytes, tmp_path) -> list[str]:
    """Every text a published object holds: zipped XML parts, Parquet values and
    column names, PDF text, or the bytes as UTF-8."""
    if key.endswith((".docx", ".xlsx")):
        z = zipfile.ZipFile(io.BytesIO(data))
        return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    if key.endswith(".parquet"):
        path = tmp_path / "t.parquet"
        path.write_bytes(data)
        con = duckdb.connect()
        cur = con.execute(f"SELECT * FROM '{path}'")
        out = [" ".join(d[0] for d in cur.description)] + [" ".join(map(str, r)) for r in cur.fetchall()]
        con.close()
        return out
    if key.endswith(".pdf"):
        path = tmp_path / "t.pdf"
        path.write_bytes(data)
        return [subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout]
    return [data.decode("utf-8", "replace")]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils не установлены")
def test_no_published_object_holds_a_participant_level_row(tmp_path):
    con, _, run, docs, tables = build(tmp_path / "full", "september")   # all formats, PDF too
    store = LocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    # the warehouse does hold participants: 12 ОГЭ rows, ids hashed on the way in
    hashed = [r[0] for r in con.execute("SELECT participant_id FROM raw_gia").fetchall()]
    assert len(hashed) == 12
    needles = set(hashed) | {f"PERSON-{i:03d}" for i in range(12)}
    keys = store.list()
    assert any(k.endswith(".pdf") for k in keys) and any(k.endswith(".parquet") for k in keys)
    for key in keys:
        for text in _texts_of(key, store.get(key), tmp_path):
            assert not any(n in text for n in needles), key
            words = set(re.findall(r"[a-z_]+", text))
            assert not (FORBIDDEN_COLUMNS & words), (key, FORBIDDEN_COLUMNS & words)
