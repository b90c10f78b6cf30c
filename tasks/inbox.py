"""Listing the files of one source in the inbox (inbox/<AY>/<source>/ or inbox/<source>/).

Subfolders of a source folder are read too (an archive unpacked as it comes:
`inbox/2020/vpr_participants/5/…xlsx`); such a file keeps its path below the source
folder as the name the user sees («5/…xlsx»). Hidden files and Excel's lock files
(«~$…») are skipped."""

from __future__ import annotations

from pathlib import Path

from schemas.sources import Source
from tasks.read import READABLE_SUFFIXES, inbox_file


def source_folder(inbox: Path, source: Source, ay: int | None) -> Path:
    return inbox / source.name if not source.yearly else inbox / str(ay) / source.name


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(_skipped(part) for part in rel.parts) or not p.is_file() or p.suffix.lower() not in READABLE_SUFFIXES:
            continue
        out.append(p if len(rel.parts) == 1 else inbox_file(p, rel.as_posix()))
    return out


def subfolders(files: list[Path]) -> list[str]:
    """The subfolders (below the source folder) the files were found in, for the log."""
    return sorted({f.relative.rsplit("/", 1)[0] for f in files if getattr(f, "relative", "")})
