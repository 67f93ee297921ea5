"""Dagster's SQLite storage without two or three fsyncs per event.

Dagster's default SQLite storage opens a connection per event, commits it (an fsync of the WAL)
and closes it; the last connection to close a WAL database checkpoints it (more fsyncs, and the
WAL file is deleted and created again). A `finops run` writes about a thousand events (each dbt
test is an asset check: planned, evaluated, output), and every fsync queues behind DuckDB's own
writes: at 10M line items that was ~15 s of a daily run spent waiting on the disk.

`fewer_fsyncs()` wraps a run:
- every SQLite connection to the Dagster home uses `synchronous=NORMAL`: in WAL mode the database
  stays consistent after a crash of the process or the machine; a power loss may drop the last
  events written, never corrupt the file (https://www.sqlite.org/pragma.html#pragma_synchronous);
- one idle connection per storage file stays open for the run, so Dagster's own connections are
  never the last to close and do not checkpoint each time; the WAL is checkpointed once, when the
  run ends and these connections close.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_lock = threading.Lock()
_home: Path | None = None
_keepers: dict[str, sqlite3.Connection] = {}


def _database_file(connection: sqlite3.Connection) -> str | None:
    for _seq, name, file in connection.execute("pragma database_list").fetchall():
        if name == "main" and file:
            return file
    return None


def _on_connect(dbapi_connection, _record) -> None:
    if _home is None or not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = _database_file(dbapi_connection)
    if path is None or not Path(path).is_relative_to(_home):
        return
    dbapi_connection.execute("pragma synchronous=normal")
    with _lock:
        if _home is None:
            return
        keeper = _keepers.get(path)
        if keeper is None:
            keeper = _keepers[path] = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False
            )
        # Reading the schema opens the WAL, and from then on the keeper holds the shared lock
        # that tells the others they are not the last connection. Read again at every connect:
        # a new run's file only switches to WAL after its first connection.
        with contextlib.suppress(sqlite3.OperationalError):  # busy: the next connect retries
            keeper.execute("select count(*) from sqlite_master").fetchone()


@contextlib.contextmanager
def fewer_fsyncs(dagster_home: Path) -> Iterator[None]:
    """Within the block, Dagster's SQLite files under `dagster_home` sync and checkpoint once."""
    global _home
    home = dagster_home.resolve()
    with _lock:
        _home = home
    event.listen(Engine, "connect", _on_connect)
    try:
        yield
    finally:
        event.remove(Engine, "connect", _on_connect)
        with _lock:
            _home = None
            keepers = list(_keepers.values())
            _keepers.clear()
        for keeper in keepers:
            keeper.close()
