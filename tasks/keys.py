"""Every object key of a publication, named in one place. The folder store and an S3
bucket use the same keys; nothing else builds a key by hand.

    tables/<AY>/<name>.{parquet,xlsx}                   stable name: a copy of the current version
    tables/<AY>/<version>/<name>.{parquet,xlsx}         a table's published version
    tables/<AY>/<name>.current.json                     pointer → the table's current version
    tables/<AY>/municipalities/<mun>/[<version>/]<name>.xlsx   one municipality's workbook
    tables/views.sql                                    DuckDB views over every stable table
    quality/<AY>/<cycle>/[<version>/]checkpoint.{html,json}
    validation/<AY>/<cycle>/[<version>/]problems.xlsx
    reports/<mun>/<AY>/<cycle>/<version>/<document>.{html,docx,pdf}
    reports/<mun>/<AY>/<cycle>/<version>/manifest.json  one municipality's publication
    reports/<mun>/<AY>/<cycle>/current.json             pointer → that manifest
    reports/<mun>/<AY>/index.html                       every document of the AY
    cycles/<AY>/<cycle>/<version>/manifest.json         the whole cycle: every table and manifest
    cycles/<AY>/<cycle>/current.json                    THE pointer: switched last, one write

A key is a `str` (`Key`); the functions below are the only way the code makes one.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import NewType

Key = NewType("Key", str)

POINTER = "current.json"
MANIFEST = "manifest.json"
VIEWS = Key("tables/views.sql")
SHARED_ROOTS = ("tables", "quality", "validation")
# a version folder is a 16-hex identity (tasks.publish.identity)
_VERSION = re.compile(r"^[0-9a-f]{16}$")


def table(ay: int, name: str, ext: str) -> Key:
    """The logical key of a table, and its stable name once published."""
    return Key(f"tables/{ay}/{name}.{ext}")


def municipality_table(ay: int, municipality: str, name: str) -> Key:
    """One municipality's workbook of a table (region and country scale, docs/tables.md)."""
    return Key(f"tables/{ay}/municipalities/{municipality}/{name}.xlsx")


def table_pointer(ay: int | str, name: str) -> Key:
    return Key(f"tables/{ay}/{name}.current.json")


def quality(ay: int, cycle: str, ext: str) -> Key:
    return Key(f"quality/{ay}/{cycle}/checkpoint.{ext}")


def validation(ay: int, cycle: str) -> Key:
    return Key(f"validation/{ay}/{cycle}/problems.xlsx")


def report_prefix(municipality: str, ay: int, cycle: str) -> str:
    return f"reports/{municipality}/{ay}/{cycle}"


def document(municipality: str, ay: int, cycle: str, filename: str) -> Key:
    """A document as render returns it (before it gets its version folder)."""
    return Key(f"{report_prefix(municipality, ay, cycle)}/{filename}")


def report_pointer(municipality: str, ay: int, cycle: str) -> Key:
    return Key(f"{report_prefix(municipality, ay, cycle)}/{POINTER}")


def report_manifest(municipality: str, ay: int, cycle: str, version: str) -> Key:
    return Key(f"{report_prefix(municipality, ay, cycle)}/{version}/{MANIFEST}")


def ay_prefix(municipality: str, ay: int) -> str:
    return f"reports/{municipality}/{ay}/"


def index(municipality: str, ay: int) -> Key:
    return Key(f"reports/{municipality}/{ay}/index.html")


def cycle_pointer(ay: int, cycle: str) -> Key:
    return Key(f"cycles/{ay}/{cycle}/{POINTER}")


def cycle_manifest(ay: int, cycle: str, version: str) -> Key:
    return Key(f"cycles/{ay}/{cycle}/{version}/{MANIFEST}")


def versioned(key: str, version: str) -> Key:
    """`a/b/name.ext` → `a/b/<version>/name.ext`. (As text: a country's publication calls
    these ≈ 200,000 times; `PurePosixPath` took ≈ 25 µs a call.)"""
    folder, _, name = key.rpartition("/")
    return Key(f"{folder}/{version}/{name}" if folder else f"{version}/{name}")


def unversioned(key: str) -> Key:
    """`a/b/<version>/name.ext` → `a/b/name.ext` (a key without a version folder is kept)."""
    folder, slash, name = key.rpartition("/")
    parent, _, last = folder.rpartition("/")
    if slash and _VERSION.match(last):
        return Key(f"{parent}/{name}" if parent else name)
    return Key(key)


def municipality_of(document_key: str) -> str:
    """`reports/<mun>/…` → `<mun>`."""
    parts = document_key.split("/")
    if len(parts) < 3 or parts[0] != "reports":
        raise ValueError(f"not a document key: {document_key}")
    return parts[1]


def is_shared(key: str) -> bool:
    """Tables, quality checkpoints and validation reports: shared by every municipality."""
    return key.split("/", 1)[0] in SHARED_ROOTS


def table_name(key: str) -> tuple[int, str, str] | None:
    """`tables/<AY>/[<version>/]<name>.<ext>` → (AY, name, ext); None for other keys."""
    p = PurePosixPath(unversioned(key))
    if len(p.parts) != 3 or p.parts[0] != "tables" or not p.parts[1].isdigit() or p.name.endswith(POINTER):
        return None
    return int(p.parts[1]), p.stem, p.suffix.lstrip(".")


def is_public(key: str, public_prefixes: list[str] | tuple[str, ...]) -> bool:
    return any(key.startswith(p) for p in public_prefixes)
