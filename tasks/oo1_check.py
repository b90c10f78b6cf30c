"""Participants of a grade not above the students of that grade in ОО-1 (same school and AY)."""

from __future__ import annotations

import pandas as pd

from schemas.contracts import Problem
from schemas.sources import Source
from schemas.vocabulary import SUBJECT_TITLES


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


def oo1_participants_warning(school: str, grade: int, subject: str, pupils: int, students: int, files: str) -> str:
    """ВПР participant rows of one school, grade and subject above the students of that grade
    in ОО-1 of the same AY: which pupil is extra cannot be told, so the rows stay and the
    user is warned."""
    subject = SUBJECT_TITLES.get(subject, subject)
    return (f"ВПР: у школы «{school}» по предмету «{subject}» в {int(grade)} классе {int(pupils)} участников, а по "
            f"форме ОО-1 того же года обучающихся {int(grade)} класса {int(students)} — проверьте файлы {files} "
            f"(повторы участников, чужая школа или класс) и форму ОО-1.")


def oo1_participant_warnings(df: pd.DataFrame, oo1: pd.DataFrame) -> list[str]:
    """The pandas path of the check above (tasks/bulk.py has the SQL one)."""
    need = {"school_code", "grade", "subject", "_file"}
    if not need <= set(df.columns) or not len(df):
        return []
    g = df[df["school_code"].notna() & df["grade"].notna() & df["subject"].notna()]
    counts = g.groupby(["school_code", "grade", "subject"]).agg(
        pupils=("_file", "size"), files=("_file", lambda f: ", ".join(f"«{x}»" for x in sorted(set(f))))).reset_index()
    long = oo1_long(oo1)
    long["grade"] = long["grade"].astype("Int64")
    counts["grade"] = pd.to_numeric(counts["grade"], errors="coerce").astype("Int64")
    m = counts.merge(long, on=["school_code", "grade"], how="inner")
    over = m[(m["pupils"] > m["students"]).fillna(False).astype(bool)].sort_values(["school_code", "grade", "subject"])
    return [oo1_participants_warning(r.school_code, r.grade, r.subject, r.pupils, r.students, r.files)
            for r in over.itertuples(index=False)]
