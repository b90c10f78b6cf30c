"""`edumon validate` without --source on a file whose headers fit ВПР statistics and НИКО
equally (one ФИС ОКО layout): a Russian message naming both by title and the two ways out;
inside the inbox folder of one of them, that source is taken. Real XLSX files."""

from __future__ import annotations

import openpyxl

from edumon.config import load_config
from tasks.validate import validate_paths

HEAD = ["Код ОО", "Предмет", "Класс", "Количество участников", "Количество «2»", "Количество «3»",
        "Количество «4»", "Количество «5»"]


def _xlsx(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["НИКО: результаты по отметкам, 2022/2023 учебный год"])
    ws.append(HEAD)
    ws.append(["sch010001", "История", 6, 10, 1, 2, 3, 4])
    wb.save(path)
    return path


def test_ambiguous_file_names_both_sources_in_russian(tmp_path):
    f = _xlsx(tmp_path / "niko_2022.xlsx")
    [(label, source, res, error)] = validate_paths([f], load_config())
    assert (label, source, res) == ("niko_2022.xlsx", None, None)
    assert error == (
        "не удалось определить источник: столбцы файла одинаково подходят к нескольким источникам — "
        "«ВПР: статистика по отметкам» (--source vpr_stats), «НИКО: результаты по отметкам» (--source niko); "
        "так бывает с выгрузками ФИС ОКО, у ВПР и НИКО одна форма. Укажите источник явно, например: "
        "edumon validate niko_2022.xlsx --source niko — или положите файл в папку источника во входящих "
        "(например, 2022/niko/), тогда источник берётся по папке.")


def test_ambiguous_file_in_a_source_folder_takes_that_source(tmp_path):
    for name in ("niko", "vpr_stats"):
        f = _xlsx(tmp_path / "inbox" / "2022" / name / "results.xlsx")
        [(label, source, res, error)] = validate_paths([f], load_config())
        assert error == "" and source.name == name and res.rows_in == 1
