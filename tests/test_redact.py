"""The secret scrubber (tasks/redact.py) on hand-written texts, log records of foreign
loggers and exceptions; no services needed (the end-to-end runs are tests/test_secrets.py)."""

from __future__ import annotations

import io
import logging

import pytest

from tasks import redact
from tasks.s3store import S3Store, check_endpoint
from tasks.storage import PermanentStoreError

SECRET = "wJalr+XUtnFEMI/K7MDENG"


@pytest.fixture
def planted(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("EDUMON_SECRET_ENV", "MY_VAULT")
    monkeypatch.setenv("MY_VAULT", "vault-value-1")
    monkeypatch.setenv("SHORT_TOKEN", "abc")          # under 6 characters: not masked


@pytest.mark.parametrize("text, expected", [
    ("https://key:pw@host:9000/b", "https://***@host:9000/b"),
    ("s3://AKIA:zzz@bucket/p", "s3://***@bucket/p"),
    ('{"aws_secret_access_key": "abc123", "region": "r"}', '{"aws_secret_access_key": "***", "region": "r"}'),
    ("aws_secret_access_key=abc123&x=1", "aws_secret_access_key=***&x=1"),
    ("password: hunter22 token=t0k", "password: *** token=***"),
    (f"Could not connect to http://h:1/{SECRET}/b", "Could not connect to http://h:1/***/b"),
    ("vault: vault-value-1; abc", "vault: ***; abc"),
    ("Школа «СОШ № 1», отметка 5; блок secret/edumon-s3", "Школа «СОШ № 1», отметка 5; блок secret/edumon-s3"),
])
def test_scrub_masks_credentials_and_keeps_ordinary_text(planted, text, expected):
    assert redact.scrub(text) == expected


def test_a_record_of_any_logger_is_masked_traceback_included(planted):
    redact.install()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    log = logging.getLogger("botocore.endpoint.some_child")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        log.debug("Sending %s", f"https://u:{SECRET}@h/x")
        try:
            raise ValueError(f"bad key {SECRET}")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert SECRET not in text
    assert "Sending https://***@h/x" in text and "ValueError: bad key ***" in text


def test_an_exception_leaves_a_task_body_masked(planted):
    @redact.scrubbed_errors
    def body():
        try:
            raise OSError(2, "No such file", f"/inbox/{SECRET}.parquet")
        except OSError as e:
            raise RuntimeError(f"read failed: {SECRET}") from e

    with pytest.raises(RuntimeError) as info:
        body()
    assert str(info.value) == "read failed: ***"
    assert info.value.__cause__.filename == "/inbox/***.parquet"


def test_registered_block_values_are_masked(planted):
    redact.register("block-secret-value")
    assert redact.scrub("x block-secret-value y") == "x *** y"


@pytest.mark.parametrize("endpoint", ["http://h:9000/?X-Amz-Credential=a", "http://key:pw@h:9000",
                                      f"http://h:9000/{SECRET}"])
def test_an_endpoint_with_credentials_is_refused_without_repeating_them(planted, endpoint):
    with pytest.raises(PermanentStoreError) as info:
        check_endpoint(endpoint)
    assert "pw" not in str(info.value) and SECRET not in str(info.value) and "X-Amz" not in str(info.value)


@pytest.mark.parametrize("url", ["s3://bucket/p?aws_secret_access_key=abc123", f"s3://bucket/{SECRET}"])
def test_a_store_location_with_credentials_is_refused(planted, url):
    with pytest.raises(PermanentStoreError) as info:
        S3Store.from_url(url, check_bucket=False)
    assert "abc123" not in str(info.value) and SECRET not in str(info.value)
