"""The ingest log (`ingest_files`): which files with which bytes were loaded, and how many rows."""

from __future__ import annotations


def unchanged(con, source: str, ay: int | None, shas: dict[str, str]) -> bool:
    """The same files with the same bytes were loaded last time: nothing to do."""
    last = con.execute("""
        SELECT file, sha256 FROM ingest_files
        WHERE source = ? AND ay IS NOT DISTINCT FROM ? AND run_id = (
            SELECT run_id FROM ingest_files WHERE source = ? AND ay IS NOT DISTINCT FROM ?
            ORDER BY loaded_at DESC LIMIT 1)""", [source, ay, source, ay]).fetchall()
    return bool(last) and dict(last) == shas


def log_files(con, run_id: str, source: str, ay, shas: dict[str, str], loaded: dict[str, int],
              rejected: dict[str, int], now) -> None:
    """One row per file of the load: rows in, loaded, quarantined (counts per file name)."""
    con.executemany("INSERT INTO ingest_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, source, ay, name, sha, loaded.get(name, 0) + rejected.get(name, 0),
                      loaded.get(name, 0), rejected.get(name, 0), now) for name, sha in shas.items()])
