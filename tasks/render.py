"""Render the documents of a cycle: per municipality, the справка, the addressed
recommendations per school (адресные рекомендации), where the plan of measures is
tracked its execution report (seed 000), and the technical page beside them.

Three modules, one job each: tasks/report_queries.py reads each mart and each document
query (sql/report_*.sql) once per cycle for every municipality; tasks/report_contexts.py
makes each municipality's context from those rows; this module renders: one jinja2
template per document, its HTML the published HTML, parsed once into the document model
that `reports/docx.py` writes as DOCX and `reports/typst_pdf.py` (or WeasyPrint) as PDF,
municipalities in worker processes sized to the cores, each municipality's documents
handed to a `sink` as they arrive. Templates only format; docs/documents.md.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import itertools
import json
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date

import jinja2

from edumon.config import ROOT, TEMPLATES_DIR
from reports import charts, document, docx, labels, pdf, typography, typst_pdf
from tasks import ingest_log, progress
from tasks.report_contexts import (  # noqa: F401  (the contexts' names, as they were here)
    CONTEXTS, DEFAULT_DATES, MAIN, _indicator_rows, document_date, document_number, load_catalogue,
    numbered_measures, plan_context,
)
from tasks.report_queries import cycle_data, cycle_municipalities, quality_records

DOCUMENT_TITLES = labels.DOCUMENT_TITLES
PLAN_STATUSES = labels.PLAN_STATUSES


_DICT_ATTRS = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """`row.key` on a plain dict read as the item at once. Jinja2 tries the attribute first,
    and a dict has no attribute of that name, so every read raised and caught an
    AttributeError (≈ 2,000 a municipality). The result is the same: a dict method's name
    still gives the method, and a missing key is still undefined."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def environment() -> jinja2.Environment:
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(typography.FILTERS)
    env.filters["procedure"] = labels.procedure_title
    env.filters["risk_section"] = lambda c: labels.RISK_SECTIONS.get(c, c)
    env.filters["risk_item"] = lambda c: labels.RISK_ITEMS.get(c, c)
    env.filters["list_change"] = lambda c: labels.LIST_CHANGES.get(c, "") if c else ""
    env.filters["official"] = lambda c: labels.OFFICIAL.get(c, "") if c else ""
    env.filters["subject"] = labels.subject_title
    env.filters["plan_status"] = lambda c: labels.PLAN_STATUSES.get(c, c or "")
    env.filters["trend"] = lambda c: labels.TRENDS.get(c, "нет данных") if c else "нет данных"
    env.filters["half"] = lambda h: labels.HALVES.get(h, str(h))
    env.filters["risk_factor"] = lambda c: labels.RISK_FACTORS.get(c, c)
    env.filters["data_uri"] = charts.data_uri
    env.filters["decapitalize"] = labels.decapitalize
    env.filters["programme_ref"] = labels.programme_ref
    return env


def template_version(cfg) -> str:
    """What the documents' wording depends on besides the data: templates, report code,
    the recommendation catalogue, the [report] settings and [publish].template_version."""
    h = hashlib.sha256()
    files = sorted(TEMPLATES_DIR.glob("*.j2")) + sorted((ROOT / "reports").glob("*.py"))
    files.append(ROOT / cfg["report"].get("recommendations", "config/recommendations.yaml"))
    for f in files:
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    h.update(repr(sorted(cfg["report"].items())).encode())
    return f"{cfg.get('publish', {}).get('template_version', '0')}+{h.hexdigest()[:8]}"

def _formats(key_base: str, html: str, formats: list[str], title: str, author: str,
             pdf_engine: str = "typst") -> dict[str, bytes]:
    """The published HTML, and DOCX and PDF from one document model of it (parsed once)."""
    out = {}
    html = typography.tie(typography.tidy(html))  # «№» never parts from its number, nor a number from «%»
    if "html" in formats:
        out[f"{key_base}.html"] = html.encode("utf-8")
    if "docx" not in formats and "pdf" not in formats:
        return out
    model = document.parse(html)
    if "docx" in formats:
        out[f"{key_base}.docx"] = docx.model_to_docx(model, title=title, author=author)
    if "pdf" in formats:
        if pdf_engine == "typst":
            out[f"{key_base}.pdf"] = typst_pdf.model_to_pdf(model, title=title, author=author)
        else:
            out[f"{key_base}.pdf"] = pdf.html_to_pdf(html, pdf_engine, title=title, author=author)
    return out


# -- rendering: one process per core, each municipality's documents in one call ----------

def _draw(spec):
    if not spec:
        return None
    kind, *args = spec
    return getattr(charts, kind)(*args)


_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def render_municipality(job: dict) -> dict[str, bytes]:
    """Every document of one municipality's cycle from its prepared contexts (picklable:
    runs in a worker process). Keys: reports/<mun>/<AY>/<cycle>/<document>.<ext>."""
    env = _env()
    common, ctx, plan, formats = job["common"], job["ctx"], job["plan"], job["formats"]
    engine = job.get("pdf_engine", "typst")
    ctx = dict(ctx, charts={k: _draw(v) for k, v in ctx.get("charts", {}).items()})
    base = job["base"]
    author = common["department"]
    docs = {f"{base}/about.json": job["about"]}
    html = env.get_template(f"spravka_{common['cycle']}.html.j2").render(**common, **ctx)
    docs.update(_formats(f"{base}/spravka", html, formats, labels.DOCUMENT_TITLES["spravka"], author, engine))
    if ctx.get("recommendations"):
        html = env.get_template("recommendations.html.j2").render(**common, **ctx)
        docs.update(_formats(f"{base}/recommendations", html, formats, labels.DOCUMENT_TITLES["recommendations"],
                             author, engine))
    if plan:
        plan = dict(plan, charts={k: _draw(v) for k, v in plan["charts"].items()})
        html = env.get_template("plan_report.html.j2").render(**{**common, "basis": job["plan_basis"]}, plan=plan)
        docs.update(_formats(f"{base}/plan", html, formats, labels.DOCUMENT_TITLES["plan"], author, engine))
    docs[f"{base}/technical.html"] = env.get_template("technical.html.j2").render(
        **common, technical=job["technical"]).encode("utf-8")
    return docs


# A render worker allocates some 10⁵ objects a municipality (the HTML tree's proxies, the
# document model, the markup strings), nearly all freed at once by reference counting; at
# CPython's default gen-0 threshold (700) the cyclic collector ran ≈ 8 times a municipality
# and traversed the worker's heap twice in 40 (gen 2), ≈ 3 ms of CPU a municipality itself
# and ≈ 20 ms with what its traversals cost the rest (Typst's compile included, measured:
# docs/benchmarks.md, «rnd10»). At 50,000 it runs about once in 20 municipalities; the
# garbage it still finds waits longer (tens of thousands of objects at most, a few MB).
WORKER_GC_THRESHOLD = 50_000


def _worker_init() -> None:
    """Each render worker process's start (the pool's initializer): the collector's gen-0
    threshold raised, the older generations' as they are. Only the workers: the process that
    calls render_spravki keeps its own."""
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _warm() -> None:
    """A worker's first call: unpickling it imports this module (the engines, the charts);
    the jinja environment is made once per process."""
    _env()


# What a render worker imports before its first municipality: this module (the engines, the
# charts, jinja2) and the modules the engines import on first use. The pool's processes are
# forked from one forkserver process that imported them once (and the program's `__main__`,
# which a spawned worker would run again each: `edumon`'s CLI, typer): each spawned worker
# paid ≈ 0.4 s of CPU for them. A name that does not import is skipped (multiprocessing).
WORKER_PRELOAD = ["__main__", "tasks.render", "typst", "pyphen", "PIL.ImageFont"]


def _pool_context():
    """The render pool's start method: a forkserver preloaded with `WORKER_PRELOAD` (one
    per process, started at the first pool and kept for the later ones: a backfill's
    cycles, the tests), else spawn where there is no forkserver (not on Linux/macOS)."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(WORKER_PRELOAD)
    global _STOP_REGISTERED
    if not _STOP_REGISTERED:
        atexit.register(_stop_forkserver)
        _STOP_REGISTERED = True
    return ctx


_STOP_REGISTERED = False


def _stop_forkserver() -> None:
    """At the process's exit: the forkserver stopped and waited for, as the pool's spawned
    workers were (it would end by itself once this process is gone, but unwaited: its CPU
    and its workers' would be missing from this process's children's rusage)."""
    from multiprocessing import forkserver

    try:
        forkserver._forkserver._stop()
    except Exception:  # noqa: BLE001 — a private method: without it the server still ends by itself
        pass


def _workers(cfg, jobs: int) -> int:
    n = int(cfg["report"].get("workers", 0) or 0) or (os.cpu_count() or 1)
    # a worker process costs imports and a first municipality's warm-up: worth it from a few documents up
    return max(1, min(n, jobs // 2 or 1))


def render_spravki(con, ay: int, cycle: str, cfg, run: dict, today: date | None = None,
                   sink=None) -> dict[str, bytes]:
    """{object key: bytes} for every municipality of the cycle: the справка, the addressed
    recommendations and (in the configured cycles) the plan report, each in every configured
    format, and the technical page (quality checkpoint, run) beside them. Keys:
    reports/<mun>/<AY>/<cycle>/<document>.<ext>.

    With `sink` (a callable taking one municipality's {key: bytes}), each municipality's
    documents go to it as soon as they are rendered and the dict returned is empty: at
    country scale the documents (≈ 0.5 MB a municipality) then never sit in memory all at
    once."""
    if cycle not in CONTEXTS:
        return {}
    report = cfg["report"]
    formats = report.get("formats", ["html"])
    basis = report.get("basis", {})
    quality = quality_records(con, run, cycle)
    incomplete = ingest_log.inputs_incomplete(con, run.get("run_id", ""))  # files the run went without (issue 11)
    munis = cycle_municipalities(con, ay, cycle)
    # the cycle's rows are read a chunk of municipalities at a time (one read per query and
    # chunk): the parent holds one chunk's rows (two while the workers' next is read ahead),
    # not the country's
    chunk = int(report.get("chunk_municipalities", 0) or 0) or len(munis) or 1

    codes = sorted(munis)
    parts = [codes[i:i + chunk] for i in range(0, len(codes), chunk)]

    def read(part):
        return cycle_data(con, ay, cycle, cfg, part if len(parts) > 1 else None)

    def jobs():  # made one by one as the workers take them: never all contexts at once
        for part in parts:
            data = read(part)
            for mun in part:
                yield _job(mun, data)
            del data

    def jobs_read_ahead():
        """As jobs(), with the next chunk read by a thread while the workers render this
        one's (DuckDB runs the queries without the GIL), so they never wait for the parent's
        read at a chunk's start. The parent holds two chunks' rows at most. Only this thread
        uses `con` while the jobs are made (the parent's other reads come before)."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-read") as reader:
            ahead = reader.submit(read, parts[0]) if parts else None
            for i, part in enumerate(parts):
                data = ahead.result()
                ahead = reader.submit(read, parts[i + 1]) if i + 1 < len(parts) else None
                for mun in part:
                    yield _job(mun, data)
                del data

    def _job(mun, data):
        m = {"municipality_code": mun, "municipality_name": munis[mun]}
        common = dict(ay=ay, cycle=cycle, cycle_title=labels.CYCLES[cycle], municipality=m,
                      heading=labels.spravka_heading(cycle, ay),
                      department=report["department"], methodical_centre=report.get("methodical_centre", ""),
                      signatory_position=report.get("signatory_position", ""),
                      signatory_name=report.get("signatory_name", ""), executor=report.get("executor", ""),
                      basis=basis.get(cycle, basis.get("default", "")),
                      doc_date=document_date(cfg, cycle, ay, mun, today),
                      doc_number=document_number(cfg, cycle, mun),
                      cover=report.get("cover_letter", {}),
                      weak_below=cfg["privacy"]["small_group_below"], inputs_incomplete=incomplete)
        ctx = CONTEXTS[cycle](data, ay, mun, cfg)
        if ctx.get("recommendations"):  # the measures listed once, the schools' pages name them by number
            ctx["measure_list"] = numbered_measures(ctx["recommendations"])
        plan = plan_context(data, ay, mun, cfg) if cycle in report.get("plan_report_cycles", []) else None
        about = json.dumps({"municipality_code": mun, "municipality_name": munis[mun], "ay": ay, "cycle": cycle,
                            "cycle_title": labels.CYCLES[cycle], "department": report["department"]},
                           ensure_ascii=False, indent=2).encode("utf-8")
        return {"common": common, "ctx": ctx, "plan": plan, "formats": formats, "about": about,
                "pdf_engine": report.get("pdf_engine", "typst"),
                "base": f"reports/{mun}/{ay}/{cycle}", "plan_basis": basis.get("plan", common["basis"]),
                "technical": {"run": run, "quality": quality}}

    docs: dict[str, bytes] = {}
    sink = sink or docs.update
    workers = _workers(cfg, len(munis))
    if workers == 1:
        for job in progress.track(jobs(), total=len(munis), what="справки муниципалитетов"):
            sink(render_municipality(job))
        return docs
    ctx = _pool_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        # the workers start (forked from the preloaded forkserver) while the parent reads the first chunk:
        # the pool starts a process at a submit that finds none idle
        for _ in range(workers):
            pool.submit(_warm)
        # a window of jobs in flight, results handed on in order as they come
        window: deque = deque()

        def results():
            while window:
                yield window.popleft().result()

        done = progress.track(results(), total=len(munis), what="справки муниципалитетов")
        source = jobs_read_ahead()
        try:
            for job in itertools.islice(source, workers * 4):
                window.append(pool.submit(render_municipality, job))
            for part in done:
                sink(part)
                nxt = next(source, None)
                if nxt is not None:
                    window.append(pool.submit(render_municipality, nxt))
        finally:
            source.close()  # on an error too: a read under way ends before the caller closes `con`
    return docs
