"""Ingest one source of one AY from the inbox into the warehouse, as a whole dataset.

files → RawTables (tasks.read) → typed frame + problems (schemas.contracts) → good rows
into `raw_<source>` (the AY replaced), rejected rows into `quarantine` with reasons.
Rows in = rows loaded + rows quarantined, checked on every load. A load whose rejected
share passes the configured limit keeps the AY's earlier data and fails loudly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from schemas.contracts import (RULE_TEXT, Problem, _as_text, cell_text, cross_rule_problem, cross_rules,
                               describe_check, marks_counts, pandera_schema, parse_column, rule_for)
from schemas.sources import SOURCES, Source
from tasks import fisoko
from tasks.read import READABLE_SUFFIXES, RawTable, ReadError, display_name, read_table, sha256_file
from tasks.warehouse import raw_table


class IngestError(Exception):
    """The run must stop: the message is Russian and says what to fix."""


@dataclass
class IngestReport:
    source: str
    ay: int | None
    files: list[dict] = field(default_factory=list)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_unchanged: bool = False

    @property
    def missing(self) -> bool:
        return not self.files


def source_folder(inbox: Path, source: Source, ay: int | None) -> Path:
    return inbox / source.name if not source.yearly else inbox / str(ay) / source.name


def list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith(("~$", ".")))


def pseudonymise(ids: pd.Series, salt: str) -> pd.Series:
    """Salted sha256 of participant ids (SPEC §3.1): the same id maps to the same code.

    Computed by DuckDB over the whole column (millions of ГИА rows): the same digest as
    hashlib.sha256(f"{salt}|{id}").hexdigest()[:20]."""
    import duckdb

    frame = pd.DataFrame({"id": ids.astype("string")})
    con = duckdb.connect()
    try:
        con.register("ids", frame)
        out = con.execute("SELECT CASE WHEN id IS NULL THEN NULL ELSE substr(sha256($salt || '|' || id), 1, 20) END "
                          "AS code FROM ids", {"salt": salt}).df()["code"]
    finally:
        con.close()
    return pd.Series(out.to_numpy(), index=ids.index, dtype="string")


def table_frame(t: RawTable, source: Source) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """(typed frame, raw cell frame, parse problems) for one sheet.

    Whole columns at a time: a Python step per problem, never per cell of good data."""
    if t.frame is not None:
        raw = t.frame.reset_index(drop=True)
    else:
        raw = pd.DataFrame({canon: [r[pos] if pos < len(r) else None for r in t.rows]
                            for pos, canon in t.columns.items()}, dtype=object)
        raw.index = pd.RangeIndex(len(t.rows))
    row_numbers = np.asarray(t.row_numbers, dtype="int64")
    typed = pd.DataFrame(index=raw.index)
    problems = []
    for name in raw.columns:
        col = source.col(name)
        values, bad, rule = parse_column(raw[name], col)
        typed[name] = values
        if bad.any():
            texts = _as_text(raw.loc[bad, name])
            for i, v in texts.items():
                problems.append(Problem(source.name, t.file, t.sheet, int(row_numbers[i]), t.headers[name],
                                        "" if pd.isna(v) else str(v), rule_for(rule, i),
                                        code="formula" if rule_for(rule, i) == RULE_TEXT["formula"] else col.type))
    problems += _duplicate_header_problems(t, source, row_numbers)
    typed["_file"] = t.file
    typed["_sheet"] = t.sheet
    typed["_row"] = pd.array(row_numbers, dtype="Int64")
    return typed, raw, problems


def _duplicate_header_problems(t: RawTable, source: Source, row_numbers) -> list[Problem]:
    """A header written twice: the first column is loaded; rows where the copies differ
    are rejected (which value is right is the user's call)."""
    problems = []
    for canon, positions in t.duplicates.items():
        letters = " и ".join(_col_letter(p) for p in positions)
        cells = [pd.Series([r[p] if p < len(r) else None for r in t.rows], dtype=object) for p in positions]
        texts = [_as_text(c) for c in cells]
        differ = pd.Series(False, index=texts[0].index)
        for other in texts[1:]:
            differ |= (texts[0].fillna("") != other.fillna(""))
        header = t.headers.get(canon, canon)
        for i in differ[differ].index:
            problems.append(Problem(
                source.name, t.file, t.sheet, int(row_numbers[i]), header,
                " / ".join("" if pd.isna(x[i]) else str(x[i]) for x in texts),
                f"столбец «{header}» повторяется в заголовке (столбцы {letters}) с разными значениями — "
                f"оставьте один столбец", code="duplicate_header"))
        t.notes.append(f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: столбец «{header}» "
                       f"повторяется в заголовке (столбцы {letters}); загружен первый.")
    return problems


def _col_letter(pos: int) -> str:
    s, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _post_process(df: pd.DataFrame, source: Source, salt: str) -> pd.DataFrame:
    if source.name == "vpr_stats" and "participants" in df:
        # ФИС ОКО gives the marks in percent of participants: turn them into counts.
        counts = marks_counts(df)
        for m in (2, 3, 4, 5):
            df[f"mark{m}"] = counts[f"mark{m}"]
    if source.participant_level and "participant_id" in df:
        df["participant_id"] = pseudonymise(df["participant_id"], salt)
    return df


def _pseudonymise_rejects(rejected: pd.DataFrame, problems: list[Problem], salt: str) -> None:
    """Rejected rows keep their raw text, except the participant id: it is replaced by the
    same salted hash a loaded row gets, in the quarantine and in the messages (and so in
    the run's log), so no real id is stored anywhere (SPEC §3.1)."""
    if not len(rejected) or "participant_id" not in rejected:
        return
    raw = rejected["participant_id"].astype("string")
    hashed = pseudonymise(raw.where(raw.fillna("") != ""), salt)
    codes = {r: h for r, h in zip(raw, hashed) if isinstance(r, str) and r and isinstance(h, str)}
    rejected["participant_id"] = hashed.fillna("").to_numpy()
    for p in problems:
        if p.value in codes:
            p.value = codes[p.value]


@dataclass
class CheckResult:
    """Files of one source read, typed and checked; nothing written yet."""

    source: str
    rows_in: int = 0
    good: pd.DataFrame | None = None  # typed rows that passed, with _file/_sheet/_row
    rejected: pd.DataFrame | None = None  # raw text of rejected rows, with _file/_sheet/_row
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts worth saying that need no action
    read_any: bool = False


def check_files(files: list[Path], source: Source, cfg, registry: set[str] | None = None,
                oo1: pd.DataFrame | None = None, shas: dict[str, str] | None = None) -> CheckResult:
    """Read, type and check every file of a source; used by the load and by `edumon validate`.

    `registry`: school codes of the registry (codes are checked and lost leading zeros
    repaired when it is given); `oo1`: ОО-1 rows of the same AY (participants are
    checked against the students of the grade)."""
    ing = cfg["ingest"]
    res = CheckResult(source.name)
    frames, raws, headers = [], [], {}
    for f in files:
        name, _ = display_name(f)
        try:
            tables = read_table(f, source, ing["header_search_rows"], ing["header_min_matches"], limits=ing)
        except ReadError as exc:
            res.problems.append(Problem(source.name, name, "", None, "", "", exc.reason, code="file"))
            continue
        for t in tables:
            if t.unknown_headers:
                res.warnings.append(
                    f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: столбцы не распознаны "
                    f"и не загружены: {', '.join('«' + h + '»' for h in t.unknown_headers)}.")
            typed, raw, problems = table_frame(t, source)
            res.warnings += t.notes
            if not len(typed):
                # a header with nothing under it is a real answer (e.g. a list with no schools
                # this year): the AY is loaded with zero rows, and the user is told
                res.read_any = True
                res.warnings.append(f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: под "
                                    f"заголовком (строка {t.header_row}) нет ни одной строки данных — "
                                    f"загружено 0 строк.")
                continue
            missing = [c for c in source.columns if c.required and c.name not in t.columns.values()]
            for c in missing:
                # the whole sheet is rejected: each row gets the reason
                for r in t.row_numbers:
                    problems.append(Problem(source.name, t.file, t.sheet, int(r), c.title, "",
                                            f"в файле нет обязательного столбца «{c.title}»", code="missing_column"))
            if shas is not None:
                typed["_sha256"] = shas.get(t.file)
            res.problems.extend(problems)
            frames.append(typed)
            raws.append(raw)
            headers[(t.file, t.sheet)] = t.headers
    if not frames:
        if res.read_any:
            res.good = pd.DataFrame(columns=["_file", "_sheet", "_row"])
            res.rejected = pd.DataFrame(columns=["_file", "_sheet", "_row"])
        return res
    res.read_any = True
    df = pd.concat(frames, ignore_index=True)
    raw = pd.concat(raws, ignore_index=True)
    res.rows_in = len(df)
    present = [c.name for c in source.columns if c.name in df.columns]
    res.problems.extend(_contract_problems(df, source, present, headers, raw, ing))
    if registry and "school_code" in df and source.name != "schools":
        p, w = registry_problems(df, registry, headers, source)
        res.problems += p
        res.warnings += w
    if oo1 is not None and len(oo1) and {"grade", "participants"} <= set(df.columns):
        res.problems += oo1_problems(df, oo1, headers, source)

    is_bad = _bad_rows(df, res.problems)
    res.good = df[~is_bad].copy()
    rejected = raw[is_bad.values].copy()
    for c in rejected.columns:
        rejected[c] = _as_text(rejected[c]).fillna("")
    res.rejected = rejected.assign(_file=df.loc[is_bad, "_file"].values, _sheet=df.loc[is_bad, "_sheet"].values,
                                   _row=df.loc[is_bad, "_row"].values)
    assert res.rows_in == len(res.good) + len(res.rejected)
    return res


def _bad_rows(df: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    keys = pd.DataFrame([(p.file, p.sheet, p.row) for p in problems if p.row is not None],
                        columns=["_file", "_sheet", "_row"]).drop_duplicates()
    bad_files = {p.file for p in problems if p.row is None and p.code == "file"}
    if len(keys):
        keys["_row"] = keys["_row"].astype("Int64")
        hit = df[["_file", "_sheet", "_row"]].merge(keys.assign(_bad=True), how="left",
                                                    on=["_file", "_sheet", "_row"])["_bad"]
        is_bad = pd.Series(hit.notna().to_numpy(), index=df.index)
    else:
        is_bad = pd.Series(False, index=df.index)
    return is_bad | df["_file"].isin(bad_files)


_CODE_KEY = r"^([^\d]*?)0*(\d+)$"


def registry_problems(df: pd.DataFrame, registry: set[str], headers: dict, source: Source):
    """School codes missing from the registry. A code that lost its leading zeros
    (`80012`, `sch80012` where the registry has `080012`, `sch080012`) is repaired when
    exactly one registry code matches, with a warning; otherwise the row is rejected and
    the likely codes named."""
    codes = df["school_code"]
    unknown = codes.notna() & ~codes.isin(registry)
    if not unknown.any():
        return [], []
    reg = pd.Series(sorted(registry), dtype="string")
    reg_key = reg.str.lower().str.replace(_CODE_KEY, r"\1\2", regex=True)
    by_key = reg.groupby(reg_key.values).agg(list).to_dict()
    problems, warnings = [], []
    sub = df.loc[unknown, ["school_code", "_file", "_sheet", "_row"]]
    keys = sub["school_code"].str.lower().str.replace(_CODE_KEY, r"\1\2", regex=True)
    for (i, r), key in zip(sub.iterrows(), keys):
        header = headers[(r["_file"], r["_sheet"])].get("school_code", "school_code")
        cands = by_key.get(key, [])
        if len(cands) == 1:
            df.at[i, "school_code"] = cands[0]
            warnings.append(f"файл «{r['_file']}»{', лист «' + r['_sheet'] + '»' if r['_sheet'] else ''}, "
                            f"строка {int(r['_row'])}, столбец «{header}»: код «{r['school_code']}» исправлен на "
                            f"«{cands[0]}» (потерян ведущий ноль; в реестре один такой код)")
        elif cands:
            problems.append(Problem(source.name, r["_file"], r["_sheet"], int(r["_row"]), header, r["school_code"],
                                    f"кода нет в реестре; возможно, имелся в виду один из кодов "
                                    f"{', '.join('«' + c + '»' for c in cands)} (потерян ведущий ноль?) — "
                                    f"укажите код полностью, как в реестре", code="registry"))
        else:
            problems.append(Problem(source.name, r["_file"], r["_sheet"], int(r["_row"]), header, r["school_code"],
                                    "кода ОО нет в реестре школ", code="registry"))
    return problems, warnings


def oo1_problems(df: pd.DataFrame, oo1: pd.DataFrame, headers: dict, source: Source) -> list[Problem]:
    """Participants not above the students of that grade in ОО-1 (same school and AY)."""
    long = oo1.melt(id_vars=["school_code"], value_vars=[f"students_g{g}" for g in range(1, 12)
                                                         if f"students_g{g}" in oo1.columns],
                    var_name="g", value_name="students")
    long["grade"] = long["g"].str.removeprefix("students_g").astype("Int64")
    m = df[["school_code", "grade", "participants", "_file", "_sheet", "_row"]].reset_index().merge(
        long[["school_code", "grade", "students"]], on=["school_code", "grade"], how="inner")
    over = m[(m["participants"] > m["students"]).fillna(False).astype(bool)]
    problems = []
    for _, r in over.iterrows():
        header = headers[(r["_file"], r["_sheet"])].get("participants", "participants")
        problems.append(Problem(source.name, r["_file"], r["_sheet"], int(r["_row"]), header,
                                f"{int(r['participants'])}",
                                f"участников больше, чем обучающихся {int(r['grade'])} класса этой школы по "
                                f"форме ОО-1 того же года ({int(r['students'])})", code="oo1"))
    return problems


def warehouse_registry(con) -> set[str] | None:
    codes = {r[0] for r in con.execute("SELECT DISTINCT school_code FROM raw_schools "
                                       "WHERE school_code IS NOT NULL").fetchall()}
    return codes or None


def warehouse_oo1(con, ay: int | None) -> pd.DataFrame | None:
    if ay is None:
        return None
    cols = ", ".join(f"students_g{g}" for g in range(1, 12))
    df = con.execute(f"SELECT school_code, {cols} FROM raw_oo1 WHERE ay = ?", [ay]).df()
    return df if len(df) else None


def ingest_source(con, inbox: Path, source_name: str, ay: int | None, run_id: str, cfg) -> IngestReport:
    source = SOURCES[source_name]
    ay_key = ay if source.yearly else None
    report = IngestReport(source_name, ay_key)
    files = list_files(source_folder(inbox, source, ay))
    if not files:
        return report
    shas = {display_name(f)[0]: sha256_file(f) for f in files}
    report.files = [{"file": name, "sha256": sha} for name, sha in shas.items()]
    if _unchanged(con, source_name, ay_key, shas):
        report.skipped_unchanged = True
        return report

    res = check_files(files, source, cfg, registry=warehouse_registry(con), oo1=warehouse_oo1(con, ay_key),
                      shas=shas)
    report.problems, report.warnings = res.problems, res.warnings
    if res.good is not None:
        report.warnings += fisoko.year_warnings(res.good, ay_key, source_name)
    if not res.read_any:
        _record(con, report, run_id, ay_key, pd.DataFrame(), pd.DataFrame(), shas, log_files=False)
        raise IngestError(_summary(report, "ни одна строка не прочитана"))
    report.rows_in = res.rows_in
    good = _post_process(res.good, source, _salt(cfg))
    if source.participant_level:
        _pseudonymise_rejects(res.rejected, report.problems, _salt(cfg))
    report.rows_loaded = len(good)
    report.rows_quarantined = len(res.rejected)
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    failure = _rejected_share_failure(report, cfg["ingest"])
    # over the limit: the rejects are kept, the AY's earlier data is not replaced
    _record(con, report, run_id, ay_key, good.iloc[0:0] if failure else good, res.rejected, shas,
            log_files=not failure)
    if failure:
        raise IngestError(failure)
    return report


def _contract_problems(df, source, present, headers, raw, rules_cfg=None) -> list[Problem]:
    schema = pandera_schema(source, present, rules_cfg)
    try:
        schema.validate(df[present], lazy=True)
        return []
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
    rules = {r.code: r for r in cross_rules(source)}
    problems = []
    fc = fc[fc["index"].notna()]
    seen = set()
    for f in fc.itertuples(index=False):
        idx = int(f.index)
        check = str(f.check)
        # a dataframe-level check is reported once per column by pandera: once is enough
        key = (check, idx) if check in rules else (check, idx, f.column)
        if key in seen:
            continue
        seen.add(key)
        file, sheet, row = df.at[idx, "_file"], df.at[idx, "_sheet"], int(df.at[idx, "_row"])
        if check in rules:
            problems.append(cross_rule_problem(rules[check], df.loc[idx], headers[(file, sheet)], source,
                                               file, sheet, row))
            continue
        column = f.column if isinstance(f.column, str) and f.column in present else None
        if column is None:  # schema-level unique: report on the first key column
            column = source.key[0] if source.key else present[0]
        # a cell that could not be parsed is already reported; pandera sees it as empty
        raw_value = cell_text(raw.at[idx, column]) if column in raw.columns else ""
        if check == "not_nullable" and raw_value != "":
            continue
        problems.append(Problem(source.name, file, sheet, row, headers[(file, sheet)].get(column, column),
                                raw_value, describe_check(check, source.col(column)), code=check))
    return problems


def _salt(cfg) -> str:
    import os

    return os.environ.get(cfg["privacy"]["salt_env"], cfg["privacy"]["default_salt"])


def _unchanged(con, source: str, ay: int | None, shas: dict[str, str]) -> bool:
    """The same files with the same bytes were loaded last time: nothing to do."""
    last = con.execute("""
        SELECT file, sha256 FROM ingest_files
        WHERE source = ? AND ay IS NOT DISTINCT FROM ? AND run_id = (
            SELECT run_id FROM ingest_files WHERE source = ? AND ay IS NOT DISTINCT FROM ?
            ORDER BY loaded_at DESC LIMIT 1)""", [source, ay, source, ay]).fetchall()
    return bool(last) and dict(last) == shas


def _rejected_share_failure(report: IngestReport, ing: dict) -> str | None:
    limit = ing["max_rejected_share_pct"]
    if report.rows_in and 100.0 * report.rows_quarantined / report.rows_in > limit:
        share = f"{100.0 * report.rows_quarantined / report.rows_in:.1f}".replace(".", ",")
        return _summary(report, f"отклонено {report.rows_quarantined} из {report.rows_in} строк "
                                f"({share} %, допустимо не более {limit:g} %)")
    return None


def _summary(report: IngestReport, what: str, first: int = 10) -> str:
    """The failure message: what happened, then the problems grouped by rule with the
    first few places of each (the full list is in the quarantine and `edumon validate`)."""
    title = SOURCES[report.source].title
    year = f" за {report.ay}/{report.ay + 1} учебный год" if report.ay is not None else ""
    lines = [f"Источник «{title}»{year}: {what}. Данные этого года не заменены."]
    groups: dict[str, list[Problem]] = {}
    for p in report.problems:
        groups.setdefault(p.rule, []).append(p)
    shown = 0
    for rule, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(groups) > 1:
            lines.append(f"  {rule} — {len(items)} шт.:")
        for p in items[:max(1, first - shown) if len(groups) > 1 else first]:
            lines.append("  • " + p.message())
            shown += 1
        if shown >= first:
            break
    if len(report.problems) > shown:
        lines.append(f"  … и ещё {len(report.problems) - shown} замечаний (полный список: "
                     f"edumon validate ФАЙЛ или таблица quarantine).")
    return "\n".join(lines)


def _record(con, report: IngestReport, run_id: str, ay, good: pd.DataFrame, rejected: pd.DataFrame,
            shas: dict[str, str], log_files: bool = True) -> None:
    """Write the load in one transaction: replace the AY, quarantine, file log."""
    source = SOURCES[report.source]
    now = datetime.now()
    table = raw_table(source)
    reasons: dict[tuple, list[str]] = {}
    for p in report.problems:
        reasons.setdefault((p.file, p.sheet, p.row), []).append(p.message())
    con.execute("BEGIN TRANSACTION")
    try:
        if log_files:  # a successful load replaces the AY, even with zero rows
            con.execute(f"DELETE FROM {table} WHERE ay IS NOT DISTINCT FROM ?", [ay])
        if len(good):
            good = good.assign(ay=ay, _run_id=run_id, _loaded_at=now)
            cols = [c for c in source.names if c in good.columns] + list(
                ["ay", "_file", "_sheet", "_row", "_sha256", "_run_id", "_loaded_at"])
            con.register("__good", good[cols])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM __good")
            con.unregister("__good")
        q_rows = []
        for _, r in rejected.iterrows():
            key = (r["_file"], r["_sheet"], int(r["_row"]))
            raw = {k: v for k, v in r.items() if not k.startswith("_")}
            q_rows.append((run_id, report.source, ay, key[0], key[1], key[2],
                           "\n".join(reasons.get(key, []) + reasons.get((key[0], "", None), [])),
                           json.dumps(raw, ensure_ascii=False), now))
        for (file, sheet, row), msgs in reasons.items():
            if row is None:  # a file that could not be read at all
                q_rows.append((run_id, report.source, ay, file, sheet, None, "\n".join(msgs), None, now))
        if q_rows:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", q_rows)
        per_file = {}
        for name in shas:
            loaded = int((good["_file"] == name).sum()) if len(good) else 0
            rej = int((rejected["_file"] == name).sum()) if len(rejected) else 0
            per_file[name] = (loaded + rej, loaded, rej)
        if log_files:
            con.executemany("INSERT INTO ingest_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [(run_id, report.source, ay, name, sha, *per_file[name], now)
                             for name, sha in shas.items()])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
