"""Loading one source-year into the warehouse in one transaction: replace the AY's rows of
`raw_<source>`, write the quarantine and the ingest log."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from schemas.sources import SOURCES
from tasks.ingest_log import log_files as write_log
from tasks.quarantine import quarantine_rows, write_quarantine
from tasks.warehouse import delete_ay, files_table, next_fid, raw_table, rows_table, split_meta

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
            delete_ay(con, source, ay)
        if len(good):
            good = good.assign(ay=ay, _run_id=run_id, _loaded_at=now)
            cols = [c for c in source.names if c in good.columns] + META
            con.register("__good", good[cols])
            if split_meta(source):  # the per-file columns once per sheet (tasks.warehouse)
                canon = ", ".join(c for c in source.names if c in good.columns)
                con.execute(f"CREATE OR REPLACE TEMP TABLE __good_files AS SELECT {next_fid(con, source)} - 1 + "
                            f"row_number() OVER (ORDER BY min(rowid)) AS _fid, _file, _sheet, _sha256 "
                            f"FROM (SELECT row_number() OVER () AS rowid, * FROM __good) GROUP BY _file, _sheet, _sha256")
                con.execute(f"INSERT INTO {files_table(source)} BY NAME SELECT _fid, ?::INTEGER AS ay, _file, _sheet, "
                            f"_sha256, ? AS _run_id, CAST(? AS TIMESTAMP) AS _loaded_at FROM __good_files",
                            [ay, run_id, now])
                con.execute(f"INSERT INTO {rows_table(source)} BY NAME SELECT {canon}, g.ay, g._row, f._fid "
                            f"FROM __good g JOIN __good_files f ON g._file IS NOT DISTINCT FROM f._file AND "
                            f"g._sheet IS NOT DISTINCT FROM f._sheet AND g._sha256 IS NOT DISTINCT FROM f._sha256")
                con.execute("DROP TABLE __good_files")
            else:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM __good")
            con.unregister("__good")
        write_quarantine(con, q_rows)
        if log_files:
            write_log(con, run_id, source_name, ay, shas, loaded, rej, now)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
