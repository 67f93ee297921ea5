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
from finops.warehouse import connect_writer

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
# instead; the checkpoint when the connection closes writes the tables once. Measured on the 12
# legacy CUR months of the 10M benchmark: commits took 9 s of CPU, with this 4 s.
INGEST_CHECKPOINT_THRESHOLD = "256MB"


@contextlib.contextmanager
def _batched_checkpoints(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    (before,) = con.execute("select current_setting('checkpoint_threshold')").fetchone()
    con.execute(f"set checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):  # an invalidated connection (disk full) has none
            con.execute(f"set checkpoint_threshold = '{before}'")


def landing_periods(settings: Settings, source: str) -> list[str]:
    """Billing periods for which the landing folder holds a delivery of `source`."""
    with connect_writer(settings) as con:
        return available_periods(con, source, settings.landing_dir)
