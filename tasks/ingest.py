"""Ingest one source of one AY from the inbox into the warehouse, as a whole dataset.

files → RawTables (tasks.read) → typed frame + problems (schemas.contracts) → good rows
into `raw_<source>` (the AY replaced), rejected rows into `quarantine` with reasons.
Rows in = rows loaded + rows quarantined, checked on every load. A load whose rejected
share passes the configured limit keeps the AY's earlier data and fails loudly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from schemas.contracts import Problem, cell_text, describe_check, pandera_schema, parse_column
from schemas.sources import SOURCES, Source
from tasks import fisoko
from tasks.read import READABLE_SUFFIXES, RawTable, ReadError, read_table, sha256_file
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
    """Salted sha256 of participant ids (SPEC §3.1): the same id maps to the same code."""
    return ids.map(lambda v: None if pd.isna(v) else
                   hashlib.sha256(f"{salt}|{v}".encode()).hexdigest()[:20]).astype("string")


def table_frame(t: RawTable, source: Source) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """(typed frame, raw text frame, parse problems) for one sheet."""
    raw = pd.DataFrame({canon: [r[pos] if pos < len(r) else None for r in t.rows]
                        for pos, canon in t.columns.items()})
    raw.index = pd.RangeIndex(len(t.rows))
    typed = pd.DataFrame(index=raw.index)
    problems = []
    for name in raw.columns:
        col = source.col(name)
        values, bad, rule = parse_column(raw[name], col)
        typed[name] = values
        for i in bad[bad].index:
            problems.append(Problem(source.name, t.file, t.sheet, t.row_numbers[i], t.headers[name],
                                    cell_text(raw.at[i, name]), rule))
    typed["_file"] = t.file
    typed["_sheet"] = t.sheet
    typed["_row"] = pd.array(t.row_numbers, dtype="Int64")
    text = raw.map(cell_text)
    return typed, text, problems


def _post_process(df: pd.DataFrame, source: Source, salt: str) -> pd.DataFrame:
    if source.name == "vpr_stats" and "participants" in df:
        # ФИС ОКО gives the marks in percent of participants: turn them into counts.
        for m in (2, 3, 4, 5):
            pct, cnt = f"pct{m}", f"mark{m}"
            if pct in df:
                counts = (df[pct] * df["participants"] / 100).round().astype("Int64")
                df[cnt] = df[cnt].fillna(counts) if cnt in df else counts
    if source.participant_level and "participant_id" in df:
        df["participant_id"] = pseudonymise(df["participant_id"], salt)
    return df


def ingest_source(con, inbox: Path, source_name: str, ay: int | None, run_id: str, cfg) -> IngestReport:
    source = SOURCES[source_name]
    ay_key = ay if source.yearly else None
    report = IngestReport(source_name, ay_key)
    files = list_files(source_folder(inbox, source, ay))
    if not files:
        return report
    shas = {f.name: sha256_file(f) for f in files}
    report.files = [{"file": name, "sha256": sha} for name, sha in shas.items()]
    if _unchanged(con, source_name, ay_key, shas):
        report.skipped_unchanged = True
        return report

    ing = cfg["ingest"]
    frames, texts, tables_headers = [], [], {}
    for f in files:
        try:
            tables = read_table(f, source, ing["header_search_rows"], ing["header_min_matches"])
        except ReadError as exc:
            report.problems.append(Problem(source_name, f.name, "", None, "", "", exc.reason))
            continue
        for t in tables:
            if t.unknown_headers:
                report.warnings.append(
                    f"Файл «{t.file}»{', лист «' + t.sheet + '»' if t.sheet else ''}: столбцы не распознаны "
                    f"и не загружены: {', '.join('«' + h + '»' for h in t.unknown_headers)}.")
            report.warnings.extend(t.notes)
            typed, text, problems = table_frame(t, source)
            missing = [c for c in source.columns if c.required and c.name not in t.columns.values()]
            for c in missing:
                # the whole sheet is rejected: each row gets the reason
                for r in t.row_numbers:
                    problems.append(Problem(source_name, t.file, t.sheet, r, c.title, "",
                                            f"в файле нет обязательного столбца «{c.title}»"))
            typed["_sha256"] = shas[f.name]
            report.problems.extend(problems)
            frames.append(typed)
            texts.append(text.assign(_file=t.file, _sheet=t.sheet, _row=t.row_numbers))
            tables_headers[(t.file, t.sheet)] = t.headers

    if not frames:
        _record(con, report, run_id, ay_key, pd.DataFrame(), pd.DataFrame(), shas, log_files=False)
        raise IngestError(_summary(report, "ни одна строка не прочитана"))

    df = pd.concat(frames, ignore_index=True)
    text = pd.concat(texts, ignore_index=True)
    report.rows_in = len(df)
    report.warnings.extend(fisoko.year_warnings(df, ay_key, source_name))
    present = [c.name for c in source.columns if c.name in df.columns]
    report.problems.extend(_contract_problems(df, source, present, tables_headers, text))

    bad_keys = {(p.file, p.sheet, p.row) for p in report.problems if p.row is not None}
    bad_files = {p.file for p in report.problems if p.row is None}
    is_bad = pd.Series([(f, s, int(r)) in bad_keys or f in bad_files
                        for f, s, r in zip(df["_file"], df["_sheet"], df["_row"])], index=df.index)
    good = _post_process(df[~is_bad].copy(), source, _salt(cfg))
    report.rows_loaded = int((~is_bad).sum())
    report.rows_quarantined = int(is_bad.sum())
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    failure = _rejected_share_failure(report, ing)
    # over the limit: the rejects are kept, the AY's earlier data is not replaced
    _record(con, report, run_id, ay_key, good.iloc[0:0] if failure else good, text[is_bad.values], shas,
            log_files=not failure)
    if failure:
        raise IngestError(failure)
    return report


def _contract_problems(df, source, present, headers, text) -> list[Problem]:
    schema = pandera_schema(source, present)
    try:
        schema.validate(df[present], lazy=True)
        return []
    except pa_errors.SchemaErrors as exc:
        fc = exc.failure_cases
    problems = []
    for _, f in fc.iterrows():
        idx = f["index"]
        if pd.isna(idx):
            continue
        idx = int(idx)
        column = f["column"] if isinstance(f["column"], str) and f["column"] in present else None
        check = str(f["check"])
        if column is None:  # schema-level unique: report on the first key column
            column = source.key[0] if source.key else present[0]
        file, sheet = df.at[idx, "_file"], df.at[idx, "_sheet"]
        # a cell that could not be parsed is already reported; pandera sees it as empty
        raw_value = text.at[idx, column] if column in text.columns else ""
        if check == "not_nullable" and raw_value != "":
            continue
        problems.append(Problem(source.name, file, sheet, int(df.at[idx, "_row"]),
                                headers[(file, sheet)].get(column, column), raw_value,
                                describe_check(check, source.col(column))))
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
    title = SOURCES[report.source].title
    year = f" за {report.ay}/{report.ay + 1} учебный год" if report.ay is not None else ""
    lines = [f"Источник «{title}»{year}: {what}. Данные этого года не заменены."]
    lines += ["  • " + p.message() for p in report.problems[:first]]
    if len(report.problems) > first:
        lines.append(f"  … и ещё {len(report.problems) - first} замечаний.")
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
        if len(good):
            good = good.assign(ay=ay, _run_id=run_id, _loaded_at=now)
            cols = [c for c in source.names if c in good.columns] + list(
                ["ay", "_file", "_sheet", "_row", "_sha256", "_run_id", "_loaded_at"])
            con.execute(f"DELETE FROM {table} WHERE ay IS NOT DISTINCT FROM ?", [ay])
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
