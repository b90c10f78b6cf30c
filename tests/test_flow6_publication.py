"""flow6 (issue 12, the country cycle's parent): the folder store's heads use the sha256
recorded when the object was written, yet still see an object changed behind its back; a
municipality's version is the same hash as before it was made from the tables once; the
publish step's list of published keys, made without reading the manifests back, is what
a reader following the manifests finds."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest

from tasks import keys
from tasks.publish import Publication, identity, identity_with_tables
from tasks.store import LocalStore
from tests.publication import add_two_municipalities, inputs

AY = 2023
RUN = {"run_id": "r1", "definitions_version": "d1", "template_version": "t1"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_head_trusts_the_recorded_sha256_only_while_the_file_is_unchanged(tmp_path):
    store = LocalStore(tmp_path / "s")
    store.put("tables/2023/a.xlsx", b"first", metadata={"sha256": sha(b"first")})
    assert store.head("tables/2023/a.xlsx") == {"etag": sha(b"first"), "sha256": sha(b"first"), "size": 5}
    # the same size, rewritten in place behind the store's back: the recorded hash is not trusted
    time.sleep(0.05)
    with open(tmp_path / "s/tables/2023/a.xlsx", "r+b") as f:
        f.write(b"FIRST")
    assert store.head("tables/2023/a.xlsx")["sha256"] == sha(b"FIRST")
    # a file put there without the store (no recorded hash) is hashed
    (tmp_path / "s/tables/2023/b.xlsx").write_bytes(b"other")
    assert store.head("tables/2023/b.xlsx")["sha256"] == sha(b"other")
    assert store.head("tables/2023/c.xlsx") is None
    # a copy inside the store: the same bytes, the same sha256, no read into Python
    store.copy("tables/2023/a.xlsx", "tables/a.xlsx")
    assert (tmp_path / "s/tables/a.xlsx").read_bytes() == b"FIRST"
    assert store.head("tables/a.xlsx")["sha256"] == sha(b"FIRST")
    assert store.glob("tables/*/*.xlsx") == ["tables/2023/a.xlsx", "tables/2023/b.xlsx"]


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "a//b", "", "a/..", "reports/"])
def test_keys_outside_the_store_are_refused(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStore(tmp_path / "s").put(key, b"1")


def test_a_relative_root_follows_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    store = LocalStore("store")
    store.put("a.txt", b"1")
    monkeypatch.chdir(tmp_path / "two")
    store.put("a.txt", b"2")
    assert (tmp_path / "one/store/a.txt").read_bytes() == b"1"
    assert (tmp_path / "two/store/a.txt").read_bytes() == b"2"


def test_the_table_keys_encoded_once_give_the_same_version():
    table_keys = ["tables/2023/0123456789abcdef/шнор.xlsx", "tables/2023/municipalities/mo1/0123456789abcdef/x.xlsx"]
    parts = {"kind": "reports", "municipality": "mo1", "documents": ["reports/mo1/2023/september/spravka.html"],
             "cycle": "september", "ay": 2023, "definitions_version": "d1", "template_version": "t1", "inputs": []}
    once = json.dumps(table_keys, ensure_ascii=False).encode("utf-8")
    assert identity_with_tables(once, **parts) == identity(**parts, tables=table_keys)
    # and it is the hash of the whole text as written out by hand
    text = ('{"ay": 2023, "cycle": "september", "definitions_version": "d1", '
            '"documents": ["reports/mo1/2023/september/spravka.html"], "inputs": [], "kind": "reports", '
            '"municipality": "mo1", "tables": ["tables/2023/0123456789abcdef/шнор.xlsx", '
            '"tables/2023/municipalities/mo1/0123456789abcdef/x.xlsx"], "template_version": "t1"}')
    assert identity(**parts, tables=table_keys) == hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def test_a_municipality_manifest_names_the_shared_tables_and_only_its_own_workbooks(tmp_path):
    from tasks.pipeline import _published

    store = LocalStore(tmp_path / "s")
    pub = Publication(store, RUN, "september", AY, inputs())
    add_two_municipalities(pub)
    state = pub.state()
    pub.finish()
    m1 = json.loads(store.get(state["reports"]["mo1"]["manifest"]))
    names = sorted(keys.unversioned(f["key"]) for f in m1["files"])
    assert names == ["reports/mo1/2023/september/about.json", "reports/mo1/2023/september/spravka.html",
                     "tables/2023/municipalities/mo1/shnor.xlsx", "tables/2023/shnor.parquet",
                     "tables/2023/shnor.xlsx"]
    # the version is the hash of every table key of the cycle (both municipalities' workbooks)
    every = sorted(f["key"] for u in state["table_units"].values() for f in u["files"])
    assert len(every) == 4
    assert state["reports"]["mo1"]["version"] == identity(
        kind="reports", municipality="mo1", documents=["reports/mo1/2023/september/about.json",
                                                       "reports/mo1/2023/september/spravka.html"],
        tables=every, **state["base"])
    # what the publish step reports as published, without reading the manifests back,
    # against what a reader finds by following them
    fast, slow = {"links": {}}, {"links": {}}
    _published(store, AY, "september", fast, state)
    _published(store, AY, "september", slow)
    reader = set()
    for mun in ("mo1", "mo2"):
        man = json.loads(store.get(state["reports"][mun]["manifest"]))
        reader |= {f["key"] for f in man["files"]} | {state["reports"][mun]["manifest"]}
    assert fast["keys"] == slow["keys"] == sorted(reader)
    assert len(fast["keys"]) == 2 + 2 + 2 * 2 + 2   # shnor.{parquet,xlsx}, 2 workbooks, 2 × 2 documents, 2 manifests


def test_a_folder_removed_behind_the_store_is_made_again(tmp_path):
    import shutil

    store = LocalStore(tmp_path / "s")
    store.put("reports/mo1/2023/a.html", b"1")
    shutil.rmtree(tmp_path / "s")
    store.put("reports/mo1/2023/a.html", b"2")
    assert store.get("reports/mo1/2023/a.html") == b"2"


def test_the_summary_lists_document_keys_only_up_to_the_link_limit():
    from flows.common import _summary_markdown

    published = [f"reports/mo{i}/2023/september/0123456789abcdef/spravka.html" for i in (1, 2, 3)] + \
        ["tables/2023/0123456789abcdef/shnor.xlsx"]
    summary = {"cycle": "september", "ay": 2023, "run": {"run_id": "r1", "definitions_version": "d1"},
               "rows": {}, "quarantined": 0, "documents": [], "published": published,
               "links": {f"mo{i}": [f"file:///s/reports/mo{i}/2023/index.html"] for i in (1, 2, 3)}}
    digest = {"flagged_title": "", "flagged": [], "changes": {}, "no_data": []}
    few = _summary_markdown(summary, [], digest, links_max=50)
    assert few.count("- `reports/") == 3 and "tables/2023" not in few.split("## Справки")[1]
    many = _summary_markdown(summary, [], digest, links_max=2)
    assert "- `reports/" not in many
    assert "Опубликовано объектов: 3, муниципалитетов: 3; адреса справок — в таблице «september-2023-spravki»." in many
