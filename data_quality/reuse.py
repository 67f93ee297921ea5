"""Unchanged data are not validated again (kept free of Great Expectations: it loads in seconds).

A raw check validates the billing periods its asset just loaded. When ingestion loaded nothing
new for those periods (a no-op rerun), the data are the very rows a previous run validated: the
check reports that validation instead of reading the table again. The "data version" of a
(raw table, period) is the set of current loads in `ingest.ledger` (load ids are unique, so a
reload or a rebuilt warehouse never matches), together with the suites' own code. Only passing
validations are remembered: a failure is validated (and reported) again on every run until the
data are fixed. State: FINOPS_OUTPUT_DIR/data_quality/verified.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from data_quality.spec import Scope, Suite
from finops.config import Settings
from finops.warehouse import connect_reader, write_lock

if TYPE_CHECKING:
    from data_quality.runner import SuiteResult

_SUITE_CODE = ("spec.py", "suites/__init__.py", "suites/raw.py", "suites/marts.py")


def _suite_code_version() -> str:
    digest = hashlib.sha256()
    for name in _SUITE_CODE:
        path = Path(__file__).parent / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def data_versions(
    con: duckdb.DuckDBPyConnection, suite: Suite, periods: Sequence[str]
) -> dict[str, str] | None:
    """{period: version} of a raw suite's table, or None when the suite is not on a raw table."""
    from finops.ingest import SOURCES

    if suite.asset_key[0] != "raw" or not periods:
        return None
    sources = sorted(s.name for s in SOURCES.values() if s.table == suite.asset_key[1])
    if not sources:
        return None
    try:
        rows = con.execute(
            "select billing_period, md5(string_agg(load_id, ',' order by load_id)) "
            "from ingest.ledger where status = 'loaded' and source in (select unnest(?)) "
            "and billing_period in (select unnest(?)) group by billing_period",
            [sources, list(periods)],
        ).fetchall()
    except duckdb.CatalogException:
        return None
    code = _suite_code_version()
    found = dict(rows)
    return {p: f"{code}:{found.get(p, 'none')}" for p in periods}


def _verified_path(settings: Settings) -> Path:
    return settings.output_dir / "data_quality" / "verified.json"


def _verified(settings: Settings) -> dict[str, Any]:
    try:
        return json.loads(_verified_path(settings).read_text())
    except (OSError, ValueError):
        return {}


def _versions(settings: Settings, suite: Suite, periods: Sequence[str]) -> dict[str, str] | None:
    with write_lock(settings.duckdb_path):  # no read-only open while a writer has the file
        con = connect_reader(settings)
        try:
            return data_versions(con, suite, periods)
        finally:
            con.close()


@dataclass(frozen=True)
class Reused:
    """A passing validation of exactly these data, kept from an earlier run."""

    suite: str
    scope: str
    validated_at: str
    run_name: str

    def summary(self) -> str:
        return (
            f"{self.suite} [{self.scope}]: data unchanged since they passed validation at "
            f"{self.validated_at} (run {self.run_name}); not read again"
        )


def reusable_validation(settings: Settings, suite: Suite, periods: Sequence[str]) -> Reused | None:
    """The earlier passing validation of these very data, if every period has one."""
    versions = _versions(settings, suite, periods)
    if versions is None:
        return None
    known = _verified(settings).get(suite.name, {})
    entries = [known.get(p) for p in periods]
    if not all(
        e and e.get("version") == versions[p] for p, e in zip(periods, entries, strict=True)
    ):
        return None
    latest = max(entries, key=lambda e: e["validated_at"])
    scope = Scope(periods=tuple(periods)).label
    return Reused(suite.name, scope, latest["validated_at"], latest["run_name"])


def remember_validation(
    settings: Settings, suite: Suite, periods: Sequence[str], result: SuiteResult, run_name: str
) -> None:
    """After a validation: passing periods are remembered with their data version, failing
    ones forgotten (so they are validated, and reported, again)."""
    versions = _versions(settings, suite, periods)
    if versions is None:
        return
    state = _verified(settings)
    entries = state.setdefault(suite.name, {})
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for period in periods:
        if result.success:
            entries[period] = {
                "version": versions[period],
                "validated_at": now,
                "run_name": run_name,
            }
        else:
            entries.pop(period, None)
    path = _verified_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
    tmp.replace(path)
