"""The landing contract checked on a pandas frame (the clerk-sized sources): the pandera
schema of schemas/contracts.py, its failure cases turned into Russian problems."""

from __future__ import annotations

import pandas as pd
import pandera.errors as pa_errors

from schemas.contracts import Problem, cell_text, cross_rule_problem, cross_rules, describe_check, pandera_schema


def contract_problems(df, source, present, headers, raw, rules_cfg=None) -> list[Problem]:
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


def bad_rows(df: pd.DataFrame, problems: list[Problem]) -> pd.Series:
    """Rows named by a problem, and every row of a file that could not be read."""
    keys = pd.DataFrame([(p.file, p.sheet, p.row) for p in problems if p.row is not None],
                        columns=["_file", "_sheet", "_row"]).drop_duplicates()
    bad_files = {p.file for p in problems if p.row is None and p.code in ("file", "damaged")}
    if len(keys):
        keys["_row"] = keys["_row"].astype("Int64")
        hit = df[["_file", "_sheet", "_row"]].merge(keys.assign(_bad=True), how="left",
                                                    on=["_file", "_sheet", "_row"])["_bad"]
        is_bad = pd.Series(hit.notna().to_numpy(), index=df.index)
    else:
        is_bad = pd.Series(False, index=df.index)
    return is_bad | df["_file"].isin(bad_files)
