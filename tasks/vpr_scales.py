"""ВПР score → mark scales: dated reference data, never invented (issue 6).

The official ФИОКО scale per year × subject × grade is published in each year's
«Описание проверочной работы» (section «Система оценивания … Рекомендации по переводу
первичных баллов в отметки по пятибалльной шкале»). The product ships the scales it
could source, each row naming its source, in `config/reference/vpr_scales.csv`;
`inbox/reference/vpr_scales*.csv` adds scales or replaces a shipped one (a whole
year × subject × grade at a time).

Columns: vpr_year (the spring the work was written: ВПР 2021 → AY 2020), subject
(canonical code or Russian name), grade, mark (2–5), min_primary_score,
max_primary_score, source. A scale must give all four marks as contiguous ranges
starting at 0.

A participant file without marks whose scale is unknown stops the run
(`ScaleMissingError`, Russian, naming the year, subject, grade and how to provide it).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from edumon.config import REFERENCE_DIR
from schemas.vocabulary import SUBJECT_TITLES, lookup
from tasks.errors import IngestError

COLUMNS = ["vpr_year", "subject", "grade", "mark", "min_primary_score", "max_primary_score", "source"]
HOW_TO = ("Добавьте шкалу из «Описания проверочной работы» этого года (раздел «Рекомендации по переводу "
          "первичных баллов в отметки по пятибалльной шкале») в файл inbox/reference/vpr_scales.csv "
          "со столбцами vpr_year, subject, grade, mark, min_primary_score, max_primary_score, source "
          "(по строке на каждую отметку 2, 3, 4, 5; в source — откуда взята шкала).")


class ScaleError(IngestError):
    """A scale file that cannot be used: file, row and rule in Russian."""


class ScaleMissingError(IngestError):
    """Marks are needed for a year × subject × grade whose scale is not known."""


def _read(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ScaleError(f"Файл шкал «{path.name}»: нет столбцов {', '.join('«' + c + '»' for c in missing)}. "
                         + HOW_TO)
    df = df[COLUMNS].copy()
    df["_file"] = path.name
    df["_row"] = range(2, len(df) + 2)  # row 1 is the header
    return df


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in ("vpr_year", "grade", "mark", "min_primary_score", "max_primary_score"):
        num = pd.to_numeric(out[c].str.replace(",", ".", regex=False).str.strip(), errors="coerce")
        for _, r in out[num.isna()].iterrows():
            raise ScaleError(f"Файл шкал «{r['_file']}», строка {r['_row']}, столбец «{c}»: значение «{r[c]}» — "
                             f"ожидается число.")
        out[c] = num
    subj = out["subject"].map(lambda s: lookup("subject", s))
    for _, r in out[subj.isna()].iterrows():
        raise ScaleError(f"Файл шкал «{r['_file']}», строка {r['_row']}, столбец «subject»: значение "
                         f"«{r['subject']}» — неизвестный предмет.")
    out["subject"] = subj
    return out


def _check(scales: pd.DataFrame) -> None:
    """All four marks, contiguous ranges from 0: otherwise the scale is a typo, not a scale."""
    for (year, subject, grade), g in scales.groupby(["vpr_year", "subject", "grade"]):
        g = g.sort_values("mark")
        where = f"Файл шкал «{g['_file'].iloc[0]}», ВПР {int(year)}, {SUBJECT_TITLES.get(subject, subject)}, " \
                f"{int(grade)} класс"
        if sorted(g["mark"].astype(int)) != [2, 3, 4, 5]:
            raise ScaleError(f"{where}: нужны строки для отметок 2, 3, 4 и 5 (по одной), есть: "
                             f"{', '.join(str(int(m)) for m in g['mark'])}.")
        lo, hi = g["min_primary_score"].tolist(), g["max_primary_score"].tolist()
        if lo[0] != 0 or any(lo[k + 1] != hi[k] + 1 for k in range(3)) or any(a > b for a, b in zip(lo, hi)):
            ranges = "; ".join(f"«{int(m)}»: {a:g}–{b:g}" for m, a, b in zip(g["mark"], lo, hi))
            raise ScaleError(f"{where}: диапазоны баллов должны начинаться с 0 и идти подряд без пропусков и "
                             f"пересечений, а заданы {ranges}.")


def load_vpr_scales(con, inbox: Path | None) -> list[dict]:
    """Shipped scales, then the inbox's: a year × subject × grade given in the inbox replaces
    the shipped one whole. Written to `reference_vpr_scales` (with `ay` = vpr_year − 1)."""
    frames = [_typed(_read(REFERENCE_DIR / "vpr_scales.csv"))]
    used = [{"file": "config/reference/vpr_scales.csv"}]
    if inbox is not None:
        for path in sorted((Path(inbox) / "reference").glob("vpr_scales*.csv")):
            frames.append(_typed(_read(path)))
            used.append({"file": str(path)})
    key = ["vpr_year", "subject", "grade"]
    # later files win for a whole scale, not mark by mark
    for k, f in enumerate(frames):
        f["_rank"] = k
    allf = pd.concat(frames, ignore_index=True)
    winner = allf.groupby(key)["_rank"].transform("max")
    scales = allf[allf["_rank"] == winner]
    _check(scales)
    scales = scales.assign(ay=scales["vpr_year"] - 1, file=scales["_file"])
    con.execute("""CREATE TABLE IF NOT EXISTS reference_vpr_scales (
        ay INTEGER, vpr_year INTEGER, subject VARCHAR, grade INTEGER, mark INTEGER,
        min_primary_score DOUBLE, max_primary_score DOUBLE, source VARCHAR, file VARCHAR)""")
    con.execute("DELETE FROM reference_vpr_scales")
    cols = ["ay", "vpr_year", "subject", "grade", "mark", "min_primary_score", "max_primary_score", "source", "file"]
    con.register("__scales", scales[cols])
    con.execute("INSERT INTO reference_vpr_scales BY NAME SELECT * FROM __scales")
    con.unregister("__scales")
    return used


def max_scores(inbox: Path | None) -> dict[tuple[int, str, int], float]:
    """The maximum primary score of each work whose scale is known (upper bound of «5»),
    (ВПР year, subject, grade) → points; the inbox's scale replaces a shipped one whole.
    A scale file that cannot be read gives nothing here (the compute stage reports it)."""
    try:
        frames = [_typed(_read(REFERENCE_DIR / "vpr_scales.csv"))]
        if inbox is not None:
            for path in sorted((Path(inbox) / "reference").glob("vpr_scales*.csv")):
                frames.append(_typed(_read(path)))
    except ScaleError:
        return {}
    out: dict[tuple[int, str, int], float] = {}
    for f in frames:
        for key, top in f.groupby(["vpr_year", "subject", "grade"])["max_primary_score"].max().items():
            out[(int(key[0]), str(key[1]), int(key[2]))] = float(top)
    return out


def check_scales_known(con) -> None:
    """Stop when participant rows without a ВПР mark have no scale to derive it from."""
    missing = con.execute("""
        SELECT p.ay, p.subject, p.grade, count(*) AS n, list(DISTINCT p._file ORDER BY p._file) AS files
        FROM raw_vpr_participants p
        WHERE p.mark IS NULL AND NOT EXISTS (
            SELECT 1 FROM reference_vpr_scales s
            WHERE s.ay = p.ay AND s.subject = p.subject AND s.grade = p.grade)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    if not missing:
        return
    lines = ["Нет официальной шкалы перевода первичных баллов в отметки, а в выгрузке ВПР отметок нет — "
             "отметку без шкалы не вычислить, расчёт остановлен:"]
    for ay, subject, grade, n, files in missing:
        lines.append(f"  • ВПР {ay + 1} года ({ay}/{ay + 1} учебный год), предмет «{SUBJECT_TITLES.get(subject, subject)}», "
                     f"{grade} класс — {n} участников, файлы: {', '.join('«' + f + '»' for f in files)}")
    lines.append(HOW_TO)
    raise ScaleMissingError("\n".join(lines))
