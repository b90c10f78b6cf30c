"""Pull the exports from where they land: an S3 prefix laid out as the inbox
(`s3://bucket/prefix/<AY>/<source>/*.xlsx`, `…/schools/…`) is mirrored into a local cache
folder with the same layout, which the cycle then reads as its inbox.

Only new or changed objects are downloaded. The pull manifest `<cache>/.edumon-pull.json`
records, per key, the object's ETag and size as the store reported them and the sha256 of
the bytes written; an object whose ETag and size are unchanged and whose local copy still
has that sha256 is not downloaded again, so a rerun on an unchanged landing prefix
downloads nothing and a changed object is pulled alone. An object removed from the landing
prefix is removed from the cache (the cache shows what is there now). Each file is written
atomically (temporary file, then rename), the manifest last.

Where the cache is: `EDUMON_INBOX_CACHE` or `var/inbox-cache`, then `<bucket>/<prefix>`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tasks.read import sha256_file
from tasks.storage import PermanentStoreError

MANIFEST = ".edumon-pull.json"


@dataclass
class PullReport:
    cache: Path
    downloaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def default_inbox(inbox: str | None) -> str:
    """The inbox a run reads: the one given, else the worker's `EDUMON_INBOX`, else `var/inbox`."""
    return str(inbox) if inbox else (os.environ.get("EDUMON_INBOX") or "var/inbox")


def is_remote(inbox: str) -> bool:
    return str(inbox).startswith("s3://")


def cache_folder(url: str, cache_root: str | Path | None = None) -> Path:
    root = Path(cache_root or os.environ.get("EDUMON_INBOX_CACHE") or "var/inbox-cache")
    rest = url.removeprefix("s3://").strip("/")
    return root.resolve() / rest


def _safe(key: str) -> bool:
    p = PurePosixPath(key)
    return bool(key) and not p.is_absolute() and ".." not in p.parts and not any(
        part.startswith(".") for part in p.parts)


def pull(url: str, cache_root: str | Path | None = None, store=None) -> PullReport:
    """Mirror the landing prefix `url` into the cache; returns what was done."""
    if store is None:
        from tasks.s3store import S3Store  # noqa: PLC0415  (boto3 only when used)

        store = S3Store.from_url(url)
    cache = cache_folder(url, cache_root)
    cache.mkdir(parents=True, exist_ok=True)
    manifest_path = cache / MANIFEST
    recorded: dict[str, dict] = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    listing = store.list_meta("")
    report = PullReport(cache=cache)
    current: dict[str, dict] = {}
    for key, meta in sorted(listing.items()):
        if key.endswith("/") or not _safe(key):
            continue   # folder markers; keys that would leave the cache or be hidden
        target = cache / key
        before = recorded.get(key)
        if (before and before["etag"] == meta["etag"] and before["size"] == meta["size"] and target.is_file()
                and sha256_file(target) == before["sha256"]):
            current[key] = before
            report.unchanged += 1
            continue
        data = store.get(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.pull{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        current[key] = {"etag": meta["etag"], "size": meta["size"], "sha256": hashlib.sha256(data).hexdigest()}
        report.downloaded.append(key)
    for key in sorted(set(recorded) - set(current)):
        path = cache / key
        if path.is_file():
            path.unlink()
        report.removed.append(key)
    if not current and not recorded:
        raise PermanentStoreError(f"В {url} нет ни одной выгрузки: проверьте адрес папки приёма (s3://корзина/префикс).")
    tmp = manifest_path.with_name(f".{MANIFEST}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True))
    os.replace(tmp, manifest_path)
    return report

