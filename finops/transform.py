"""Run the dbt project (`dbt_project/`) in-process, with dbt's programmatic runner.

    from finops.config import Settings
    from finops.transform import build
    build(Settings.from_env())                      # dbt build: seeds, models, tests
    build(settings, select="marts.fct_allocated_cost+")

The same project runs from a shell with `cd dbt_project && dbt build --profiles-dir ..`; the
profile (`profiles.yml` at the repository root) reads the warehouse path from
FINOPS_DUCKDB_PATH, which `run_dbt` sets to the settings' absolute path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

PROFILES_DIR = PROJECT_ROOT


class DbtFailed(RuntimeError):
    """`dbt` ran but did not succeed (a model or a test with error severity failed)."""

    def __init__(self, message: str, result: dbtRunnerResult | None = None) -> None:
        super().__init__(message)
        self.result = result


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The environment the dbt profile reads (see profiles.yml), with telemetry off."""
    return {
        "FINOPS_DUCKDB_PATH": str(settings.duckdb_path.resolve()),
        "FINOPS_DUCKDB_THREADS": str(settings.duckdb_threads),
        "FINOPS_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _failures(result: dbtRunnerResult) -> list[str]:
    """One line per node that errored or failed, from a dbt run result."""
    lines: list[str] = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status not in ("error", "fail", "runtime error"):
            continue
        node = getattr(node_result, "node", None)
        name = getattr(node, "unique_id", None) or getattr(node, "name", "?")
        message = (getattr(node_result, "message", None) or "").strip()
        lines.append(f"{name}: {status}: {message}")
    return lines


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run.

    dbt-duckdb caches one open database per process; while it is open, other connections to
    the same file from this process (the tests, Great Expectations, exports) fail with
    "Can't open a connection to same database file with a different configuration".
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            with suppress(Exception):  # already closed: nothing left to release
                environment.close()


def run_dbt(settings: Settings, args: Sequence[str], *, check: bool = True) -> dbtRunnerResult:
    """Invoke dbt with `args` (e.g. ["build", "--select", "marts"]) on the settings' warehouse.

    Raises DbtFailed with the failing nodes and their messages when dbt does not succeed
    (unless check=False); returns dbt's result either way.
    """
    from dbt.cli.main import dbtRunner

    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(PROFILES_DIR),
    ]
    with _environment(dbt_environment(settings)):
        try:
            result = dbtRunner().invoke(full_args)
        finally:
            _release_duckdb()
    if check and not result.success:
        command = " ".join(["dbt", *args])
        if result.exception is not None:
            raise DbtFailed(f"`{command}` could not run: {result.exception}", result)
        failures = _failures(result)
        detail = "\n  ".join(failures) if failures else "see dbt_project/logs/dbt.log"
        raise DbtFailed(f"`{command}` failed:\n  {detail}", result)
    return result


def build(
    settings: Settings,
    select: str | Sequence[str] | None = None,
    vars: Mapping[str, Any] | None = None,
    *,
    check: bool = True,
) -> dbtRunnerResult:
    """`dbt build` (seeds, models, snapshots and tests in DAG order), optionally a selection."""
    import json

    args = ["build"]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else list(select))]
    if vars:
        args += ["--vars", json.dumps(dict(vars))]
    return run_dbt(settings, args, check=check)
