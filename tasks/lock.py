"""One writer per warehouse, by design.

A run takes the warehouse for itself with an exclusive `flock` on `<warehouse>.lock`
beside the DuckDB file, and writes there who holds it: run id, host, pid and start
time. A second run waits up to `[warehouse] lock_wait_seconds`, then stops with a
Russian message naming the holder. The kernel releases the lock when the holder dies
(even by SIGKILL), so a stale lock is taken over at once; the holder text left in the
file by a dead run is overwritten by the next holder. Within one process the lock is
re-entrant (a backfill runs several cycles, each taking it).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """The warehouse is held by another run longer than we may wait (Russian message)."""


_held: dict[str, list] = {}  # lock path -> [fd, depth]
_guard = threading.Lock()


def lock_path(warehouse: str | Path) -> Path:
    return Path(str(Path(warehouse).resolve()) + ".lock")


def holder_text(info: dict) -> str:
    if not info:
        return "другой запуск (сведения о нём не записаны)"
    parts = [f"запуск {info.get('run_id') or 'без номера'}"]
    if info.get("host"):
        parts.append(f"компьютер {info['host']}")
    if info.get("pid"):
        parts.append(f"процесс {info['pid']}")
    if info.get("started_at"):
        parts.append(f"начат {info['started_at']}")
    return ", ".join(parts)


def read_holder(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8").strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


@contextmanager
def warehouse_lock(warehouse: str | Path, run_id: str, wait_seconds: float = 600, poll_seconds: float = 0.5,
                   on_wait=None):
    """Hold the warehouse for the duration of the block. `on_wait(holder)` is called once
    when the lock is busy (to log that the run waits)."""
    path = lock_path(warehouse)
    key = str(path)
    with _guard:
        if key in _held:
            _held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield read_holder(path)
        finally:
            with _guard:
                _held[key][1] -= 1
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(0.0, float(wait_seconds))
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(path)
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"Хранилище {Path(warehouse).resolve()} занято: его держит {holder_text(holder)}. "
                        f"Ждали {float(wait_seconds):g} с ([warehouse] lock_wait_seconds). Дождитесь окончания "
                        "того запуска и повторите; два запуска одновременно в одно хранилище не пишут.") from None
                if not told and on_wait is not None:
                    on_wait(holder)
                    told = True
                time.sleep(poll_seconds)
    except BaseException:
        os.close(fd)
        raise
    info = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(),
            "started_at": datetime.now().astimezone().strftime("%d.%m.%Y %H:%M:%S %Z").strip()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)
    with _guard:
        _held[key] = [fd, 1]
    try:
        yield info
    finally:
        with _guard:
            _held.pop(key, None)
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
