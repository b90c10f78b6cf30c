"""`edumon validate` as a clerk runs it: a real process, real files, the source detected
from the headers, Russian messages grouped by rule, the full list saved as XLSX, exit
code 1 on errors and 0 on a clean file, and no Prefect or Great Expectations imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.helpers import write_csv

EDUMON = [sys.executable, "-c", "import sys; from edumon.cli import app; sys.argv[0] = 'edumon'; app()"]


def _run(*args, cwd: Path):
    return subprocess.run([*EDUMON, "validate", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_validate_detects_the_source_lists_errors_grouped_and_saves_them_as_xlsx(tmp_path):
    bad = write_csv(tmp_path / "профилактика.csv", [
        {"Код ОО": "s1", "Полугодие": 1, "Обучающихся всего": 100, "Слабоуспевающих": 3, "Неуспевающих": 2,
         "Имеют ИОМ": 6},                                 # row 2: 6 > 3 + 2
        {"Код ОО": "s2", "Полугодие": 3, "Обучающихся всего": 50, "Слабоуспевающих": 1, "Неуспевающих": 0,
         "Имеют ИОМ": 1},                                 # row 3: half 3
        {"Код ОО": "s3", "Полугодие": 1, "Обучающихся всего": "сто", "Слабоуспевающих": 1,
         "Неуспевающих": 0, "Имеют ИОМ": 1},              # row 4: text in a count
        {"Код ОО": "s4", "Полугодие": 2, "Обучающихся всего": 80, "Слабоуспевающих": 4, "Неуспевающих": 1,
         "Имеют ИОМ": 5},                                 # row 5: fine
    ], delimiter=";")
    out = _run(bad, "--report", tmp_path / "ошибки.xlsx", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    text = out.stdout
    assert ("профилактика.csv: источник «Отчёт о профилактике учебной неуспешности» (prevention); строк 4, "
            "без ошибок 1, с ошибками 3.") in text
    assert "Правило: «Имеют ИОМ» не может быть больше, чем «Слабоуспевающих» + «Неуспевающих» — 1 шт." in text
    assert ("    • файл «профилактика.csv», строка 3, столбец «Полугодие»: значение «3» — значение должно быть "
            "не больше 2") in text
    assert "    • файл «профилактика.csv», строка 4, столбец «Обучающихся всего»: значение «сто» — ожидается целое число" \
        in text
    assert "Полный список (ошибок: 3, предупреждений: 0)" in text

    wb = openpyxl.load_workbook(tmp_path / "ошибки.xlsx")
    ws = wb["Ошибки"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["№", "Файл", "Лист", "Строка", "Столбец", "Значение", "Правило", "Сообщение"]
    assert sorted(r[3] for r in ws.iter_rows(min_row=2, values_only=True)) == [2, 3, 4]


def test_validate_of_a_clean_file_exits_zero_without_prefect_or_gx(tmp_path):
    good = write_csv(tmp_path / "oo2.csv", [
        {"Код ОО": "s1", "Компьютеров всего": 10, "Используются в учебных целях": 8,
         "С доступом к Интернету": 10}], delimiter=";")
    probe = ("import sys; from edumon.cli import app\n"
             "sys.argv = ['edumon', 'validate', sys.argv[1]]\n"
             "try:\n    app()\nexcept SystemExit as e:\n"
             "    print('heavy:', sorted(m for m in ('prefect', 'great_expectations') if m in sys.modules))\n"
             "    raise\n")
    out = subprocess.run([sys.executable, "-c", probe, str(good)], capture_output=True, text=True, cwd=tmp_path,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "oo2.csv: источник «Форма ОО-2» (oo2); строк 1, без ошибок 1, с ошибками 0." in out.stdout
    assert "Ошибок не найдено." in out.stdout
    assert "heavy: []" in out.stdout


def test_validate_asks_for_the_source_when_headers_name_none(tmp_path):
    odd = write_csv(tmp_path / "odd.csv", [{"Колонка": 1, "Другая": 2}], delimiter=";")
    out = _run(odd, cwd=tmp_path)
    assert out.returncode == 1
    assert "odd.csv: не удалось определить источник: не найдено ни одного знакомого заголовка столбца. " \
           "Укажите его: --source ИМЯ" in out.stdout


def test_published_validation_report_withholds_participant_values(tmp_path):
    import io

    from schemas.contracts import Problem
    from tasks.ingest import IngestReport
    from tasks.ingest_cycle import publishable_problems
    from tasks.validate import load_report_objects

    rep = IngestReport("gia", 2022, problems=[
        Problem("gia", "gia.xlsx", "Лист1", 7, "Код участника", "P-123456", "повторяется строка с тем же ключом")])
    loads = [{"problem_list": publishable_problems(rep), "warning_list": []}]
    data = load_report_objects(loads, "september", 2023)["validation/2023/september/problems.xlsx"]
    ws = openpyxl.load_workbook(io.BytesIO(data))["Ошибки"]
    row = [c.value for c in ws[2]]
    assert row[1:7] == ["gia.xlsx", "Лист1", 7, "Код участника", "(скрыто: персональные данные)",
                        "повторяется строка с тем же ключом"]
    assert "P-123456" not in str(row)
