"""The set-based ingest of the bulk sources (ГИА, ВПР participants and statistics: millions
of rows at country scale), in DuckDB, file by file.

For every sheet of every file:
- the raw cells go into DuckDB as they are: Parquet straight from `read_parquet`, CSV and
  XLSX (read by tasks/read.py: header found, title rows skipped) as Arrow string columns;
- each column is typed on its dictionary of distinct values: `parse_column` (the one typing
  rule of schemas/contracts.py, the one the pandas path applies to every cell) runs once per
  distinct value, and DuckDB joins the result back — a handful of values for a vocabulary,
  a few hundred for a score, never a Python step per cell;
- the row-local contract (required, min, max, cross-field rules: `sql_column_checks`,
  `sql_cross_condition`, built from the same Source as the pandera schema) is checked in
  SQL on that sheet, and only the failing cells come back to Python as problems;
- sheets of one shape (the Parquet files with the same columns and types; the CSV and XLSX
  sheets with the same columns) are typed and checked together, one dictionary per column;
- the typed rows are written straight into the warehouse's `raw_<source>__rows`, with the
  Excel row number, under fresh sheet ids (`_fid = base + _tid`, base = the first free id);
  file, sheet and sha256 are kept once per sheet (`raw_<source>__files`, joined back by the
  view `raw_<source>`: tasks/warehouse.py). No `__files` row names those ids until `load`
  commits, so the view shows none of them before; `__bulk_stage` is a temp view of them.
  Participant ids are hashed on the column's typed dictionary (each distinct id once).
  `load` deletes the rejected rows from them; a load that fails deletes them all (`drop`),
  and what a killed load left (`_fid >= next_fid`) is deleted by the next load.
Then, over the whole file set of the AY: one row per key, school codes against the
registry (lost leading zeros repaired), participants against ОО-1. Rejected rows get their
raw text back from the file (Parquet) or from the sheet's raw cells (CSV, XLSX), so the
quarantine holds the same text and reasons as the pandas path. Memory is bounded by the
largest file, not by the year: the year lives in DuckDB, which spills to disk under its
`memory_limit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.cells import Formula
from schemas.contracts import (DUCKDB_TYPES, RULE_TEXT, SAFE_CODE, Problem, _as_text, cross_rule_problem, cross_rules,
                               formula_like, formula_like_warning,
                               describe_check, parse_column, rule_for, sql_column_checks, sql_cross_condition,
                               sql_marks_counts)
from schemas.sources import Source
from schemas.vocabulary import VOCABULARIES
from tasks.ingest_log import log_files as write_log
from tasks.oo1_check import oo1_finding, oo1_participants_warning
from tasks.parse import empty_sheet_warning, missing_column_problems, sheet_columns, unknown_header_warning
from tasks.pseudonym import HASH_SQL, pseudonymise_rejects, salt as salt_of
from tasks.quarantine import quarantine_rows, write_quarantine
from tasks.fisoko import FISOKO_SOURCES, FisokoReader
from tasks.read import RawTable, ReadError, display_name, parquet_columns, read_csv_arrow, read_table
from tasks.registry_check import code_candidates, code_finding
from tasks.header_repair import duplicate_header_problems
from tasks.warehouse import delete_ay, delete_orphans, files_table, next_fid, rows_table, split_meta
from tasks import progress

STAGE = "__bulk_stage"
_CHECK_RANK = {"not_nullable": 0, "greater_than_or_equal_to": 1, "less_than_or_equal_to": 2}
_FORMULA_MARK = "\x00formula\x00"  # a formula cell's text, so the dictionary knows it was one


@dataclass
class _Sheet:
    tid: int
    file: str
    sheet: str
    sha: str | None
    headers: dict[str, str]
    columns: list[str]  # canonical columns of this sheet, in file order
    parquet: str | None = None  # re-read rejected rows from this file
    raw: str | None = None  # temp table of the raw cells (CSV, XLSX)
    rows: int = 0


@dataclass
class Staged:
    """One source-year staged in DuckDB and checked; nothing in raw_* or quarantine yet."""

    source: Source
    sheets: list[_Sheet] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # union of columns, in order of appearance
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_bad: int = 0
    read_any: bool = False
    repairs: dict[str, str] = field(default_factory=dict)  # school code → registry code
    rejected: pd.DataFrame | None = None
    rebuilt_totals: int = 0  # ВПР totals rebuilt from the task points (tasks.fisoko)
    journal_dropped: int = 0  # unreadable journal marks dropped, the pupils kept (tasks.fisoko)
    base: int = 0  # the rows are written under `_fid = base + _tid` (invisible until `load` commits)
    ay: int | None = None
    salt: str = ""
    # the set-level rules run over every staged row (`load` records them: ingest_set_rules)
    set_rules: list[str] = field(default_factory=list)


def damaged_reason(exc: Exception, path: Path) -> str:
    """Why a damaged file could not be read, in Russian, without the file's name."""
    from tasks.errors_ru import describe

    text = describe(exc, file="", path=str(path)).strip()
    return (text[:1].lower() + text[1:]) if text else "файл не читается (повреждён или другого формата)."


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_files(con, files: list[Path], source: Source, cfg, shas: dict[str, str] | None = None,
                registry: bool = True, oo1_ay: int | None = None, ay: int | None = None,
                readers: tuple | None = None) -> Staged:
    """Read, type and check every file of a bulk source into the staging table. `readers`:
    the special readers given to tasks.read.read_table (default: the ФИС ОКО layouts)."""
    ing = cfg["ingest"]
    readers = (FisokoReader(),) if readers is None else readers
    if not split_meta(source):
        raise ValueError(f"{source.name}: the set-based load writes the split tables of a bulk source only")
    st = Staged(source, ay=ay, salt=salt_of(cfg))
    # the typed rows go straight into `raw_<source>__rows` under fresh sheet ids: the view
    # `raw_<source>` shows none of them until `load` commits their `__files` rows. What a
    # killed or failed load left there (`_fid >= next_fid`) is removed first.
    delete_orphans(con, source)
    st.base = next_fid(con, source)
    canon = ", ".join(_q(c.name) for c in source.columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGE} AS SELECT CAST(_fid - {st.base} AS INTEGER) AS _tid, _row, "
                f"{canon} FROM {rows_table(source)} WHERE _fid >= {st.base}").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE __bulk_bad (_tid INTEGER, _row INTEGER)").fetchall()
    parse_problems: list[tuple] = []  # (sort key, Problem): file by file, as the pandas path reports them
    contract: list[tuple] = []  # (sort key, Problem) of the row-local contract
    batches: dict[tuple, list[_Sheet]] = {}  # Parquet files of one shape, staged together
    texts: dict[tuple, list[tuple]] = {}  # CSV and XLSX sheets of one shape: (sheet, raw relation)
    for f in progress.track(files, what=f"файлы: {source.title}"):
        name, _ = display_name(f)
        try:
            sheets = _sheets_of(f, name, source, ing, readers)
        except ReadError as exc:
            st.problems.append(Problem(source.name, name, "", None, "", "", exc.reason, code="file"))
            continue
        except Exception as exc:  # noqa: BLE001 — a damaged file (truncated, renamed) is a finding
            st.problems.append(Problem(source.name, name, "", None, "", "", damaged_reason(exc, f), code="damaged"))
            continue
        for t, parquet in sheets:
            w = unknown_header_warning(t)
            if w:
                st.warnings.append(w)
            sh = _Sheet(len(st.sheets), t.file, t.sheet, (shas or {}).get(t.file), t.headers,
                        list(t.columns.values()), rows=len(t.row_numbers))
            if not sh.rows:
                st.warnings += t.notes
                st.read_any = True
                st.warnings.append(empty_sheet_warning(t))
                continue
            if parquet is not None:
                sh.parquet = parquet
                batches.setdefault((tuple(t.frame), tuple(sh.columns), t.signature), []).append(sh)
            else:  # CSV and XLSX sheets of one shape are typed together, like the Parquet files
                texts.setdefault(tuple(sh.columns), []).append((sh, _raw_relation(con, sh, t)))
                if t.duplicates:
                    parse_problems += [((sh.tid, 1, 0, 0), p) for p in
                                       duplicate_header_problems(t, source, list(t.row_numbers))]
            parse_problems += [((sh.tid, 0, -1, p.row), p) for p in t.problems]
            st.rebuilt_totals += t.rebuilt
            st.journal_dropped += t.journal_dropped
            st.warnings += t.notes
            parse_problems += [((sh.tid, 2, 0, p.row), p) for p in missing_column_problems(t, source)]
            st.sheets.append(sh)
            for c in sh.columns:
                if c not in st.present:
                    st.present.append(c)
    for pairs in texts.values():
        rel = " UNION ALL BY NAME ".join(f"({r})" for _, r in pairs) if len(pairs) > 1 else pairs[0][1]
        parse_problems += _stage_batch(con, st, [sh for sh, _ in pairs], rel, contract, ing, None)
    for (orig, _, _), group in batches.items():
        con.register("__bulk_files", pd.DataFrame({"filename": [sh.parquet for sh in group],
                                                   "_tid": [sh.tid for sh in group]}))
        con.execute("CREATE OR REPLACE TEMP TABLE __bulk_fmap AS SELECT * FROM __bulk_files").fetchall()
        con.unregister("__bulk_files")
        sel = ", ".join(f"{_q(o)} AS {_q(c)}" for o, c in zip(orig, group[0].columns))
        files_sql = "[" + ", ".join(_lit(sh.parquet) for sh in group) + "]"
        rel = (f"SELECT m._tid, {sel}, CAST(file_row_number + 2 AS INTEGER) AS _row "
               f"FROM read_parquet({files_sql}, filename = true, file_row_number = true) r "
               f"JOIN __bulk_fmap m ON r.filename = m.filename")
        parse_problems += _stage_batch(con, st, group, rel, contract, ing, None)
    parse_problems.sort(key=lambda kv: kv[0])
    parse_problems = [p for _, p in parse_problems]
    if not st.sheets:
        return st
    st.read_any = True
    st.rows_in = con.execute(f"SELECT count(*) FROM {STAGE}").fetchall()[0][0]
    present = [c.name for c in source.columns if c.name in st.present]
    contract += _missing_required(con, st, present)
    repeats = _repeat_candidates(con, st, present)
    contract += _unique(con, st, present, repeats)
    contract += _first_attempts(con, st, present, repeats)
    con.execute("DROP TABLE IF EXISTS __bulk_rep").fetchall()
    contract.sort(key=lambda kv: kv[0])
    st.problems += parse_problems + [p for _, p in contract]
    if registry and "school_code" in present:
        st.problems += _registry(con, st)
    if oo1_ay is not None and {"grade", "participants"} <= set(present):
        st.problems += _oo1(con, st, oo1_ay)
    elif oo1_ay is not None and source.participant_level and {"school_code", "grade", "subject"} <= set(present):
        st.warnings += _oo1_participants(con, st, oo1_ay)
    _mark_bad(con, st)
    st.rejected = _rejected(con, st)
    _fill_unique_values(st)
    return st


def _sheets_of(path: Path, name: str, source: Source, ing, readers: tuple = ()) -> list[tuple[RawTable, str | None]]:
    """The file's sheets under a recognised header; Parquet is not read into Python."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
            p = str(path)
            p.encode("utf-8")
        except (OSError, UnicodeEncodeError, pa.ArrowException):
            return [(t, None) for t in read_table(path, source, ing["header_search_rows"], ing["header_min_matches"],
                                                  limits=ing, readers=readers)]
        mapping, headers, unknown = parquet_columns(schema.names, source, name)
        n = pq.read_metadata(path).num_rows
        t = RawTable(name, "", 1, dict(enumerate(mapping.values())), headers, unknown, [], range(2, n + 2))
        t.frame = [schema.names[p] for p in mapping]  # the file's own names, in order
        t.signature = tuple(str(schema.field(p).type) for p in mapping)
        return [(t, p)]
    if path.suffix.lower() in (".csv", ".txt") and source.name not in FISOKO_SOURCES:
        t = read_csv_arrow(path, source, ing["header_search_rows"], ing["header_min_matches"], limits=ing)
        if t is not None:
            return [(t, None)]
    return [(t, None) for t in read_table(path, source, ing["header_search_rows"], ing["header_min_matches"],
                                          limits=ing, readers=readers)]


def _raw_relation(con, sh: _Sheet, t: RawTable) -> str:
    """SQL of a CSV or XLSX sheet's raw cells (kept in a temp table for the rejected rows'
    text): canonical column names, `_tid` and `_row` (the Excel row)."""
    arrays, names = [], []
    if isinstance(t.frame, pa.Table):  # a plain CSV read by pyarrow: string columns already
        arrays, names = list(t.frame.columns), list(t.frame.column_names)
    elif t.frame is not None:  # a Parquet file read by tasks/read.py (a name that is not UTF-8)
        for canon in sh.columns:
            arrays.append(_text_array(t.frame[canon].tolist()))
            names.append(canon)
    else:
        text_only = Path(t.file).suffix.lower() in (".csv", ".txt")  # csv.reader gives str only
        for canon, values in sheet_columns(t).items():
            arrays.append(_text_array(list(values), text_only))
            names.append(canon)
    arrays.append(pa.array(list(t.row_numbers), pa.int32()))
    names.append("_row")
    sh.raw = f"__bulk_raw_{sh.tid}"
    # scanned where it is (no copy into DuckDB), kept registered until the rejected rows are read
    con.register(sh.raw, pa.table(arrays, names=names))
    return f"SELECT {sh.tid} AS _tid, * FROM {sh.raw}"


def _text_array(values: list, text_only: bool = False) -> pa.Array:
    """Raw cells as Arrow text: CSV cells are text already (kept as written, trimmed by the
    typing); XLSX cells become the text a person sees (`_as_text`), formulas marked. A column
    of text cells only, or of numbers only, stays in Arrow (`_as_text`'s rules for those
    kinds, without a Python object per cell); a mixed column takes `_as_text` itself."""
    if text_only:
        try:
            return pa.array(values, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:  # strings stripped, empty ones empty cells (as `_as_text` on text)
        a = pc.utf8_trim_whitespace(pa.array(values, pa.string()))
        return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
    if kinds == {float}:  # whole numbers without «.0» (as `_as_text` on numbers)
        return pc.cast(pa.array(_as_text(pd.Series(values, dtype="Float64"))), pa.string())
    s = pd.Series(values, dtype=object)
    text = _as_text(s)
    formula = s.map(type).eq(Formula)
    if formula.any():
        text[formula] = _FORMULA_MARK + text[formula].fillna("")
    return pa.array(text.astype(object).where(text.notna(), None).tolist(), pa.string())


def _stage_batch(con, st: Staged, group: list[_Sheet], rel: str, contract: list, ing,
                 t: RawTable | None) -> list[tuple]:
    """Type and check sheets of one shape (the CSV and XLSX sheets of a source-year with the
    same columns, or its Parquet files with the same columns and types) in DuckDB; append the
    typed rows to the staging table.
    Returns the parse problems with their sort keys (file, kind, column, row).

    The raw rows are scanned once for every column's distinct values and once for the
    insert. A column whose typing, checked on its whole dictionary, is a plain SQL cast of
    the raw value (a canonical Parquet column, a CSV column of plain numbers) is cast in
    the insert; the other columns are joined to their typed dictionary. The insert marks
    the rows that break something (`_f`); only those rows are read again, with the text of
    their cells, to build the problems (none on a clean file)."""
    source = st.source
    columns = group[0].columns
    by_tid = {sh.tid: sh for sh in group}
    con.execute(f"CREATE OR REPLACE TEMP VIEW __bulk_r AS {rel}").fetchall()
    # one scan of the raw rows: every column's distinct values
    lists = ", ".join(f"list(DISTINCT {_q(c)}) AS l{i}" for i, c in enumerate(columns))
    con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_dl AS SELECT {lists} FROM __bulk_r").fetchall()
    joins, typed, fast, full, ruled = [], [], [], [], []
    for i, c in enumerate(columns):
        col = source.col(c)
        kind = DUCKDB_TYPES[col.type]
        plain = _plain_sql(col)
        # pseudonymised on the dictionary: each distinct id hashed once, as it enters `__bulk_p`
        hashed = source.participant_level and c == "participant_id"
        hash_of = (lambda e: HASH_SQL.format(col=e)) if hashed else (lambda e: e)
        salt = {"salt": st.salt} if hashed else None
        con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_d{i} AS SELECT v, (row_number() OVER ()) - 1 AS k"
                    + (f", coalesce({plain}, false) AS ok" if plain else "")  # the condition run once a value
                    + f" FROM (SELECT unnest(l{i}) AS v FROM __bulk_dl)").fetchall()
        if plain:  # values that type to themselves stay in DuckDB; the others go to Python
            con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_p{i} AS SELECT v, {hash_of('v')} AS val, v AS txt, "
                        f"CAST(NULL AS VARCHAR) AS rule FROM __bulk_d{i} WHERE ok", salt).fetchall()
            dk = con.execute(f"SELECT k, v FROM __bulk_d{i} WHERE NOT ok ORDER BY k").df()
        else:
            dk = con.execute(f"SELECT k, v FROM __bulk_d{i} ORDER BY k").df()
        keys, d = dk["k"].to_numpy(), dk["v"]
        if _is_text(d) and d.str.startswith(_FORMULA_MARK).fillna(False).astype(bool).any():
            d = pd.Series([Formula(x[len(_FORMULA_MARK):]) if isinstance(x, str) and x.startswith(_FORMULA_MARK)
                           else x for x in d.astype(object)], dtype=object)  # a few distinct values
        values, bad, rule = parse_column(d, col)
        flagged = formula_like(values, col) & ~pd.Series(bad, index=values.index).astype(bool)
        if flagged.any():  # a few distinct values: their files and row counts from DuckDB
            con.register("__bulk_fl", pd.DataFrame({"k": [int(k) for k in keys[flagged.to_numpy()]]}))
            for tid, value, n in con.execute(
                    f"SELECT r._tid, x.v, count(*) FROM __bulk_r r JOIN (SELECT d.v FROM __bulk_d{i} d "
                    f"JOIN __bulk_fl f ON d.k = f.k) x ON r.{_q(c)} = x.v GROUP BY ALL ORDER BY 1, 2").fetchall():
                sh = by_tid[tid]
                st.warnings.append(formula_like_warning(sh.file, sh.sheet, sh.headers[c], str(value).strip(), int(n)))
            con.unregister("__bulk_fl")
        text = _as_text(d) if len(d) else pd.Series([], dtype="string")
        bad_at = np.flatnonzero(np.asarray(bad, dtype=bool))  # a few, if any
        rules = [None] * len(d)
        for j in bad_at:
            rules[j] = rule_for(rule, d.index[j])
        dic = pd.DataFrame({"k": keys, "val": values.reset_index(drop=True),
                            "txt": text.reset_index(drop=True).astype("string"),
                            "rule": pd.Series(rules, dtype="string")})
        con.register("__bulk_pf", dic)
        # one small table per column: raw value → typed value, text, rule. An empty cell
        # (NULL) is never bad and types to NULL, so a plain equi-join (a hash join) is enough.
        typed_sql = (f"SELECT d.v, {hash_of('p.val')} AS val, p.txt, p.rule FROM __bulk_d{i} d JOIN __bulk_pf p "
                     f"ON d.k = p.k WHERE d.v IS NOT NULL")
        if plain:
            con.execute(f"INSERT INTO __bulk_p{i} {typed_sql}", salt).fetchall()
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_p{i} AS {typed_sql}", salt).fetchall()
        con.unregister("__bulk_pf")
        con.execute(f"DROP TABLE __bulk_d{i}").fetchall()
        if len(bad_at):
            ruled.append(i)
        # the typing is a cast when it is one on every distinct value (and none is bad)
        cast = not hashed and not len(bad_at) and con.execute(
            f"SELECT coalesce(bool_and(TRY_CAST(v AS {kind}) IS NOT DISTINCT FROM CAST(val AS {kind})), true) "
            f"FROM __bulk_p{i}").fetchall()[0][0]
        if cast:
            fast.append(f"TRY_CAST(r.{_q(c)} AS {kind}) AS {_q(c)}, CAST(NULL AS VARCHAR) AS {_q(c + '__r')}")
        else:
            joins.append(f"LEFT JOIN __bulk_p{i} p{i} ON r.{_q(c)} = p{i}.v")
            fast.append(f"CAST(p{i}.val AS {kind}) AS {_q(c)}, p{i}.rule AS {_q(c + '__r')}")
        full.append(f"LEFT JOIN __bulk_p{i} p{i} ON r.{_q(c)} = p{i}.v")
        typed.append(f"CAST(p{i}.val AS {kind}) AS {_q(c)}, p{i}.txt AS {_q(c + '__t')}, "
                     f"p{i}.rule AS {_q(c + '__r')}")
    con.execute("DROP TABLE __bulk_dl").fetchall()
    # the row-local contract (required values that are empty, not unreadable; ranges; cross rules)
    present = [c.name for c in source.columns if c.name in columns]
    checks = []
    for c, check, cond in sql_column_checks(source, present):
        if check == "not_nullable":
            cond = f"{cond} AND {_q(c + '__r')} IS NULL"
        checks.append((c, check, cond))
    crosses = [(k, rule, sql_cross_condition(rule, set(columns), ing)) for k, rule in enumerate(cross_rules(source))]
    crosses = [x for x in crosses if x[2] is not None]
    conds = [f"({x[2]})" for x in checks] + [f"({x[2]})" for x in crosses]
    flag = " OR ".join([f"{_q(c + '__r')} IS NOT NULL" for c in columns] + conds)
    cols = ", ".join(_q(c) for c in columns)
    # one pass types the rows and writes them into the warehouse, under their fresh sheet ids
    con.execute(f"INSERT INTO {rows_table(source)} ({cols}, ay, _row, _fid) SELECT {cols}, CAST($ay AS INTEGER), _row, "
                f"CAST(_tid + {st.base} AS INTEGER) FROM (SELECT r._tid, r._row, {', '.join(fast)} "
                f"FROM __bulk_r r {' '.join(joins)})", {"ay": st.ay}).fetchall()
    problems: list[tuple] = []
    if t is not None and t.duplicates:
        sh = group[0]
        problems += [((sh.tid, 1, 0, 0), p) for p in duplicate_header_problems(t, source, list(t.row_numbers))]
    # the rows that break something: a check or cross rule on the typed values (one filtered
    # scan of this batch's rows), or a cell whose value is unreadable (a semi-join of the raw
    # rows with the few bad values of its column's dictionary; none on a clean file)
    fids = [sh.tid + st.base for sh in group]
    parts = []
    if conds:
        nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {_q(c + '__r')}" for c in columns)
        parts.append(f"SELECT _tid, _row FROM (SELECT CAST(_fid - {st.base} AS INTEGER) AS _tid, _row, {cols}, "
                     f"{nulls} FROM {rows_table(source)} WHERE _fid BETWEEN {min(fids)} AND {max(fids)} "
                     f"AND _fid IN ({', '.join(map(str, fids))})) WHERE {' OR '.join(conds)}")
    parts += [f"SELECT r._tid, r._row FROM __bulk_r r SEMI JOIN (SELECT v FROM __bulk_p{i} WHERE rule IS NOT NULL) b "
              f"ON r.{_q(columns[i])} = b.v" for i in ruled]
    marked = 0
    if parts:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_k AS {' UNION '.join(parts)}").fetchall()
        marked = con.execute("SELECT count(*) FROM __bulk_k").fetchall()[0][0]
        if not marked:
            con.execute("DROP TABLE __bulk_k").fetchall()
    if marked:
        # the marked rows again, with every cell's text and rule (a few rows)
        con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_t AS SELECT * FROM (SELECT r._tid, r._row, "
                    f"{', '.join(typed)} FROM (SELECT * FROM __bulk_r SEMI JOIN __bulk_k USING (_tid, _row)) r "
                    f"{' '.join(full)}) WHERE {flag}").fetchall()
        con.execute("DROP TABLE __bulk_k").fetchall()
        problems += _marked_problems(con, source, columns, by_tid, checks, crosses, contract)
        con.execute("DROP TABLE __bulk_t").fetchall()
    for i in range(len(columns)):
        con.execute(f"DROP TABLE __bulk_p{i}").fetchall()
    return problems


def _marked_problems(con, source: Source, columns: list[str], by_tid: dict, checks: list, crosses: list,
                     contract: list) -> list[tuple]:
    """The problems of a batch's marked rows (`__bulk_t`): unreadable cells (returned, with
    their sort keys), column checks and cross-field rules (appended to `contract`)."""
    problems: list[tuple] = []
    pos = {c: i for i, c in enumerate(columns)}
    # cells that could not be read, column by column, as the pandas path reports them
    for c in columns:
        col = source.col(c)
        for tid, row, txt, rule in con.execute(f"SELECT _tid, _row, {_q(c + '__t')}, {_q(c + '__r')} FROM __bulk_t "
                                               f"WHERE {_q(c + '__r')} IS NOT NULL ORDER BY _tid, _row").fetchall():
            sh = by_tid[tid]
            problems.append(((tid, 0, pos[c], int(row)), Problem(
                source.name, sh.file, sh.sheet, int(row), sh.headers[c], txt or "", rule,
                code="formula" if rule == RULE_TEXT["formula"] else col.type)))
    order = {c.name: i for i, c in enumerate(source.columns)}
    for c, check, cond in checks:
        k = _CHECK_RANK[check.split("(")[0]]
        for tid, row, txt in con.execute(f"SELECT _tid, _row, {_q(c + '__t')} FROM __bulk_t WHERE {cond} "
                                         f"ORDER BY _tid, _row").fetchall():
            sh = by_tid[tid]
            p = Problem(source.name, sh.file, sh.sheet, int(row), sh.headers.get(c, c), txt or "",
                        describe_check(check, source.col(c)), code=check)
            contract.append(((1, order[c], k, tid, int(row)), p))
    for k, rule, cond in crosses:
        rows = con.execute(f"SELECT * FROM __bulk_t WHERE {cond} ORDER BY _tid, _row").df()
        for _, r in rows.iterrows():
            sh = by_tid[int(r["_tid"])]
            vals = pd.Series({c: r[c] for c in columns})
            p = cross_rule_problem(rule, vals, sh.headers, source, sh.file, sh.sheet, int(r["_row"]))
            contract.append(((0, k, 0, sh.tid, int(r["_row"])), p))
    return problems


# A character that no typing rule changes or flags at either end of a text or code cell:
# not a space of any kind (Python's strip), not «=», «+», «-», «@» (formulas, formula-like
# text), not the formula mark.
_PLAIN_END = "[0-9A-Za-zА-Яа-яЁё_]"


def _plain_sql(col) -> str | None:
    """SQL condition on a distinct raw value `v` that is certain to type to itself under
    `parse_column` (not bad, not a formula, not formula-like, text = value): a text column
    (not a vocabulary, no dates) whose value starts and ends with a letter, digit or «_»; a
    code column whose value is a safe code starting with one. Such values (participant
    ids: ¼ of the rows of ГИА) need no Python; None: every value goes to `parse_column`."""
    if col.type == "text" and not col.dates and col.name not in VOCABULARIES:
        return f"regexp_full_match(v, '(?s){_PLAIN_END}(.*{_PLAIN_END})?')"
    if col.type == "code":
        return f"regexp_full_match(v, '{_PLAIN_END}{SAFE_CODE[:-1]}*')"
    return None


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype)


def _drop_raw(con, sh: _Sheet) -> None:
    if sh.raw:
        con.unregister(sh.raw)


def _sheet_of(st: Staged, tid: int) -> _Sheet:
    return st.sheets[tid] if tid < len(st.sheets) and st.sheets[tid].tid == tid else \
        next(s for s in st.sheets if s.tid == tid)


def _missing_required(con, st: Staged, present: list[str]) -> list[tuple]:
    """A required column present in some files but not this one: empty on every row here
    (the pandas path sees the concatenated frame the same way)."""
    out = []
    order = {c.name: i for i, c in enumerate(st.source.columns)}
    for sh in st.sheets:
        for c in st.source.columns:
            if c.required and c.name in present and c.name not in sh.columns:
                for (row,) in con.execute(f"SELECT _row FROM {STAGE} WHERE _tid = ? ORDER BY _row",
                                          [sh.tid]).fetchall():
                    out.append(((1, order[c.name], 0, sh.tid, int(row)),
                                Problem(st.source.name, sh.file, sh.sheet, int(row), sh.headers.get(c.name, c.name),
                                        "", describe_check("not_nullable", c), code="not_nullable")))
    return out


def _first_attempt_rule(st: Staged, present: list[str]):
    """(index, rule) of ГИА's set-level rule `one_first_attempt` when it applies, else None."""
    rules = [(k, r) for k, r in enumerate(cross_rules(st.source)) if r.code == "one_first_attempt"]
    if not rules or not {"participant_id", "exam", "subject"} <= set(present):
        return None
    return rules[0]


def _repeat_candidates(con, st: Staged, present: list[str]) -> str:
    """The rows the two set-level checks (one row per key, one first attempt) can report:
    those whose values on the columns both partitions share repeat. Two rows equal on
    either partition are equal on the shared columns, so they land in the same hash group
    of two rows or more; every partition either check sees is therefore wholly inside this
    set, and the window functions give the same answer on it as on the whole year — on a
    tenth of the rows. The repeated hashes are found by sorting the year's hashes and
    comparing each with the next (1.6 s CPU on 7.8 M rows of ГИА against 2.6 s for a
    GROUP BY … HAVING count(*) > 1: 7.4 M distinct keys make a large hash table). A collision of
    the hash only adds rows, never loses one. Returns the relation to run the checks on."""
    parts = []
    key = [k for k in st.source.key if k in present]
    if key:
        parts.append(key)
    if _first_attempt_rule(st, present):
        parts.append(["participant_id", "exam", "subject"])
    common = [c for c in parts[0] if all(c in p for p in parts)] if parts else []
    if not common:
        return STAGE
    need = list(dict.fromkeys([c for p in parts for c in p] + (["is_retake"] if "is_retake" in present else [])))
    h = f"hash({', '.join(_q(c) for c in common)})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE __bulk_rep AS SELECT _tid, _row, {', '.join(_q(c) for c in need)} "
                f"FROM {STAGE} WHERE {h} IN (SELECT DISTINCT h FROM (SELECT h, lead(h) OVER (ORDER BY h) AS n "
                f"FROM (SELECT {h} AS h FROM {STAGE})) WHERE h = n)").fetchall()
    return "__bulk_rep"


def _unique(con, st: Staged, present: list[str], rows_of: str = STAGE) -> list[tuple]:
    """One row per key over the whole file set: every row of a repeated key is rejected.
    Reported as pandera reports a schema-level `unique`: once per key column whose cell is
    not empty, key column by key column. The value (the cell's raw text) is filled in once
    the rejected rows' text is back (`_fill_unique_values`)."""
    key = [k for k in st.source.key if k in present]
    if not key:
        return []
    cols = ", ".join(_q(k) for k in key)
    nulls = ", ".join(f"{_q(k)} IS NULL" for k in key)
    rows = con.execute(f"SELECT _tid, _row, {nulls} FROM (SELECT *, count(*) OVER (PARTITION BY {cols}) AS n "
                       f"FROM {rows_of}) WHERE n > 1 ORDER BY _tid, _row").fetchall()
    out = []
    for i, column in enumerate(key):
        for tid, row, *isnull in rows:
            if isnull[i]:
                continue
            sh = _sheet_of(st, tid)
            p = Problem(st.source.name, sh.file, sh.sheet, int(row), sh.headers.get(column, column), "",
                        describe_check("unique", st.source.col(column)), code="multiple_fields_uniqueness")
            p._unique_col = column
            out.append(((-1, i, 0, tid, int(row)), p))
    return out


def _first_attempts(con, st: Staged, present: list[str], rows_of: str = STAGE) -> list[tuple]:
    """ГИА: one first attempt per participant, exam and subject over the whole file set (the
    set-level cross rule `one_first_attempt`; the pandas path: schemas.contracts)."""
    found = _first_attempt_rule(st, present)
    if not found:
        return []
    k, rule = found
    st.set_rules.append(rule.code)
    retake = "coalesce(is_retake, false)" if "is_retake" in present else "false"
    rows = con.execute(f"""
        SELECT _tid, _row FROM (
            SELECT _tid, _row, count(*) OVER (PARTITION BY participant_id, exam, subject) AS n FROM {rows_of}
            WHERE NOT {retake} AND participant_id IS NOT NULL AND exam IS NOT NULL AND subject IS NOT NULL)
        WHERE n > 1 ORDER BY _tid, _row""").fetchall()
    out = []
    for tid, row in rows:
        sh = _sheet_of(st, tid)
        p = cross_rule_problem(rule, pd.Series(dtype=object), sh.headers, st.source, sh.file, sh.sheet, int(row))
        out.append(((0, k, 0, tid, int(row)), p))
    return out


def _registry(con, st: Staged) -> list[Problem]:
    if not con.execute("SELECT count(*) FROM raw_schools WHERE school_code IS NOT NULL").fetchall()[0][0]:
        return []
    unknown = [r[0] for r in con.execute(
        f"SELECT school_code FROM {STAGE} WHERE school_code IS NOT NULL AND school_code NOT IN "
        f"(SELECT school_code FROM raw_schools WHERE school_code IS NOT NULL) GROUP BY school_code").fetchall()]
    if not unknown:
        return []
    registry = {r[0] for r in con.execute("SELECT DISTINCT school_code FROM raw_schools "
                                          "WHERE school_code IS NOT NULL").fetchall()}
    cands = code_candidates(unknown, registry)
    con.register("__bulk_unknown", pd.DataFrame({"code": unknown}))
    rows = con.execute(f"SELECT _tid, _row, school_code FROM {STAGE} WHERE school_code IN "
                       f"(SELECT code FROM __bulk_unknown) ORDER BY _tid, _row").fetchall()
    con.unregister("__bulk_unknown")
    problems = []
    for tid, row, code in rows:
        sh = _sheet_of(st, tid)
        p, w = code_finding(st.source, sh.file, sh.sheet, int(row), sh.headers.get("school_code", "school_code"),
                            code, cands[code])
        if w:
            st.warnings.append(w)
            st.repairs[code] = cands[code][0]
        else:
            problems.append(p)
    if st.repairs:
        con.register("__bulk_repair", pd.DataFrame({"code": list(st.repairs), "fixed": list(st.repairs.values())}))
        rows = rows_table(st.source)
        con.execute(f"UPDATE {rows} SET school_code = r.fixed FROM __bulk_repair r WHERE {rows}.school_code = r.code "
                    f"AND {rows}._fid >= {st.base}").fetchall()
        con.unregister("__bulk_repair")
    return problems


def _oo1(con, st: Staged, ay: int) -> list[Problem]:
    cases = " ".join(f"WHEN {g} THEN o.students_g{g}" for g in range(1, 12))
    rows = con.execute(f"""
        SELECT s._tid, s._row, s.participants, s.grade, CASE s.grade {cases} END AS students
        FROM {STAGE} s JOIN raw_oo1 o ON o.school_code = s.school_code AND o.ay = ?
        WHERE s.participants > CASE s.grade {cases} END
        ORDER BY s._tid, s._row""", [ay]).fetchall()
    out = []
    for tid, row, part, grade, students in rows:
        sh = _sheet_of(st, tid)
        out.append(oo1_finding(st.source, sh.file, sh.sheet, row, sh.headers.get("participants", "participants"),
                               part, grade, students))
    return out


def _oo1_participants(con, st: Staged, ay: int) -> list[str]:
    """ВПР participant rows per school, grade and subject against the students of the grade
    in ОО-1 of the same AY (a warning: which pupil is extra cannot be told)."""
    cases = " ".join(f"WHEN {g} THEN o.students_g{g}" for g in range(1, 12))
    con.register("__bulk_meta", _meta(st))
    rows = con.execute(f"""
        WITH c AS (
            SELECT s.school_code, s.grade, s.subject, count(*) AS pupils,
                   string_agg(DISTINCT '«' || m._file || '»', ', ' ORDER BY '«' || m._file || '»') AS files
            FROM {STAGE} s JOIN __bulk_meta m USING (_tid)
            WHERE s.school_code IS NOT NULL AND s.grade IS NOT NULL AND s.subject IS NOT NULL
            GROUP BY ALL)
        SELECT c.school_code, c.grade, c.subject, c.pupils, CASE c.grade {cases} END AS students, c.files
        FROM c JOIN raw_oo1 o ON o.school_code = c.school_code AND o.ay = ?
        WHERE c.pupils > CASE c.grade {cases} END
        ORDER BY 1, 2, 3""", [ay]).fetchall()
    con.unregister("__bulk_meta")
    return [oo1_participants_warning(sc, g, subj, n, students, files) for sc, g, subj, n, students, files in rows]


def _mark_bad(con, st: Staged) -> None:
    by_name = {(s.file, s.sheet): s.tid for s in st.sheets}
    keys = sorted({(by_name[(p.file, p.sheet)], int(p.row)) for p in st.problems
                   if p.row is not None and (p.file, p.sheet) in by_name})
    if keys:
        con.register("__bulk_badf", pd.DataFrame(keys, columns=["_tid", "_row"]))
        con.execute("INSERT INTO __bulk_bad SELECT _tid, _row FROM __bulk_badf").fetchall()
        con.unregister("__bulk_badf")
    st.rows_bad = con.execute(f"SELECT count(*) FROM {STAGE} s SEMI JOIN __bulk_bad b USING (_tid, _row)"
                              ).fetchall()[0][0]


def _rejected(con, st: Staged) -> pd.DataFrame:
    """The raw text of the rejected rows, read back from the file or the sheet's raw cells."""
    frames = []
    for sh in st.sheets:
        rows = [r[0] for r in con.execute("SELECT _row FROM __bulk_bad WHERE _tid = ? ORDER BY _row",
                                          [sh.tid]).fetchall()]
        if not rows:
            continue
        con.register("__bulk_rows", pd.DataFrame({"_row": rows}))
        if sh.parquet is not None:
            sel = ", ".join(f"{_q(o)} AS {_q(c)}" for o, c in zip(_parquet_names(sh), sh.columns))
            df = con.execute(f"SELECT * FROM (SELECT {sel}, CAST(file_row_number + 2 AS INTEGER) AS _row "
                             f"FROM read_parquet({_lit(sh.parquet)}, file_row_number = true)) "
                             f"SEMI JOIN __bulk_rows USING (_row) ORDER BY _row").df()
        else:
            df = con.execute(f"SELECT * FROM {sh.raw} SEMI JOIN __bulk_rows USING (_row) ORDER BY _row").df()
        con.unregister("__bulk_rows")
        out = pd.DataFrame(index=df.index)
        for c in sh.columns:
            s = df[c]
            if _is_text(s):
                s = s.astype(object).map(lambda x: x[len(_FORMULA_MARK):] if isinstance(x, str)
                                         and x.startswith(_FORMULA_MARK) else x)
            out[c] = _as_text(s).fillna("")
        out["_file"], out["_sheet"], out["_row"] = sh.file, sh.sheet, df["_row"].astype("int64")
        frames.append(out)
    for sh in st.sheets:
        _drop_raw(con, sh)
    cols = st.present + ["_file", "_sheet", "_row"]
    if not frames:
        return pd.DataFrame(columns=cols)
    rej = pd.concat(frames, ignore_index=True)
    for c in st.present:
        rej[c] = rej[c].fillna("") if c in rej else ""
    return rej[cols]


def _parquet_names(sh: _Sheet) -> list[str]:
    return [sh.headers[c] for c in sh.columns]


def _fill_unique_values(st: Staged) -> None:
    """A repeated key names each key column's raw text, as the pandas path does."""
    todo = [p for p in st.problems if getattr(p, "_unique_col", None)]
    if not todo or st.rejected is None or not len(st.rejected):
        return
    rej = st.rejected
    index = {(f, s, int(r)): i for i, (f, s, r) in enumerate(zip(rej["_file"], rej["_sheet"], rej["_row"]))}
    for p in todo:
        i = index.get((p.file, p.sheet, p.row))
        if i is not None and p._unique_col in rej:
            p.value = rej[p._unique_col].iat[i]
        del p._unique_col


def year_rows(con, st: Staged) -> pd.DataFrame:
    """(_file, year) of the good rows whose year is given, for fisoko.year_warnings."""
    if "year" not in st.present:
        return pd.DataFrame(columns=["_file", "year"])
    con.register("__bulk_meta", _meta(st))
    df = con.execute(f"SELECT m._file, s.year FROM {STAGE} s JOIN __bulk_meta m USING (_tid) "
                     f"ANTI JOIN __bulk_bad b USING (_tid, _row) WHERE s.year IS NOT NULL "
                     f"ORDER BY s._tid, s._row").df()
    con.unregister("__bulk_meta")
    return df


def _meta(st: Staged) -> pd.DataFrame:
    return pd.DataFrame({"_tid": [s.tid for s in st.sheets], "_file": [s.file for s in st.sheets],
                         "_sheet": [s.sheet for s in st.sheets],
                         "_sha256": pd.Series([s.sha for s in st.sheets], dtype="string")})


def load(con, st: Staged, run_id: str, ay, salt: str, shas: dict[str, str], replace: bool = True) -> None:
    """One transaction: the AY's earlier rows deleted and the new sheets' `__files` rows
    written, which makes the rows `stage_files` wrote visible through the view (when
    `replace`; otherwise the new rows are deleted), the rejected rows deleted from them,
    quarantine, log. `salt` is kept for the callers: the ids were hashed on the way in."""
    source = st.source
    rows = rows_table(source)
    now = datetime.now()
    present = [c.name for c in source.columns if c.name in st.present]
    sets = ""
    if source.name == "vpr_stats" and "participants" in present and any(f"pct{m}" in present for m in (2, 3, 4, 5)):
        counts, _ = sql_marks_counts(present)  # «Статистика по отметкам» in percentages: counts
        sets = ", ".join(f"mark{m} = {counts[m]}" for m in (2, 3, 4, 5))
    q_rows = quarantine_rows(run_id, source.name, ay, st.rejected if st.rejected is not None else pd.DataFrame(),
                             st.problems, now)
    con.register("__bulk_meta", _meta(st))
    counts_sql = (f"SELECT m._file, count(*) AS n, count(b._tid) AS bad FROM {STAGE} s JOIN __bulk_meta m "
                  f"USING (_tid) LEFT JOIN __bulk_bad b USING (_tid, _row) GROUP BY m._file" if st.rows_bad else
                  f"SELECT m._file, count(*) AS n, 0 AS bad FROM {STAGE} s JOIN __bulk_meta m USING (_tid) "
                  f"GROUP BY m._file")
    per_file = {f: (n, bad) for f, n, bad in con.execute(counts_sql).fetchall()}
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        if replace:
            delete_ay(con, source, ay, below_fid=st.base)
            con.execute(f"INSERT INTO {files_table(source)} BY NAME SELECT _tid + $base AS _fid, "
                        f"CAST($ay AS INTEGER) AS ay, _file, _sheet, _sha256, $run_id AS _run_id, "
                        f"CAST($now AS TIMESTAMP) AS _loaded_at FROM __bulk_meta",
                        {"base": st.base, "ay": ay, "run_id": run_id, "now": now}).fetchall()
            # every staged row was checked by these rules, the rows breaking them are rejected
            # here: they hold over all of the AY's stored rows (`delete_ay` dropped the old record)
            for code in st.set_rules:
                con.execute("INSERT INTO ingest_set_rules VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP))",
                            [source.name, ay, code, run_id, now]).fetchall()
            if st.rows_bad:
                con.execute(f"DELETE FROM {rows} USING (SELECT _tid + {st.base} AS _fid, _row FROM __bulk_bad) b "
                            f"WHERE {rows}._fid = b._fid AND {rows}._row = b._row").fetchall()
            if sets:
                con.execute(f"UPDATE {rows} SET {sets} WHERE _fid >= {st.base}").fetchall()
        else:  # over the limit of rejects: the AY's earlier rows stay, the new ones go
            con.execute(f"DELETE FROM {rows} WHERE _fid >= {st.base}").fetchall()
        write_quarantine(con, q_rows)
        if replace:
            write_log(con, run_id, source.name, ay, shas, {f: n - b for f, (n, b) in per_file.items()},
                      {f: b for f, (n, b) in per_file.items()}, now)
        con.execute("COMMIT").fetchall()
    except Exception:
        con.execute("ROLLBACK").fetchall()
        raise
    finally:
        con.unregister("__bulk_meta")


def drop(con, source: Source | None = None) -> None:
    """The temp objects of a load; with `source`, the rows a load that did not commit wrote
    (a failed load: none of them is visible, and none stays behind)."""
    import duckdb

    for sql in (f"DROP VIEW IF EXISTS {STAGE}", "DROP TABLE IF EXISTS __bulk_bad", "DROP TABLE IF EXISTS __bulk_k",
                "DROP VIEW IF EXISTS __bulk_r"):
        try:
            con.execute(sql).fetchall()
        except duckdb.Error:
            pass
    if source is not None:
        try:
            delete_orphans(con, source)
        except duckdb.Error:  # the disk or the connection is gone: the next load removes them
            pass


def pseudonymise_rejected(st: Staged, salt: str) -> None:
    if st.rejected is not None:
        pseudonymise_rejects(st.rejected, st.problems, salt)
