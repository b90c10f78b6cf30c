"""Flow run names people can read in the Prefect UI: `september-2023-mo01`. The last part
names the municipality or region the run is for: the inbox folder's (or landing prefix's)
last segment, skipping generic names (`inbox`, `demo`), e.g. `/data/mo01/inbox` → `mo01`,
`s3://landing/krasnoyarsk/` → `krasnoyarsk`, `regions/r07` → `r07`."""

from __future__ import annotations

import os
import re
from datetime import date

from prefect.runtime import flow_run

from edumon.calendar import cycle_ay

GENERIC = {"inbox", "demo", "var", "data", "exports", "landing", "cache", "inbox-cache", "tmp", ""}


def place(inbox: str | None) -> str:
    inbox = inbox or os.environ.get("EDUMON_INBOX") or ""
    parts = [p for p in re.split(r"[/\\]+", str(inbox).removeprefix("s3://")) if p]
    for part in reversed(parts):
        label = re.sub(r"[^a-z0-9_-]+", "-", part.lower()).strip("-")
        if label and label not in GENERIC and not re.fullmatch(r"\d{4}", label):
            return label
    return "all"


def cycle_run_name(cycle: str):
    """A `flow_run_name` callable: `<cycle>-<AY>-<place>`; a scheduled run (no AY) names the
    AY the cycle belongs to on today's date."""
    def name() -> str:
        p = flow_run.parameters
        ay = p.get("ay") if p.get("ay") is not None else cycle_ay(cycle, date.today())
        return f"{cycle}-{ay}-{place(p.get('inbox'))}"
    return name


def backfill_run_name() -> str:
    p = flow_run.parameters
    return f"backfill-{p.get('from_ay')}-{p.get('to_ay')}-{place(p.get('inbox'))}"


def regional_run_name() -> str:
    p = flow_run.parameters
    return f"{p.get('cycle')}-{p.get('ay')}-regions"


def demo_run_name() -> str:
    return f"demo-{flow_run.parameters.get('last_ay', 2023)}"
