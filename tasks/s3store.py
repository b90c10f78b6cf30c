"""An S3-compatible bucket as an object store (implements `tasks.storage.Store`).

Where it points and with which credentials comes from the environment or a Prefect
block, never from code or configuration files, and is never logged:

- `s3://bucket/prefix` — the store location (`--store`);
- `EDUMON_S3_ENDPOINT` — endpoint URL of any S3-compatible server (SeaweedFS, MinIO,
  Yandex Object Storage…); unset means AWS. An endpoint with credentials in it
  (`https://key:secret@host`) is refused with a message that does not repeat them;
- `EDUMON_S3_CREDENTIALS_BLOCK` — a Prefect block holding the keys: `secret/<name>` (a
  `Secret` whose value is JSON `{"aws_access_key_id": …, "aws_secret_access_key": …}`,
  optionally `"endpoint_url"`, `"region_name"`) or `aws-credentials/<name>` (prefect-aws);
- otherwise `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (or any source boto3 reads:
  profile, instance role); `AWS_DEFAULT_REGION` (default `us-east-1`);
- `EDUMON_S3_MAX_ATTEMPTS` — attempts per request incl. retries (default 5);
- `EDUMON_S3_CREATE_BUCKET=1` — create the bucket when missing (demos, tests); without
  it a missing bucket is an error (a mistyped name is never created silently);
- `EDUMON_S3_PUBLIC_URL` — the address officials open, when it is not the endpoint's
  path-style address (a CDN, a virtual-host name): `https://reports.example.ru/prefix`.

Every object carries its Content-Type (with charset for text) and its sha256 in the
metadata (`x-amz-meta-sha256`). Errors become `StoreError` with a Russian message that
names the endpoint, bucket and key, never a secret; errors retrying cannot heal
(credentials, a missing bucket, other 4xx) are `PermanentStoreError`.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError,
                                 EndpointConnectionError, NoCredentialsError, ReadTimeoutError)

from tasks import redact
from tasks.storage import PermanentStoreError, PointerConflict, StoreError, content_type, sha256_bytes

AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken",
              "ExpiredToken", "403", "Forbidden"}


def check_endpoint(endpoint: str | None, what: str = "EDUMON_S3_ENDPOINT") -> str | None:
    """An endpoint URL without credentials in it, or a message that does not repeat them."""
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    if "@" in parts.netloc or parts.username or parts.password:
        raise PermanentStoreError(
            f"В адресе сервера S3 ({what}) записаны учётные данные (часть перед «@»). Уберите их из "
            "адреса: ключи задаются в AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY или в блоке Prefect "
            "(EDUMON_S3_CREDENTIALS_BLOCK).")
    if parts.query or parts.fragment or redact.has_secret(endpoint):
        raise PermanentStoreError(
            f"Адрес сервера S3 ({what}) содержит параметры после «?» или ключ: в адресе не должно быть "
            "учётных данных. Укажите только http(s)://сервер[:порт]; ключи задаются в AWS_ACCESS_KEY_ID и "
            "AWS_SECRET_ACCESS_KEY или в блоке Prefect (EDUMON_S3_CREDENTIALS_BLOCK).")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentStoreError(f"Адрес сервера S3 ({what}) должен начинаться с http:// или https:// "
                                  "и содержать имя сервера.")
    return endpoint.rstrip("/")


def block_credentials(name: str) -> dict:
    """boto3 client arguments from a Prefect block: `secret/<name>` or `aws-credentials/<name>`."""
    from prefect.blocks.core import Block  # noqa: PLC0415  (Prefect only when a block is named)

    slug, _, block_name = name.partition("/")
    if not block_name:
        slug, block_name = "secret", slug
    try:
        block = Block.load(f"{slug}/{block_name}")
    except Exception as e:  # noqa: BLE001  (the message names the block, never its value)
        raise PermanentStoreError(f"Не удалось прочитать блок Prefect «{slug}/{block_name}» с ключами S3 "
                                  f"(EDUMON_S3_CREDENTIALS_BLOCK): {type(e).__name__}.") from None
    if hasattr(block, "aws_access_key_id"):  # prefect-aws AwsCredentials
        secret = block.aws_secret_access_key
        out = {"aws_access_key_id": block.aws_access_key_id,
               "aws_secret_access_key": secret.get_secret_value() if secret else None,
               "region_name": getattr(block, "region_name", None)}
        endpoint = getattr(getattr(block, "aws_client_parameters", None), "endpoint_url", None)
        redact.register(out.get("aws_secret_access_key"))
        return {k: v for k, v in {**out, "endpoint_url": endpoint}.items() if v}
    value = block.get()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict) or not value.get("aws_access_key_id") or not value.get("aws_secret_access_key"):
        raise PermanentStoreError(
            f"Блок Prefect «{slug}/{block_name}» должен содержать JSON с полями aws_access_key_id и "
            "aws_secret_access_key (и, по желанию, endpoint_url, region_name).")
    allowed = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "endpoint_url", "region_name")
    redact.register(value.get("aws_secret_access_key"), value.get("aws_session_token"))
    return {k: value[k] for k in allowed if value.get(k)}


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 client=None, max_attempts: int = 5, credentials: dict | None = None,
                 public_url: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = check_endpoint(endpoint_url)
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.region = (credentials or {}).get("region_name") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
        keys = {k: v for k, v in (credentials or {}).items()
                if k in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")}
        self.public_url = (public_url or "").rstrip("/") or None
        self.client = client or boto3.session.Session(**keys).client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region,
            config=BotoConfig(retries={"max_attempts": max_attempts, "mode": "standard"},
                              connect_timeout=3, read_timeout=20,
                              s3={"addressing_style": "path"}, signature_version="s3v4"))

    @classmethod
    def from_url(cls, url: str, check_bucket: bool = True, **kwargs) -> "S3Store":
        rest = url.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        if "@" in bucket or ":" in bucket or "?" in rest or "#" in rest or redact.has_secret(url):
            raise PermanentStoreError("В адресе хранилища s3://… записаны учётные данные (часть перед «@») "
                                      "или порт. Уберите их: s3://корзина/префикс; ключи задаются в "
                                      "AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY или в блоке Prefect.")
        if not bucket:
            raise PermanentStoreError(f"Адрес хранилища {url!r} не содержит имени корзины (s3://корзина/префикс).")
        credentials = {}
        if os.environ.get("EDUMON_S3_CREDENTIALS_BLOCK"):
            credentials = block_credentials(os.environ["EDUMON_S3_CREDENTIALS_BLOCK"])
        endpoint = os.environ.get("EDUMON_S3_ENDPOINT") or credentials.pop("endpoint_url", None) or None
        kwargs.setdefault("public_url", os.environ.get("EDUMON_S3_PUBLIC_URL") or None)
        store = cls(bucket, prefix, endpoint_url=endpoint, credentials=credentials,
                    max_attempts=int(os.environ.get("EDUMON_S3_MAX_ATTEMPTS", "5")), **kwargs)
        if check_bucket:
            store.ensure_bucket(create=os.environ.get("EDUMON_S3_CREATE_BUCKET", "").lower() in ("1", "true", "yes"))
        return store

    def url(self, key: str) -> str:
        """The http(s) address of an object: the public base when set, else the endpoint's
        path-style address (AWS: the bucket's virtual-host address)."""
        path = quote(self.prefix + key)
        if self.public_url:
            return f"{self.public_url}/{quote(key)}"
        if self.endpoint_url:
            return f"{self.endpoint_url}/{quote(self.bucket)}/{path}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{path}"

    def allow_public_read(self, prefixes: list[str]) -> bool:
        """A bucket policy statement (Sid `edumon-public-read`) that lets anyone GET the
        objects under the given prefixes of this store, nothing else; other statements of
        the bucket's policy are kept. Returns True when the policy was changed."""
        sid = "edumon-public-read"
        resources = sorted(f"arn:aws:s3:::{self.bucket}/{self.prefix}{p}*" for p in prefixes)
        with self._errors("прочитать политику доступа корзины"):
            try:
                policy = json.loads(self.client.get_bucket_policy(Bucket=self.bucket)["Policy"])
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") not in ("NoSuchBucketPolicy", "NoSuchPolicy") and \
                        e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
                policy = {"Version": "2012-10-17", "Statement": []}
        others = [s for s in policy.get("Statement", []) if s.get("Sid") != sid]
        ours = [s for s in policy.get("Statement", []) if s.get("Sid") == sid]
        statement = {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
                     "Resource": resources}

        def listed(v):   # servers give back a one-item list as a plain string
            return sorted([v] if isinstance(v, str) else v or [])
        if (not resources and not ours) or (len(ours) == 1 and listed(ours[0].get("Resource")) == resources
                                            and listed(ours[0].get("Action")) == ["s3:GetObject"]
                                            and ours[0].get("Effect") == "Allow"):
            return False
        policy["Statement"] = others + ([statement] if resources else [])
        with self._errors("записать политику доступа корзины"):
            if policy["Statement"]:
                self.client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))
            else:
                self.client.delete_bucket_policy(Bucket=self.bucket)
        return True

    # -- errors -------------------------------------------------------------------------
    def _where(self, key: str | None) -> str:
        return (f"хранилище {redact.scrub(self.endpoint_url) or 'AWS S3'}, корзина «{self.bucket}»"
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
                raise PermanentStoreError(
                    f"Не удалось {action}: {self._where(key)} отклонило учётные данные (код {code or status}). "
                    "Проверьте ключ доступа и секретный ключ в переменных окружения AWS_ACCESS_KEY_ID и "
                    "AWS_SECRET_ACCESS_KEY и права на корзину.") from None
            if code == "NoSuchBucket":
                raise PermanentStoreError(self._no_bucket(action)) from None
            error = PermanentStoreError if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429) \
                else StoreError
            raise error(f"Не удалось {action}: {self._where(key)} ответило ошибкой {code or status}.") from None
        except NoCredentialsError:
            raise PermanentStoreError(f"Не удалось {action}: не заданы учётные данные S3 "
                             "(AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY).") from None
        except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as e:
            raise StoreError(f"Не удалось {action}: {self._where(key)} недоступно после повторных попыток "
                             f"({type(e).__name__}). Публикация не завершена; опубликованная ранее версия "
                             "остаётся в силе. Повторите публикацию, когда хранилище станет доступно.") from None
        except BotoCoreError as e:
            raise StoreError(f"Не удалось {action}: {self._where(key)}: {type(e).__name__}.") from None

    def _no_bucket(self, action: str) -> str:
        return (f"Не удалось {action}: корзины «{self.bucket}» нет ({self._where(None)}). Исправьте адрес "
                "s3://корзина/префикс или создайте корзину (для демонстрации и тестов: "
                "EDUMON_S3_CREATE_BUCKET=1).")

    # -- the store interface ------------------------------------------------------------
    def ensure_bucket(self, create: bool = True) -> None:
        """A missing bucket is an error unless `create` (it is never created silently)."""
        with self._errors("проверить корзину"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as e:
                if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
                if not create:
                    raise PermanentStoreError(self._no_bucket("открыть хранилище")) from None
                self.client.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes, metadata: dict | None = None) -> None:
        """`metadata["sha256"]`, when given, is the caller's sha256 of these bytes (computed
        once, for the manifest): not computed again."""
        meta = dict(metadata or {})
        meta.setdefault("sha256", sha256_bytes(data))
        with self._errors("записать объект", key):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type(key), Metadata=meta)

    def put_if(self, key: str, data: bytes, etag: str | None) -> None:
        cond = {"IfNoneMatch": "*"} if etag is None else {"IfMatch": etag}
        with self._errors("переключить указатель", key):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data,
                                   ContentType=content_type(key),
                                   Metadata={"sha256": sha256_bytes(data)}, **cond)

    def copy(self, source: str, key: str) -> None:
        """A server-side copy (content type and metadata, the sha256 included, go with it):
        the stable names of large tables are not downloaded and sent again."""
        with self._errors("скопировать объект", key):
            self.client.copy_object(Bucket=self.bucket, Key=self.prefix + key, MetadataDirective="COPY",
                                    CopySource={"Bucket": self.bucket, "Key": self.prefix + source})

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

    def list_meta(self, prefix: str = "") -> dict[str, dict]:
        """Every object under the prefix with its ETag and size (one listing, no HEAD)."""
        out = {}
        with self._errors("получить список объектов", prefix):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.prefix + prefix):
                for o in page.get("Contents", []):
                    out[o["Key"][len(self.prefix):]] = {"etag": o["ETag"].strip('"'), "size": o["Size"]}
        return out

    def get_json(self, key: str) -> dict:
        return json.loads(self.get(key))
