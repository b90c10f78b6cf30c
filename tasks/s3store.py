"""An S3-compatible bucket as an object store (same interface as `tasks.store.LocalStore`).

Where it points and with which credentials comes from the environment, never from
code or configuration files, and is never logged:

- `s3://bucket/prefix` — the store location (`--store`);
- `EDUMON_S3_ENDPOINT` — endpoint URL of any S3-compatible server (SeaweedFS, MinIO,
  Yandex Object Storage…); unset means AWS;
- `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (or any source boto3 reads: profile,
  instance role); `AWS_DEFAULT_REGION` (default `us-east-1`);
- `EDUMON_S3_MAX_ATTEMPTS` — attempts per request incl. retries (default 5);
- `EDUMON_S3_CREATE_BUCKET=1` — create the bucket when missing (demos, tests).

Every object carries its Content-Type (with charset for text) and its sha256 in the
metadata (`x-amz-meta-sha256`). Errors become `StoreError` with a Russian message that
names the endpoint, bucket and key, never a secret.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError,
                                 EndpointConnectionError, NoCredentialsError, ReadTimeoutError)

from tasks.store import PointerConflict, StoreError, content_type, sha256_bytes

AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken",
              "ExpiredToken", "403", "Forbidden"}


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 client=None, max_attempts: int = 5):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.client = client or boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url,
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            config=BotoConfig(retries={"max_attempts": max_attempts, "mode": "standard"},
                              connect_timeout=3, read_timeout=20,
                              s3={"addressing_style": "path"}, signature_version="s3v4"))

    @classmethod
    def from_url(cls, url: str, **kwargs) -> "S3Store":
        rest = url.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise StoreError(f"Адрес хранилища {url!r} не содержит имени корзины (s3://корзина/префикс).")
        store = cls(bucket, prefix, endpoint_url=os.environ.get("EDUMON_S3_ENDPOINT") or None,
                    max_attempts=int(os.environ.get("EDUMON_S3_MAX_ATTEMPTS", "5")), **kwargs)
        if os.environ.get("EDUMON_S3_CREATE_BUCKET", "").lower() in ("1", "true", "yes"):
            store.ensure_bucket()
        return store

    # -- errors -------------------------------------------------------------------------
    def _where(self, key: str | None) -> str:
        return (f"хранилище {self.endpoint_url or 'AWS S3'}, корзина «{self.bucket}»"
                + (f", объект «{self.prefix}{key}»" if key else ""))

    @contextmanager
    def _errors(self, action: str, key: str | None = None):
        try:
            yield
        except PointerConflict:
            raise
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                raise PointerConflict(f"Указатель {key} изменён другой публикацией ({self._where(key)}): "
                                      "повторите публикацию.") from None
            if code in AUTH_CODES or status == 403:
                raise StoreError(
                    f"Не удалось {action}: {self._where(key)} отклонило учётные данные (код {code or status}). "
                    "Проверьте ключ доступа и секретный ключ в переменных окружения AWS_ACCESS_KEY_ID и "
                    "AWS_SECRET_ACCESS_KEY и права на корзину.") from None
            if code == "NoSuchBucket":
                raise StoreError(f"Не удалось {action}: корзины «{self.bucket}» нет "
                                 f"({self._where(None)}). Создайте её или исправьте адрес s3://…") from None
            raise StoreError(f"Не удалось {action}: {self._where(key)} ответило ошибкой {code or status}.") from None
        except NoCredentialsError:
            raise StoreError(f"Не удалось {action}: не заданы учётные данные S3 "
                             "(AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY).") from None
        except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as e:
            raise StoreError(f"Не удалось {action}: {self._where(key)} недоступно после повторных попыток "
                             f"({type(e).__name__}). Публикация не завершена; опубликованная ранее версия "
                             "остаётся в силе. Повторите публикацию, когда хранилище станет доступно.") from None
        except BotoCoreError as e:
            raise StoreError(f"Не удалось {action}: {self._where(key)}: {type(e).__name__}.") from None

    # -- the store interface ------------------------------------------------------------
    def ensure_bucket(self) -> None:
        with self._errors("создать корзину"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as e:
                if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
                self.client.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes, metadata: dict | None = None) -> None:
        meta = {"sha256": sha256_bytes(data), **(metadata or {})}
        with self._errors("записать объект", key):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type(key), Metadata=meta)

    def put_if(self, key: str, data: bytes, etag: str | None) -> None:
        cond = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        with self._errors("переключить указатель", key):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type(key),
                                   Metadata={"sha256": sha256_bytes(data)}, **cond)

    def get(self, key: str) -> bytes:
        with self._errors("прочитать объект", key):
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()

    def head(self, key: str) -> dict | None:
        with self._errors("прочитать сведения об объекте", key):
            try:
                r = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
            except ClientError as e:
                if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    return None
                raise
        return {"etag": r["ETag"], "sha256": r.get("Metadata", {}).get("sha256"),
                "size": r["ContentLength"], "content_type": r.get("ContentType")}

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def list(self, prefix: str = "") -> list[str]:
        keys = []
        with self._errors("получить список объектов", prefix):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.prefix + prefix):
                keys += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
        return sorted(keys)

    def get_json(self, key: str) -> dict:
        import json  # noqa: PLC0415

        return json.loads(self.get(key))
