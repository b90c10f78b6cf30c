"""Listing the files of one source in the inbox (inbox/<AY>/<source>/ or inbox/<source>/)."""

from __future__ import annotations

from pathlib import Path

from schemas.sources import Source
from tasks.read import READABLE_SUFFIXES


def source_folder(inbox: Path, source: Source, ay: int | None) -> Path:
    return inbox / source.name if not source.yearly else inbox / str(ay) / source.name


def list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith(("~$", ".")))
