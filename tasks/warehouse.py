"""The DuckDB warehouse: raw landing tables, SQL models from `sql/`, marts per AY.

Raw tables are named `raw_<source>` and carry, beside the canonical columns, the AY,
the source file, sheet, Excel row, the file's sha256 and the run id. SQL models are
plain files in `sql/`; parameters are bound by name (`$ay`, `$shnor_low_share_pct`…),
never formatted into the text. Marts are stored per AY: a rebuild deletes the AY and
inserts it again, so re-running a year never duplicates rows.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import duckdb

from edumon.config import SQL_DIR
from schemas.contracts import DUCKDB_TYPES
from schemas.sources import SOURCES, Source

META_COLUMNS = {
    "ay": "INTEGER",
    "_file": "VARCHAR",
    "_sheet": "VARCHAR",
    "_row": "INTEGER",
    "_sha256": "VARCHAR",
    "_run_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}


# `[warehouse]` settings may be overridden per process by these environment variables
# (the benchmarks and a worker sharing a machine with others use them).
SETTING_ENV = {
    "threads": "EDUMON_DUCKDB_THREADS",
    "memory_limit": "EDUMON_DUCKDB_MEMORY_LIMIT",
    "temp_directory": "EDUMON_DUCKDB_TEMP_DIRECTORY",
}


def warehouse_settings(path: Path, settings: dict | None = None) -> dict:
    """DuckDB settings from `[warehouse]` of the configuration, then the environment.
    `threads = 0` means the cores the process may run on, an empty `memory_limit` DuckDB's
    default (80 % of RAM); an empty `temp_directory` means `<warehouse>.tmp` beside the file."""
    if settings is None:
        from edumon.config import load_config

        settings = load_config().get("warehouse", {})
    out = {k: settings.get(k) for k in SETTING_ENV}
    for key, env in SETTING_ENV.items():
        if os.environ.get(env):
            out[key] = os.environ[env]
    if not out.get("temp_directory"):
        out["temp_directory"] = str(path) + ".tmp"
    return out


def _threads(value) -> int:
    """`threads = 0` (or empty): the cores this process may run on (its CPU affinity, which
    a container or `taskset` may keep below the machine's core count DuckDB would use)."""
    if value and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def connect(path: str | Path, settings: dict | None = None) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cfg = warehouse_settings(path, settings)
    config = {"temp_directory": str(cfg["temp_directory"]), "threads": _threads(cfg.get("threads"))}
    if cfg.get("memory_limit"):
        config["memory_limit"] = str(cfg["memory_limit"])
    con = duckdb.connect(str(path), config=config)
    ensure_schema(con)
    return con


# The columns of a raw row that are the same for every row of one sheet of one file. A bulk
# source (millions of rows) stores them once per sheet: `raw_<source>__files` holds one row
# per sheet (`_fid`), `raw_<source>__rows` the rows with `ay`, `_row` and `_fid`, and the
# view `raw_<source>` joins them back with the same columns, in the same order and types, as
# the table of any other source (every reader reads the view). Writing a per-file constant
# per row costs DuckDB as much as any other string column (≈ 0.2 s per 1.77 M rows each).
FILE_COLUMNS = ["_file", "_sheet", "_sha256", "_run_id", "_loaded_at"]


def raw_table(source: Source) -> str:
    return f"raw_{source.name}"


# the bulk sources, by name: the warehouse's shape does not change with the path that loads it
_SPLIT = frozenset(name for name, src in SOURCES.items() if src.bulk)


def split_meta(source: Source) -> bool:
    """Whether the source stores its per-file columns once per sheet (see FILE_COLUMNS)."""
    return source.name in _SPLIT


def rows_table(source: Source) -> str:
    return f"raw_{source.name}__rows"


def files_table(source: Source) -> str:
    return f"raw_{source.name}__files"


def delete_ay(con, source: Source, ay, below_fid: int | None = None) -> None:
    """Delete one AY of a source's raw rows (inside the caller's transaction). `below_fid`:
    only the rows of sheets below that id (a load writes its rows under fresh ids first).
    The AY's `ingest_set_rules` go with its rows: only the load that writes the new rows
    can say which set-level rules held over all of them (tasks.bulk.load)."""
    con.execute("DELETE FROM ingest_set_rules WHERE source = ? AND ay IS NOT DISTINCT FROM ?",
                [source.name, ay]).fetchall()
    if split_meta(source):
        below = "" if below_fid is None else f" AND _fid < {int(below_fid)}"
        con.execute(f"DELETE FROM {rows_table(source)} WHERE ay IS NOT DISTINCT FROM ?{below}", [ay]).fetchall()
        con.execute(f"DELETE FROM {files_table(source)} WHERE ay IS NOT DISTINCT FROM ?", [ay]).fetchall()
    else:
        con.execute(f"DELETE FROM {raw_table(source)} WHERE ay IS NOT DISTINCT FROM ?", [ay]).fetchall()


def next_fid(con, source: Source) -> int:
    """The first free sheet id of a split source (one writer holds the warehouse)."""
    return con.execute(f"SELECT coalesce(max(_fid), 0) + 1 FROM {files_table(source)}").fetchall()[0][0]


def delete_orphans(con, source: Source) -> None:
    """Delete the rows of sheets that have no `__files` row (`_fid >= next_fid`): what a
    load that failed or was killed wrote before its commit. They were never visible
    through the view; the next load (and a failing one, on its way out) removes them."""
    con.execute(f"DELETE FROM {rows_table(source)} WHERE _fid >= ?", [next_fid(con, source)]).fetchall()


def _raw_view_sql(con, source: Source) -> str:
    have = [r[0] for r in con.execute(f"DESCRIBE {rows_table(source)}").fetchall()]
    canon = [c for c in have if c not in ("ay", "_row", "_fid")]
    meta = [f"f.{k}" if k in FILE_COLUMNS else f"r.{k}" for k in META_COLUMNS]
    return (f"CREATE OR REPLACE VIEW {raw_table(source)} AS SELECT {', '.join('r.' + c for c in canon)}, "
            f"{', '.join(meta)} FROM {rows_table(source)} r JOIN {files_table(source)} f ON r._fid = f._fid")


def _ensure_split(con, src: Source, kinds: dict[str, str]) -> None:
    """The rows and files tables and the view of a split source; a warehouse of an earlier
    release (one table `raw_<source>`) has its rows moved into them, nothing lost."""
    rows, files, view = rows_table(src), files_table(src), raw_table(src)
    if rows in kinds and files in kinds and kinds.get(view) == "VIEW":
        return
    file_cols = ", ".join(f"{k} {META_COLUMNS[k]}" for k in FILE_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {files} (_fid INTEGER, ay INTEGER, {file_cols})")
        if kinds.get(view) == "BASE TABLE":  # an earlier release: move the rows, keep them all
            old = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]
            canon = [c for c in old if c not in META_COLUMNS]
            by = ", ".join(["ay"] + FILE_COLUMNS)
            con.execute(f"INSERT INTO {files} SELECT row_number() OVER (ORDER BY {by}) AS _fid, {by} "
                        f"FROM (SELECT DISTINCT {by} FROM {view})")
            on = " AND ".join(f"o.{k} IS NOT DISTINCT FROM f.{k}" for k in ["ay"] + FILE_COLUMNS)
            con.execute(f"CREATE TABLE {rows} AS SELECT {', '.join('o.' + c for c in canon)}, o.ay, o._row, f._fid "
                        f"FROM {view} o JOIN {files} f ON {on}")
            con.execute(f"DROP TABLE {view}")
        else:
            cols = [f"{c.name} {DUCKDB_TYPES[c.type]}" for c in src.columns] + ["ay INTEGER", "_row INTEGER",
                                                                                 "_fid INTEGER"]
            con.execute(f"CREATE TABLE IF NOT EXISTS {rows} ({', '.join(cols)})")
        con.execute(_raw_view_sql(con, src))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                             "WHERE table_schema = 'main' AND table_name LIKE 'raw\\_%' ESCAPE '\\'").fetchall())
    for src in SOURCES.values():
        if split_meta(src):
            _ensure_split(con, src, kinds)
            continue
        cols = [f"{c.name} {DUCKDB_TYPES[c.type]}" for c in src.columns]
        cols += [f"{k} {v}" for k, v in META_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(src)} ({', '.join(cols)})")
    # a warehouse of an earlier release: a source's new columns are added (NULL in old rows)
    have = set(con.execute("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_name LIKE 'raw\\_%' ESCAPE '\\'").fetchall())
    for src in SOURCES.values():
        table = rows_table(src) if split_meta(src) else raw_table(src)
        added = False
        for c in src.columns:
            if (table, c.name) not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {c.name} {DUCKDB_TYPES[c.type]}")
                added = True
        if added and split_meta(src):
            con.execute(_raw_view_sql(con, src))
    con.execute("""
        CREATE TABLE IF NOT EXISTS quarantine (
            run_id VARCHAR, source VARCHAR, ay INTEGER, file VARCHAR, sheet VARCHAR,
            row INTEGER, reasons VARCHAR, raw_json VARCHAR, quarantined_at TIMESTAMP)""")
    con.execute("""
        CREATE TABLE IF NOT EXISTS ingest_files (
            run_id VARCHAR, source VARCHAR, ay INTEGER, file VARCHAR, sha256 VARCHAR,
            rows_in INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER, loaded_at TIMESTAMP)""")
    # One row per source-year whose last load ran a set-level rule of the contract over every
    # row it stored (and rejected every row breaking it): `one_first_attempt` for ГИА, which
    # lets sql/int_gia_first_attempts.sql skip the sort looking for keys written twice in
    # that AY. Written by tasks.bulk.load with the rows, deleted with them (`delete_ay`); a
    # warehouse of an earlier release, or an AY loaded by the pandas path, has no row here.
    con.execute("""
        CREATE TABLE IF NOT EXISTS ingest_set_rules (
            source VARCHAR, ay INTEGER, rule VARCHAR, run_id VARCHAR, checked_at TIMESTAMP)""")
    con.execute("""
        CREATE TABLE IF NOT EXISTS reference_ege_min_scores (
            valid_from_ay INTEGER, subject VARCHAR, min_test_score DOUBLE, min_mark INTEGER,
            purpose VARCHAR, source VARCHAR)""")
    con.execute("""
        CREATE TABLE IF NOT EXISTS reference_indicators (
            indicator_code VARCHAR, output_table VARCHAR, seed_ref VARCHAR, unit VARCHAR,
            indicator_title VARCHAR, better VARCHAR, sort_order INTEGER)""")


_MODEL_NAME = re.compile(r"^(stg|int|mart)_[a-z0-9_]+$")


def model_sql(name: str) -> str:
    if not _MODEL_NAME.match(name):
        raise ValueError(f"not a model name: {name}")
    return expand_includes((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


# A line `-- @include <fragment>` in a model is replaced by the text of
# `sql/fragments/<fragment>.sql` (static SQL, one level, no nesting): the indicator engine
# is written once and included by the marts (docs/indicator-engine.md). Only whole files
# are pasted; parameters inside them stay `$name` placeholders bound by `_bind`.
_INCLUDE = re.compile(r"^--\s*@include\s+([a-z0-9_]+)\s*$", re.MULTILINE)


def expand_includes(sql: str) -> str:
    def fragment(match: re.Match) -> str:
        text = (SQL_DIR / "fragments" / f"{match.group(1)}.sql").read_text(encoding="utf-8")
        if _INCLUDE.search(text):
            raise ValueError(f"nested @include in sql/fragments/{match.group(1)}.sql")
        return text
    return _INCLUDE.sub(fragment, sql)


def _bind(sql: str, params: dict) -> dict:
    """Only the parameters a model uses: DuckDB rejects unused named parameters."""
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"SQL parameters without a value: {sorted(missing)}")
    return {k: params[k] for k in used}


def build_model(con, name: str, params: dict, sql: str | None = None) -> None:
    """Materialise a model as a table of the same name (staging and intermediate layers);
    `sql` is the model's text when the caller composed it (models inlined as CTEs)."""
    sql = model_sql(name) if sql is None else sql
    con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}", _bind(sql, params))


_IN_TRANSACTION: set[int] = set()  # id() of connections inside `transaction`


@contextmanager
def transaction(con):
    """All or nothing: BEGIN … COMMIT, ROLLBACK on any error. Inside a `transaction` that
    is already open on the same connection (all marts of a cycle hold one) it joins it.
    A ROLLBACK that itself fails (the disk is gone) does not hide the first error."""
    if id(con) in _IN_TRANSACTION:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(con))
    try:
        yield
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        _IN_TRANSACTION.discard(id(con))
    con.execute("COMMIT")


def build_mart(con, name: str, ay: int, params: dict) -> int:
    """Replace one AY of a mart in one transaction: delete the AY, insert it again (a kill
    between the two leaves the earlier rows). Returns the row count."""
    sql = model_sql(name)
    bound = _bind(sql, {**params, "ay": ay})
    with transaction(con):
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
            [name]).fetchone()[0]
        if not exists:
            con.execute(f"CREATE TABLE {name} AS {sql}", bound)
        else:
            _evolve_columns(con, name, sql, bound)
            con.execute(f"DELETE FROM {name} WHERE ay = ?", [ay])
            con.execute(f"INSERT INTO {name} BY NAME {sql}", bound)
        return con.execute(f"SELECT count(*) FROM {name} WHERE ay = ?", [ay]).fetchone()[0]


def _evolve_columns(con, name: str, sql: str, bound: dict) -> None:
    """A mart built by an earlier release keeps its other AYs: columns the model now has are
    added, and a column whose type changed (e.g. a count that was DOUBLE) is converted, so a
    rerun on an existing warehouse neither fails nor keeps the old type."""
    model = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM ({sql})", bound).fetchall()}
    table = {r[0]: r[1] for r in con.execute(f"DESCRIBE {name}").fetchall()}
    for column, type_ in model.items():
        if column not in table:
            con.execute(f'ALTER TABLE {name} ADD COLUMN "{column}" {type_}')
        elif table[column] != type_ and type_ != "NULL" and table[column] != "NULL":
            con.execute(f'ALTER TABLE {name} ALTER COLUMN "{column}" TYPE {type_}')


def ensure_mart_table(con, name: str, params: dict) -> None:
    """Create a mart's table, empty, when it does not exist yet (its columns from its SQL)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'",
        [name]).fetchone()[0]
    if not exists:
        sql = model_sql(name)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM ({sql}) WHERE false", _bind(sql, {**params, "ay": 0}))
