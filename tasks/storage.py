"""The object-store interface both stores implement (`tasks.store.LocalStore`, a folder;
`tasks.s3store.S3Store`, an S3-compatible bucket), and what they share. Neither store
imports the other; `tasks.stores.open_store` picks one by its location.

- `put(key, data, metadata=None)`            write one object (atomic per object)
- `get(key)`, `exists(key)`, `list(prefix)`  read
- `head(key)` → `{"etag", "sha256", "size"}` or None
- `put_if(key, data, etag)`                  conditional write of a small pointer object:
  `etag=None` writes only if the key does not exist (`If-None-Match: *`), otherwise only
  if the object still has that ETag (`If-Match`). A lost race raises `PointerConflict`.
- `url(key)`                                 the address a person opens (file:// or http(s)://)
- `location`                                 where the store is, for messages (never a secret)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Protocol, runtime_checkable

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".sql": "application/sql; charset=utf-8",
}


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(key).suffix.lower(), "application/octet-stream")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class StoreError(RuntimeError):
    """A store failure with a message the user can act on (Russian), never a secret."""

    permanent = False  # True: retrying cannot help (credentials, a missing bucket, 4xx)


class PermanentStoreError(StoreError):
    permanent = True


class PointerConflict(StoreError):
    """Another publisher switched the pointer between our read and our write."""


@runtime_checkable
class Store(Protocol):
    location: str

    def put(self, key: str, data: bytes, metadata: dict | None = None) -> None: ...
    def put_if(self, key: str, data: bytes, etag: str | None) -> None: ...
    def get(self, key: str) -> bytes: ...
    def head(self, key: str) -> dict | None: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str = "") -> list[str]: ...
    def url(self, key: str) -> str: ...
    def get_json(self, key: str) -> dict: ...


def get_json(store: Store, key: str) -> dict:
    return json.loads(store.get(key))
