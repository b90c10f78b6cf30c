"""A progress bar for the long stages of a cycle (rich, on stderr), for the person at a
terminal. Quiet when stderr is not a terminal (a worker, a test, a pipe) or with
EDUMON_PROGRESS=0; the log says the same in words either way."""

from __future__ import annotations

import os
import sys

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


class StageProgress:
    """`with StageProgress(title, total) as bar: bar.start("ingest", "oo1"); … bar.done()`:
    each `start` completes the previous step and names the current one."""

    def __init__(self, title: str, total: int):
        self.title, self.total, self.steps = title, total, 0
        self._progress = self._task = None

    def __enter__(self) -> "StageProgress":
        if enabled():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self._progress.start()
            self._task = self._progress.add_task(self.title, total=self.total)
        return self

    def start(self, stage: str, detail: str = "") -> None:
        if self.steps:
            self._advance()
        self.steps += 1
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
        if self._progress is not None:
            self._progress.stop()
