"""`edumon` command line: for analysts (Russian help and messages) and for operators."""

from __future__ import annotations

import atexit
import os
import re
import sys
import traceback
from pathlib import Path

import typer

from edumon import shell_ru

DEBUG_ENV = "EDUMON_DEBUG"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _silence_stderr_at_exit() -> None:
    """Registered first, so it runs last among the exit handlers: what the interpreter
    prints after it (the DuckDB binding's `nanobind: leaked …` lines at finalisation)
    goes nowhere. Everything the program said before is flushed first; with --debug
    nothing is hidden."""
    if _debug():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 — a closed stream has nothing to flush
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    except OSError:
        pass


atexit.register(_silence_stderr_at_exit)


def _install_russian_frame() -> None:
    """Help pages and usage lines pass through the translation of shell_ru."""
    from typer import core as typer_core
    from typer._click import core as click_core

    if getattr(click_core.Context, "_edumon_ru", False):
        return
    typer_core._ = shell_ru.gettext
    display_type = typer_core._TyperParameter.display_type
    typer_core._TyperParameter.display_type = lambda self, ctx: shell_ru.type_label(display_type(self, ctx))
    get_help, get_usage = click_core.Context.get_help, click_core.Context.get_usage
    click_core.Context.get_help = lambda self: shell_ru.translate_help(get_help(self))
    click_core.Context.get_usage = lambda self: shell_ru.translate_help(get_usage(self))
    click_core.Context._edumon_ru = True


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _run_app(call) -> None:
    """Run the CLI: Russian frame; every failure one Russian message and exit code 1,
    the traceback only with --debug or EDUMON_DEBUG=1."""
    _install_russian_frame()
    from tasks import redact

    redact.install()   # no log record of this process prints a secret (tasks/redact.py)
    if "--debug" in sys.argv[1:]:
        sys.argv = [a for a in sys.argv if a != "--debug"]
        os.environ[DEBUG_ENV] = "1"
    code = 1
    try:
        rv = call()
        code = rv if isinstance(rv, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # noqa: BLE001 — the edge: everything becomes a message
        names = _names(exc)
        if "NoArgsIsHelpError" in names:
            typer.echo(exc.ctx.get_help())
            code = 0
        elif "UsageError" in names:
            _err(shell_ru.usage_error_text(exc))
        elif "Abort" in names:
            _err("Прервано.")
        elif "IngestError" in names and not _debug():  # the load's own report: file, row, column, rule
            _err(f"Ошибка загрузки данных:\n{exc}")
        elif "ClickException" in names:
            _err("Ошибка: " + shell_ru.error_message(exc))
        elif _debug():
            traceback.print_exception(exc)
            from tasks.errors_ru import describe

            _err("\nОшибка: " + describe(exc))
        else:
            from tasks.errors_ru import describe

            _err("Ошибка: " + describe(exc))
        if "NoArgsIsHelpError" not in names:
            code = 1
    except KeyboardInterrupt:
        _err("Прервано.")
        code = 1
    if code == 2:  # click's usage errors: one exit code for every error
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
    if Path(getattr(sys.modules.get("__main__"), "__file__", None) or "").name == "edumon":
        _exit_now(code)   # the console script only: a caller of app() gets its SystemExit
    sys.exit(code)


def _exit_now(code: int) -> None:
    """End the process as `sys.exit` would, minus the interpreter's finalisation: the
    threading shutdown (Prefect's log and event services drain to the API there, then the
    run's threads are joined), every exit handler (the temporary server's stop, stderr
    silenced), then `os._exit` — the interpreter does not tear down its modules and the
    run's heap object by object."""
    import threading

    threading._shutdown()   # what Py_FinalizeEx does first: threading atexit hooks, joins
    atexit._run_exitfuncs()
    os._exit(code)


def _fail(message: str) -> None:
    _err(f"Ошибка: {message}")
    raise typer.Exit(1)


class _App(typer.Typer):
    """The Typer app with the shell's conventions: Russian frame, Russian errors with
    exit code 1 and no traceback (unless --debug / EDUMON_DEBUG=1)."""

    def __call__(self, *args, **kwargs):
        kwargs.setdefault("standalone_mode", False)
        _run_app(lambda: super(_App, self).__call__(*args, **kwargs))


app = _App(
    help="edumon — мониторинг качества образования: ШНОР, рисковые школы, профилактика неуспешности.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
run_app = typer.Typer(help="Запустить цикл мониторинга как поток Prefect.", no_args_is_help=True,
                      rich_markup_mode=None)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Показывать техническую трассировку ошибок "
                                                            "(то же, что EDUMON_DEBUG=1).")):
    """edumon — мониторинг качества образования: ШНОР, рисковые школы, профилактика неуспешности."""
    if debug:
        os.environ[DEBUG_ENV] = "1"


app.add_typer(run_app, name="run")

AY_HELP = "Учебный год по году начала: 2023 — это 2023/2024 учебный год."
INBOX_HELP = ("Папка с выгрузками: inbox/<год>/<источник>/*.xlsx|csv, inbox/schools/ — реестр; или "
              "s3://корзина/префикс, куда выгрузки поступают (скачиваются только новые и изменённые).")
STORE_HELP = ("Куда публиковать: папка (по умолчанию var/store) или s3://корзина/префикс "
              "(адрес сервера и ключи — в переменных окружения EDUMON_S3_ENDPOINT, AWS_ACCESS_KEY_ID, "
              "AWS_SECRET_ACCESS_KEY); несколько мест — через запятую.")
WAREHOUSE_HELP = "Файл хранилища DuckDB."
CONFIG_HELP = "Файл правил муниципалитета (TOML), дополняет правила по умолчанию."


def _years(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*", text)
    if not m:
        raise typer.BadParameter("годы указываются так: 2019-2024 или 2023")
    first, last = int(m[1]), int(m[2] or m[1])
    if last < first:
        raise typer.BadParameter("первый год диапазона больше последнего")
    return first, last


def _prefect_defaults() -> None:
    os.environ.setdefault("PREFECT_HOME", str(Path("var/prefect").resolve()))
    # Prefect creates its home without parents; on a fresh clone var/ does not exist yet.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server's first start runs migrations (~20 s, Prefect's default
    # timeout): on a loaded machine that times out.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    _TemporaryServer.start_if_needed()


class _TemporaryServer:
    """Prefect's temporary server, started by the CLI before it imports the flows.

    With no Prefect server configured, Prefect starts the same server itself (a
    `uvicorn prefect.server.api.server:create_app` child with `PREFECT__SERVER_EPHEMERAL`)
    when the flow first calls the API — after the CLI imported the flows, and after
    importing the whole server package into the CLI process only to start that child
    (≈ 6 s of CPU). Started here instead, the server boots on the other core while the
    CLI imports; `PREFECT_API_URL` points the flow at it, `EDUMON_TEMPORARY_SERVER`
    tells the flows it is the temporary one (no global concurrency limit: the file lock
    serialises, as with Prefect's own). It stops when the CLI exits, or dies with it."""

    ENV = "EDUMON_TEMPORARY_SERVER"
    current: "_TemporaryServer | None" = None

    def __init__(self) -> None:
        import importlib.util
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        prefect_dir = Path(importlib.util.find_spec("prefect").origin).parent
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"})
        # Automations (Prefect's triggers and actions services) need a server that outlives
        # the run; this one dies with it (≈ 0.3–1 s of CPU at its start, −14 % of its idle
        # CPU). The flow run, its task runs (the task-run recorder), logs and events stay.
        env.setdefault("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "false")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect_dir.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, preexec_fn=_die_with_parent)
        os.environ["PREFECT_API_URL"] = os.environ[self.ENV] = self.url
        os.environ.setdefault("PREFECT_UI_URL", "")   # it serves no UI: no «View at …» link to it
        atexit.register(self.stop)

    @classmethod
    def start_if_needed(cls) -> None:
        if cls.current is None and not _prefect_server_configured_outside():
            cls.current = cls()

    def answers(self, timeout: float) -> bool:
        """Whether the server answers `/health` within `timeout` seconds (False as soon as
        it exits)."""
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    @classmethod
    def wait(cls) -> None:
        """Block until the server answers `/health` (Prefect's own timeout setting). While
        it is still booting, the CLI makes the imports the run would make later
        (`_warm_up`): the other core boots the server meanwhile."""
        self = cls.current
        if self is None:
            return
        if not self.answers(0.05):
            _warm_up()
        if self.answers(float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])):
            return
        _fail(f"временный сервер Prefect не запустился (порт {self.port}"
              f"{', код выхода ' + str(self.proc.returncode) if self.proc.poll() is not None else ', истекло ожидание'}). "
              "Повторите запуск или укажите сервер в PREFECT_API_URL.")

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# Imported by every run on its one thread after the flow started; made while the CLI's
# temporary server boots instead (≈ 4 s of CPU: `import great_expectations` for the quality
# checkpoint, fastapi's encoder for Prefect's flow-run parameters).
WARM_UP_IMPORTS = ("fastapi.encoders",)


def _warm_up() -> None:
    """The run's later imports, made now; a failure is the run's to report, later."""
    import importlib

    try:
        from schemas.quality import import_gx

        import_gx()
        for name in WARM_UP_IMPORTS:
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 — the step that needs the module raises it in its place
        pass


def _die_with_parent() -> None:  # pragma: no cover — runs in the child before exec
    """The server child gets SIGTERM when the CLI dies, even by SIGKILL (Linux)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 — elsewhere the atexit stop still applies
        pass


def _prefect_server_configured_outside() -> bool:
    """Whether Prefect would talk to a server of the user's (then the CLI starts none):
    `PREFECT_API_URL`, ephemeral mode turned off, or an API address in the files Prefect
    reads settings from (the active profile, `prefect.toml`, `.env`, `pyproject.toml`),
    read without importing Prefect. When in doubt, Prefect decides as before."""
    if os.environ.get("PREFECT_API_URL") or os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "").lower() in (
            "0", "false", "no", "off"):
        return True
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    files = [Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser(),
             Path("prefect.toml"), Path(".env"), Path("pyproject.toml")]
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if f.name == "pyproject.toml" and "tool.prefect" not in text:
            continue
        if re.search(r"PREFECT_API_URL|PREFECT_SERVER_ALLOW_EPHEMERAL_MODE|^\s*\[(tool\.prefect\.)?api\]", text, re.M):
            return True
    return False


@app.command("generate")
def generate_cmd(
    out: Path = typer.Option(..., "--out", help="Папка, куда записать пример выгрузок."),
    seed: int = typer.Option(1, "--seed", help="Начальное значение генератора: один seed — одни и те же данные."),
    municipalities: int = typer.Option(1, "--municipalities", help="Число муниципалитетов."),
    schools: int = typer.Option(30, "--schools", help="Число школ (всего)."),
    years: str = typer.Option("2019-2023", "--years", help="Учебные годы, например 2019-2024."),
):
    """Сгенерировать пример выгрузок (реестр, ОО-1, ОО-2, ВПР, ГИА и др.) в реальных форматах."""
    from edumon.generate import generate

    planted = generate(out, seed=seed, municipalities=municipalities, schools=schools, years=_years(years))
    typer.echo(f"Пример данных записан в {out} (годы {years}, школ: {schools}). "
               f"Заложенные случаи: {out / 'planted.json'}")
    _ = planted


def _locations(store: str, key: str) -> list[str]:
    """Where a published key opens, for each store of `store` (comma-separated): an
    absolute path for a folder, the s3:// address for a bucket."""
    out = []
    for location in [x.strip() for x in store.split(",") if x.strip()]:
        if location.startswith("s3://"):
            out.append(f"{location.rstrip('/')}/{key}" if key else location)
        else:
            out.append(str((Path(location) / key).resolve()) if key else str(Path(location).resolve()))
    return out


def _quiet_prefect_tracebacks() -> None:
    """Prefect's console log prints a failing task's traceback (English, dozens of lines);
    the CLI prints the Russian message instead. With --debug everything stays."""
    if _debug():
        return
    import logging

    class _NoTraceback(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            if record.levelno >= logging.ERROR and record.name.startswith("prefect"):
                return False
            # «Finished in state Failed('…')» repeats the raw English exception; the Russian
            # message below says what failed
            if record.name.startswith("prefect") and "Finished in state Failed(" in record.getMessage():
                return False
            record.exc_info = None
            record.exc_text = None
            return True

    for name in [""] + [n for n in logging.root.manager.loggerDict if n.startswith("prefect")]:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if type(handler).__name__ == "APILogHandler":  # the Prefect UI keeps the detail
                continue
            if not any(isinstance(f, _NoTraceback) for f in handler.filters):
                handler.addFilter(_NoTraceback())


def _write_report(report: Path | None, first: Path, data: bytes) -> Path:
    """Save the validation list: where asked, else beside the first file; a folder that
    cannot be written falls back to the current folder, then to the temp folder."""
    import tempfile

    if report is not None:
        report.write_bytes(data)
        return report.resolve()
    name = f"{first.stem}_ошибки.xlsx"
    for folder in (first.resolve().parent, Path.cwd(), Path(tempfile.gettempdir())):
        try:
            (folder / name).write_bytes(data)
        except OSError:
            continue
        if folder != first.resolve().parent:
            _err(f"Папка файла {first.resolve().parent} недоступна для записи: список ошибок сохранён в {folder}.")
        return (folder / name).resolve()
    _fail("не удалось сохранить список ошибок: ни папка файла, ни текущая папка, ни временная папка "
          "не доступны для записи. Укажите файл: --report ПУТЬ.xlsx")


def _inbox_arg(inbox: str) -> str:
    """A folder as an absolute path; an s3:// landing prefix as it is."""
    return inbox if inbox.startswith("s3://") else str(Path(inbox).resolve())


def _check_no_secrets(**locations) -> None:
    """A location (inbox, store) with credentials in it is refused before anything runs:
    it would become a parameter of the flow run, stored and shown by the Prefect server.
    The message does not repeat it."""
    from tasks.redact import has_secret

    bad = [f"--{k}" for k, v in locations.items() if v and (has_secret(v) or (
        str(v).startswith("s3://") and ("@" in str(v).split("/")[2] or "?" in str(v))))]
    if bad:
        _fail(f"в {', '.join(bad)} записаны учётные данные (часть адреса перед «@» или ключ после «?»). "
              "Укажите только адрес s3://корзина/префикс или папку; ключи задаются в AWS_ACCESS_KEY_ID и "
              "AWS_SECRET_ACCESS_KEY или в блоке Prefect (EDUMON_S3_CREDENTIALS_BLOCK).")


def _check_inbox(inbox: str) -> None:
    if not inbox.startswith("s3://") and not Path(inbox).is_dir():
        _fail(f"папка с выгрузками не найдена: {Path(inbox).resolve()}")


def _check_config(config: Path | None) -> None:
    """A rules file that is missing, not TOML or with unknown keys stops the run here, in
    the message the flow would give, before Prefect is imported or its server started."""
    if config is not None:
        from edumon.config import load_config

        load_config(config.resolve())


def _run(flow_name: str, ay: int, inbox: str, store: str, warehouse: Path, config: Path | None):
    _check_no_secrets(inbox=inbox, store=store)
    _check_inbox(inbox)
    _check_config(config)
    _prefect_defaults()
    from flows.backfill import CYCLE_FLOWS as flows

    _quiet_prefect_tracebacks()
    _TemporaryServer.wait()
    result = flows[flow_name](ay=ay, inbox=_inbox_arg(inbox), store=store, warehouse=str(warehouse.resolve()),
                              config=str(config.resolve()) if config else None)
    if result.get("published_lines"):   # above [publish] link_artifacts_max municipalities: two lines
        for line in result["published_lines"]:
            typer.echo(line)
    else:
        for m in result["manifests"]:
            for where in _locations(store, m):
                typer.echo(f"Опубликовано (манифест): {where}")
        for mun, links in sorted(result.get("links", {}).items()):
            for link in links:   # one address per store
                typer.echo(f"Все документы: {mun}: {link}")
    typer.echo(f"Хранилище: {', '.join(_locations(store, ''))}")
    return result


def _cycle_command(name: str, doc: str):
    def command(
        ay: int = typer.Option(..., "--ay", help=AY_HELP),
        inbox: str = typer.Option(..., "--inbox", help=INBOX_HELP),
        store: str = typer.Option("var/store", "--store", help=STORE_HELP),
        warehouse: Path = typer.Option(Path("var/warehouse.duckdb"), "--warehouse", help=WAREHOUSE_HELP),
        config: Path = typer.Option(None, "--config", help=CONFIG_HELP),
    ):
        _run(name, ay, inbox, store, warehouse, config)

    command.__doc__ = doc
    run_app.command(name)(command)


_cycle_command("september", "Сентябрь: перечень ШНОР на учебный год, мониторинг, справка.")
_cycle_command("october", "Октябрь: рисковые школы на учебный год, дефициты, справка.")
_cycle_command("january", "Январь: профилактика учебной неуспешности за I полугодие, справка.")
_cycle_command("june", "Июнь (1–10): профилактика неуспешности за год, эффективность мер, исполнение плана, справка.")


@run_app.command("backfill")
def backfill_cmd(
    years: str = typer.Option(..., "--years", help="Учебные годы по году начала: 2019-2023 (включительно)."),
    cycles: str = typer.Option("september,october,january,june", "--cycles",
                               help="Циклы через запятую: september, october, january, june."),
    inbox: str = typer.Option(..., "--inbox", help=INBOX_HELP),
    store: str = typer.Option("var/store", "--store", help=STORE_HELP),
    warehouse: Path = typer.Option(Path("var/warehouse.duckdb"), "--warehouse", help=WAREHOUSE_HELP),
    config: Path = typer.Option(None, "--config", help=CONFIG_HELP),
):
    """Пересчёт за несколько учебных лет: циклы в календарном порядке (сентябрь, октябрь, январь, июнь)."""
    first, last = _years(years)
    chosen = [c.strip() for c in cycles.split(",") if c.strip()]
    from edumon.calendar import backfill_plan

    try:
        plan = backfill_plan(first, last, chosen)
    except ValueError as exc:
        raise typer.BadParameter(str(exc))
    _check_no_secrets(inbox=inbox, store=store)
    _check_inbox(inbox)
    _check_config(config)
    _prefect_defaults()
    from flows.backfill import backfill

    _quiet_prefect_tracebacks()
    _TemporaryServer.wait()
    result = backfill(from_ay=first, to_ay=last, cycles=chosen, inbox=_inbox_arg(inbox), store=store,
                      warehouse=str(warehouse.resolve()), config=str(config.resolve()) if config else None)
    typer.echo(f"Пересчитано циклов: {len(result['runs'])} из {len(plan)}. "
               f"Публикации: {', '.join(_locations(store, ''))}")


@app.command("validate")
def validate_cmd(
    files: list[Path] = typer.Argument(..., metavar="ФАЙЛ", help="Файлы выгрузок (XLSX, CSV, Parquet)."),
    source: str = typer.Option(None, "--source", help="Источник (oo1, vpr_stats, gia, …); "
                                                      "если не указан, определяется по заголовкам."),
    report: Path = typer.Option(None, "--report", help="Куда сохранить полный список ошибок (XLSX); "
                                                      "по умолчанию рядом с первым файлом: <имя>_ошибки.xlsx."),
    warehouse: Path = typer.Option(None, "--warehouse", help="Хранилище DuckDB: сверить коды ОО с реестром "
                                                            "и участников с ОО-1 (необязательно)."),
    ay: int = typer.Option(None, "--ay", help=AY_HELP + " Нужен для сверки с ОО-1."),
    config: Path = typer.Option(None, "--config", help=CONFIG_HELP),
    lines: int = typer.Option(30, "--lines", help="Сколько сообщений показать на экране."),
):
    """Проверить файлы выгрузок без загрузки: ошибки по-русски (файл, лист, строка, столбец,
    значение, правило), полный список — в XLSX. Код выхода 1, если есть ошибки, 0 — если нет."""
    from edumon.config import load_config
    from schemas.sources import SOURCES
    from tasks.validate import format_report, problems_xlsx, validate_paths

    if source and source not in SOURCES:
        _fail(f"неизвестный источник «{source}». Возможные: {', '.join(SOURCES)}.")
    cfg = load_config(config)
    results = validate_paths(files, cfg, source, warehouse, ay)
    all_problems, all_warnings, failed = [], [], False
    for label, src, res, error in results:
        if error:
            typer.echo(f"{label}: {error}")
            failed = True
            continue
        for line in format_report(label, src, res, lines):
            typer.echo(line)
        all_problems += res.problems
        all_warnings += res.warnings
        failed |= bool(res.problems)
    if all_problems or all_warnings:
        out = _write_report(report, files[0], problems_xlsx(all_problems, all_warnings))
        typer.echo(f"Полный список (ошибок: {len(all_problems)}, предупреждений: {len(all_warnings)}): {out}")
    if not failed:
        typer.echo("Ошибок не найдено.")
    raise typer.Exit(1 if failed else 0)


@app.command("demo")
def demo_cmd(
    root: Path = typer.Option(Path("var"), "--root", help="Рабочая папка демонстрации."),
    store: str = typer.Option(None, "--store", help=STORE_HELP + " По умолчанию <root>/store."),
):
    """Демонстрация: пример муниципалитета (30 школ, 5 лет), пересчёт двух предыдущих лет и циклы последнего года."""
    _check_no_secrets(store=store)
    _prefect_defaults()
    from flows.demo import demo

    _quiet_prefect_tracebacks()
    _TemporaryServer.wait()
    result = demo(root=str(root), store=store)
    typer.echo("")
    if result.get("backfilled"):
        b = result["backfilled"]
        typer.echo(f"Пересчитаны предыдущие учебные годы {b['from_ay']}/{b['from_ay'] + 1} — "
                   f"{b['to_ay']}/{b['to_ay'] + 1}: циклов {len(b['runs'])}.")
    typer.echo("Готово. Опубликовано (HTML, DOCX, PDF, XLSX, манифесты):")
    for cycle in result["results"]:
        for m in result["results"][cycle]["manifests"]:
            typer.echo(f"  {_locations(result['store'], m)[0]}")
    pages = sorted({link for c in result["results"].values() for ls in c.get("links", {}).values() for link in ls})
    for link in pages:   # one address per store: file:// for a folder, http(s):// for a bucket
        typer.echo(f"Откройте: {link}")


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
