"""Ingestion: billing exports in the landing folder -> `raw.*` tables in DuckDB.

The public entry point is `ingest()`; Dagster assets and the CLI both call it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from finops.config import Settings
from finops.ingest.errors import IngestError
from finops.ingest.loader import (
    IngestFailed,
    LoadResult,
    Progress,
    available_periods,
    ensure_raw_table,
    ingest_source,
)
from finops.ingest.sources import SOURCES
from finops.warehouse import DUCKDB_VACUUM_TASKS, connect_writer

__all__ = ["SOURCES", "IngestError", "IngestFailed", "LoadResult", "ingest", "landing_periods"]


def ingest(
    settings: Settings,
    sources: list[str] | None = None,
    periods: list[str] | None = None,
    progress: Progress | None = None,
    raise_on_failure: bool = True,
) -> list[LoadResult]:
    """Load every current delivery of the given sources (default all) and periods (default all).

    Deliveries already loaded unchanged are skipped. Raises IngestFailed after loading the good
    deliveries when any delivery failed (unless raise_on_failure is False).
    """
    unknown = sorted(set(sources or []) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {sorted(SOURCES)}")
    results: list[LoadResult] = []
    with connect_writer(settings) as con, _batched_checkpoints(con):
        # Every raw table exists after any ingest, so dbt staging can always select from all six.
        for source in SOURCES.values():
            ensure_raw_table(con, source)
        for name in sources or list(SOURCES):
            results += ingest_source(con, name, settings.landing_dir, periods, progress)
    if raise_on_failure and any(r.status == "failed" for r in results):
        raise IngestFailed(results)
    return results


# DuckDB checkpoints at a commit that takes its write-ahead log past 16 MB, which a delivery of
# some 40k rows does: a run of many such deliveries then checkpoints (and rewrites the table's
# partly filled row groups) once per delivery. During ingestion the log may grow to this size
# instead; the checkpoint at the end writes the tables once. Measured on the 12 legacy CUR months
# of the 10M benchmark: commits took 9 s of CPU, with this 4 s.
INGEST_CHECKPOINT_THRESHOLD = "256MB"

# A checkpoint also "vacuums": it merges and rewrites the row groups that hold deleted rows. A
# restated month deletes the period's previous rows, so every daily run vacuumed the tail of each
# raw table it reloaded: the 10M day-16 delivery's checkpoints took 15-18 s, 1.5 s without
# vacuum (a 45k-row legacy CUR reload alone: 3.7 s, 0.4 s). Ingestion checkpoints without it.
# The deleted rows do not pile up: a row group whose rows are all deleted is dropped by any
# checkpoint, and the next reload of the period deletes the rows that follow a partly deleted row
# group, so a raw table carries about one delivery of deleted rows (measured: 8 daily reloads of
# a 45k-row month, 44,709 deleted rows after each). Should a table's deleted rows still exceed
# this share of its stored rows (a restatement of many months at once), the checkpoint vacuums.
VACUUM_DELETED_SHARE = 0.25


@contextlib.contextmanager
def _batched_checkpoints(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    threshold, vacuum_tasks = con.execute(
        "select current_setting('checkpoint_threshold'), current_setting('max_vacuum_tasks')"
    ).fetchone()
    con.execute(f"set checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
    try:
        yield
        if _deleted_share(con) > VACUUM_DELETED_SHARE:
            con.execute(f"set max_vacuum_tasks = {DUCKDB_VACUUM_TASKS}")
        # Checkpoint here, under these settings, rather than when the connection closes. Every
        # load is committed to the write-ahead log already: should the checkpoint fail (disk
        # full), the next connection replays the log and checkpoints.
        with contextlib.suppress(duckdb.Error):
            con.execute("checkpoint")
    finally:
        with contextlib.suppress(duckdb.Error):  # an invalidated connection (disk full) has none
            con.execute(f"set checkpoint_threshold = '{threshold}'")
            con.execute(f"set max_vacuum_tasks = {int(vacuum_tasks)}")


def _deleted_share(con: duckdb.DuckDBPyConnection) -> float:
    """The largest share of deleted rows among the raw tables (stored rows include them)."""
    share = 0.0
    for source in SOURCES.values():
        (stored,) = con.execute(
            "select estimated_size from duckdb_tables() "
            "where database_name = current_database() and schema_name = 'raw' and table_name = ?",
            [source.table],
        ).fetchone()
        (live,) = con.execute(f"select count(*) from {source.qualified_table}").fetchone()
        if stored:
            share = max(share, (stored - live) / stored)
    return share


def landing_periods(settings: Settings, source: str) -> list[str]:
    """Billing periods for which the landing folder holds a delivery of `source`."""
    with connect_writer(settings) as con:
        return available_periods(con, source, settings.landing_dir)
