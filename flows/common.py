"""How a cycle is composed from tasks: ingest → compute → export → render → publish.
The cycle flows (september, october, january, june) call `run_cycle`; it holds no
business logic, only the order of the steps and what the operator sees in the Prefect UI:
a markdown summary (rows per source, quarantine, entries and exits, indicators without
data), a table of flagged schools, a link to each published справка, and — when a step
fails — a markdown artifact saying which file or rule failed and what to do."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect import artifacts as _artifacts
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from edumon.calendar import cycle_ay
from edumon.config import load_config
from reports import labels
from tasks import ingest_cycle, keys, ops, pipeline, redact, render
from tasks.errors_ru import describe
from tasks.lock import holder_text, warehouse_lock
from tasks.progress import StageProgress
from tasks.validate import warehouse_report_objects

# The kill tests' hook (tests/test_one_writer_and_kills.py): with EDUMON_TEST_PAUSE_AT=<stage> the run
# writes EDUMON_TEST_PAUSE_MARKER (a file path) at that stage's start and sleeps, so the
# test can SIGKILL it at a known point. Stages: ingest, compute, export, render, publish,
# and ingest:<source> (that source's start in its lane; the other lane goes on meanwhile).
PAUSE_ENV, MARKER_ENV = "EDUMON_TEST_PAUSE_AT", "EDUMON_TEST_PAUSE_MARKER"
STAGES = ("ingest", "compute", "export", "render", "publish")

redact.install()   # every log record of a run passes the secret scrubber (tasks/redact.py)


# Artifacts are what the operator reads in the UI: their text passes the scrubber too.
def create_markdown_artifact(markdown: str, **kw):
    return _artifacts.create_markdown_artifact(markdown=redact.scrub(markdown), **redact.scrub_value(kw))


def create_table_artifact(table, **kw):
    return _artifacts.create_table_artifact(table=redact.scrub_value(table), **redact.scrub_value(kw))


def create_link_artifact(link: str, **kw):
    return _artifacts.create_link_artifact(link=redact.scrub(link), **redact.scrub_value(kw))


def refuse_secret_parameters(**params) -> None:
    """A location parameter (`store`, `inbox`) must not carry a secret: it is stored with
    the flow run on the Prefect server and shown in the UI. The run's stored parameters
    are replaced by their masked values (best effort) and the run stops with a message
    that does not repeat the secret."""
    bad = sorted(k for k, v in params.items() if redact.has_secret(v))
    if not bad:
        return
    run_id = flow_run.get_id()
    if run_id and _prefect_server_configured():
        try:
            from prefect.client.orchestration import get_client

            with get_client(sync_client=True) as client:
                stored = client.read_flow_run(run_id).parameters or {}
                client.update_flow_run(run_id, parameters=redact.scrub_value(dict(stored)))
        except Exception:  # noqa: BLE001 — the refusal below is what matters
            pass
    from tasks.storage import PermanentStoreError

    raise PermanentStoreError(
        f"В параметрах запуска ({', '.join(bad)}) записаны учётные данные (часть адреса перед «@» или "
        "ключ после «?»/«=»). Укажите только адрес: s3://корзина/префикс или папку; ключи задаются в "
        "AWS_ACCESS_KEY_ID и AWS_SECRET_ACCESS_KEY или в блоке Prefect (EDUMON_S3_CREDENTIALS_BLOCK).")


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def resolve_ay(cycle: str, ay: int | None) -> int:
    """A scheduled run passes no AY: it is the AY the cycle belongs to on today's date."""
    return ay if ay is not None else cycle_ay(cycle, date.today())


def run_cycle(cycle: str, ay: int, inbox: str, store: str, warehouse: str, config: str | None) -> dict:
    """One cycle, holding the warehouse for itself (a file lock beside the DuckDB file
    and, on a Prefect server, a global concurrency limit); any failure leaves a Russian
    failure artifact and is raised on to the caller."""
    run_id = current_run_id()
    try:
        refuse_secret_parameters(store=store, inbox=inbox, warehouse=warehouse, config=config)
        cfg = load_config(config)
        with exclusive_warehouse(warehouse, run_id, cfg.get("warehouse", {})):
            try:
                return _run_cycle(cycle, ay, inbox, store, warehouse, cfg, run_id)
            except Exception as exc:
                _failure_artifact(cycle, ay, exc, warehouse, run_id)
                raise
    except Exception as exc:
        if not getattr(exc, "_edumon_reported", False):
            _failure_artifact(cycle, ay, exc, None, run_id)
        safe = redact.scrub_exception(exc)   # its text becomes the state message and event
        if safe is exc:
            raise
        raise safe from None


def _failure_artifact(cycle: str, ay: int, exc: Exception, warehouse: str | None, run_id: str) -> None:
    try:
        exc._edumon_reported = True  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 — some exceptions take no attributes
        pass
    groups = []
    if warehouse is not None:
        try:
            groups = ops.failure_groups(warehouse, run_id)
        except Exception:  # noqa: BLE001 — the artifact must not hide the real failure
            groups = []
    create_markdown_artifact(
        key=f"{cycle}-{ay}-failure",
        markdown=_failure_markdown(cycle, ay, exc, groups),
        description=f"Ошибка цикла {cycle} за {ay}/{ay + 1}")


@contextmanager
def exclusive_warehouse(warehouse: str, run_id: str, settings: dict):
    """The one writer of the warehouse: a Prefect global concurrency limit (when a Prefect
    server is configured: deployments, workers, a CLI pointed at the server), then the
    lock file beside the DuckDB file (always: CLI, worker, backfill on one machine)."""
    wait = float(settings.get("lock_wait_seconds", 600))
    log = get_run_logger()

    def waiting(holder: dict) -> None:
        log.warning(f"Хранилище {Path(warehouse).resolve()} занято: {holder_text(holder)}. "
                    f"Ждём до {wait:g} с.")

    with prefect_warehouse_limit(warehouse_limit_name(settings.get("prefect_concurrency_limit"), warehouse), wait):
        with warehouse_lock(warehouse, run_id, wait, on_wait=waiting):
            yield


def warehouse_limit_name(prefix: str | None, warehouse: str) -> str:
    """One limit per warehouse file (the regions' partitions, each with its own warehouse,
    still run in parallel): the configured prefix and a short hash of the absolute path."""
    import hashlib

    if not prefix:
        return ""
    digest = hashlib.sha256(str(Path(warehouse).resolve()).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def _prefect_server_configured() -> bool:
    """A Prefect server of the user's: not the temporary one the CLI started for this run
    (`edumon/cli.py::_TemporaryServer`), which is Prefect's own temporary server."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return bool(url) and url != os.environ.get("EDUMON_TEMPORARY_SERVER")


@contextmanager
def prefect_warehouse_limit(name: str, wait: float):
    """Hold one slot of the named global concurrency limit (created with one slot when
    missing). Without a Prefect server (the CLI's temporary server) only the file lock
    serialises."""
    if not name or not _prefect_server_configured():
        yield
        return
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
            except Exception:  # noqa: BLE001 — created meanwhile by another run
                client.read_global_concurrency_limit_by_name(name)
    try:
        with concurrency(name, occupy=1, timeout_seconds=wait, strict=True):
            yield
    except TimeoutError as exc:
        raise RuntimeError(f"Хранилище занято другим запуском (лимит Prefect «{name}»): ждали {wait:g} с. "
                           "Дождитесь окончания того запуска и повторите.") from exc


def stage(name: str, progress: StageProgress | None = None, detail: str = "") -> None:
    """A stage starts: the progress bar moves; the kill tests' pause hook fires here (also
    `ingest:<source>`, in the source's lane as it starts, while the other lane goes on)."""
    if progress is not None:
        progress.start(name, detail)
    if os.environ.get(PAUSE_ENV) == name:
        marker = os.environ.get(MARKER_ENV)
        if marker:
            Path(marker).write_text(f"{name} {os.getpid()}\n", encoding="utf-8")
        time.sleep(float(os.environ.get("EDUMON_TEST_PAUSE_SECONDS", "600")))


def _run_cycle(cycle: str, ay: int, inbox: str, store: str, warehouse: str, cfg, run_id: str) -> dict:
    log = get_run_logger()
    inbox = pipeline.pull_inbox(inbox)   # s3://landing/prefix → a local cache laid out as the inbox
    spec = cfg["cycles"][cycle]
    run = {"run_id": run_id, "definitions_version": cfg.definitions_version,
           "small_group_below": cfg["privacy"]["small_group_below"],
           "template_version": render.template_version(cfg)}

    reads = list(spec["sources"].items())
    with StageProgress(f"{labels.CYCLES.get(cycle, cycle)} {ay}/{ay + 1}", len(reads) + len(STAGES) - 1) as bar:
        stage("ingest")   # the pause hook; the bar moves source by source (tasks/ingest_cycle.py)

        def load(source: str, ays: list[int]) -> list[dict]:   # in its lane: its own `ingest-source` task run
            return pipeline.ingest_source_years(inbox, warehouse, source, ays, run["run_id"], cfg)

        loads = ingest_cycle.ingest_sources([(s, sorted(ay + o for o in offsets)) for s, offsets in reads], load,
                                            lambda: pipeline.connect(warehouse, cfg), inbox=inbox, progress=bar,
                                            n_lanes=ingest_cycle.lanes(cfg.get("warehouse", {})),
                                            on_start=lambda source: stage(f"ingest:{source}"))
        marts = [(name, ay + offset) for name, offset in spec["marts"]]
        stage("compute", bar)
        counts = pipeline.compute_indicators(warehouse, inbox, marts, run, cfg)
        quality_objects = pipeline.quality_checkpoint(warehouse, cycle, ay, marts, run, cfg)
        inputs = [{"source": x["source"], "ay": x["ay"], **f} for x in loads for f in x["files"]]
        # Streamed to the store(s) as they are made, each step handing on only the small
        # publication state (docs/publication.md, «Streamed publication»); readers see
        # nothing of this run until `publish_pointer` switches the one cycle pointer.
        stage("export", bar)
        report = warehouse_report_objects(warehouse, cycle, ay, reads, loads, cfg.get("warehouse", {}))
        shared = {**quality_objects, **report}
        states = pipeline.export_to_store(store, warehouse, run, cycle, ay, marts, shared, inputs, cfg["publish"],
                                          cfg)
        stage("render", bar)
        # `quote`: Prefect does not walk the state (a country's: 25,300 table units) looking for
        # futures, twice a task (≈ 5–10 s each; the UI draws no arrow for it: the steps are in order)
        states = pipeline.render_to_store(store, warehouse, ay, cycle, run, cfg, quote(states))
        stage("publish", bar)
        published = pipeline.publish_pointer(store, run, cycle, ay, quote(states), cfg["publish"])
        manifests = published["manifests"]
        bar.done()
    digest = cycle_digest(warehouse, cycle, ay, marts, cfg.get("warehouse", {}))

    summary = {"cycle": cycle, "ay": ay, "run": run, "rows": counts, "documents": published["documents"],
               "tables": published["tables"], "manifests": manifests, "store": store,
               "quarantined": sum(x["rows_quarantined"] for x in loads),
               "flagged": len(digest["flagged"]), "no_data": len(digest["no_data"]),
               "published": published["keys"], "links": published["links"]}
    links_max = int(cfg["publish"].get("link_artifacts_max", 50))
    create_markdown_artifact(
        key=f"{cycle}-{ay}-summary",
        markdown=_summary_markdown(summary, loads, digest, links_max),
        description=f"Итоги цикла {cycle} за {ay}/{ay + 1}")
    flagged = flagged_artifact(digest, cycle, ay, int(cfg["publish"].get("artifact_max_bytes", 1_000_000)))
    if flagged:
        create_table_artifact(**flagged)
    # Documents live under a version prefix behind a pointer (tasks/publish.py); the
    # municipality's index page of the AY is the stable address that follows it. One
    # artifact `<cycle>-<AY>-spravki` gives every address: up to [publish] link_artifacts_max
    # municipalities a Markdown list of links, above it a table (split by its size). One API
    # call, not one a municipality (a region's 27 link artifacts cost ≈ 1.3 s of server CPU).
    for kind, kw in link_artifacts(published["links"], cycle, ay, links_max,
                                   int(cfg["publish"].get("artifact_max_bytes", 1_000_000))):
        (create_markdown_artifact if kind == "markdown" else create_table_artifact)(**kw)
    # ... and a line each in the log (and the CLI's output) up to the same number; above it one
    # line for the справки and one for the manifests (4,600 lines a country nobody reads)
    summary["published_lines"] = published_lines(published["links"], manifests, cycle, ay, links_max)
    if summary["published_lines"]:
        for line in summary["published_lines"]:
            log.info(line)
    else:
        for mun, links in sorted(published["links"].items()):   # one address per store
            for link in links:
                log.info(f"Справки: {link}")
        for m in manifests:
            log.info(f"Опубликовано: {m}")
    return summary


def published_lines(links: dict[str, list[str]], manifests: list[str], cycle: str, ay: int,
                    links_max: int) -> list[str]:
    """Above `links_max` municipalities: the two lines that stand for one line per
    municipality and store in the log and the CLI's output (how many, where the list is);
    up to it: [] (each municipality's lines are given)."""
    if len(links) <= links_max:
        return []
    first = sorted(links)[0]
    return [f"Справки опубликованы для муниципалитетов: {len(links)}; адрес страницы каждого — в таблице "
            f"«{cycle}-{ay}-spravki» (артефакт запуска в Prefect), например {first}: {', '.join(links[first])}",
            f"Манифестов муниципалитетов: {len(manifests)} (reports/<муниципалитет>/{ay}/{cycle}/<версия>/"
            f"manifest.json); все они и таблицы — по указателю цикла {keys.cycle_pointer(ay, cycle)}"]


def flagged_artifact(digest: dict, cycle: str, ay: int, max_bytes: int) -> dict | None:
    """The keywords of the flagged-schools table artifact (`<cycle>-<AY>-flagged`): the whole
    list, or — when its rows take more than `max_bytes` of JSON (a country's 9,580 ШНОР: 5.6 MB,
    which Prefect's events refuse) — the count per municipality, naming the published table
    that holds the whole list."""
    if not digest["flagged_title"]:
        return None
    title = f"{digest['flagged_title']}, {ay}/{ay + 1}"
    rows = digest["flagged"] or [{"Результат": "нет школ"}]
    if len(json.dumps(rows)) <= max_bytes:   # as Prefect stores a table (ASCII escapes)
        return {"key": f"{cycle}-{ay}-flagged", "table": rows, "description": title}
    table = keys.table(ay, ops.FLAGGED_TABLE[cycle][0], "xlsx")
    where = f"полный перечень — в опубликованной таблице {table} (и .parquet) и в справках муниципалитетов"
    rows = digest["flagged_by_municipality"]
    if len(json.dumps(rows)) > max_bytes:
        rows = [{"Всего": len(digest["flagged"]), "Муниципалитетов": len(rows)}]
    return {"key": f"{cycle}-{ay}-flagged", "table": rows,
            "description": f"{title}: {len(digest['flagged'])}, по муниципалитетам; {where}"}


def link_artifacts(links: dict[str, list[str]], cycle: str, ay: int, links_max: int,
                   max_bytes: int | None = None) -> list[tuple[str, dict]]:
    """The artifact that points the operator to the published documents, `<cycle>-<AY>-spravki`:
    for up to `links_max` municipalities a Markdown list with one link per municipality and
    store («Справки <mun>, <AY>»: the municipality's index page), else a table of every
    address — split into `…-spravki-2`, `-3`, … when its rows take more than `max_bytes` of
    JSON (the country in two stores: 4,600 addresses, ≈ 1.1 MB; Prefect refuses events over
    1.5 MB). Until session 11 the Markdown list was one link artifact per municipality and
    store (`<cycle>-<AY>-spravka-<mun>[-<n>]`), one API call each.
    ("markdown" | "table", the create_*_artifact keywords)."""
    title = labels.CYCLES.get(cycle, cycle)
    if len(links) > links_max:
        rows = [{"Муниципалитет": mun, "Справки": link} for mun, ls in sorted(links.items()) for link in ls]
        parts, size = [[]], 2
        for row in rows:
            n = len(json.dumps(row)) + 2
            if max_bytes and parts[-1] and size + n > max_bytes:
                parts.append([])
                size = 2
            parts[-1].append(row)
            size += n
        description = f"Опубликованные справки, {title} (муниципалитетов: {len(links)})"
        return [("table", {"key": f"{cycle}-{ay}-spravki" + (f"-{i + 1}" if i else ""), "table": part,
                           "description": description + (f", часть {i + 1} из {len(parts)}" if len(parts) > 1 else "")})
                for i, part in enumerate(parts)]
    if not links:
        return []
    lines = [f"# Опубликованные справки, {title}: {ay}/{ay + 1} учебный год", "",
             "Страница муниципалитета за учебный год: все его справки последней публикации.", ""]
    lines += [f"- [Справки {mun}, {ay}/{ay + 1}]({_md_url(link)})" for mun, ls in sorted(links.items()) for link in ls]
    return [("markdown", {"key": f"{cycle}-{ay}-spravki", "markdown": "\n".join(lines),
                          "description": f"Опубликованные справки, {title} (муниципалитетов: {len(links)})"})]


def _md_url(url: str) -> str:
    """An address as a Markdown link target: spaces and parentheses escaped (a folder store's
    path may have them)."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def document_link(store: str, key: str) -> str:
    if store.startswith("s3://"):
        return f"{store.rstrip('/')}/{key}"
    return (Path(store) / key).resolve().as_uri()


@task(name="ops-digest", cache_policy=NO_CACHE)
@redact.scrubbed_errors
def cycle_digest(warehouse: str, cycle: str, ay: int, marts: list[tuple[str, int]],
                 settings: dict | None = None) -> dict:
    return ops.cycle_digest(warehouse, cycle, ay, marts, settings)


def _summary_markdown(summary: dict, loads: list[dict], digest: dict, links_max: int = 50) -> str:
    cycle = summary["cycle"]
    lines = [f"# {labels.CYCLES.get(cycle, cycle)}: {summary['ay']}/{summary['ay'] + 1} учебный год", "",
             f"Запуск `{summary['run']['run_id']}`, методика `{summary['run']['definitions_version']}`.", "",
             "## Загрузка", "",
             "| Источник | Год | Строк | Загружено | В карантине |", "|---|---|---|---|---|"]
    for x in loads:
        lines.append(f"| {x['source']} | {x['ay'] if x['ay'] is not None else '—'} | {x['rows_in']} | "
                     f"{x['rows_loaded']} | {x['rows_quarantined']} |")
    if not loads:
        lines.append("| — | — | 0 | 0 | 0 |")
    lines += ["", "## Таблицы", "", "| Таблица / год | Строк |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary["rows"].items()]
    if digest["flagged_title"]:
        lines += ["", f"**{digest['flagged_title']}:** {len(digest['flagged'])}."]
    if digest["changes"]:
        lines += ["", "**Изменения перечня:** " + "; ".join(f"{k} — {v}" for k, v in digest["changes"].items()) + "."]
    warnings = []
    if summary["quarantined"]:
        warnings.append(f"В карантин отправлено строк: {summary['quarantined']} "
                        "(причины — в таблице `quarantine` хранилища и в журнале запуска).")
    for r in digest["no_data"]:
        warnings.append(f"«{r['indicator_title']}» — {r['no_data_reason']}")
    for x in loads:  # files the loads went without ([ingest] on_unreadable = "continue", issue 11)
        for e in x.get("excluded", []):
            last = f"в прошлый раз он содержал строк: {e['rows_last_time']}" if e.get("rows_last_time") \
                else "ранее этот файл не загружался"
            warnings.append(f"**Расчёт выполнен по неполным данным:** не загружен файл «{e['file']}» "
                            f"({x['source']}{'' if x['ay'] is None else ' ' + str(x['ay'])}: {e['reason']}), {last}.")
    if warnings:
        lines += ["", "## Предупреждения", ""] + [f"- {w}" for w in warnings]
    documents = [d for d in summary.get("published", summary["documents"]) if d.startswith("reports/")]
    lines += ["", "## Справки", ""]
    if len(summary.get("links") or {}) > links_max:
        # a region or the country: every key would be ≈ 18,000 lines (a 5.5 MB artifact Prefect's
        # events refuse); the table artifact `<cycle>-<AY>-spravki` gives every address
        lines.append(f"Опубликовано объектов: {len(documents)}, муниципалитетов: {len(summary['links'])}; "
                     f"адреса справок — в таблице «{summary['cycle']}-{summary['ay']}-spravki».")
    else:
        lines += [f"- `{d}`" for d in documents]
    return "\n".join(lines)


def _failure_markdown(cycle: str, ay: int, exc: Exception, groups: list[dict] | None = None) -> str:
    """What failed, in Russian: the first line whole (outside a code block, so it wraps),
    the problems grouped by rule and column with their row counts (read from the run's
    quarantine: one line per rule and column, never one per row), then what to do."""
    message = describe(exc)
    first, _, rest = message.partition("\n")
    lines = [f"# Цикл «{labels.CYCLES.get(cycle, cycle)}», {ay}/{ay + 1}: ошибка", "",
             "Запуск остановлен; данные, загруженные ранее, сохранены.", "", f"**{first.strip()}**", ""]
    if groups:
        lines += ["## Замечания по правилам и столбцам", ""]
        lines += [f"- {ops.group_line(g)}" for g in groups]
        lines.append("")
    elif rest.strip():
        lines += ["```", rest.rstrip(), "```", ""]
    lines.append("Что сделать: исправьте указанный файл (лист, строку, столбец) или правило в "
                 "`config/edumon.toml` и запустите цикл за этот год снова — повторный запуск заменит "
                 "результаты года, не создавая дублей.")
    return "\n".join(lines)
