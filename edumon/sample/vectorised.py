"""The vectorised engine: benchmark data at municipality, region or country scale (numpy +
pyarrow), in the shapes of shapes.py.

Writes an inbox the cycles read unchanged (SPEC §3.1):

    inbox/schools/registry.parquet
    inbox/<AY>/<source>/region_<RR>.{parquet,csv,xlsx}

One file per region and source-year, as a regional РЦОИ or ФИС ОКО export would come.
Most files are Parquet with the canonical columns; for the latest results year, every
eighth region (region 0 always) sends its files in the real export shapes instead: ГИА as
a cp1251 `;` CSV with Russian headers, Russian values and decimal commas; ВПР «Статистика
по отметкам» as XLSX with a title line and the marks in percent. So each scale exercises
both paths. Then the extra writers of new sources (extra.py) get every school at once.

Not generated: ВПР participant-level results (the cycles measured here do not read
them; at country scale they would be ≈ 10 M rows a year more).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from edumon.sample import extra
from edumon.sample.shapes import (
    GIA_HEADERS_RU, GIA_VALUES_RU, SUBJECT_TITLES, VPR_STATS_HEADER, ege_min_scores, vpr_stats_title,
    write_parquet, write_table_cp1251, write_xlsx_columns,
)

ELECTIVES = ["physics", "chemistry", "biology", "geography", "history", "social_studies",
             "informatics", "english", "literature"]
VPR_EXTRA = {4: "world_around", 5: "history", 6: "biology", 7: "physics", 8: "geography"}
EGE_MIN = ege_min_scores()  # {"russian": 24, "math_profile": 27}


def real_shape(r: int, ay: int, cycle_ay: int) -> bool:
    """Region 0 and every eighth region send the latest results year (cycle AY − 1) in the
    real shapes."""
    return r % 8 == 0 and ay == cycle_ay - 1


def _strings(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded numbers, without a Python loop over the rows."""
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _dict(codes: list[str], idx: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(codes))


class World:
    """The schools: codes, municipality and region, size and latent quality (fixed over years)."""

    def __init__(self, scale, rng: np.random.Generator):
        """`scale` has `.regions`, `.municipalities`, `.schools` (bench.scales.Scale)."""
        s, m, r = scale.schools, scale.municipalities, scale.regions
        self.n = s
        # every municipality has at least one school; every region at least one municipality
        self.mun_region = np.sort(np.concatenate([np.arange(r), rng.integers(0, r, m - r)]))
        self.school_mun = np.sort(np.concatenate([np.arange(m), rng.integers(0, m, s - m)]))
        self.school_region = self.mun_region[self.school_mun]
        # within a region, schools numbered from 1: login like sch010023 (region 01)
        order = np.arange(s) - np.searchsorted(self.school_region, self.school_region)
        self.codes = pc.binary_join_element_wise(
            _strings("sch", self.school_region + 1, 2), _strings("", order + 1, 4), "")
        self.mun_codes = _strings("mo", np.arange(m) + 1, 4)
        self.size = rng.lognormal(-0.45**2 / 2, 0.45, s)  # mean 1.0 = a typical school
        self.quality = rng.normal(0.0, 1.0, s)
        self.rural = rng.random(s) < 0.35

    def region_rows(self, school_idx: np.ndarray) -> np.ndarray:
        return self.school_region[school_idx]


def registry(w: World) -> pa.Table:
    mun = w.school_mun
    names = pc.binary_join_element_wise(pa.scalar("МБОУ «СОШ № "), _strings("", np.arange(w.n) + 1, 1),
                                        pa.scalar("»"), "")
    types = np.array(["СОШ", "СОШ", "СОШ", "гимназия", "лицей", "ООШ", "ЦО"])
    return pa.table({
        "school_code": w.codes,
        "school_name": names,
        "short_name": pc.replace_substring(names, "МБОУ ", ""),
        "municipality_code": pc.take(w.mun_codes, pa.array(mun)),
        "municipality_name": pc.binary_join_element_wise(pa.scalar("Муниципальное образование "),
                                                         _strings("", mun + 1, 1), ""),
        "school_type": pa.array(types[np.arange(w.n) % len(types)]),
        "levels": pa.array(np.full(w.n, "НОО, ООО, СОО")),
        "is_rural": pa.array(w.rural),
    })


def _p_low(w: World, rng, base: float, idx=None) -> np.ndarray:
    q = w.quality if idx is None else w.quality[idx]
    return 1.0 / (1.0 + np.exp(-(base - 1.1 * q + rng.normal(0, 0.3, len(q)))))


def gia(w: World, rng, ay: int) -> pa.Table:
    """Participant-level ОГЭ and ЕГЭ: ≈ 186 rows per school, retakes and past graduates included."""
    n9 = rng.poisson(33 * w.size)
    n11 = rng.poisson(18 * w.size)
    s9 = np.repeat(np.arange(w.n), n9)
    s11 = np.repeat(np.arange(w.n), n11)
    # ОГЭ: Russian, maths and two different electives per candidate
    e1 = rng.integers(0, len(ELECTIVES), len(s9))
    e2 = (e1 + 1 + rng.integers(0, len(ELECTIVES) - 1, len(s9))) % len(ELECTIVES)
    subjects = ["russian", "math", "math_base", "math_profile"] + ELECTIVES
    sub9 = np.stack([np.zeros_like(e1), np.ones_like(e1), e1 + 4, e2 + 4], axis=1).ravel()
    # ЕГЭ: Russian, base or profile maths, one elective
    maths = np.where(rng.random(len(s11)) < 0.45, 2, 3)
    sub11 = np.stack([np.zeros(len(s11), int), maths, rng.integers(0, len(ELECTIVES), len(s11)) + 4],
                     axis=1).ravel()
    school = np.concatenate([np.repeat(s9, 4), np.repeat(s11, 3)])
    student = np.concatenate([np.repeat(np.arange(len(s9)), 4), len(s9) + np.repeat(np.arange(len(s11)), 3)])
    subject = np.concatenate([sub9, sub11])
    exam = np.concatenate([np.zeros(len(s9) * 4, int), np.ones(len(s11) * 3, int)])  # 0 oge, 1 ege
    n = len(school)
    fail = rng.random(n) < _p_low(w, rng, -2.6, school)
    # past-year graduates sit ЕГЭ too; they do not count (seed 003 §2.1)
    category = np.where((exam == 1) & (rng.random(n) < 0.04), 1, 0)
    period = np.where(rng.random(n) < 0.03, 2, 0)  # 0 main, 2 reserve
    mark = np.where(fail, 2, rng.integers(3, 6, n))
    is_ege_scored = (exam == 1) & (subject != 2)
    min_score = np.where(subject == 0, EGE_MIN["russian"], np.where(subject == 3, EGE_MIN["math_profile"], 36))
    test = np.where(fail, rng.integers(5, 1 + min_score.clip(6)), rng.integers(min_score, 101))
    # a failed ОГЭ gets a retake in the additional period
    retake = fail & (exam == 0) & (rng.random(n) < 0.7)
    r_idx = np.flatnonzero(retake)
    cols = {
        "school": np.concatenate([school, school[r_idx]]),
        "student": np.concatenate([student, student[r_idx]]),
        "subject": np.concatenate([subject, subject[r_idx]]),
        "exam": np.concatenate([exam, exam[r_idx]]),
        "period": np.concatenate([period, np.ones(len(r_idx), int)]),
        "is_retake": np.concatenate([np.zeros(n, bool), np.ones(len(r_idx), bool)]),
        "category": np.concatenate([category, category[r_idx]]),
        "mark": np.concatenate([mark, rng.integers(2, 5, len(r_idx))]),
        "test": np.concatenate([test, test[r_idx]]),
        "scored": np.concatenate([is_ege_scored, is_ege_scored[r_idx]]),
    }
    passed = np.where(cols["scored"], cols["test"] >= np.concatenate([min_score, min_score[r_idx]]),
                      cols["mark"] >= 3)
    scored = cols["scored"]
    return pa.table({
        "participant_id": _strings(f"p{ay}", cols["student"], 8),
        "school_code": pc.take(w.codes, pa.array(cols["school"])),
        "exam": _dict(["oge", "ege"], cols["exam"]),
        "subject": _dict(subjects, cols["subject"]),
        "period": _dict(["main", "additional", "reserve"], cols["period"]),
        "is_retake": pa.array(cols["is_retake"]),
        "category": _dict(["current", "past"], cols["category"]),
        "primary_score": pa.array(np.round(cols["test"] * 0.31, 1)),
        "test_score": pa.array(np.where(scored, cols["test"], 0).astype(float), mask=~scored),
        "mark": pa.array(cols["mark"], mask=scored),
        "passed_min": pa.array(passed),
        "_school": pa.array(cols["school"]),
    })


def vpr_stats(w: World, rng, ay: int) -> pa.Table:
    """School × grade × subject: participants and counts of «2»…«5» (grades 4–8)."""
    grades = np.array([4, 5, 6, 7, 8])
    per = [(g, s) for g in grades for s in ("russian", "math", VPR_EXTRA[g])]
    school = np.repeat(np.arange(w.n), len(per))
    grade = np.tile([g for g, _ in per], w.n)
    subj_codes = sorted({s for _, s in per})
    subject = np.tile([subj_codes.index(s) for _, s in per], w.n)
    participants = rng.poisson(np.repeat(42 * w.size, len(per)))
    keep = participants > 0
    school, grade, subject, participants = school[keep], grade[keep], subject[keep], participants[keep]
    p2 = _p_low(w, rng, -2.2, school)
    m2 = rng.binomial(participants, p2)
    rest = participants - m2
    m3 = rng.binomial(rest, 0.45)
    m4 = rng.binomial(rest - m3, 0.65)
    m5 = rest - m3 - m4
    return pa.table({
        "school_code": pc.take(w.codes, pa.array(school)),
        "grade": pa.array(grade),
        "subject": _dict(subj_codes, subject),
        "participants": pa.array(participants), "mark2": pa.array(m2), "mark3": pa.array(m3),
        "mark4": pa.array(m4), "mark5": pa.array(m5),
        "_school": pa.array(school),
    })


def oo1(w: World, rng, ay: int) -> pa.Table:
    per_grade = rng.poisson(np.repeat(45 * w.size, 11).reshape(w.n, 11))
    cols = {"school_code": w.codes, "students_total": pa.array(per_grade.sum(1))}
    for g in range(11):
        cols[f"students_g{g + 1}"] = pa.array(per_grade[:, g])
    teachers = np.maximum(3, rng.poisson(38 * w.size))
    cols |= {"students_ovz": pa.array(rng.binomial(per_grade.sum(1), 0.04)),
             "teachers_total": pa.array(teachers),
             "teachers_higher_ped": pa.array(rng.binomial(teachers, 0.8)),
             "teachers_cat_highest": pa.array(rng.binomial(teachers, 0.3)),
             "teachers_cat_first": pa.array(rng.binomial(teachers, 0.3))}
    return pa.table(cols)


def oo2(w: World, rng, ay: int) -> pa.Table:
    total = rng.poisson(60 * w.size)
    return pa.table({"school_code": w.codes, "computers_total": pa.array(total),
                     "computers_teaching": pa.array(rng.binomial(total, 0.8)),
                     "computers_internet": pa.array(rng.binomial(total, 0.9)),
                     "internet_speed_mbps": pa.array(np.round(rng.lognormal(3.5, 0.8, w.n), 1))})


def context(w: World, rng, ay: int) -> pa.Table:
    students = rng.poisson(480 * w.size)
    teachers = np.maximum(3, rng.poisson(38 * w.size))
    cols = {"school_code": w.codes}
    for item, p_no in [("internet_stable", 0.05), ("computers_enough", 0.1), ("lab_physics", 0.08),
                       ("lab_chemistry", 0.08), ("lab_biology", 0.06), ("lab_geography", 0.05),
                       ("lab_technology", 0.1)]:
        cols[item] = pa.array(rng.random(w.n) >= p_no * (1 + w.rural))
    cols |= {"teachers_total": pa.array(teachers),
             "teachers_load_36plus": pa.array(rng.binomial(teachers, 0.05)),
             "teachers_no_subject_diploma": pa.array(rng.binomial(teachers, 0.01)),
             "students_total": pa.array(students),
             "students_registered": pa.array(rng.binomial(students, 0.015)),
             "students_ovz": pa.array(rng.binomial(students, 0.04)),
             "students_foreign_language": pa.array(rng.binomial(students, 0.01)),
             "students_absent_systematic": pa.array(rng.binomial(students, 0.01)),
             "students_failing": pa.array(rng.binomial(students, np.clip(0.03 - 0.02 * w.quality, 0, 0.3)))}
    return pa.table(cols)


def official_shnor(w: World, rng, ay: int) -> pa.Table:
    listed = np.flatnonzero(w.quality < np.quantile(w.quality, 0.05))
    return pa.table({"school_code": pc.take(w.codes, pa.array(listed))})


def vpr_journal(w: World, rng, ay: int) -> pa.Table:
    t = vpr_stats(w, rng, ay)
    n = t["participants"].to_numpy()
    lowered = rng.binomial(n, 0.15)
    raised = rng.binomial(n - lowered, 0.05)
    return pa.table({"school_code": t["school_code"], "grade": t["grade"], "subject": t["subject"],
                     "lowered": pa.array(lowered), "confirmed": pa.array(n - lowered - raised),
                     "raised": pa.array(raised)})


def rdr(w: World, rng, ay: int) -> pa.Table:
    per = [(g, s) for g in (4, 6, 7, 8) for s in ("reading", "math")]
    school = np.repeat(np.arange(w.n), len(per))
    n = rng.poisson(np.repeat(42 * w.size, len(per)))
    below = rng.binomial(n, _p_low(w, rng, -2.0, school))
    adv = rng.binomial(n - below, 0.2)
    return pa.table({"school_code": pc.take(w.codes, pa.array(school)),
                     "grade": pa.array(np.tile([g for g, _ in per], w.n)),
                     "subject": pa.array(np.tile([s for _, s in per], w.n)),
                     "participants": pa.array(n), "below_basic": pa.array(below),
                     "basic": pa.array(n - below - adv), "advanced": pa.array(adv)})


def prevention(w: World, rng, ay: int) -> pa.Table:
    school = np.repeat(np.arange(w.n), 2)
    students = rng.poisson(480 * w.size[school])
    low = rng.binomial(students, 0.08)
    failing = rng.binomial(students, 0.02)
    return pa.table({"school_code": pc.take(w.codes, pa.array(school)), "half": pa.array(np.tile([1, 2], w.n)),
                     "has_prevention_system": pa.array(rng.random(2 * w.n) < 0.85),
                     "students_total": pa.array(students), "low_achieving": pa.array(low),
                     "failing": pa.array(failing), "with_iom": pa.array(rng.binomial(low + failing, 0.6)),
                     "failing_in_extra_classes": pa.array(rng.binomial(failing, 0.7))})


def staff(w: World, rng, ay: int) -> pa.Table:
    t = np.maximum(3, rng.poisson(38 * w.size))
    b = lambda p: pa.array(rng.binomial(t, p))  # noqa: E731
    flag = lambda p: pa.array(rng.random(w.n) < p)  # noqa: E731
    leaders = np.maximum(1, rng.poisson(3, w.n))
    return pa.table({"school_code": w.codes, "teachers_total": pa.array(t), "diag_subject": b(0.3),
                     "diag_method": b(0.25), "diag_psych": b(0.2), "supported": b(0.2),
                     "in_regional_network": b(0.1), "in_municipal_mo": b(0.6), "with_iom": b(0.15),
                     "events_participated": flag(0.7), "productive_participation": flag(0.3),
                     "municipal_internship_site": flag(0.03), "regional_internship_site": flag(0.01),
                     "leaders_total": pa.array(leaders), "leaders_pd": pa.array(rng.binomial(leaders, 0.6)),
                     "teachers_pd": b(0.4), "teachers_webinars": b(0.5), "teachers_seminars": b(0.4),
                     "teachers_contests": b(0.05)})


# source → (generator, AY offsets from the cycle's AY). Forms describe the cycle's year and
# the two before it; results (ВПР, ГИА, КДР, journal comparison) belong to the three years
# the September cycle reads.
RESULTS, FORMS = (-3, -2, -1), (-2, -1, 0)
SOURCES = {
    "gia": (gia, RESULTS),
    "vpr_stats": (vpr_stats, RESULTS),
    "vpr_journal": (vpr_journal, RESULTS[-1:]),
    "rdr": (rdr, RESULTS[-2:]),
    "oo1": (oo1, FORMS),
    "oo2": (oo2, FORMS),
    "context": (context, FORMS),
    "prevention": (prevention, FORMS[-2:]),
    "staff": (staff, FORMS[-2:]),
    "official_shnor": (official_shnor, (0,)),
}


def write_gia_csv_cp1251(t: pa.Table, path: Path) -> None:
    """The РЦОИ shape: cp1251, `;`, Russian headers and values, «да/нет», decimal commas."""
    write_table_cp1251(t, path, GIA_HEADERS_RU, GIA_VALUES_RU)


def write_vpr_stats_xlsx(t: pa.Table, path: Path, ay: int, registry_t: pa.Table) -> None:
    """ФИС ОКО «Статистика по отметкам»: a title line, then Год, Класс, Предмет,
    Муниципалитет, Логин, ОО, «Кол-во участников» and «2»…«5» in percent."""
    at = pc.index_in(t["school_code"], registry_t["school_code"])
    n = t["participants"].to_numpy()
    columns = [[ay + 1] * t.num_rows, t["grade"].to_pylist(),
               [SUBJECT_TITLES[s] for s in pc.cast(t["subject"], pa.string()).to_pylist()],
               pc.take(registry_t["municipality_name"], at).to_pylist(), t["school_code"].to_pylist(),
               pc.take(registry_t["school_name"], at).to_pylist(), n.tolist()]
    columns += [np.round(100.0 * t[f"mark{m}"].to_numpy() / n, 2).tolist() for m in (2, 3, 4, 5)]
    write_xlsx_columns(path, "Статистика", [vpr_stats_title(ay)], VPR_STATS_HEADER, columns)


def write_source(folder: Path, name: str, t: pa.Table, w: World, ay: int, registry_t: pa.Table,
                 cycle_ay: int) -> int:
    """One file per region; some in the real export shape (see `real_shape`)."""
    folder.mkdir(parents=True, exist_ok=True)
    school_idx = (t["_school"].to_numpy() if "_school" in t.column_names
                  else np.searchsorted(pc.cast(w.codes, pa.string()).to_numpy(zero_copy_only=False),
                                       t["school_code"].to_numpy(zero_copy_only=False)))
    region = w.school_region[school_idx] if len(school_idx) else np.array([], int)
    t = t.drop_columns([c for c in t.column_names if c.startswith("_")])
    order = np.argsort(region, kind="stable")
    t, region = t.take(pa.array(order)), region[order]
    bounds = np.searchsorted(region, np.arange(w.school_region.max() + 2))
    for r in range(len(bounds) - 1):
        part = t.slice(bounds[r], bounds[r + 1] - bounds[r])
        if part.num_rows == 0:
            continue
        if real_shape(r, ay, cycle_ay) and name == "gia":
            write_gia_csv_cp1251(part, folder / f"region_{r + 1:02d}.csv")
        elif real_shape(r, ay, cycle_ay) and name == "vpr_stats" and part.num_rows <= 20_000:
            write_vpr_stats_xlsx(part, folder / f"region_{r + 1:02d}.xlsx", ay, registry_t)
        else:
            write_parquet(part, folder / f"region_{r + 1:02d}.parquet")
    return t.num_rows


def schools_frame(w: World, reg: pa.Table, seed: int, cycle_ay: int, ays: list[int]):
    """The schools as the extra writers get them (columns: extra.py), every school at once."""
    frame = reg.to_pandas()
    frame["top_grade"] = 11  # every generated school sits ГИА 9 and 11
    frame["size"] = np.round(480 * w.size).astype(int)
    frame["quality"] = 1.0 / (1.0 + np.exp(2.2 + 1.1 * w.quality))  # ВПР «2» share without noise
    frame["case"] = None
    frame["missing_ay"] = None
    listed = np.zeros(w.n, bool)
    listed[np.flatnonzero(w.quality < np.quantile(w.quality, 0.05))] = True  # official_shnor of cycle_ay
    frame["shnor_ays"] = [[cycle_ay] if x else [] for x in listed]
    typical = np.round(45 * w.size).astype(int)
    per_ay = {}
    for ay in ays:
        if ay - cycle_ay in SOURCES["oo1"][1]:  # the same draw as the ОО-1 file of that AY
            t = oo1(w, np.random.default_rng([seed, ay, len("oo1")]), ay)
            per_ay[ay] = np.stack([t[f"students_g{g}"].to_numpy() for g in range(1, 12)], axis=1)
        else:
            per_ay[ay] = np.repeat(typical[:, None], 11, axis=1)
    frame["grades"] = [{ay: dict(zip(range(1, 12), m[i].tolist())) for ay, m in per_ay.items()} for i in range(w.n)]
    return frame


def generate_inbox(inbox: Path, scale, seed: int, cycle_ay: int, extra_writers: bool = True) -> dict[str, int]:
    """Write the inbox of a scale (`.regions`, `.municipalities`, `.schools`) for the cycle
    AY; returns the rows per source-year ("schools", "<source>/<AY>")."""
    inbox = Path(inbox)
    rng = np.random.default_rng(seed)
    w = World(scale, rng)
    reg = registry(w)
    write_parquet(reg, inbox / "schools" / "registry.parquet")
    rows = {"schools": reg.num_rows}
    for name, (make, offsets) in SOURCES.items():
        for ay in (cycle_ay + o for o in offsets):
            t = make(w, np.random.default_rng([seed, ay, len(name)]), ay)
            rows[f"{name}/{ay}"] = write_source(inbox / str(ay) / name, name, t, w, ay, reg, cycle_ay)
    if extra_writers and extra.writers():
        ays = sorted({cycle_ay + o for _, offsets in SOURCES.values() for o in offsets})
        rows |= extra.write_all(inbox, schools_frame(w, reg, seed, cycle_ay, ays), ays, seed)
    return rows
