"""Ingest of files as users receive them: a real XLSX with a title row above a Russian
header, a cp1251 `;` CSV with decimal commas, and the bookkeeping of every row."""

from __future__ import annotations

import openpyxl
import pytest

from edumon.config import load_config
from tasks.ingest import ingest_source
from tasks.warehouse import connect


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def test_xlsx_with_title_row_and_russian_headers(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "oo1" / "ОО-1 2023.xlsx"
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Свод"
    ws["A1"] = "Форма ОО-1 по состоянию на 20 сентября 2023 г."
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["Логин ОО", "Всего обучающихся", "5 класс", "Обучающихся с ОВЗ", "Учителей всего"])
    ws.append(["sch080012", 512, 48, 12, 40])        # Excel row 4
    ws.append(["0123", "1 024", 100, "", 70])         # leading zero kept; «1 024» with a space
    wb.save(path)

    rep = ingest_source(con, tmp_path / "inbox", "oo1", 2023, "r1", load_config())
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (2, 2, 0), [p.message() for p in rep.problems]
    got = con.execute("""SELECT school_code, students_total, students_g5, students_ovz, teachers_total,
                                _file, _sheet, _row FROM raw_oo1 ORDER BY _row""").fetchall()
    assert got == [
        ("sch080012", 512, 48, 12, 40, "ОО-1 2023.xlsx", "Свод", 4),
        ("0123", 1024, 100, None, 70, "ОО-1 2023.xlsx", "Свод", 5),
    ]
    sha = con.execute("SELECT DISTINCT _sha256 FROM raw_oo1").fetchall()
    assert len(sha) == 1 and len(sha[0][0]) == 64


def test_cp1251_semicolon_csv_with_decimal_commas(tmp_path, con):
    path = tmp_path / "inbox" / "2022" / "oo2" / "oo2.csv"
    path.parent.mkdir(parents=True)
    text = ("Код ОО;Компьютеров всего;С доступом к Интернету;Скорость Интернета, Мбит/с\r\n"
            "sch864012;45;40;50,5\r\n"
            "edu860123;12;12;0,75\r\n")
    path.write_bytes(text.encode("cp1251"))

    rep = ingest_source(con, tmp_path / "inbox", "oo2", 2022, "r1", load_config())
    assert rep.rows_quarantined == 0, [p.message() for p in rep.problems]
    got = con.execute("SELECT school_code, computers_total, computers_internet, internet_speed_mbps "
                      "FROM raw_oo2 ORDER BY school_code").fetchall()
    assert got == [("edu860123", 12, 12, 0.75), ("sch864012", 45, 40, 50.5)]


def test_vpr_percentages_become_counts(tmp_path, con):
    path = tmp_path / "inbox" / "2022" / "vpr_stats" / "stat.csv"
    path.parent.mkdir(parents=True)
    # 23 participants: 30,43 % «2» is 7 pupils, 43,48 % is 10, 21,74 % is 5, 4,35 % is 1
    path.write_bytes(("Год;Класс;Предмет;Логин;Кол-во участников;2;3;4;5\n"
                      "2023;5;Математика;sch1;23;30,43;43,48;21,74;4,35\n").encode("cp1251"))
    rep = ingest_source(con, tmp_path / "inbox", "vpr_stats", 2022, "r1", load_config())
    assert rep.rows_loaded == 1, [p.message() for p in rep.problems]
    assert con.execute("SELECT subject, grade, participants, mark2, mark3, mark4, mark5 FROM raw_vpr_stats"
                       ).fetchall() == [("math", 5, 23, 7, 10, 5, 1)]


def test_bad_rows_are_quarantined_with_the_place_and_rule_and_good_rows_load(tmp_path, con):
    path = tmp_path / "inbox" / "2023" / "context" / "ctx.csv"
    path.parent.mkdir(parents=True)
    path.write_text("Код ОО;Устойчивый доступ в Интернет;Учителей всего\n"
                    "s1;да;40\n"
                    "s2;может быть;30\n"     # row 3: not a yes/no
                    "s3;нет;-4\n"            # row 4: negative count
                    "s4;нет;12\n"
                    "s5;да;двадцать\n",      # row 6: text in a number column
                    encoding="utf-8")
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 80.0}})
    rep = ingest_source(con, tmp_path / "inbox", "context", 2023, "r1", cfg)
    assert (rep.rows_in, rep.rows_loaded, rep.rows_quarantined) == (5, 2, 3)
    msgs = sorted(p.message() for p in rep.problems)
    assert msgs == sorted([
        "файл «ctx.csv», строка 3, столбец «Устойчивый доступ в Интернет»: значение «может быть» — ожидается «да» или «нет»",
        "файл «ctx.csv», строка 4, столбец «Учителей всего»: значение «-4» — значение должно быть не меньше 0",
        "файл «ctx.csv», строка 6, столбец «Учителей всего»: значение «двадцать» — ожидается целое число",
    ])
    q = con.execute("SELECT row, reasons FROM quarantine ORDER BY row").fetchall()
    assert [r for r, _ in q] == [3, 4, 6]
    assert con.execute("SELECT list(school_code ORDER BY school_code) FROM raw_context").fetchone()[0] == ["s1", "s4"]


def test_quarantine_never_keeps_a_real_participant_id(tmp_path, con):
    path = tmp_path / "inbox" / "2022" / "gia" / "gia.csv"
    path.parent.mkdir(parents=True)
    path.write_text("participant_id;school_code;exam;subject;mark\n"
                    "REAL-ID-0001;s1;ОГЭ;Математика;4\n"
                    "REAL-ID-0002;s1;ОГЭ;Математика;7\n",   # row 3: a mark of 7 is impossible
                    encoding="utf-8")
    cfg = load_config(overrides={"ingest": {"max_rejected_share_pct": 80.0}})
    rep = ingest_source(con, tmp_path / "inbox", "gia", 2022, "r1", cfg)
    assert (rep.rows_loaded, rep.rows_quarantined) == (1, 1)
    stored = " ".join(str(v) for row in con.execute("SELECT * FROM quarantine").fetchall() for v in row)
    stored += " ".join(str(v) for row in con.execute("SELECT * FROM raw_gia").fetchall() for v in row)
    assert "REAL-ID" not in stored and "REAL-ID" not in " ".join(p.message() for p in rep.problems)
    # the reject carries the same 20-character code a loaded row would get
    import hashlib
    want = hashlib.sha256(f"{cfg['privacy']['default_salt']}|REAL-ID-0002".encode()).hexdigest()[:20]
    assert want in con.execute("SELECT raw_json FROM quarantine").fetchone()[0]
