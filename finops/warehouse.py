"""The pipeline's DuckDB file: connections, the single-writer lock and the ingestion schemas.

DuckDB allows one writing process per file. Writers take an OS-level lock on a sibling
`.lock` file first, so two runs queue up instead of failing; readers open read-only.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from finops.config import Settings

LEDGER_DDL = """
create schema if not exists raw;
create schema if not exists ingest;
create table if not exists ingest.ledger (
    load_id varchar not null,
    source varchar not null,
    billing_account_id varchar,
    billing_period varchar not null,
    delivery_id varchar,
    fingerprint varchar,
    files json,
    row_count bigint,
    billed_cost decimal(38, 12),
    billing_currency varchar,
    loaded_at timestamp not null,
    status varchar not null,
    message varchar
);
create table if not exists ingest.landing_files (
    path varchar not null,
    size bigint not null,
    mtime_ns bigint not null,
    sha256 varchar not null,
    source varchar,
    periods json,
    indexed_at timestamp not null,
    primary key (path)
);
"""


class WarehouseLocked(RuntimeError):
    """Another process holds the write lock for longer than we were willing to wait."""


@contextlib.contextmanager
def write_lock(db_path: Path, timeout_s: float = 600.0) -> Iterator[None]:
    """Hold an exclusive, process-wide lock on the warehouse file while writing."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseLocked(
                        f"{db_path} is being written by another finops run for over "
                        f"{timeout_s:.0f}s; wait for it to finish or stop it"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# DuckDB's default number of vacuum tasks per checkpoint (`max_vacuum_tasks`).
DUCKDB_VACUUM_TASKS = 100


def configure(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    con.execute(f"set threads = {int(settings.duckdb_threads)}")
    con.execute("set memory_limit = ?", [settings.duckdb_memory_limit])
    # Checkpoints do not vacuum (merge and rewrite the row groups that hold deleted rows). Every
    # daily run deletes the restated period's rows from the raw tables and the big dbt tables,
    # spread over all their row groups after a full build; whichever connection checkpointed
    # next rewrote them all (8-34 s on the 10M warehouse, in a Dagster step that had nothing to
    # do with it). The dead rows stay bounded: a row group whose rows are all deleted is dropped
    # by any checkpoint, and a period re-inserted at a table's end is deleted from there the next
    # time. Ingestion vacuums a raw table whose deleted rows pass a share (finops/ingest); a
    # full dbt refresh writes new tables.
    con.execute("set max_vacuum_tasks = 0")
    con.execute("set preserve_insertion_order = true")
    # Timestamps without an offset are UTC, whatever the machine's local time zone is.
    con.execute("set TimeZone = 'UTC'")


@contextlib.contextmanager
def connect_writer(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection under the write lock, with the ingestion schemas in place."""
    with write_lock(settings.duckdb_path):
        con = duckdb.connect(str(settings.duckdb_path))
        try:
            configure(con, settings)
            con.execute(LEDGER_DDL)
            yield con
        finally:
            con.close()


def connect_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection (never blocks the writer's file format, never writes)."""
    if not settings.duckdb_path.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.duckdb_path}; run `finops ingest` or `make demo` first"
        )
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    configure(con, settings)
    return con
