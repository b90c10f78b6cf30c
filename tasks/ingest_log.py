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


# Files left out of a load the configuration allowed to continue without them
# (`[ingest] on_unreadable = "continue"`): named in the справка and the run's summary.
EXCLUDED_DDL = """CREATE TABLE IF NOT EXISTS excluded_files (
    run_id VARCHAR, source VARCHAR, ay INTEGER, file VARCHAR, reason VARCHAR, rows_last_time BIGINT,
    excluded_at TIMESTAMP)"""


def current_rows(con, table: str, ay) -> int:
    """Rows the warehouse holds now for the AY (what a new load would replace)."""
    return con.execute(f"SELECT count(*) FROM {table} WHERE ay IS NOT DISTINCT FROM ?", [ay]).fetchall()[0][0]


def rows_last_time(con, source: str, ay, file: str) -> int | None:
    """Rows the file held the last time it was read (None: never read before)."""
    got = con.execute("""
        SELECT rows_in FROM ingest_files
        WHERE source = ? AND ay IS NOT DISTINCT FROM ? AND file = ? AND rows_in > 0
        ORDER BY loaded_at DESC LIMIT 1""", [source, ay, file]).fetchall()
    return int(got[0][0]) if got else None


def record_excluded(con, run_id: str, source: str, ay, excluded: list[dict], now) -> None:
    con.execute(EXCLUDED_DDL)
    con.execute("DELETE FROM excluded_files WHERE run_id = ? AND source = ? AND ay IS NOT DISTINCT FROM ?",
                [run_id, source, ay])
    if excluded:
        con.executemany("INSERT INTO excluded_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(run_id, source, ay, x["file"], x["reason"], x["rows_last_time"], now) for x in excluded])


def carry_excluded(con, run_id: str, source: str, ay, now) -> list[dict]:
    """A load skipped as unchanged still lacks the files its last load excluded: they are
    recorded again under this run, so this run's documents say so too."""
    con.execute(EXCLUDED_DDL)
    rows = con.execute("""
        SELECT file, reason, rows_last_time FROM excluded_files
        WHERE source = ? AND ay IS NOT DISTINCT FROM ? AND run_id = (
            SELECT run_id FROM ingest_files WHERE source = ? AND ay IS NOT DISTINCT FROM ?
            ORDER BY loaded_at DESC LIMIT 1)
        ORDER BY file""", [source, ay, source, ay]).fetchall()
    out = [{"file": f, "reason": r, "rows_last_time": n} for f, r, n in rows]
    if out:
        record_excluded(con, run_id, source, ay, out, now)
    return out


def excluded_for_run(con, run_id: str) -> list[dict]:
    """Every file the run's loads went without: source, AY, file, reason, rows last time."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'excluded_files'"
                         ).fetchall()[0][0]
    if not exists:
        return []
    rows = con.execute("""SELECT source, ay, file, reason, rows_last_time FROM excluded_files
                          WHERE run_id = ? ORDER BY source, ay NULLS FIRST, file""", [run_id]).fetchall()
    return [{"source": s, "ay": a, "file": f, "reason": r, "rows_last_time": n} for s, a, f, r, n in rows]


def _rows_text(n: int) -> str:
    word = "строку" if n % 10 == 1 and n % 100 != 11 else \
        "строки" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "строк"
    return f"{n} {word}"


def inputs_incomplete(con, run_id: str) -> list[dict]:
    """The files a run went without, worded for the first page of a справка
    (reports/templates/_inputs_incomplete.html.j2): no codes, only what an official writes."""
    from schemas.sources import SOURCES

    out = []
    for x in excluded_for_run(con, run_id):
        src = SOURCES.get(x["source"])
        out.append({**x, "source_title": src.title if src else "источник данных",
                    "year": "" if x["ay"] is None else f"{x['ay']}/{x['ay'] + 1} учебный год",
                    "rows_text": _rows_text(int(x["rows_last_time"])) if x["rows_last_time"] else ""})
    return out
