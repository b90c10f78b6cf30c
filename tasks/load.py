"""Loading one source-year into the warehouse in one transaction: replace the AY's rows of
`raw_<source>`, write the quarantine and the ingest log."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from schemas.sources import SOURCES
from tasks.ingest_log import log_files as write_log
from tasks.quarantine import quarantine_rows, write_quarantine
from tasks.warehouse import raw_table

META = ["ay", "_file", "_sheet", "_row", "_sha256", "_run_id", "_loaded_at"]


def record(con, source_name: str, problems, run_id: str, ay, good: pd.DataFrame, rejected: pd.DataFrame,
           shas: dict[str, str], log_files: bool = True) -> None:
    """Write a pandas load in one transaction: replace the AY, quarantine, file log."""
    source = SOURCES[source_name]
    now = datetime.now()
    table = raw_table(source)
    q_rows = quarantine_rows(run_id, source_name, ay, rejected, problems, now)
    loaded = good["_file"].value_counts().to_dict() if len(good) else {}
    rej = rejected["_file"].value_counts().to_dict() if len(rejected) else {}
    con.execute("BEGIN TRANSACTION")
    try:
        if log_files:  # a successful load replaces the AY, even with zero rows
            con.execute(f"DELETE FROM {table} WHERE ay IS NOT DISTINCT FROM ?", [ay])
        if len(good):
            good = good.assign(ay=ay, _run_id=run_id, _loaded_at=now)
            cols = [c for c in source.names if c in good.columns] + META
            con.register("__good", good[cols])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM __good")
            con.unregister("__good")
        write_quarantine(con, q_rows)
        if log_files:
            write_log(con, run_id, source_name, ay, shas, loaded, rej, now)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
