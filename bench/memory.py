"""Peak memory of a process tree, sampled from /proc (Linux), with a per-stage peak and a
watchdog that stops a run before it takes the shared machine down."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _scan_children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(p.name))
    return out


_TASK_CHILDREN = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _children(pid: int) -> list[int]:
    """The process's children from its threads' own /proc files (≈ 0.05 ms); a scan of all of
    /proc (≈ 10–30 ms on a busy machine) only where the kernel has no such files. The scan
    once per process of the tree, five times a second, was tens of seconds of CPU in a
    country cycle: taken from the run it measured (found by par8, session 8)."""
    if not _TASK_CHILDREN:
        return _scan_children(pid)
    out: list[int] = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:  # a thread that has just ended
                continue
    except OSError:  # the process has just ended
        return []
    return out


def tree_pids(pid: int) -> list[int]:
    """The process and all its descendants."""
    out, todo = [], [pid]
    while todo:
        q = todo.pop()
        out.append(q)
        todo += _children(q)
    return out


def tree_rss_bytes(pid: int, include_children: bool = True) -> int:
    """Resident set size of a process and (optionally) all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        if include_children:
            todo += _children(p)
    return total


class MemorySampler:
    """Samples RSS every `interval` s in a thread; `stage(name)` starts a new stage whose
    peak is reported by `peaks`. Above `limit_bytes` it kills the tree (SIGKILL to the
    children, then exits the process with code 3) and says so on stderr."""

    def __init__(self, pid: int | None = None, interval: float = 0.05, limit_bytes: int | None = None,
                 include_children: bool = True):
        self.pid = pid or os.getpid()
        self.interval = interval
        self.limit = limit_bytes
        self.include_children = include_children
        self.peak = 0
        self.peaks: dict[str, int] = {}
        self._stage: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def stage(self, name: str | None) -> None:
        self._stage = name
        if name is not None:
            self.peaks[name] = max(self.peaks.get(name, 0), tree_rss_bytes(self.pid, self.include_children))

    def _run(self):
        while not self._stop.is_set():
            rss = tree_rss_bytes(self.pid, self.include_children)
            self.peak = max(self.peak, rss)
            if self._stage is not None:
                self.peaks[self._stage] = max(self.peaks.get(self._stage, 0), rss)
            if self.limit and rss > self.limit:
                print(f"bench: memory {rss / 2**30:.1f} GiB above the limit {self.limit / 2**30:.1f} GiB "
                      f"in stage {self._stage}: stopped", file=sys.stderr, flush=True)
                for c in _children(self.pid):
                    try:
                        os.kill(c, signal.SIGKILL)
                    except OSError:
                        pass
                if self.pid == os.getpid():
                    os._exit(3)
                os.kill(self.pid, signal.SIGKILL)
            time.sleep(self.interval)
