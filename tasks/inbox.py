"""Listing the files of one source in the inbox (inbox/<AY>/<source>/ or inbox/<source>/).

Subfolders of a source folder are read too (an archive unpacked as it comes:
`inbox/2020/vpr_participants/5/…xlsx`); such a file keeps its path below the source
folder as the name the user sees («5/…xlsx»). Hidden files and Excel's lock files
(«~$…») are skipped; a link leading out of the inbox is refused. `inbox_findings` names
what looks like data but is not read (issue 11: inbox hygiene)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from schemas.sources import SOURCES, Source
from tasks.errors import IngestError
from tasks.read import READABLE_SUFFIXES, inbox_file


def source_folder(inbox: Path, source: Source, ay: int | None) -> Path:
    return inbox / source.name if not source.yearly else inbox / str(ay) / source.name


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def list_files(folder: Path, root: Path | None = None) -> list[Path]:
    """The readable files of a source folder and its subfolders, in name order. A link
    whose target lies outside the inbox (`root`, default: the folder) is refused."""
    if not folder.is_dir():
        return []
    base = Path(os.path.realpath(root or folder))
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skipped(d))
        for name in sorted(dirnames + filenames):
            if _skipped(name):
                continue
            p = here / name
            if p.is_symlink():
                target = Path(os.path.realpath(p))
                if not target.is_relative_to(base):
                    raise IngestError(f"Ссылка «{p.relative_to(folder).as_posix()}» в папке {folder.name}/ ведёт за "
                                      f"пределы папки входящих ({target}): такие ссылки не читаются. Удалите ссылку и "
                                      f"положите в папку сам файл.")
                if name in dirnames:
                    # a link to a folder inside the inbox: not followed (it would read files twice)
                    continue
            if name in filenames and p.is_file() and p.suffix.lower() in READABLE_SUFFIXES:
                rel = p.relative_to(folder)
                out.append(p if len(rel.parts) == 1 else inbox_file(p, rel.as_posix()))
    return sorted(out, key=lambda p: getattr(p, "relative", "") or p.name)


def inbox_findings(inbox: Path) -> list[str]:
    """Names in the inbox that look like data but are not read, as Russian warnings: a
    folder named like a file, an AY folder that is not a year, files outside source
    folders, unknown source folders, files of a format that is not read."""
    if not inbox.is_dir():
        return []
    yearly = {s.name for s in SOURCES.values() if s.yearly}
    known = sorted(yearly)
    out = []

    def like_file(p: Path) -> bool:
        return p.is_dir() and p.suffix.lower() in READABLE_SUFFIXES

    for top in sorted(inbox.iterdir()):
        if _skipped(top.name):
            continue
        if top.is_file():
            if top.suffix.lower() not in READABLE_SUFFIXES:
                continue  # not data (e.g. the generator's planted.json)
            out.append(f"Файл «{top.name}» лежит прямо в папке входящих и не читается: положите его в папку "
                       f"<учебный год>/<источник>/ (например, 2023/oo1/).")
        elif like_file(top):
            out.append(f"Папка «{top.name}/» названа как файл и не читается: это папка, а не файл.")
        elif top.name in ("schools", "reference"):
            continue
        elif not re.fullmatch(r"(19|20)\d\d", top.name):
            out.append(f"Папка «{top.name}/» не похожа на учебный год (ожидается год начала, например 2023) — "
                       f"файлы в ней не читаются.")
        else:
            for sub in sorted(top.iterdir()):
                rel = f"{top.name}/{sub.name}"
                if _skipped(sub.name):
                    continue
                if sub.is_file():
                    if sub.suffix.lower() not in READABLE_SUFFIXES:
                        continue
                    out.append(f"Файл «{rel}» лежит вне папки источника и не читается: положите его в папку "
                               f"{top.name}/<источник>/.")
                elif like_file(sub):
                    out.append(f"Папка «{rel}/» названа как файл и не читается: это папка, а не файл (файлы "
                               f"кладут в папку источника, например {top.name}/staff/).")
                elif sub.name not in yearly:
                    out.append(f"Папка «{rel}/»: нет такого источника, файлы в ней не читаются (известные "
                               f"источники: {', '.join(known)}).")
    for folder in [inbox / "schools", *[d for y in sorted(inbox.glob("[12][09][0-9][0-9]")) if y.is_dir()
                                        for d in sorted(y.iterdir()) if d.is_dir() and d.name in yearly]]:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if not _skipped(d)]
            for d in dirnames:
                if Path(d).suffix.lower() in READABLE_SUFFIXES:
                    out.append(f"Папка «{(here / d).relative_to(inbox).as_posix()}/» названа как файл: это папка; "
                               f"файлы в ней читаются как из подпапки источника.")
            for f in filenames:
                if not _skipped(f) and Path(f).suffix.lower() not in READABLE_SUFFIXES:
                    out.append(f"Файл «{(here / f).relative_to(inbox).as_posix()}» не читается: формат "
                               f"{Path(f).suffix or 'без расширения'} (читаются XLSX, CSV и Parquet).")
    return out


def subfolders(files: list[Path]) -> list[str]:
    """The subfolders (below the source folder) the files were found in, for the log."""
    return sorted({f.relative.rsplit("/", 1)[0] for f in files if getattr(f, "relative", "")})
