"""The sample-data generator (edumon.generate): reproducible, in the shapes users receive,
ingested without a rejected row, and with planted cases that the rules of seed 003
(§2.1 ШНОР, §3.2 risk schools) find exactly as planted.json says.

The rules are recomputed here by hand from the raw landing tables, independently of
`sql/`, so a failure points at the generator, not at the models.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

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


# --- the rules, by hand, on the raw landing tables ---------------------------------------

def procedure_results(con, cfg, ay) -> dict[tuple[str, str], tuple[int, int]]:
    """(school, procedure) → (participants, «2» or below minimum), seed 003 §2.1: ГИА counts
    first attempts of current-year graduates in the main and reserve periods only."""
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


def low_procedures(con, cfg, ay) -> dict[str, set[str]]:
    low: dict[str, set[str]] = defaultdict(set)
    for (school, proc), (n, k) in procedure_results(con, cfg, ay).items():
        if proc in cfg["shnor"]["procedures"] and n and 100 * k >= cfg["shnor"]["low_share_pct"] * n:
            low[school].add(proc)
    return low


def shnor_list(con, cfg, ay, reading) -> dict[str, str]:
    """School → criterion ("1", "2", "1+2") for the schools on the list of AY."""
    prev, prev2 = low_procedures(con, cfg, ay - 1), low_procedures(con, cfg, ay - 2)
    listed = {}
    for school in set(prev) | set(prev2):
        c1 = len(prev[school]) >= cfg["shnor"]["criterion1_min_low_procedures"]
        c2 = bool(prev[school] & prev2[school]) if reading == "same" else bool(prev[school] and prev2[school])
        if c1 or c2:
            listed[school] = "1+2" if c1 and c2 else "1" if c1 else "2"
    return listed


def risk_sections(con, cfg, ay) -> dict[str, list[str]]:
    """School → flagged sections in October of AY (seed 003 §3.2)."""
    risk = cfg["risk"]
    vpr = procedure_results(con, cfg, ay - 1)
    high = defaultdict(int)
    for (school, proc), (n, k) in vpr.items():
        if proc in risk["results_vpr_procedures"] and n and 100 * k >= risk["results_vpr_share2_pct_at_least"] * n:
            high[school] += 1
    ctx = con.execute("SELECT * FROM raw_context WHERE ay = ?", [ay]).df()
    sections = {}
    for r in ctx.to_dict("records"):
        teachers, students = r["teachers_total"], r["students_total"]
        flags = []
        if any(not r[item] for item in risk["material_items"]):
            flags.append("material")
        if (100 * r["teachers_load_36plus"] > risk["staff_load36_share_pct_above"] * teachers
                or 100 * r["teachers_no_subject_diploma"] > risk["staff_no_diploma_share_pct_above"] * teachers):
            flags.append("staff")
        if 100 * sum(r[c] for c in risk["contingent_items"]) > risk["contingent_sum_share_pct_above"] * students:
            flags.append("contingent")
        if (high[r["school_code"]] >= risk["results_vpr_min_procedures"]
                or 100 * r["students_failing"] > risk["results_failing_share_pct_above"] * students):
            flags.append("results")
        sections[r["school_code"]] = flags
    return sections


def test_planted_cases_are_found_as_planted(inbox, warehouse):
    _, planted = inbox
    con, _, cfg = warehouse
    assert planted["ay"] == LAST
    now_any, last_any = shnor_list(con, cfg, LAST, "any"), shnor_list(con, cfg, LAST - 1, "any")
    now_same = shnor_list(con, cfg, LAST, "same")
    official = {c for (c,) in con.execute("SELECT school_code FROM raw_official_shnor WHERE ay = ?",
                                          [LAST]).fetchall()}
    risk = risk_sections(con, cfg, LAST)

    found = {}
    for code in [c["code"] for c in planted["cases"]] + planted["clean"]["codes"]:
        is_shnor, was = code in now_any, code in last_any
        found[code] = {
            "shnor": is_shnor,
            "criterion": now_any.get(code),
            "shnor_same_reading": code in now_same,
            "risk": bool(risk[code]),
            "risk_sections": risk[code],
            "list_change": ("stayed" if is_shnor and was else "entered" if is_shnor else "left" if was else None),
            "was_shnor_last_year": was,
            "official_comparison": ("both" if is_shnor and code in official else "only_ours" if is_shnor
                                    else "only_official" if code in official else None),
        }
    for case in planted["cases"]:
        assert found[case["code"]] == case["expect"], case["case"]
    for code in planted["clean"]["codes"]:
        assert found[code] == planted["clean"]["expect"], code


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
