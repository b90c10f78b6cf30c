"""Object stores: the local folder (embedded default, `var/store/`) laid out exactly as
the S3 keys, and an S3-compatible bucket (`tasks/s3store.py`). Publishing code talks
only to this interface, so one code path serves both:

- `put(key, data, metadata=None)`            write one object (atomic per object)
- `get(key)`, `exists(key)`, `list(prefix)`  read
- `head(key)` → `{"etag", "sha256", "size"}` or None
- `put_if(key, data, etag)`                  conditional write of a small pointer object:
  `etag=None` writes only if the key does not exist (`If-None-Match: *`), otherwise only
  if the object still has that ETag (`If-Match`). A lost race raises `PointerConflict`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

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
}


def content_type(key: str) -> str:
    return CONTENT_TYPES.get(Path(key).suffix.lower(), "application/octet-stream")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class StoreError(RuntimeError):
    """A store failure with a message the user can act on (Russian)."""


class PointerConflict(StoreError):
    """Another publisher switched the pointer between our read and our write."""


class LocalStore:
    """A folder whose relative paths are the object keys. Writes are atomic per object
    (write a temporary file, then rename); a pointer's conditional write holds a lock
    file so the compare and the swap are one step. The ETag of a local object is its
    sha256."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.location = str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key outside the store: {key}")
        return path

    def put(self, key: str, data: bytes, metadata: dict | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def head(self, key: str) -> dict | None:
        path = self._path(key)
        if not path.is_file():
            return None
        data = path.read_bytes()
        digest = sha256_bytes(data)
        return {"etag": digest, "sha256": digest, "size": len(data)}

    def put_if(self, key: str, data: bytes, etag: str | None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(f".{path.name}.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.head(key)
            if (etag is None and current is not None) or (etag is not None and (current or {}).get("etag") != etag):
                raise PointerConflict(
                    f"Указатель {key} изменён другой публикацией: повторите публикацию.")
            self.put(key, data)

    def list(self, prefix: str = "") -> list[str]:
        base = self.root
        if not base.exists():
            return []
        keys = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()]
        return sorted(k for k in keys if k.startswith(prefix) and not Path(k).name.startswith("."))

    def get_json(self, key: str) -> dict:
        return json.loads(self.get(key))


def open_store(location: str | Path):
    """`s3://bucket/prefix` (credentials and endpoint from the environment) or a folder."""
    location = str(location)
    if location.startswith("s3://"):
        from tasks.s3store import S3Store  # noqa: PLC0415  (boto3 only when used)

        return S3Store.from_url(location)
    return LocalStore(location)
