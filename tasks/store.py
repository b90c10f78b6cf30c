"""The local folder store (embedded default, `var/store/`), laid out exactly as the S3
keys. It implements `tasks.storage.Store`; the S3 bucket is `tasks.s3store.S3Store`."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path, PurePosixPath

from tasks.storage import (CONTENT_TYPES, PermanentStoreError, PointerConflict, StoreError,  # noqa: F401
                           content_type, sha256_bytes)


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
        """Keys under the prefix. Only the prefix's folder is walked: the index page of each
        of a country's 2,300 municipalities lists its own folder, not the whole store."""
        base = self.root
        if not base.exists():
            return []
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = base / folder if folder else base   # not resolved: keys are relative to `base` as given
        if folder and (".." in PurePosixPath(folder).parts or PurePosixPath(folder).is_absolute()):
            raise ValueError(f"prefix outside the store: {prefix}")
        if not start.is_dir():
            return []
        keys = [p.relative_to(base).as_posix() for p in start.rglob("*") if p.is_file()]
        return sorted(k for k in keys if k.startswith(prefix) and not Path(k).name.startswith("."))

    def get_json(self, key: str) -> dict:
        return json.loads(self.get(key))

    def url(self, key: str) -> str:
        return (self.root / key).resolve().as_uri()
