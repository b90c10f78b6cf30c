"""What people meet on top of the publication, against a real SeaweedFS on loopback:

- officials open the index page from the store's http:// address in a real headless
  Chromium, as anonymous visitors, and every link of the page loads (the bucket policy
  edumon writes makes `reports/` readable; tables stay private);
- analysts read a table by its stable name `tables/<AY>/<name>.parquet`, which gives the
  current version after a second publication, and `tables/views.sql` names every table;
- all or nothing per cycle: one pointer, switched last;
- secrets: an endpoint with credentials in it is refused without repeating them; a
  missing bucket is an error unless creation was asked for;
- the pull from a landing prefix downloads only new or changed objects."""

from __future__ import annotations

import json

import duckdb
import httpx
import pytest

from tasks import pull
from tasks.pipeline import publish as publish_task
from tasks.publish import current_cycle, publish_cycle
from tasks.s3store import S3Store
from tasks.storage import PermanentStoreError
from tasks.store import LocalStore
from tests.browser import Browser, chromium
from tests.publication import inputs, read_publication
from tests.report_fixture import AY, build
from tests.s3server import ACCESS_KEY, SECRET_KEY, weed_server

pytestmark = pytest.mark.slow
BUCKET = "edumon-access"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from weed_server(tmp_path_factory, BUCKET)


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sep"), "september", formats=("html", "docx"))


@pytest.fixture
def env(server, monkeypatch):
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("EDUMON_S3_MAX_ATTEMPTS", "2")
    monkeypatch.delenv("EDUMON_S3_CREATE_BUCKET", raising=False)
    monkeypatch.delenv("EDUMON_S3_CREDENTIALS_BLOCK", raising=False)
    return server


def one_row_parquet(data: bytes, tmp_path) -> bytes:
    """The same table with only its first row: a second, different version."""
    src, out = tmp_path / "src.parquet", tmp_path / "one.parquet"
    src.write_bytes(data)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{src}') LIMIT 1) TO '{out}' (FORMAT parquet)")
    con.close()
    return out.read_bytes()


@pytest.mark.skipif(chromium() is None, reason="нет Chromium (make browser)")
def test_an_official_opens_the_index_from_the_http_address_and_every_link_loads(env, september, tmp_path):
    _, _, run, docs, tables = september
    folder = tmp_path / "store"
    # the Prefect task as the flow calls it (.fn: without a server): a folder and a bucket
    result = publish_task.fn(f"{folder},s3://{BUCKET}/officials", dict(run), "september", AY, tables, docs,
                             inputs(), {"public_prefixes": ["reports/"], "public_read_policy": True})
    links = result["links"]
    assert set(links) == {"mo1", "mo2"}
    # one address per store: the folder's file:// and the bucket's http:// (not s3://)
    assert links["mo1"][0] == (folder / f"reports/mo1/{AY}/index.html").resolve().as_uri()
    assert links["mo1"][1] == f"{env.endpoint}/{BUCKET}/officials/reports/mo1/{AY}/index.html"

    browser = Browser()
    try:
        page = browser.open_page(links["mo1"][1])
    finally:
        browser.close()
    assert page["title"].startswith("Документы мониторинга — Город Первый")
    assert "Аналитическая справка" in page["text"]
    # every link of the page, fetched by the browser without a key: the справки in both
    # formats, the recommendations and the manifest, all 200 with their types
    assert len(page["links"]) >= 5
    assert [(l["href"], l["status"]) for l in page["links"] if l["status"] != 200] == []
    types = {l["href"].rsplit(".", 1)[-1]: l["type"] for l in page["links"]}
    assert types["html"] == "text/html; charset=utf-8" and types["json"].startswith("application/json")
    assert types["docx"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    # tables and validation stay private: named on the page, not readable without a key
    assert f"tables/{AY}/shnor.xlsx" in page["text"]
    private = httpx.get(f"{env.endpoint}/{BUCKET}/officials/tables/{AY}/shnor.parquet", timeout=10)
    assert private.status_code == 403
    listing = httpx.get(f"{env.endpoint}/{BUCKET}?list-type=2", timeout=10)
    assert listing.status_code == 403                         # no anonymous listing either
    # the summary's keys are real: every one of them is in the bucket (version folders)
    s3 = S3Store.from_url(f"s3://{BUCKET}/officials")
    assert result["keys"] and all(s3.exists(k) for k in result["keys"])
    assert any(k.startswith(f"reports/mo1/{AY}/september/") and k.endswith("/spravka.html") and
               k.count("/") == 5 for k in result["keys"])


def test_the_bucket_policy_is_written_once_and_keeps_other_statements(env):
    store = S3Store.from_url(f"s3://{BUCKET}/policy")
    other = {"Sid": "someone-else", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
             "Resource": [f"arn:aws:s3:::{BUCKET}/elsewhere/*"]}
    store.client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    assert store.allow_public_read(["reports/"]) is True
    assert store.allow_public_read(["reports/"]) is False      # unchanged: not written again
    policy = json.loads(store.client.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {"someone-else", "edumon-public-read"}


def test_an_analyst_reads_the_current_table_by_its_stable_name(env, september, tmp_path):
    _, _, run, docs, tables = september
    store = S3Store.from_url(f"s3://{BUCKET}/analyst")
    key = f"tables/{AY}/shnor.parquet"
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs("v1"))
    first = tmp_path / "first.parquet"
    env.client().download_file(BUCKET, f"analyst/{key}", str(first))
    n_first = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{first}')").fetchone()[0]
    assert n_first == 3          # the fixture registry's 3 schools (a1, b2, c3): one row each, flagged or not

    second = dict(tables, **{key: one_row_parquet(tables[key], tmp_path)})
    publish_cycle(store, dict(run, run_id="run-2"), "september", AY, second, docs, inputs("v2"))
    again = tmp_path / "second.parquet"
    env.client().download_file(BUCKET, f"analyst/{key}", str(again))
    assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{again}')").fetchone()[0] == 1
    # the stable copy is the very object the pointer names
    pointer = json.loads(store.get(f"tables/{AY}/shnor.current.json"))
    [versioned] = [f for f in pointer["files"] if f["key"].endswith(".parquet")]
    assert store.get(key) == store.get(versioned["key"]) and pointer["run_id"] == "run-2"
    assert store.exists(f"tables/{AY}/shnor.xlsx")

    # views.sql over the stable names: download them, run it, read every table by name
    local = tmp_path / "copy"
    for k in store.list("tables/"):
        if k.count("/") <= 2 and not k.endswith(".json"):   # tables/views.sql, tables/<AY>/<name>.*
            (local / k).parent.mkdir(parents=True, exist_ok=True)
            (local / k).write_bytes(store.get(k))
    con = duckdb.connect()
    con.execute(f"SET file_search_path = '{local}'")
    con.execute((local / "tables" / "views.sql").read_text())
    assert con.execute(f"SELECT count(*) FROM shnor_{AY}").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM shnor").fetchone()[0] == 1
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {"shnor", f"shnor_{AY}", "procedure_results", f"procedure_results_{AY - 1}"} <= views


def test_one_cycle_pointer_switched_last_names_every_table_of_one_run(env, september, tmp_path):
    _, _, run, docs, tables = september
    store = S3Store.from_url(f"s3://{BUCKET}/atomic")
    order: list[str] = []
    store.client.meta.events.register("before-parameter-build.s3.PutObject",
                                      lambda params=None, **kw: order.append(params["Key"]))
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    pointer_at = order.index(f"atomic/cycles/{AY}/september/current.json")
    # every versioned object and manifest was written before the one pointer switched
    before, after = order[:pointer_at], order[pointer_at + 1:]
    m = current_cycle(store, AY, "september")
    assert {f"atomic/{f['key']}" for t in m["tables"].values() for f in t["files"]} <= set(before)
    assert {f"atomic/{u['manifest']}" for u in m["reports"].values()} <= set(before)
    # the followers come after it: table pointers, municipality pointers, stable names, index
    assert f"atomic/tables/{AY}/shnor.current.json" in after and f"atomic/reports/mo1/{AY}/index.html" in after
    assert not any(k.endswith("current.json") for k in before)
    # and a follower lost in a kill is repaired by the next (unchanged) publication
    store.client.delete_object(Bucket=BUCKET, Key=f"atomic/tables/{AY}/shnor.parquet")
    store.client.delete_object(Bucket=BUCKET, Key=f"atomic/reports/mo1/{AY}/september/current.json")
    publish_cycle(store, dict(run, run_id="rerun"), "september", AY, tables, docs, inputs())
    assert store.exists(f"tables/{AY}/shnor.parquet")
    assert read_publication(store, "mo1", AY, "september")["manifest"]["run_id"] == run["run_id"]


def test_an_endpoint_with_credentials_is_refused_without_repeating_them(env, monkeypatch):
    secret = "Sup3r-S3cret-Value"
    monkeypatch.setenv("EDUMON_S3_ENDPOINT", f"http://{ACCESS_KEY}:{secret}@127.0.0.1:1")
    with pytest.raises(PermanentStoreError) as err:
        S3Store.from_url(f"s3://{BUCKET}/x")
    message = str(err.value)
    assert "EDUMON_S3_ENDPOINT" in message and "учётные данные" in message
    assert secret not in message and ACCESS_KEY not in message and "127.0.0.1" not in message
    with pytest.raises(PermanentStoreError) as err:
        S3Store.from_url(f"s3://{ACCESS_KEY}:{secret}@{BUCKET}/x")
    assert secret not in str(err.value)


def test_a_missing_bucket_is_an_error_unless_creation_was_asked_for(env, monkeypatch):
    with pytest.raises(PermanentStoreError, match="корзины «edumon-typo» нет"):
        S3Store.from_url("s3://edumon-typo/reports")
    names = {b["Name"] for b in env.client().list_buckets()["Buckets"]}
    assert "edumon-typo" not in names                          # not created silently
    monkeypatch.setenv("EDUMON_S3_CREATE_BUCKET", "1")
    S3Store.from_url("s3://edumon-created/reports")
    assert "edumon-created" in {b["Name"] for b in env.client().list_buckets()["Buckets"]}


def test_the_pull_downloads_only_new_or_changed_objects(env, tmp_path):
    c = env.client()
    c.create_bucket(Bucket="landing")
    files = {"mo7/schools/r.csv": b"school_code\na1\n", "mo7/2022/vpr_stats/s.csv": b"school_code,grade\na1,5\n",
             "mo7/2023/context/c.csv": b"school_code\na1\n"}
    for k, v in files.items():
        c.put_object(Bucket="landing", Key=k, Body=v)
    url = "s3://landing/mo7"
    first = pull.pull(url, tmp_path / "cache")
    assert sorted(first.downloaded) == ["2022/vpr_stats/s.csv", "2023/context/c.csv", "schools/r.csv"]
    assert (first.cache / "2022" / "vpr_stats" / "s.csv").read_bytes() == files["mo7/2022/vpr_stats/s.csv"]
    assert first.cache == (tmp_path / "cache" / "landing" / "mo7").resolve()

    gets: list[str] = []
    again = pull.pull(url, tmp_path / "cache", store=_counting(S3Store.from_url(url), gets))
    assert again.downloaded == [] and again.unchanged == 3 and gets == []   # nothing downloaded

    c.put_object(Bucket="landing", Key="mo7/2023/context/c.csv", Body=b"school_code\na1\nb2\n")
    c.delete_object(Bucket="landing", Key="mo7/schools/r.csv")
    third = pull.pull(url, tmp_path / "cache", store=_counting(S3Store.from_url(url), gets))
    assert third.downloaded == ["2023/context/c.csv"] and gets == ["mo7/2023/context/c.csv"]
    assert third.removed == ["schools/r.csv"] and not (third.cache / "schools" / "r.csv").exists()
    assert (third.cache / "2023" / "context" / "c.csv").read_bytes() == b"school_code\na1\nb2\n"
    manifest = json.loads((third.cache / pull.MANIFEST).read_text())
    assert set(manifest) == {"2022/vpr_stats/s.csv", "2023/context/c.csv"}
    assert all(len(v["sha256"]) == 64 and v["etag"] for v in manifest.values())


def _counting(store: S3Store, seen: list[str]) -> S3Store:
    seen.clear()
    store.client.meta.events.register("before-parameter-build.s3.GetObject",
                                      lambda params=None, **kw: seen.append(params["Key"]))
    return store


def test_the_local_folder_store_has_the_same_followers(september, tmp_path):
    _, _, run, docs, tables = september
    store = LocalStore(tmp_path / "store")
    publish_cycle(store, dict(run), "september", AY, tables, docs, inputs())
    assert (tmp_path / "store" / "tables" / str(AY) / "shnor.parquet").read_bytes() == tables[f"tables/{AY}/shnor.parquet"]
    assert (tmp_path / "store" / "cycles" / str(AY) / "september" / "current.json").is_file()
    con = duckdb.connect()
    con.execute(f"SET file_search_path = '{tmp_path / 'store'}'")
    con.execute((tmp_path / "store" / "tables" / "views.sql").read_text())
    assert con.execute(f"SELECT count(*) FROM shnor_{AY}").fetchone()[0] == 3   # a1, b2, c3
