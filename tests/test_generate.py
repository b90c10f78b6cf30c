"""The sample-data generator (edumon.generate, the small engine of edumon/sample/):
reproducible, in the shapes users receive, ingested without a rejected row, carrying the
planted counts worked by hand here and nothing else near a threshold; and the hook of
extra writers for new sources, called by both engines.

No rule is recomputed here: what the rules of seed 003 find in the planted cases is
tests/test_planted_cases.py, on the real SQL, against hand-worked lists.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from edumon.config import load_config
from edumon.generate import generate
from schemas.sources import SOURCES
from tasks.ingest import ingest_source
from tasks.warehouse import connect

FIRST, LAST = 2020, 2023  # four AYs: L−3 … L
SCHOOLS = 22  # the 18 planted schools and 4 clean ones
VPR_STATS_HEADER = ["Год", "Класс", "Предмет", "Муниципалитет", "Логин", "ОО", "Кол-во участников",
                    "2", "3", "4", "5"]


def sheet_rows(path: Path) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)


def file_cells(root: Path) -> dict[str, object]:
    """Every file under root as what a reader sees: sheet cells for XLSX, text for CSV/JSON."""
    cells = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            key = str(p.relative_to(root))
            cells[key] = sheet_rows(p) if p.suffix == ".xlsx" else p.read_bytes()
    return cells


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    out = tmp_path_factory.mktemp("inbox")
    planted = generate(out, seed=3, schools=SCHOOLS, years=(FIRST, LAST))
    return out, planted


@pytest.fixture(scope="module")
def warehouse(inbox, tmp_path_factory):
    out, _ = inbox
    con = connect(tmp_path_factory.mktemp("warehouse") / "w.duckdb")
    cfg = load_config()
    reports = {}
    for name, source in SOURCES.items():
        for ay in (range(FIRST, LAST + 1) if source.yearly else [None]):
            reports[(name, ay)] = ingest_source(con, out, name, ay, "test-generate", cfg)
    return con, reports, cfg


def test_same_seed_gives_the_same_files(tmp_path):
    a = generate(tmp_path / "a", seed=5, schools=20, years=(2021, 2023))
    b = generate(tmp_path / "b", seed=5, schools=20, years=(2021, 2023))
    assert a == b
    cells_a, cells_b = file_cells(tmp_path / "a"), file_cells(tmp_path / "b")
    assert cells_a.keys() == cells_b.keys()
    for key in cells_a:
        assert cells_a[key] == cells_b[key], key
    # fixed zip timestamps and document properties: the bytes are the same too
    for p in (tmp_path / "a").rglob("*.xlsx"):
        assert p.read_bytes() == (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes(), p


def test_another_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", seed=5, schools=20, years=(2021, 2023))
    generate(tmp_path / "b", seed=6, schools=20, years=(2021, 2023))
    path = Path("2022") / "vpr_stats" / "vpr_stats_2022_math.xlsx"
    assert sheet_rows(tmp_path / "a" / path) != sheet_rows(tmp_path / "b" / path)


def test_csv_exports_are_cp1251_with_semicolons_and_decimal_commas(inbox):
    out, _ = inbox
    oo2 = (out / str(LAST) / "oo2" / f"oo2_{LAST}.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        oo2.decode("utf-8")
    lines = oo2.decode("cp1251").splitlines()
    assert lines[0].split(";") == ["Код ОО", "Компьютеров всего", "Используются в учебных целях",
                                   "С доступом к Интернету", "Скорость Интернета, Мбит/с"]
    speeds = [line.split(";")[4] for line in lines[1:]]
    assert any("," in s for s in speeds) and not any("." in s for s in speeds)

    for exam, title in (("oge", "ОГЭ"), ("ege", "ЕГЭ")):
        data = (out / str(LAST - 1) / "gia" / f"{exam}_{LAST - 1}.csv").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        rows = [line.split(";") for line in data.decode("cp1251").splitlines()]
        header = rows[0]
        assert header[:4] == ["Код участника", "Код ОО", "Форма ГИА", "Предмет"]
        col = {h: i for i, h in enumerate(header)}
        assert {r[col["Форма ГИА"]] for r in rows[1:]} == {title}
        assert {r[col["Пересдача"]] for r in rows[1:]} == {"да", "нет"}
        assert {r[col["Преодолел минимальный порог"]] for r in rows[1:]} == {"да", "нет"}
    ege = [line.split(";") for line in
           (out / str(LAST - 1) / "gia" / f"ege_{LAST - 1}.csv").read_bytes().decode("cp1251").splitlines()[1:]]
    assert {r[6] for r in ege} == {"Выпускник текущего года", "Выпускник прошлых лет", "Обучающийся СПО"}
    assert {"Основной", "Резервный", "Дополнительный"} <= {r[4] for r in ege}


def test_vpr_stats_give_marks_as_percentages_of_participants(inbox):
    out, planted = inbox
    rows = sheet_rows(out / str(LAST - 1) / "vpr_stats" / f"vpr_stats_{LAST - 1}_russian.xlsx")
    assert rows[0][0].startswith("Статистика по отметкам")
    assert rows[1] == VPR_STATS_HEADER
    for r in rows[2:]:
        shares = r[7:11]
        assert all(round(s, 2) == s for s in shares)
        assert sum(shares) == pytest.approx(100, abs=0.05)
        assert r[0] == LAST  # «Год» is the calendar year of the work, spring of AY+1
    # shnor_c2_any: ВПР Russian 6 in L−1 at exactly 30 %, 6 of 20
    code = next(c["code"] for c in planted["cases"] if c["case"] == "shnor_c2_any")
    row = next(r for r in rows[2:] if r[4] == code and r[1] == 6)
    assert (row[6], row[7]) == (20, 30.0)


def test_registry_has_a_title_row_above_the_header(inbox):
    out, _ = inbox
    rows = sheet_rows(out / "schools" / "registry.xlsx")
    assert rows[0][0] == "Реестр общеобразовательных организаций"
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Код ОО")
    assert header_at >= 1
    codes = [r[0] for r in rows[header_at + 1:]]
    assert len(codes) == SCHOOLS and all(isinstance(c, str) for c in codes)
    assert any(c[3] == "0" for c in codes)  # codes with leading zero digits stay text


def test_every_generated_file_ingests_without_rejections(warehouse):
    _, reports, _ = warehouse
    for (name, ay), report in reports.items():
        if name == "vpr_participants":
            assert report.missing  # not generated
            continue
        assert not report.missing, (name, ay)
        assert report.problems == [], (name, ay, [p.message() for p in report.problems[:5]])
        assert report.rows_quarantined == 0 and report.rows_in == report.rows_loaded, (name, ay)
        if name == "official_shnor" and report.rows_loaded == 0:
            # the federal list of an early AY names nobody here: a header with no rows is
            # loaded as an empty list, and the user is told so
            assert report.warnings == [f"Файл «shnor_fioko_{ay}.xlsx», лист «Перечень»: под заголовком "
                                       f"(строка 2) нет ни одной строки данных — загружено 0 строк."]
            continue
        assert report.warnings == [], (name, ay, report.warnings)
        assert report.rows_loaded > 0, (name, ay)


# --- the planted design, by hand, in the raw landing tables ------------------------------
# No rule is applied here: the tests check that the files carry the counts planted
# (worked by hand below from edumon/sample/planted.py) and that every other figure stays
# inside the clean bounds, far from every threshold. What the rules make of them is
# tests/test_planted_cases.py, against hand-worked lists, on the real SQL.

# (case, AY, procedure) → (participants, «2» / below the minimum), ГИА counted as first
# attempts of current-year graduates in the main and reserve periods
PLANTED_COUNTS = {
    ("shnor_c1", 2022, "vpr_math_5"): (25, 10), ("shnor_c1", 2022, "oge_math"): (20, 7),
    ("shnor_c2_any", 2022, "vpr_russian_6"): (20, 6), ("shnor_c2_any", 2021, "vpr_math_6"): (22, 8),
    ("shnor_c2_same", 2022, "oge_russian"): (25, 8), ("shnor_c2_same", 2021, "oge_russian"): (24, 9),
    ("near_miss", 2022, "vpr_math_5"): (24, 7), ("near_miss", 2022, "oge_math"): (24, 7),
    ("retake_only", 2022, "oge_math"): (25, 5),
    ("left_list", 2021, "vpr_math_5"): (20, 7), ("left_list", 2021, "ege_math_profile"): (12, 4),
    ("left_list", 2020, "vpr_math_5"): (22, 7),
    ("risk_results", 2022, "vpr_math_4"): (25, 5), ("risk_results", 2022, "vpr_russian_8"): (24, 6),
    ("primary_two_high", 2022, "vpr_math_4"): (20, 5), ("primary_two_high", 2022, "vpr_russian_4"): (20, 4),
    ("primary_one_high", 2022, "vpr_math_4"): (18, 5),
}
# The ФИОКО list of each AY, by design: 2023 (L) as planted; 2022 (L−1) the school that is
# ШНОР in 2022 by design (left_list: two low in 2021); 2020 and 2021 have no two earlier
# generated AYs, so nobody.
OFFICIAL_LISTS = {2020: set(), 2021: set(), 2022: {"left_list"}, 2023: {"shnor_c1", "official_only"}}
CLEAN_SHARE_MAX_PCT = 15  # the generator's clean bound (half the ШНОР threshold)


def procedure_results(con, cfg, ay) -> dict[tuple[str, str], tuple[int, int]]:
    """(school, procedure) → (participants, «2» or below minimum): ВПР as the statistics say,
    ГИА the first attempts of current-year graduates in the counted periods (seed 003 §2.1)."""
    results: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    vpr = con.execute("SELECT school_code, subject, grade, participants, mark2 FROM raw_vpr_stats WHERE ay = ?",
                      [ay]).fetchall()
    for school, subject, grade, n, low in vpr:
        r = results[(school, f"vpr_{subject}_{grade}")]
        r[0] += n
        r[1] += low
    gia = con.execute("""
        SELECT school_code, participant_id, exam, subject, passed_min FROM raw_gia
        WHERE ay = ? AND list_contains(?, category) AND list_contains(?, period) AND NOT is_retake
        ORDER BY period = 'reserve', _file, _row""",
                      [ay, cfg["gia"]["count_categories"], cfg["gia"]["count_periods"]]).fetchall()
    seen = set()
    for school, pid, exam, subject, passed in gia:
        if (pid, exam, subject) in seen:
            continue
        seen.add((pid, exam, subject))
        r = results[(school, f"{exam}_{subject}")]
        r[0] += 1
        r[1] += not passed
    return {k: (n, low) for k, (n, low) in results.items()}


def test_the_files_carry_the_planted_counts_and_nothing_else_is_near_a_threshold(inbox, warehouse):
    _, planted = inbox
    con, _, cfg = warehouse
    code = {c["case"]: c["code"] for c in planted["cases"]}
    planted_at = {(code[case], ay, proc): counts for (case, ay, proc), counts in PLANTED_COUNTS.items()}
    seen = set()
    for ay in range(FIRST, LAST + 1):
        for (school, proc), (n, low) in procedure_results(con, cfg, ay).items():
            if (school, ay, proc) in planted_at:
                assert (n, low) == planted_at[(school, ay, proc)], (school, ay, proc)
                seen.add((school, ay, proc))
            else:
                assert n > 0 and 100 * low <= CLEAN_SHARE_MAX_PCT * n, (school, ay, proc, n, low)
    assert seen == set(planted_at)


def test_clean_context_stays_inside_the_clean_bounds(inbox, warehouse):
    """Every school in every AY but the planted contexts of L: all material items «да», load
    ≥ 36 h ≤ 5 %, nobody without a subject diploma, contingent ≤ 6 %, неуспевающие ≤ 3 %."""
    _, planted = inbox
    con, _, _ = warehouse
    planted_context = {c["code"] for c in planted["cases"] if "planted_context" in c}
    ctx = con.execute("SELECT * FROM raw_context").df()
    assert len(ctx) > 0
    for r in ctx.to_dict("records"):
        if r["ay"] == LAST and r["school_code"] in planted_context:
            continue
        assert all(r[item] for item in ("internet_stable", "computers_enough", "lab_physics", "lab_chemistry",
                                        "lab_biology", "lab_geography", "lab_technology")), r
        assert 100 * r["teachers_load_36plus"] <= 5 * r["teachers_total"], r
        assert r["teachers_no_subject_diploma"] == 0, r
        contingent = (r["students_registered"] + r["students_ovz"] + r["students_foreign_language"]
                      + r["students_absent_systematic"])
        assert 100 * contingent <= 6 * r["students_total"], r
        assert 100 * r["students_failing"] <= 3 * r["students_total"], r


def test_planted_context_of_the_last_year(inbox, warehouse):
    _, planted = inbox
    con, _, _ = warehouse
    code = {c["case"]: c["code"] for c in planted["cases"]}
    got = {r["school_code"]: r for r in con.execute("SELECT * FROM raw_context WHERE ay = ?", [LAST]).df()
           .to_dict("records")}
    assert not got[code["risk_material"]]["lab_chemistry"]
    assert (got[code["risk_staff"]]["teachers_load_36plus"], got[code["risk_staff"]]["teachers_total"]) == (4, 39)
    assert (got[code["staff_exact_10"]]["teachers_load_36plus"], got[code["staff_exact_10"]]["teachers_total"]) \
        == (3, 30)
    assert got[code["risk_no_diploma"]]["teachers_no_subject_diploma"] == 1
    c = got[code["risk_contingent"]]
    assert (c["students_registered"], c["students_ovz"], c["students_foreign_language"],
            c["students_absent_systematic"], c["students_total"]) == (12, 20, 15, 8, 500)
    c = got[code["contingent_exact_10"]]
    assert (c["students_registered"], c["students_ovz"], c["students_foreign_language"],
            c["students_absent_systematic"], c["students_total"]) == (10, 18, 12, 8, 480)
    assert (got[code["risk_failing"]]["students_failing"], got[code["risk_failing"]]["students_total"]) == (44, 400)


def test_official_lists_are_the_planted_ones(inbox, warehouse):
    _, planted = inbox
    con, _, _ = warehouse
    code = {c["case"]: c["code"] for c in planted["cases"]}
    got = defaultdict(set)
    for ay, school in con.execute("SELECT ay, school_code FROM raw_official_shnor").fetchall():
        got[ay].add(school)
    for ay, cases in OFFICIAL_LISTS.items():
        assert got[ay] == {code[c] for c in cases}, ay


def test_retake_only_would_be_low_if_retakes_or_past_graduates_counted(inbox, warehouse):
    _, planted = inbox
    con, _, _ = warehouse
    code = next(c["code"] for c in planted["cases"] if c["case"] == "retake_only")
    rows = con.execute("""
        SELECT category, period, is_retake, passed_min FROM raw_gia
        WHERE ay = ? AND school_code = ? AND exam = 'oge' AND subject = 'math'""", [LAST - 1, code]).fetchall()

    def share(keep):
        kept = [r for r in rows if keep(*r)]
        return 100 * sum(not r[3] for r in kept) / len(kept)

    assert share(lambda cat, period, retake, _: cat == "current" and not retake) == 20.0  # the rule's count
    assert share(lambda *_: True) > 30  # every row
    assert share(lambda cat, period, retake, _: not retake) > 30  # past-year graduates counted
    assert share(lambda cat, period, retake, _: cat == "current") > 30  # retakes counted
    assert share(lambda cat, period, retake, _: cat == "current" and period != "additional") > 30


def test_missing_year_school_has_no_rows_in_that_year_only(inbox, warehouse):
    _, planted = inbox
    con, _, _ = warehouse
    case = next(c for c in planted["cases"] if c["case"] == "missing_year")
    assert con.execute("SELECT count(*) FROM raw_schools WHERE school_code = ?", [case["code"]]).fetchone()[0] == 1
    for name, source in SOURCES.items():
        if not source.yearly or "school_code" not in source.names:
            continue
        counts = dict(con.execute(f"SELECT ay, count(*) FROM raw_{name} WHERE school_code = ? GROUP BY ay",
                                  [case["code"]]).fetchall())
        assert case["missing_ay"] not in counts, name
        if name not in ("official_shnor", "vpr_participants", "official_shnsu", "curators", "intl_studies"):
            assert set(counts) == set(range(FIRST, LAST + 1)) - {case["missing_ay"]}, name


def test_generate_refuses_a_range_or_size_too_small_for_the_planted_cases(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, years=(2022, 2023))
    with pytest.raises(ValueError):
        generate(tmp_path, schools=10)


# --- the hook for new sources (edumon/sample/extra.py) -----------------------------------

CALLS: list[dict] = []


def write(inbox: Path, schools, ays: list[int], rng) -> dict[str, int]:
    """An extra writer, as edumon/samples_<topic>.py would be: one XLSX per AY with a title
    row and Russian headers, one row per school, a count drawn from its own stream."""
    from edumon.sample.shapes import write_xlsx

    CALLS.append({"schools": schools, "ays": ays, "draw": int(rng.integers(0, 10**9))})
    for ay in ays:
        write_xlsx(inbox / str(ay) / "probe" / f"probe_{ay}.xlsx", "Проба", [f"Проба, {ay} г."],
                   ["Код ОО", "Участников"], [[c, int(n)] for c, n in zip(schools["school_code"], schools["size"])])
    return {f"probe/{ay}": len(schools) for ay in ays}


def test_every_samples_module_is_an_extra_writer():
    from edumon.sample import extra

    found = {f"edumon.{p.stem}" for p in (Path(__file__).parents[1] / "edumon").glob("samples_*.py")}
    assert found <= set(extra.EXTRA_WRITERS)
    assert {name for name, _ in extra.writers()} == found  # listed modules not written yet are skipped


def test_both_engines_call_the_extra_writers_with_every_school(tmp_path, monkeypatch):
    from bench.generate import generate as bench_generate
    from edumon.sample import extra

    monkeypatch.setattr(extra, "EXTRA_WRITERS", (__name__,))
    CALLS.clear()
    planted = generate(tmp_path / "small", seed=5, schools=SCHOOLS, years=(FIRST, LAST))
    small_codes = [r[0] for r in sheet_rows(tmp_path / "small" / "schools" / "registry.xlsx")[3:]]
    frame = CALLS[0]["schools"].set_index("school_code")
    assert sorted(frame.index) == sorted(small_codes) and len(small_codes) == SCHOOLS
    assert CALLS[0]["ays"] == [2020, 2021, 2022, 2023]
    # the ШНОР AYs by design (worked by hand in this file: PLANTED_COUNTS, OFFICIAL_LISTS):
    # ШНОР in 2023 shnor_c1, shnor_c2_any, shnor_c2_same, and official_only on the ФИОКО
    # list of 2023; left_list ШНОР in 2022; nobody else, never
    code = {c["case"]: c["code"] for c in planted["cases"]}
    shnor_ays = {c: ays for c, ays in frame["shnor_ays"].items() if ays}
    assert shnor_ays == {code["shnor_c1"]: [2023], code["shnor_c2_any"]: [2023], code["shnor_c2_same"]: [2023],
                         code["official_only"]: [2023], code["left_list"]: [2022]}
    assert frame.loc[code["missing_year"], "missing_ay"] == 2021 and 2021 not in frame.loc[code["missing_year"],
                                                                                               "grades"]
    assert frame.loc[code["risk_contingent"], "case"] == "risk_contingent"
    # grades as ОО-1 says: risk_contingent has 500 pupils in 2023 (planted)
    assert sum(frame.loc[code["risk_contingent"], "grades"][2023].values()) == 500
    assert frame.loc[code["primary_two_high"], "top_grade"] == 4
    rows = sheet_rows(tmp_path / "small" / "2022" / "probe" / "probe_2022.xlsx")
    assert rows[0][0] == "Проба, 2022 г." and rows[1] == ["Код ОО", "Участников"] and len(rows) == 2 + SCHOOLS

    data = bench_generate("tiny", seed=7, root=tmp_path / "bench", force=True)
    frame = CALLS[1]["schools"]
    assert len(frame) == 8  # tiny: 8 schools
    assert CALLS[1]["ays"] == [2020, 2021, 2022, 2023]
    info = json.loads((data / "generated.json").read_text())
    assert info["rows"]["probe/2023"] == 8 and (data / "inbox" / "2023" / "probe" / "probe_2023.xlsx").is_file()
    # grades of a form AY are the ОО-1 file's
    oo1 = pq.read_table(data / "inbox" / "2023" / "oo1" / "region_01.parquet").to_pandas().set_index("school_code")
    for c, g in zip(frame["school_code"], frame["grades"]):
        assert sum(g[2023].values()) == oo1.loc[c, "students_total"]

    # the writer's stream depends on the seed and its name only: the same draw again
    generate(tmp_path / "again", seed=5, schools=SCHOOLS, years=(FIRST, LAST))
    assert CALLS[2]["draw"] == CALLS[0]["draw"]
