"""Every failure as one Russian message for the person who ran the command.

The CLI and the flows' failure artifact catch exceptions at their edge and pass them
here. Known classes are matched by name and module (never imported: this module stays
light and does not depend on the rooms that raise them): our own errors that already
carry a Russian message, operating-system errors (full disk, read-only folder, a file
where a folder is expected), DuckDB's lock and I/O errors, botocore's errors, and the
readers' errors on damaged files (a CSV cell over 128 KiB, CR-only line ends, an XLSX
renamed .csv, zero-byte or truncated Parquet, a duplicated Parquet column). Where the
failing file can be found — on the exception or in the frames it passed through — it
is named.

`describe(exc)` gives the text; `debug_enabled()` says whether the traceback is wanted
(`--debug` or `EDUMON_DEBUG=1`).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

DEBUG_ENV = "EDUMON_DEBUG"
DEBUG_HINT = "Подробности для разработчика: запустите команду с --debug (или EDUMON_DEBUG=1)."

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_OUR_MODULES = ("tasks.", "schemas.", "edumon.", "flows.", "reports.")


def debug_enabled() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, then its causes and contexts (each once)."""
    out, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _module(exc: BaseException) -> str:
    return type(exc).__module__ or ""


def _is_ours(exc: BaseException) -> bool:
    return _module(exc).startswith(_OUR_MODULES) and bool(_CYRILLIC.search(str(exc)))


def failing_file(exc: BaseException) -> str | None:
    """The file the failure happened on, when it can be told: the exception's own
    `filename`/`file`, else the innermost frame holding a path of an existing file."""
    for e in _chain(exc):
        for attr in ("filename", "file", "path"):
            v = getattr(e, attr, None)
            if isinstance(v, (str, Path)) and str(v) and not isinstance(v, bool):
                return str(v)
    for e in _chain(exc):
        tb, frames = e.__traceback__, []
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
        for frame in reversed(frames):
            if not frame.f_code.co_filename.endswith(".py") or "site-packages" in frame.f_code.co_filename:
                continue
            for name in ("path", "f", "file", "p", "src"):
                v = frame.f_locals.get(name)
                if isinstance(v, Path) and v.is_file():
                    return str(v)
    return None


def _os_message(e: OSError) -> str | None:
    where = e.filename or ""
    where = f" ({where})" if where else ""
    if e.errno == errno.ENOSPC:
        return f"на диске закончилось место{where}. Освободите место или укажите другую папку и повторите запуск."
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (f"нет права записи{where}: папка только для чтения или принадлежит другому пользователю. "
                "Укажите папку, в которую можно писать, или выдайте права.")
    if e.errno in (errno.ENOTDIR, errno.EEXIST) and e.filename:
        return (f"путь{where} занят файлом, а нужна папка (или наоборот). Укажите другой путь "
                "или уберите файл.")
    if e.errno == errno.ENOENT:
        return f"файл или папка не найдены{where}."
    if e.errno == errno.EISDIR:
        return f"ожидался файл, а указана папка{where}."
    return None


def _text_of(e: BaseException) -> str:
    return str(e).replace("\n", " ").strip()


def _duckdb_message(e: BaseException) -> str | None:
    text = _text_of(e)
    low = text.lower()
    if "could not set lock" in low or "conflicting lock" in low:
        m = re.search(r"on file \"([^\"]+)\"", text)
        pid = re.search(r"PID (\d+)", text)
        return ("хранилище DuckDB" + (f" «{m[1]}»" if m else "") + " занято другим процессом"
                + (f" (PID {pid[1]})" if pid else "") + ". Дождитесь окончания другого запуска и повторите.")
    if "no space left" in low or "disk is full" in low:
        return "на диске хранилища DuckDB закончилось место. Освободите место и повторите запуск; " \
               "изменения этого запуска не сохранены."
    if "read-only" in low or "permission denied" in low:
        return "хранилище DuckDB открыто только для чтения (нет права записи в файл или папку). " \
               "Укажите файл в папке, доступной для записи (--warehouse)."
    if "cannot rollback" in low or "no transaction is active" in low:
        return ("запись в хранилище DuckDB прервалась (чаще всего закончилось место на диске или "
                "файл стал недоступен); изменения этого запуска не сохранены. Проверьте диск и повторите запуск.")
    if "not a valid duckdb database" in low or "is not a database" in low or "corrupt" in low:
        return "файл хранилища DuckDB повреждён или не является базой DuckDB. Укажите другой файл (--warehouse)."
    if "out of memory" in low:
        return ("DuckDB не хватило памяти (предел задан в [warehouse] memory_limit). Увеличьте memory_limit, "
                "если памяти машины достаточно, или уменьшите [warehouse] threads и повторите запуск; "
                "изменения этого запуска не сохранены.")
    return None


def _read_message(e: BaseException) -> str | None:
    """Damaged input files: CSV, Parquet, XLSX."""
    text = _text_of(e)
    low = text.lower()
    names = _names(e)
    if "field larger than field limit" in low:
        return ("в файле есть ячейка длиннее 128 КиБ — чаще всего это незакрытая кавычка, из-за которой "
                "склеились строки. Исправьте кавычки или сохраните файл заново.")
    if "new-line character seen in unquoted field" in low or "new-line character" in low:
        return ("строки файла разделены только символом CR (старый формат Mac). Сохраните файл заново "
                "с обычными концами строк (CRLF или LF), например «CSV UTF-8» в Excel.")
    if "UnicodeDecodeError" in names or "UnicodeError" in names:
        return ("файл не читается как текст: возможно, это книга Excel или другой двоичный файл с "
                "расширением .csv. Сохраните его как CSV (UTF-8 или Windows-1251) или верните расширение .xlsx.")
    if "BadZipFile" in names or "InvalidFileException" in names:
        return "файл не является книгой Excel (XLSX) или повреждён. Откройте его в Excel и сохраните как XLSX заново."
    if "parquet" in low or _module(e).startswith("pyarrow"):
        if "duplicate" in low or "duplicated" in low or "multiple matches for fieldref" in low:
            return "в файле Parquet один и тот же столбец встречается дважды. Оставьте один столбец и выгрузите файл заново."
        if "size is 0" in low or "magic bytes" in low or "deserialize" in low or "truncat" in low or \
                "invalid" in low or "corrupt" in low or "footer" in low or "eof" in low:
            return "файл Parquet пуст, обрезан или повреждён. Выгрузите файл заново."
        return "файл Parquet не читается. Выгрузите файл заново."
    if "ParserError" in names or "EmptyDataError" in names or "Error" == type(e).__name__ and _module(e) == "_csv":
        return "файл CSV не разбирается (неверные кавычки или разделители). Сохраните его заново как CSV."
    return None


def _botocore_message(e: BaseException) -> str | None:
    if not _module(e).startswith(("botocore", "boto3", "s3transfer")):
        return None
    names = _names(e)
    if "NoCredentialsError" in names:
        return "не заданы учётные данные S3 (AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY)."
    if "EndpointConnectionError" in names or "ConnectionClosedError" in names or "ConnectTimeoutError" in names:
        return "сервер S3 недоступен (EDUMON_S3_ENDPOINT). Проверьте адрес и сеть и повторите."
    if "ClientError" in names:
        code = str(getattr(e, "response", {}).get("Error", {}).get("Code", ""))
        if code == "NoSuchBucket":
            return "корзины S3 нет. Создайте её или исправьте адрес s3://корзина/префикс."
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
            return "сервер S3 отклонил учётные данные или доступ к корзине. Проверьте ключи и права."
        return f"сервер S3 ответил ошибкой {code or type(e).__name__}."
    return f"ошибка обращения к S3 ({type(e).__name__})."


def _sniff(file: str | None) -> str | None:
    """What a file really is, from its first bytes, when its name says otherwise."""
    if not file:
        return None
    try:
        with open(file, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    suffix = Path(file).suffix.lower()
    if head.startswith(b"PK\x03\x04") and suffix not in (".xlsx", ".xlsm", ".zip"):
        return ("это книга Excel (XLSX) или архив, а расширение у файла «" + suffix + "». Верните расширение "
                ".xlsx или сохраните книгу как CSV.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "это книга старого формата Excel (XLS). Сохраните её как XLSX или CSV."
    if head.startswith(b"PAR1") and suffix != ".parquet":
        return "это файл Parquet с другим расширением. Переименуйте его в .parquet."
    if suffix == ".parquet" and len(head) == 0:
        return "файл Parquet пуст (0 байт). Выгрузите файл заново."
    return None


def describe(exc: BaseException, file: str | None = None, path: str | None = None) -> str:
    """One Russian message for a failure (no traceback, no secrets: botocore texts are
    not repeated, only their codes; whatever a foreign message holds passes the secret
    scrubber, tasks/redact.py)."""
    from tasks.redact import scrub

    return scrub(_describe(exc, file, path))


def _describe(exc: BaseException, file: str | None = None, path: str | None = None) -> str:
    chain = _chain(exc)
    if file is None:
        file = failing_file(exc)
    where = f"Файл «{file}»: " if file else ""
    for e in chain:  # our own Russian messages win: they already name file, row, rule
        if _is_ours(e):
            return str(e).strip()
    sniffed = _sniff(path or file)
    if sniffed:
        return where + sniffed if where else sniffed[0].upper() + sniffed[1:]
    duck = [e for e in chain if _module(e).startswith(("duckdb", "_duckdb"))]
    # the root cause first: a failed ROLLBACK's «no transaction» hides a full disk beneath it
    for e in [e for e in duck if "cannot rollback" not in str(e)] + [e for e in duck if "cannot rollback" in str(e)]:
        msg = _duckdb_message(e)
        if msg:
            return "Хранилище: " + msg
    for e in chain:
        msg = _read_message(e)
        if msg:
            return where + msg if where else msg[0].upper() + msg[1:]
    for e in chain:
        msg = _botocore_message(e)
        if msg:
            return "Публикация: " + msg
    for e in chain:
        if isinstance(e, OSError):
            msg = _os_message(e)
            if msg:
                return msg[0].upper() + msg[1:]
    for e in chain:
        if _module(e).startswith(("duckdb", "_duckdb")):
            return f"Хранилище DuckDB: {type(e).__name__}: {_text_of(e)[:300]}"
    first = chain[0]
    text = f"{where}непредвиденный сбой ({type(first).__name__}: {_text_of(first)[:300]}). {DEBUG_HINT}"
    return text[0].upper() + text[1:]
