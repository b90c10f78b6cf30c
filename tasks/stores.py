"""Open a store by its location: `s3://bucket/prefix` (an S3-compatible bucket) or a
folder. The one module that knows both store classes; neither imports the other."""

from __future__ import annotations

from pathlib import Path

from tasks.storage import Store
from tasks.store import LocalStore


def locations(store: str) -> list[str]:
    """Several stores are given with commas: `var/store,s3://bucket/prefix`."""
    return [s.strip() for s in str(store).split(",") if s.strip()]


def open_store(location: str | Path, public_url: str | None = None) -> Store:
    """`s3://bucket/prefix` (credentials and endpoint from the environment or a Prefect
    block, see tasks/s3store.py) or a folder."""
    location = str(location)
    if location.startswith("s3://"):
        from tasks.s3store import S3Store  # noqa: PLC0415  (boto3 only when used)

        return S3Store.from_url(location, public_url=public_url)
    return LocalStore(location)
