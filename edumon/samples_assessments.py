"""Sample files of the other assessments, ШНСУ and curators (issue 14), written into a
generated inbox in the layouts users receive: one XLSX per source and AY, a title row
above Russian headers.

`write(inbox, schools, ays, rng)` is called once by edumon/generate.py (the sample-data
hook of the project). `schools` has one row per registry school: school_code, short_name,
municipality_code, school_type, top_grade, size, quality (baseline share of «2»), is_rural,
missing_ay (an AY without any rows of the school, or NA), shnor_ays (the AYs whose ШНОР
working list names the school) and grades ({AY: {grade: pupils}} as ОО-1 says; no assessment
has more participants than the grade has pupils). Nothing here re-implements a rule: the ШНОР lists come
from the caller, ШВОР is left to the warehouse (a curator that is not ШВОР is flagged in
the documents, as it should be).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from edumon.sample.shapes import write_xlsx

NIKO_ROTATION = [("Математика", 5), ("Русский язык", 6), ("История", 6), ("Биология", 8), ("Окружающий мир", 4)]
OLYMPIAD_SUBJECTS = ["Математика", "Русский язык", "Физика", "Биология", "История", "Английский язык",
                     "Обществознание", "Химия"]
DOMAINS = ["Читательская грамотность", "Математическая грамотность", "Естественнонаучная грамотность",
           "Финансовая грамотность", "Глобальные компетенции", "Креативное мышление"]
STUDIES = [("TIMSS", 8), ("PIRLS", 4), ("Исследование по модели PISA", None)]


def _xlsx(path: Path, title: str, header: list[str], rows: list[list]) -> int:
    """Write the file in the exports' shape (title line, header, rows); returns its data rows
    (the benchmark records them)."""
    write_xlsx(path, "Лист1", [title], header, rows)
    return len(rows)


def _ay(ay: int) -> str:
    return f"{ay}/{ay + 1} учебный год"


def _cohort(s, ay: int, grade: int, rng) -> int:
    """Participants of one grade: most of its pupils (ОО-1 of the AY), never more."""
    pupils = (s.grades or {}).get(ay, {}).get(grade, 0)
    return int(pupils * rng.uniform(0.85, 1.0))


def _marks(n: int, q: float, rng) -> list[int]:
    m2 = int(rng.binomial(n, min(max(q, 0.0), 0.9)))
    rest = n - m2
    m3 = int(rng.binomial(rest, 0.45))
    m4 = int(rng.binomial(rest - m3, 0.65))
    return [m2, m3, m4, rest - m3 - m4]


def write(inbox: Path, schools: pd.DataFrame, ays: list[int], rng: np.random.Generator) -> dict[str, int]:
    inbox = Path(inbox)
    counts: dict[str, int] = {}
    # ШНСУ: the rural schools with the weakest baseline (two at least, so every AY names one)
    ranked = schools.assign(rural=schools["is_rural"].astype(bool)).sort_values(["rural", "quality"],
                                                                                 ascending=[False, False])
    shnsu = set(ranked["school_code"].head(max(2, int(ranked["rural"].sum()) // 3)))
    for ay in ays:
        present = schools[schools["missing_ay"].isna() | (schools["missing_ay"] != ay)]
        d = inbox / str(ay)
        subject, grade = NIKO_ROTATION[ay % len(NIKO_ROTATION)]
        niko, olymp, interview, literacy, intl = [], [], [], [], []
        for s in present.itertuples(index=False):
            g = grade if grade <= s.top_grade else 4
            subj = subject if grade <= s.top_grade else "Окружающий мир"
            n = _cohort(s, ay, g, rng)
            if n:
                niko.append([s.school_code, subj, g, n, *_marks(n, s.quality * 0.9, rng)])
            if s.top_grade >= 5:
                for subj_o in rng.choice(OLYMPIAD_SUBJECTS, size=3, replace=False):
                    p = int(rng.integers(10, 40))
                    w = int(rng.binomial(p, 0.08 * (1 - s.quality)))
                    olymp.append([s.school_code, str(subj_o), "Школьный этап", p, w, int(rng.binomial(p - w, 0.2))])
                    if rng.random() < 0.5:
                        pm = max(1, p // 5)
                        wm = int(rng.binomial(pm, 0.1))
                        olymp.append([s.school_code, str(subj_o), "Муниципальный этап", pm, wm,
                                      int(rng.binomial(pm - wm, 0.25))])
                        if rng.random() < 0.3:
                            olymp.append([s.school_code, str(subj_o), "Региональный этап", 1, 0, int(rng.random() < 0.3)])
            n9 = _cohort(s, ay, 9, rng) if s.top_grade >= 9 else 0
            if n9:
                failed = int(rng.binomial(n9, min(0.5, s.quality * 0.4)))
                interview.append([s.school_code, "Основной срок", 9, n9, n9 - failed])
                if failed:
                    interview.append([s.school_code, "Повторно", 9, failed, failed - int(rng.binomial(failed, 0.3))])
            lg = 8 if s.top_grade >= 8 else 4
            for k in range(3):
                domain = DOMAINS[(ay + k) % len(DOMAINS)]
                nl = _cohort(s, ay, lg, rng)
                if not nl:
                    continue
                low = [int(rng.binomial(nl, min(0.6, s.quality)))]
                rest = nl - low[0]
                parts = [int(rng.binomial(rest, 0.3))]
                parts.append(int(rng.binomial(rest - parts[0], 0.5)))
                parts.append(int(rng.binomial(rest - sum(parts), 0.6)))
                parts.append(rest - sum(parts))
                literacy.append([s.school_code, lg, domain, nl, low[0], *parts])
            study, sg = STUDIES[ay % len(STUDIES)]
            if rng.random() < 0.3 and (sg is None or sg <= s.top_grade):
                pool = _cohort(s, ay, sg or 9, rng)
                quota = min(int(rng.integers(15, 30)), pool)
                if quota:
                    intl.append([s.school_code, study, sg, quota, quota - int(rng.binomial(quota, 0.05))])
        head = ["Код ОО", "Предмет", "Класс", "Количество участников", "Количество «2»", "Количество «3»",
                "Количество «4»", "Количество «5»"]
        counts[f"niko/{ay}"] = _xlsx(d / "niko" / f"niko_{ay}.xlsx", f"НИКО: результаты по отметкам, {_ay(ay)}", head, niko)
        counts[f"olympiad/{ay}"] = _xlsx(d / "olympiad" / f"vsosh_{ay}.xlsx", f"Всероссийская олимпиада школьников, {_ay(ay)}",
              ["Код ОО", "Предмет", "Этап", "Количество участников", "Количество победителей",
               "Количество призёров"], olymp)
        counts[f"interview/{ay}"] = _xlsx(d / "interview" / f"interview_{ay}.xlsx",
              f"Итоговое собеседование по русскому языку в 9 классах, {_ay(ay)}",
              ["Код ОО", "Срок", "Класс", "Количество участников", "Получили «зачёт»"], interview)
        counts[f"literacy/{ay}"] = _xlsx(d / "literacy" / f"literacy_{ay}.xlsx", f"Диагностика функциональной грамотности, {_ay(ay)}",
              ["Код ОО", "Класс", "Направление", "Количество участников", "Недостаточный уровень",
               "Низкий уровень", "Средний уровень", "Повышенный уровень", "Высокий уровень"], literacy)
        counts[f"intl_studies/{ay}"] = _xlsx(d / "intl_studies" / f"intl_{ay}.xlsx", f"Участие в сравнительных исследованиях, {_ay(ay)}",
              ["Код ОО", "Исследование", "Класс", "Квота", "Приняли участие"], intl)
        listed = present[present["school_code"].isin(shnsu)]
        counts[f"official_shnsu/{ay}"] = _xlsx(d / "official_shnsu" / f"shnsu_{ay}.xlsx",
              f"Перечень школ, функционирующих в неблагоприятных социальных условиях, на {_ay(ay)}",
              ["Код ОО", "Наименование ОО"], [[s.school_code, s.short_name] for s in listed.itertuples(index=False)])
        pairs = []
        for mun, group in present.groupby("municipality_code", sort=True):
            best = group.sort_values("quality")
            curators = best[best["school_type"].isin(["гимназия", "лицей"])]
            if curators.empty:
                curators = best.head(1)
            shnor = [s for s in group.itertuples(index=False) if ay in (s.shnor_ays or [])]
            if not shnor:
                # no ШНОР list that year: the pair of the programme goes on (the справка flags it)
                shnor = [next(best.iloc[::-1].itertuples(index=False))]
            # the last ШНОР is left without a curator when there are several (the справка names it)
            for i, s in enumerate(shnor[:-1] if len(shnor) > 1 else shnor):
                c = curators.iloc[i % len(curators)]
                pairs.append([s.school_code, s.short_name, c["school_code"], c["short_name"]])
        counts[f"curators/{ay}"] = _xlsx(d / "curators" / f"curators_{ay}.xlsx", f"Кураторы школ с низкими образовательными результатами, {_ay(ay)}",
              ["Код ШНОР", "ШНОР", "Код школы-куратора", "Школа-куратор"], pairs)
    return counts
