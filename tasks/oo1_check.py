"""Participants of a grade not above the students of that grade in ОО-1 (same school and AY)."""

from __future__ import annotations

import pandas as pd

from schemas.contracts import Problem
from schemas.sources import Source


def warehouse_oo1(con, ay: int | None) -> pd.DataFrame | None:
    if ay is None:
        return None
    cols = ", ".join(f"students_g{g}" for g in range(1, 12))
    df = con.execute(f"SELECT school_code, {cols} FROM raw_oo1 WHERE ay = ?", [ay]).df()
    return df if len(df) else None


def oo1_long(oo1: pd.DataFrame) -> pd.DataFrame:
    long = oo1.melt(id_vars=["school_code"], value_vars=[f"students_g{g}" for g in range(1, 12)
                                                         if f"students_g{g}" in oo1.columns],
                    var_name="g", value_name="students")
    long["grade"] = long["g"].str.removeprefix("students_g").astype("Int64")
    return long[["school_code", "grade", "students"]]


def oo1_finding(source: Source, file, sheet, row, header, participants, grade, students) -> Problem:
    return Problem(source.name, file, sheet, int(row), header, f"{int(participants)}",
                   f"участников больше, чем обучающихся {int(grade)} класса этой школы по "
                   f"форме ОО-1 того же года ({int(students)})", code="oo1")


def oo1_problems(df: pd.DataFrame, oo1: pd.DataFrame, headers: dict, source: Source) -> list[Problem]:
    m = df[["school_code", "grade", "participants", "_file", "_sheet", "_row"]].reset_index().merge(
        oo1_long(oo1), on=["school_code", "grade"], how="inner")
    over = m[(m["participants"] > m["students"]).fillna(False).astype(bool)]
    over = over.rename(columns={"_file": "file", "_sheet": "sheet", "_row": "row"})
    return [oo1_finding(source, r.file, r.sheet, r.row,
                        headers[(r.file, r.sheet)].get("participants", "participants"),
                        r.participants, r.grade, r.students)
            for r in over.itertuples(index=False)]
