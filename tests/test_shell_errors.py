"""The shell as a new user meets it (issue 11, issue 15): real `edumon` processes on real
damaged files and real faults. Every failure is one Russian message and exit code 1;
no traceback, no English frame, no `nanobind: leaked …` lines at exit; `--debug` shows
the traceback."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "edumon"
EDUMON = [str(_SCRIPT)] if _SCRIPT.exists() else [
    sys.executable, "-c", "import sys; from edumon.cli import app; sys.argv[0] = 'edumon'; app()"]
ENGLISH_FRAME = ("Usage", "Options", "Commands", "Arguments", "Error", "Missing", "Show this message",
                 "[OPTIONS]", "[required]", "default:", "Try '", "Aborted", "<int>", "<path>", "<str>")


def edumon(*args, cwd: Path | None = None, env: dict | None = None, timeout: int = 600):
    full_env = {**os.environ, "EDUMON_PROGRESS": "0", **(env or {})}
    full_env.pop("EDUMON_DEBUG", None) if "EDUMON_DEBUG" not in (env or {}) else None
    return subprocess.run([*EDUMON, *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT,
                          env=full_env, timeout=timeout)


def assert_clean_failure(out, *expected: str):
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "Traceback" not in text, text
    assert "nanobind" not in text, text
    for e in expected:
        assert e in text, text


# -- the frame -------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["run", "september", "--help"],
                                  ["validate", "--help"], ["generate", "--help"], ["run", "backfill", "--help"]])
def test_help_pages_have_no_english_frame(args):
    out = edumon(*args)
    assert out.returncode == 0, out.stderr
    for word in ENGLISH_FRAME:
        assert word not in out.stdout, (word, out.stdout)
    assert "Использование: edumon" in out.stdout
    assert "Опции:" in out.stdout


def test_top_help_lists_commands_in_russian():
    out = edumon("--help")
    assert "Команды:" in out.stdout and "  validate " in out.stdout
    assert "--debug" in out.stdout


def test_missing_option_is_russian_with_exit_code_1():
    out = edumon("run", "september", "--inbox", "/nowhere")
    assert out.returncode == 1
    assert "Ошибка: Не указана опция «--ay»." in out.stderr
    assert "Использование: edumon run september [ОПЦИИ]" in out.stderr
    assert "Справка: edumon run september --help" in out.stderr
    for word in ENGLISH_FRAME:
        assert word not in out.stderr, (word, out.stderr)


def test_bad_value_unknown_option_and_missing_argument_are_russian():
    bad = edumon("generate", "--out", "x", "--seed", "abc")
    assert bad.returncode == 1 and "Недопустимое значение «--seed»: ожидается целое число." in bad.stderr
    unknown = edumon("validate", "--bogus", "f.csv")
    assert unknown.returncode == 1 and "Нет такой опции «--bogus»." in unknown.stderr
    missing = edumon("validate")
    assert missing.returncode == 1 and "Не указан аргумент «ФАЙЛ»." in missing.stderr
    for out in (bad, unknown, missing):
        for word in ENGLISH_FRAME:
            assert word not in out.stderr, (word, out.stderr)


def test_missing_inbox_is_one_russian_line_and_exit_1(tmp_path):
    out = edumon("run", "september", "--ay", "2023", "--inbox", tmp_path / "нет")
    assert_clean_failure(out, f"Ошибка: папка с выгрузками не найдена: {tmp_path / 'нет'}")


# -- damaged files in `edumon validate` -------------------------------------------------------

def _xlsx_bytes() -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Код ОО", "Полугодие"])
    wb.active.append(["s1", 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _parquet(path: Path, names: list[str], truncate: bool = False) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_arrays([pa.array(["s1", "s2"]) for _ in names], names=names), path)
    if truncate:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    return path


def make_damaged(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each damaged file and the words its message must hold."""
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / "большая_ячейка.csv"
    big.write_text("Код ОО;Полугодие;Обучающихся всего\ns1;1;" + "9" * 140_000 + "\n", encoding="utf-8")
    cr = folder / "cr.csv"
    cr.write_bytes("Код ОО;Полугодие\rs1;1\rs2;2\r".encode("utf-8"))
    renamed = folder / "книга.csv"
    renamed.write_bytes(_xlsx_bytes())
    zero = folder / "пустой.parquet"
    zero.write_bytes(b"")
    return {
        "big": (big, "в файле есть ячейка длиннее 128 КиБ"),
        "cr": (cr, "строки файла разделены только символом CR"),
        "renamed": (renamed, "это книга Excel (XLSX) или архив, а расширение у файла «.csv»"),
        "zero": (zero, "файл Parquet пуст (0 байт)"),
        "truncated": (_parquet(folder / "обрезан.parquet", ["school_code", "half"], truncate=True),
                      "файл Parquet пуст, обрезан или повреждён"),
        "duplicated": (_parquet(folder / "два_столбца.parquet", ["school_code", "school_code"]),
                       "в файле Parquet один и тот же столбец встречается дважды"),
    }


@pytest.mark.parametrize("kind", ["big", "cr", "renamed", "zero", "truncated", "duplicated"])
def test_validate_names_each_damaged_file_in_russian(tmp_path, kind):
    path, words = make_damaged(tmp_path)[kind]
    out = edumon("validate", "--source", "prevention", path, cwd=tmp_path)
    assert_clean_failure(out, f"{path.name}: {words}")


def test_debug_shows_the_traceback(tmp_path):
    path, _ = make_damaged(tmp_path)["duplicated"]
    # without --source the file's damage stops the detection; with --debug it is a traceback
    out = edumon("--debug", "validate", "--source", "prevention", path, cwd=tmp_path)
    assert out.returncode == 1
    out = edumon("run", "september", "--ay", "2023", "--inbox", tmp_path, "--warehouse", tmp_path / "w.duckdb",
                 "--store", tmp_path / "s", "--config", tmp_path / "нет.toml", "--debug")
    assert out.returncode == 1
    assert "Traceback" in out.stderr and "ConfigError" in out.stderr
    quiet = edumon("run", "september", "--ay", "2023", "--inbox", tmp_path, "--warehouse", tmp_path / "w.duckdb",
                   "--store", tmp_path / "s", "--config", tmp_path / "нет.toml")
    assert_clean_failure(quiet, f"Файл правил муниципалитета не найден: {tmp_path / 'нет.toml'}")


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "4m"):
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount tmpfs here: {r.stderr!r}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_validate_on_a_read_only_folder_saves_the_list_elsewhere(tmp_path):
    with tmpfs(tmp_path / "ro") as ro:
        bad = ro / "профилактика.csv"
        bad.write_text("Код ОО;Полугодие;Обучающихся всего;Слабоуспевающих;Неуспевающих;Имеют ИОМ\n"
                       "s1;3;100;3;2;1\n", encoding="utf-8")
        assert subprocess.run(["mount", "-o", "remount,ro", str(ro)]).returncode == 0
        work = tmp_path / "work"
        work.mkdir()
        out = edumon("validate", bad, cwd=work)
        assert out.returncode == 1, out.stderr
        assert "Traceback" not in out.stdout + out.stderr
        assert f"Папка файла {ro} недоступна для записи: список ошибок сохранён в {work}." in out.stderr
        assert (work / "профилактика_ошибки.xlsx").exists()
        assert "значение должно быть не больше 2" in out.stdout
        # asked for a report inside the read-only folder: a Russian message, exit 1
        out = edumon("validate", bad, "--report", ro / "r.xlsx", cwd=work)
        assert_clean_failure(out, "Ошибка: Нет права записи", str(ro / "r.xlsx"))


def test_a_warehouse_held_by_another_process_is_named_in_russian(tmp_path):
    import duckdb

    wh = tmp_path / "w.duckdb"
    duckdb.connect(str(wh)).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(120)", str(wh)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        path, _ = make_damaged(tmp_path / "in")["cr"]
        out = edumon("validate", path, "--warehouse", wh, "--ay", "2023", cwd=tmp_path)
        assert_clean_failure(out, f"Хранилище: хранилище DuckDB «{wh}» занято другим процессом")
    finally:
        holder.kill()
        holder.wait()


# -- faults in a real run ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gen")
    out = edumon("generate", "--out", root, "--schools", "20", "--years", "2020-2023")
    assert out.returncode == 0, out.stderr
    return root


@pytest.mark.usefixtures("cli_temporary_server")   # one server for the runs of the module (conftest.py)
def test_a_run_with_an_xlsx_renamed_csv_names_the_file(inbox, tmp_path):
    box = tmp_path / "inbox"
    shutil.copytree(inbox, box)
    (box / "2022" / "vpr_stats" / "книга.csv").write_bytes(_xlsx_bytes())
    out = edumon("run", "september", "--ay", "2023", "--inbox", box, "--warehouse", tmp_path / "w.duckdb",
                 "--store", tmp_path / "store")
    # the source's load stops on the unreadable file (issue 11, [ingest] on_unreadable = "stop")
    assert_clean_failure(out, "файл «книга.csv»: это книга Excel (XLSX)", "данные этого года не заменены")
    assert not (tmp_path / "store" / "reports").exists()


@pytest.mark.usefixtures("cli_temporary_server")   # one server for the runs of the module (conftest.py)
def test_a_full_disk_under_the_warehouse_is_said_in_russian(inbox, tmp_path):
    with tmpfs(tmp_path / "small", "1m") as small:
        out = edumon("run", "september", "--ay", "2023", "--inbox", inbox, "--warehouse", small / "w.duckdb",
                     "--store", tmp_path / "store")
    assert_clean_failure(out, "Хранилище: на диске хранилища DuckDB закончилось место.")
    assert "cannot rollback" not in out.stderr


@pytest.mark.usefixtures("cli_temporary_server")   # one server for the runs of the module (conftest.py)
def test_a_store_that_is_a_file_is_said_in_russian(inbox, tmp_path):
    store = tmp_path / "store"
    store.write_text("не папка", encoding="utf-8")
    out = edumon("run", "september", "--ay", "2023", "--inbox", inbox, "--warehouse", tmp_path / "w.duckdb",
                 "--store", store)
    assert_clean_failure(out, "занят файлом, а нужна папка")


def test_s3_connection_failure_is_russian_without_the_address_secret():
    import boto3
    from botocore.config import Config

    from tasks.errors_ru import describe

    client = boto3.client("s3", endpoint_url="http://127.0.0.1:9", aws_access_key_id="k", aws_secret_access_key="s",
                          region_name="us-east-1", config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(Exception) as info:
        client.list_buckets()
    text = describe(info.value)
    assert text == "Публикация: сервер S3 недоступен (EDUMON_S3_ENDPOINT). Проверьте адрес и сеть и повторите."


def test_zip_that_is_not_a_workbook(tmp_path):
    """A .xlsx that is a zip of something else is a damaged workbook, said in Russian."""
    path = tmp_path / "не_книга.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "не книга")
    out = edumon("validate", "--source", "prevention", path, cwd=tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert "не_книга.xlsx:" in out.stdout
