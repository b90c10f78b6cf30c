"""`edumon` command line: for analysts (Russian help and messages) and for operators."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import typer

app = typer.Typer(
    help="edumon — мониторинг качества образования: ШНОР, рисковые школы, профилактика неуспешности.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
run_app = typer.Typer(help="Запустить цикл мониторинга как поток Prefect.", no_args_is_help=True,
                      rich_markup_mode=None)
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


def _run(flow_name: str, ay: int, inbox: str, store: str, warehouse: Path, config: Path | None):
    _prefect_defaults()
    from flows.backfill import CYCLE_FLOWS as flows
    from tasks.ingest import IngestError

    if not inbox.startswith("s3://") and not Path(inbox).is_dir():
        typer.echo(f"Ошибка: папка с выгрузками не найдена: {inbox}", err=True)
        raise typer.Exit(2)
    try:
        result = flows[flow_name](ay=ay, inbox=str(inbox), store=store, warehouse=str(warehouse),
                                  config=str(config) if config else None)
    except IngestError as exc:
        typer.echo(f"Ошибка загрузки данных:\n{exc}", err=True)
        raise typer.Exit(1)
    for m in result["manifests"]:
        typer.echo(f"Опубликовано (манифест): {m}")
    for mun, links in sorted(result.get("links", {}).items()):   # one address per store
        for link in links:
            typer.echo(f"Все документы: {mun}: {link}")
    typer.echo(f"Хранилище: {store}")
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
    if not inbox.startswith("s3://") and not Path(inbox).is_dir():
        typer.echo(f"Ошибка: папка с выгрузками не найдена: {inbox}", err=True)
        raise typer.Exit(2)
    _prefect_defaults()
    from flows.backfill import backfill
    from tasks.ingest import IngestError

    try:
        result = backfill(from_ay=first, to_ay=last, cycles=chosen, inbox=str(inbox), store=store,
                          warehouse=str(warehouse), config=str(config) if config else None)
    except IngestError as exc:
        typer.echo(f"Ошибка загрузки данных:\n{exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Пересчитано циклов: {len(result['runs'])} из {len(plan)}. Публикации: {store}")


@app.command("validate")
def validate_cmd(
    files: list[Path] = typer.Argument(..., help="Файлы выгрузок (XLSX, CSV, Parquet)."),
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
        typer.echo(f"Неизвестный источник «{source}». Возможные: {', '.join(SOURCES)}.", err=True)
        raise typer.Exit(2)
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
        out = report or files[0].with_name(f"{files[0].stem}_ошибки.xlsx")
        out.write_bytes(problems_xlsx(all_problems, all_warnings))
        typer.echo(f"Полный список (ошибок: {len(all_problems)}, предупреждений: {len(all_warnings)}): {out}")
    if not failed:
        typer.echo("Ошибок не найдено.")
    raise typer.Exit(1 if failed else 0)


@app.command("demo")
def demo_cmd(
    root: Path = typer.Option(Path("var"), "--root", help="Рабочая папка демонстрации."),
    store: str = typer.Option(None, "--store", help=STORE_HELP + " По умолчанию <root>/store."),
):
    """Демонстрация: пример муниципалитета (30 школ, 5 лет) и циклы последнего года."""
    _prefect_defaults()
    from flows.demo import demo

    result = demo(root=str(root), store=store)
    typer.echo("")
    typer.echo("Готово. Опубликовано (HTML, DOCX, PDF, XLSX, манифесты):")
    for cycle in result["results"]:
        for m in result["results"][cycle]["manifests"]:
            typer.echo(f"  {m}")
    pages = sorted({link for c in result["results"].values() for ls in c.get("links", {}).values() for link in ls})
    for link in pages:   # one address per store: file:// for a folder, http(s):// for a bucket
        typer.echo(f"Откройте: {link}")


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
