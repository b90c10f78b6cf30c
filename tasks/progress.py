"""A progress bar for the long stages of a cycle (rich, on stderr), for the person at a
terminal. Quiet when stderr is not a terminal (a worker, a test, a pipe) or with
EDUMON_PROGRESS=0; the log says the same in words either way."""

from __future__ import annotations

import os
import sys
import threading

STAGE_TITLES = {"ingest": "загрузка", "compute": "расчёт показателей", "export": "таблицы",
                "render": "справки", "publish": "публикация"}


def enabled() -> bool:
    flag = os.environ.get("EDUMON_PROGRESS", "").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    try:
        return flag in ("1", "true", "yes", "on") or sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


_current: "StageProgress | None" = None  # the bar of the cycle running in this process


def track(items, total: int | None = None, what: str = ""):
    """Iterate `items`, showing a second bar under the cycle's bar (files read, documents
    rendered, objects uploaded) when one is on screen; otherwise just the items. The
    cycle's steps run in this process (Prefect's task threads, the ingest's lanes: each
    source's files get their own line), so one bar serves them."""
    bar = _current
    if bar is None or bar._progress is None:
        yield from items
        return
    if total is None:
        try:
            total = len(items)
        except TypeError:
            total = None
    task = bar._progress.add_task(f"  {what}", total=total)
    try:
        for item in items:
            yield item
            bar._progress.advance(task)
    finally:
        bar._progress.remove_task(task)


class StageProgress:
    """`with StageProgress(title, total) as bar: bar.start("compute"); … bar.done()`: each
    `start` completes the previous step and names the current one. Steps that run at the
    same time (the cycle's sources, tasks/ingest_cycle.py) are `begin(stage, name)` …
    `end(name)` from their threads: the bar names every one running and moves as each ends."""

    def __init__(self, title: str, total: int):
        self.title, self.total = title, total
        self._progress = self._task = None
        self._open = False   # a `start`ed step not yet complete
        self._stage, self._running = "", []   # the steps between `begin` and `end`
        self._lock = threading.Lock()

    def __enter__(self) -> "StageProgress":
        if enabled():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self._progress.start()
            self._task = self._progress.add_task(self.title, total=self.total)
        global _current
        _current = self
        return self

    def start(self, stage: str, detail: str = "") -> None:
        with self._lock:
            self._close()
            self._open = True
            self._describe(stage, detail)

    def begin(self, stage: str, name: str) -> None:
        """One of the steps that run at the same time starts (thread-safe)."""
        with self._lock:
            self._close()
            self._stage = stage
            self._running.append(name)
            self._describe(stage, ", ".join(self._running))

    def end(self, name: str) -> None:
        """That step is complete (it finished or failed): the bar moves one step."""
        with self._lock:
            self._running.remove(name)
            self._advance()
            if self._running:
                self._describe(self._stage, ", ".join(self._running))

    def _close(self) -> None:
        if self._open:
            self._advance()
            self._open = False

    def _describe(self, stage: str, detail: str) -> None:
        if self._progress is not None:
            what = STAGE_TITLES.get(stage, stage) + (f": {detail}" if detail else "")
            self._progress.update(self._task, description=f"{self.title} — {what}")

    def _advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def done(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=self.total, description=f"{self.title} — готово")

    def __exit__(self, *exc) -> None:
        global _current
        if _current is self:
            _current = None
        if self._progress is not None:
            self._progress.stop()
