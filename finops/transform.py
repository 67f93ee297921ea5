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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

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
def scoped_environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in os.environ within the block, the previous values (or none) restored after."""
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


def run_dbt(
    settings: Settings,
    args: Sequence[str],
    *,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> dbtRunnerResult:
    """Invoke dbt with `args` (e.g. ["build", "--select", "marts"]) on the settings' warehouse,
    with `env` added to the environment (e.g. `billing_period_env("2025-03", "2025-03")`).

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
    with scoped_environment({**dbt_environment(settings), **(env or {})}):
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


# --- incremental builds by billing period ------------------------------------------------------

STATE_TABLE = "main.dbt_build_state"
BILLING_PERIOD_FROM_ENV = "FINOPS_BILLING_PERIOD_FROM"
BILLING_PERIOD_TO_ENV = "FINOPS_BILLING_PERIOD_TO"
_PROJECT_INPUTS = ("models", "macros", "tests", "snapshots", "analyses", "dbt_project.yml")
_PROJECT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv", ".py")


def project_fingerprint() -> str:
    """SHA-256 of everything that decides what the models compute: models, macros, tests,
    snapshots, dbt_project.yml (vars), the seeds (allocation as code) and the dbt version
    (.sql, .yml, .csv files; not READMEs or doc blocks).

    When it changes, every billing period must be rebuilt (a new rule or team reaches back in
    time), so the next build is a full refresh.
    """
    import hashlib

    from dbt.version import __version__ as dbt_version

    from finops.config import SEEDS_DIR

    digest = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    paths: list = []
    for name in _PROJECT_INPUTS:
        path = DBT_PROJECT_DIR / name
        paths += sorted(path.rglob("*")) if path.is_dir() else [path]
    paths += sorted(SEEDS_DIR.rglob("*"))
    for path in paths:
        # documentation (README, doc blocks) does not change what the models compute
        if path.is_file() and not path.name.startswith(".") and path.suffix in _PROJECT_SUFFIXES:
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuildPlan:
    """What a partitioned build has to do.

    skip: nothing changed since the last complete build (no delivery loaded, no month closed or
        reopened, same project): the marts are current for every period, dbt does not run.
    full_refresh: the project changed (or no complete build is recorded): rebuild everything.
    periods: otherwise, the billing periods to rebuild: the run's partitions plus any period
        loaded into raw (e.g. by `finops ingest`), closed or reopened since the last build.
    """

    skip: bool
    full_refresh: bool
    periods: list[str]
    fingerprint: str
    ledger_mark: str | None
    reason: str

    def dbt_args(self) -> list[str]:
        """`dbt build` arguments for this plan (the caller adds its selection); the periods go
        in the environment (`dbt_env()`), not in `--vars`: vars are part of dbt's partial-parse
        state, so a new range would re-parse the whole project (several seconds) every run."""
        if self.full_refresh:
            return ["build", "--full-refresh"]
        # Seeds and unit tests depend only on files in the fingerprint, unchanged since the last
        # complete build (which loaded the seeds and passed the unit tests): not run again.
        return [
            "build",
            # not `--exclude`: dagster-dbt rewrites the selection flags and splits their values
            "--exclude-resource-type",
            "seed",
            "--exclude-resource-type",
            "unit_test",
        ]

    def dbt_env(self) -> dict[str, str]:
        """The environment dbt reads the periods from (macros/billing_periods.sql); empty values
        (every period) on a full refresh."""
        if self.full_refresh or not self.periods:
            return billing_period_env(None, None)
        return billing_period_env(self.periods[0], self.periods[-1])


def billing_period_env(first: str | None, last: str | None) -> dict[str, str]:
    """FINOPS_BILLING_PERIOD_FROM / _TO for a dbt build of billing periods first..last
    ('YYYY-MM'); None, None: every period. The macros read them only at execution, so they are
    not part of dbt's partial-parse state (vars are); `--vars '{billing_period_from: ...}'` by
    hand still works and wins."""
    return {
        BILLING_PERIOD_FROM_ENV: first or "",
        BILLING_PERIOD_TO_ENV: (last or first or "") if first else "",
    }


# What changes the marts besides the project: loads into raw (ingest.ledger) and month close /
# reopen events (month_close.period_events, finops/close.py). (table, time column, filter)
_CHANGE_LOGS = {
    "ledger": ("ingest.ledger", "loaded_at", "status = 'loaded'"),
    "month_close": ("month_close.period_events", "happened_at", "true"),
}


def _marks(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """The newest entry of each change log (None when empty or absent)."""
    marks: dict[str, str | None] = {}
    for name, (table, column, where) in _CHANGE_LOGS.items():
        try:
            mark = con.execute(f"select max({column}) from {table} where {where}").fetchone()[0]
        except duckdb.CatalogException:
            mark = None
        marks[name] = None if mark is None else mark.isoformat()
    return marks


def _changed_periods(con: duckdb.DuckDBPyConnection, since: dict[str, str | None]) -> set[str]:
    """Billing periods loaded, closed or reopened after the marks of the last build."""
    periods: set[str] = set()
    for name, (table, column, where) in _CHANGE_LOGS.items():
        try:
            rows = con.execute(
                f"select distinct billing_period from {table} where {where} "
                f"and (?::timestamp is null or {column} > ?::timestamp)",
                [since.get(name), since.get(name)],
            ).fetchall()
        except duckdb.CatalogException:
            continue
        periods.update(p for (p,) in rows if p)
    return periods


def plan_build(con: duckdb.DuckDBPyConnection, periods: Sequence[str]) -> BuildPlan:
    """Decide how a build for `periods` ('YYYY-MM') runs, from the state of the last build."""
    import json

    fingerprint = project_fingerprint()
    marks = _marks(con)
    mark = json.dumps(marks, sort_keys=True)
    try:
        last = con.execute(
            f"select fingerprint, ledger_mark from {STATE_TABLE} order by built_at desc limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        last = None
    if last is None:
        return BuildPlan(False, True, sorted(periods), fingerprint, mark, "no complete build yet")
    if last[0] != fingerprint:
        return BuildPlan(
            False, True, sorted(periods), fingerprint, mark,
            "the dbt project or the seeds changed since the last build",
        )  # fmt: skip
    if last[1] == mark:
        return BuildPlan(
            True, False, [], fingerprint, mark,
            "nothing loaded, closed or reopened since the last build",
        )  # fmt: skip
    wanted = sorted(set(periods) | _changed_periods(con, json.loads(last[1] or "{}")))
    if not wanted:
        return BuildPlan(False, True, [], fingerprint, mark, "no billing period given")
    return BuildPlan(
        False, False, wanted, fingerprint, mark,
        f"periods {wanted[0]}..{wanted[-1]} (the run's partitions and periods loaded, closed "
        "or reopened since the last build)",
    )  # fmt: skip


def record_build(con: duckdb.DuckDBPyConnection, plan: BuildPlan) -> None:
    """Remember a complete, successful build: the next run compares against it."""
    con.execute(
        f"create table if not exists {STATE_TABLE} (fingerprint varchar, ledger_mark varchar, "
        "periods varchar, full_refresh boolean, built_at timestamp)"
    )
    con.execute(
        f"insert into {STATE_TABLE} values (?, ?, ?, ?, now()::timestamp)",
        [plan.fingerprint, plan.ledger_mark, ",".join(plan.periods), plan.full_refresh],
    )


def last_build_time(settings: Settings):
    """When the last complete dbt build finished (UTC, naive), or None."""
    from finops.warehouse import connect_reader

    if not settings.duckdb_path.exists():
        return None
    con = connect_reader(settings)
    try:
        return con.execute(f"select max(built_at) from {STATE_TABLE}").fetchone()[0]
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
