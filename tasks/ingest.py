"""Ingest one source of one AY from the inbox into the warehouse, as a whole dataset.

files → RawTables (tasks.read) → typed frame + problems (tasks.parse, the contract in
tasks.contract_check, registry and ОО-1 checks) → good rows into `raw_<source>` (the AY
replaced), rejected rows into `quarantine` with reasons (tasks.load). The bulk sources
(ГИА, ВПР participants and statistics: millions of rows at country scale) take the
set-based path of tasks.bulk instead: read file by file into DuckDB, typed and checked
there with the same rules. Rows in = rows loaded + rows quarantined, checked on every
load. A load whose rejected share passes the configured limit keeps the AY's earlier data
and fails loudly.

This module only orchestrates; each job has its own module:
  tasks.inbox           listing the files of a source
  tasks.read            reading files into header-mapped raw tables
  tasks.parse           typing a sheet's cells (pandas path)
  tasks.header_repair   a header written twice
  tasks.contract_check  the pandera contract on a frame
  tasks.registry_check  school codes against the registry (lost leading zeros repaired)
  tasks.oo1_check       participants against ОО-1
  tasks.pseudonym       salted hashes of participant ids
  tasks.load            one transaction: raw_<source>, quarantine, ingest log
  tasks.quarantine      rejected rows and their reasons
  tasks.ingest_log      the ingest_files log, unchanged-input detection
  tasks.bulk            the set-based path of the bulk sources
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.contracts import Problem, _as_text, marks_counts
from schemas.sources import SOURCES, Source
from tasks import bulk, fisoko, plan_layout, progress, vpr_scales
from tasks.contract_check import bad_rows as _bad_rows
from tasks.contract_check import contract_problems as _contract_problems_impl
from tasks.errors import IngestError
from tasks.header_repair import col_letter as _col_letter  # noqa: F401  (old name)
from tasks.header_repair import duplicate_header_problems as _duplicate_header_problems  # noqa: F401
from tasks.inbox import inbox_findings, list_files, source_folder, subfolders
from tasks.ingest_log import carry_excluded, current_rows, record_excluded, rows_last_time
from tasks.ingest_log import unchanged as _unchanged
from tasks.load import record
from tasks.oo1_check import oo1_participant_warnings, oo1_problems, warehouse_oo1
from tasks.parse import empty_sheet_warning, missing_column_problems, table_frame, table_frames, unknown_header_warning
from tasks.pseudonym import pseudonymise, pseudonymise_rejects as _pseudonymise_rejects
from tasks.pseudonym import salt as _salt_of
from tasks.read import ReadError, display_name, read_table, sha256_file
from tasks.registry_check import registry_problems, warehouse_registry
from tasks.warehouse import raw_table

__all__ = ["IngestError", "IngestReport", "CheckResult", "check_files", "ingest_source", "list_files",
           "source_folder", "pseudonymise", "table_frame", "registry_problems", "oo1_problems",
           "warehouse_registry", "warehouse_oo1"]


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
    rebuilt_totals: int = 0  # ВПР totals rebuilt from the task points
    journal_dropped: int = 0  # unreadable journal marks dropped (the pupils kept)
    # files the load went without (`[ingest] on_unreadable = "continue"`): file, reason, rows_last_time
    excluded: list[dict] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return not self.files


def _salt(cfg) -> str:
    return _salt_of(cfg)


def _contract_problems(df, source, present, headers, raw, rules_cfg=None) -> list[Problem]:
    """The pandas contract (named here so bench/stages.py can time it in place)."""
    return _contract_problems_impl(df, source, present, headers, raw, rules_cfg)


def _post_process(df: pd.DataFrame, source: Source, salt: str) -> pd.DataFrame:
    if source.name == "vpr_stats" and "participants" in df:
        # ФИС ОКО gives the marks in percent of participants: turn them into counts.
        counts = marks_counts(df)
        for m in (2, 3, 4, 5):
            df[f"mark{m}"] = counts[f"mark{m}"]
    if source.participant_level and "participant_id" in df:
        df["participant_id"] = pseudonymise(df["participant_id"], salt)
    return df


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
    rebuilt_totals: int = 0
    journal_dropped: int = 0


def readers(inbox: Path | None = None) -> tuple:
    """The special readers given to tasks.read.read_table: the ФИС ОКО layouts, knowing the
    maximum score of every work whose scale is shipped or in the inbox, and the plan's layouts."""
    return (fisoko.FisokoReader(scales=lambda: vpr_scales.max_scores(inbox)), plan_layout.PlanReader())


def check_files(files: list[Path], source: Source, cfg, registry: set[str] | None = None,
                oo1: pd.DataFrame | None = None, shas: dict[str, str] | None = None,
                special: tuple | None = None) -> CheckResult:
    """Read, type and check every file of a source (pandas); used by the load of the
    clerk-sized sources and by `edumon validate`.

    `registry`: school codes of the registry (codes are checked and lost leading zeros
    repaired when it is given); `oo1`: ОО-1 rows of the same AY (participants are
    checked against the students of the grade)."""
    ing = cfg["ingest"]
    special = readers() if special is None else special
    res = CheckResult(source.name)
    frames, raws, headers = [], [], {}
    read: list = []  # per file: its sheets, or the problem that it could not be read
    for f in progress.track(files, what=f"файлы: {source.title}"):
        name, _ = display_name(f)
        try:
            read.append(read_table(f, source, ing["header_search_rows"], ing["header_min_matches"], limits=ing,
                                   readers=special))
        except ReadError as exc:
            read.append(Problem(source.name, name, "", None, "", "", exc.reason, code="file"))
        except Exception as exc:  # noqa: BLE001 — a damaged file (truncated, renamed) is a finding
            read.append(Problem(source.name, name, "", None, "", "", bulk.damaged_reason(exc, f), code="damaged"))
    # the regional Parquet files of one shape typed together (parse.table_frames), reported file by file
    sheets = [t for item in read if not isinstance(item, Problem) for t in item]
    parsed = dict(zip(map(id, sheets), table_frames(sheets, source)))
    for item in read:
        if isinstance(item, Problem):
            res.problems.append(item)
            continue
        for t in item:
            w = unknown_header_warning(t)
            if w:
                res.warnings.append(w)
            typed, raw, problems = parsed[id(t)]
            problems += t.problems
            res.rebuilt_totals += t.rebuilt
            res.journal_dropped += t.journal_dropped
            res.warnings += t.notes
            if not len(typed):
                # a header with nothing under it is a real answer (e.g. a list with no schools
                # this year): the AY is loaded with zero rows, and the user is told
                res.read_any = True
                res.warnings.append(empty_sheet_warning(t))
                continue
            problems += missing_column_problems(t, source)
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
    if shas is not None:  # each file's sha256 on its rows (one column for all the sheets)
        of_sheet = np.array([shas.get(f["_file"].iat[0]) for f in frames], dtype=object)
        df["_sha256"] = pd.Series(np.repeat(of_sheet, [len(f) for f in frames]),
                                  dtype=object if any(v is None for v in of_sheet) else None)
    res.rows_in = len(df)
    present = [c.name for c in source.columns if c.name in df.columns]
    res.problems.extend(_contract_problems(df, source, present, headers, raw, ing))
    if registry and "school_code" in df and source.name != "schools":
        p, w = registry_problems(df, registry, headers, source)
        res.problems += p
        res.warnings += w
    if oo1 is not None and len(oo1) and {"grade", "participants"} <= set(df.columns):
        res.problems += oo1_problems(df, oo1, headers, source)
    elif oo1 is not None and len(oo1) and source.participant_level and "subject" in df.columns:
        res.warnings += oo1_participant_warnings(df, oo1)

    is_bad = _bad_rows(df, res.problems)
    res.good = df[~is_bad].copy()
    rejected = raw[is_bad.values].copy()
    for c in rejected.columns:
        rejected[c] = _as_text(rejected[c]).fillna("")
    res.rejected = rejected.assign(_file=df.loc[is_bad, "_file"].values, _sheet=df.loc[is_bad, "_sheet"].values,
                                   _row=df.loc[is_bad, "_row"].values)
    assert res.rows_in == len(res.good) + len(res.rejected)
    return res


def ingest_source(con, inbox: Path, source_name: str, ay: int | None, run_id: str, cfg) -> IngestReport:
    source = SOURCES[source_name]
    ay_key = ay if source.yearly else None
    report = IngestReport(source_name, ay_key)
    # what looks like data but is not read is said once per run: with the registry, which every cycle reads
    findings = inbox_findings(inbox) if source_name == "schools" else []
    files = list_files(source_folder(inbox, source, ay), root=inbox)
    if not files:
        report.warnings += findings
        return report
    shas = {display_name(f)[0]: sha256_file(f) for f in files}
    report.files = [{"file": name, "sha256": sha} for name, sha in shas.items()]
    report.warnings += findings
    if _unchanged(con, source_name, ay_key, shas):
        report.skipped_unchanged = True
        report.excluded = carry_excluded(con, run_id, source_name, ay_key, datetime.now())
        return report

    special = readers(inbox)
    below = subfolders(files)
    if below:
        folder = source_folder(inbox, source, ay)
        report.warnings.append(f"Источник «{source.title}»: прочитаны файлы и из подпапок папки {folder.name}/ — "
                               f"{', '.join('«' + b + '/»' for b in below)}.")
    if source.bulk:
        return _ingest_bulk(con, files, source, ay_key, run_id, cfg, report, shas, special)
    res = check_files(files, source, cfg, registry=warehouse_registry(con), oo1=warehouse_oo1(con, ay_key),
                      shas=shas, special=special)
    res.warnings[:0] = report.warnings
    report.problems, report.warnings = res.problems, res.warnings
    report.rebuilt_totals, report.journal_dropped = res.rebuilt_totals, res.journal_dropped
    if res.good is not None:
        wrong_year = fisoko.year_error(res.good, ay_key, source_name)
        if wrong_year:
            raise IngestError(wrong_year)
    if not res.read_any:
        record(con, source_name, report.problems, run_id, ay_key, pd.DataFrame(), pd.DataFrame(), shas, log_files=False)
        raise IngestError(_summary(report, "ни одна строка не прочитана"))
    _unreadable_or_shrunk(con, report, cfg["ingest"], len(res.good))
    report.rows_in = res.rows_in
    good = _post_process(res.good, source, _salt(cfg))
    if source.participant_level:
        _pseudonymise_rejects(res.rejected, report.problems, _salt(cfg))
    report.rows_loaded = len(good)
    report.rows_quarantined = len(res.rejected)
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    failure = _rejected_share_failure(report, cfg["ingest"])
    # over the limit: the rejects are kept, the AY's earlier data is not replaced
    record(con, source_name, report.problems, run_id, ay_key, good.iloc[0:0] if failure else good,
           res.rejected, shas, log_files=not failure)
    if failure:
        raise IngestError(failure)
    record_excluded(con, run_id, source_name, ay_key, report.excluded, datetime.now())
    return report


def _ingest_bulk(con, files, source: Source, ay_key, run_id: str, cfg, report: IngestReport,
                 shas: dict[str, str], special: tuple | None = None) -> IngestReport:
    """The set-based path (tasks.bulk): staged and checked in DuckDB, then loaded."""
    salt = _salt(cfg)
    try:
        st = bulk.stage_files(con, files, source, cfg, shas, oo1_ay=ay_key if _has_oo1(con, ay_key) else None,
                              ay=ay_key, readers=special)
        st.warnings[:0] = report.warnings
        report.problems, report.warnings = st.problems, st.warnings
        report.rebuilt_totals, report.journal_dropped = st.rebuilt_totals, st.journal_dropped
        if st.read_any and st.sheets:
            wrong_year = fisoko.year_error(bulk.year_rows(con, st), ay_key, source.name)
            if wrong_year:
                raise IngestError(wrong_year)
        if not st.read_any:
            record(con, source.name, report.problems, run_id, ay_key, pd.DataFrame(), pd.DataFrame(), shas,
                   log_files=False)
            raise IngestError(_summary(report, "ни одна строка не прочитана"))
        if source.participant_level:
            bulk.pseudonymise_rejected(st, salt)
        _unreadable_or_shrunk(con, report, cfg["ingest"], st.rows_in - st.rows_bad)
        report.rows_in = st.rows_in
        report.rows_quarantined = st.rows_bad
        report.rows_loaded = st.rows_in - st.rows_bad
        assert st.rejected is None or len(st.rejected) == st.rows_bad
        failure = _rejected_share_failure(report, cfg["ingest"])
        # over the limit: the rejects are kept, the AY's earlier data is not replaced
        bulk.load(con, st, run_id, ay_key, salt, shas, replace=not failure)
    finally:  # a load that did not commit leaves no row behind (none was visible)
        bulk.drop(con, source)
    if failure:
        raise IngestError(failure)
    record_excluded(con, run_id, source.name, ay_key, report.excluded, datetime.now())
    return report


def _unreadable_or_shrunk(con, report: IngestReport, ing: dict, rows_new: int) -> None:
    """A damaged file never changes an official list silently (issue 11).

    - A file that cannot be read stops the source's load (the AY's earlier data stays),
      unless `[ingest] on_unreadable = "continue"`: then the load goes on without it and
      the file is recorded as excluded (the справка and the summary name it).
    - An AY whose rows would fall below `min_rows_ratio` of what the warehouse holds now
      (a header-only ОО-1 file) stops the load, unless the source is one of
      `shrink_allowed` (lists that may legitimately be empty or shorter)."""
    source = SOURCES[report.source]
    unreadable = [p for p in report.problems if p.code in ("file", "damaged") and p.row is None]
    if unreadable:
        if str(ing.get("on_unreadable", "stop")) != "continue":
            lines = [f"  • файл «{p.file}»: {p.rule}" for p in unreadable]
            raise IngestError(_title(report) + ": не удалось прочитать " + (
                "файл" if len(unreadable) == 1 else f"файлы ({len(unreadable)})") + ". Загрузка источника "
                "остановлена, данные этого года не заменены:\n" + "\n".join(lines) + "\n  Исправьте или "
                "замените файл и запустите расчёт снова. Чтобы считать без этого файла, задайте в файле правил "
                "муниципалитета [ingest] on_unreadable = \"continue\" — тогда справка назовёт пропущенный файл.")
        report.excluded = [{"file": p.file, "reason": p.rule.rstrip("."),
                            "rows_last_time": rows_last_time(con, report.source, report.ay, p.file)}
                           for p in unreadable]
        report.warnings += [f"Файл «{x['file']}» не загружен ({x['reason']}); расчёт продолжен без него"
                            + (f", в прошлый раз в нём было строк: {x['rows_last_time']}." if x["rows_last_time"]
                               else ".") for x in report.excluded]
    ratio = float(ing.get("min_rows_ratio", 0.5))
    if ratio <= 0 or source.name in set(ing.get("shrink_allowed", [])):
        return
    # the rows of the files excluded above are named already: they do not count as a shrink
    before = current_rows(con, raw_table(source), report.ay) - sum(x["rows_last_time"] or 0 for x in report.excluded)
    if before > 0 and rows_new < ratio * before:
        files = ", ".join(f"«{f['file']}»" for f in report.files)
        raise IngestError(
            f"{_title(report)}: в новых файлах ({files}) строк без ошибок {rows_new}, а в хранилище сейчас {before} "
            f"— меньше {ratio * 100:g} % прежнего. Похоже, файл неполный (например, только строка заголовков). "
            f"Загрузка источника остановлена, данные этого года не заменены. Если список действительно стал "
            f"короче, уменьшите [ingest] min_rows_ratio в файле правил муниципалитета.")


def _title(report: IngestReport) -> str:
    year = f" за {report.ay}/{report.ay + 1} учебный год" if report.ay is not None else ""
    return f"Источник «{SOURCES[report.source].title}»{year}"


def _has_oo1(con, ay) -> bool:
    return ay is not None and con.execute("SELECT count(*) > 0 FROM raw_oo1 WHERE ay = ?", [ay]).fetchall()[0][0]


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


