"""The local folder store (embedded default, `var/store/`), laid out exactly as the S3
keys. It implements `tasks.storage.Store`; the S3 bucket is `tasks.s3store.S3Store`."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path, PurePosixPath

from tasks.storage import (CONTENT_TYPES, PermanentStoreError, PointerConflict, StoreError,  # noqa: F401
                           content_type, sha256_bytes)


# The sha256 of an object as it was written, kept on the file (an extended attribute) with
# the file's size and modification time then: `head` trusts it only while both are unchanged,
# otherwise (an object changed in place, a file system without user attributes) it hashes
# the file. So a publication's heads do not re-read whole files (issue 12).
XATTR = "user.edumon.sha256"


def _record(path: Path | str, digest: str) -> None:
    try:
        st = os.stat(path)
        os.setxattr(path, XATTR, f"{digest} {st.st_size} {st.st_mtime_ns}".encode("ascii"))
    except (OSError, AttributeError):   # no user attributes here: `head` hashes instead
        pass


def _recorded(path: str, st: os.stat_result) -> str | None:
    try:
        digest, size, mtime = os.getxattr(path, XATTR).decode("ascii").split()
    except (OSError, AttributeError, ValueError):
        return None
    return digest if int(size) == st.st_size and int(mtime) == st.st_mtime_ns else None


def _write_file(path: str, data: bytes | None, source: str | None) -> None:
    if source is None:
        with open(path, "wb") as f:
            f.write(data)
    else:
        shutil.copyfile(source, path)


class LocalStore:
    """A folder whose relative paths are the object keys. Writes are atomic per object
    (write a temporary file, then rename); a pointer's conditional write holds a lock
    file so the compare and the swap are one step. The ETag of a local object is its
    sha256 (recorded when it is written, `XATTR`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.location = str(self.root)
        self._resolved: tuple[str, str] | None = None   # (working directory, resolved root)
        self._folders: set[str] = set()   # folders this store made or found (no mkdir per object)

    def _base(self) -> str:
        """The root resolved once (again only if a relative root's working directory changed)."""
        cwd = "" if self.root.is_absolute() else os.getcwd()
        if self._resolved is None or self._resolved[0] != cwd:
            self._resolved = (cwd, str(self.root.resolve()))
        return self._resolved[1]

    def _file(self, key: str) -> str:
        """The key's file (a string: a country's publication touches ≈ 100,000 keys). Keys
        are checked as text (no absolute key, no `..`, no empty part); `Path.resolve` of
        every key took ≈ 2 ms each."""
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", "..") for p in parts[:-1]) or parts[-1] in ("", ".", ".."):
            raise ValueError(f"key outside the store: {key}")
        return os.path.join(self._base(), key)

    def _path(self, key: str) -> Path:
        return Path(self._file(key))

    def _write(self, path: str, data: bytes | None, digest: str | None, source: str | None = None) -> None:
        folder, name = os.path.split(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        tmp = os.path.join(folder, f".{name}.tmp{os.getpid()}")
        try:
            _write_file(tmp, data, source)
        except FileNotFoundError:   # the folder was removed since this store saw it: make it again
            os.makedirs(folder, exist_ok=True)
            _write_file(tmp, data, source)
        _record(tmp, digest if digest is not None else sha256_bytes(data))
        os.replace(tmp, path)

    def put(self, key: str, data: bytes, metadata: dict | None = None) -> None:
        """`metadata["sha256"]`, when given, is the caller's sha256 of these bytes (computed
        once, for the manifest); it is recorded with the file."""
        self._write(self._file(key), data, (metadata or {}).get("sha256"))

    def copy(self, source: str, key: str) -> None:
        """A copy inside the store (the stable names of tables): no read into Python."""
        src = self._file(source)
        head = self.head(source)
        if head is None:
            raise FileNotFoundError(src)
        self._write(self._file(key), None, head["sha256"], source=src)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def head(self, key: str) -> dict | None:
        path = self._file(key)
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(st.st_mode):   # (what `os.path.isfile` asks, without a second stat)
            return None
        digest = _recorded(path, st)
        if digest is None:
            with open(path, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        return {"etag": digest, "sha256": digest, "size": st.st_size}

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

    def glob(self, pattern: str) -> list[str]:
        """Keys matching a glob of the store's layout (`tables/*/*.parquet`): one folder
        level at a time, not a walk of everything below."""
        base = Path(self._base())
        return sorted(p.relative_to(base).as_posix() for p in base.glob(pattern)
                      if p.is_file() and not p.name.startswith("."))

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
