"""Which dbt builds a published output reflects, and what the next publish has to rewrite.

The warehouse records every complete, successful dbt build in `main.dbt_build_state`
(finops.transform.record_build): its time (`built_at`), whether it was a full refresh, and the
billing periods it rebuilt (dbt rebuilt the range first..last). Each published output remembers
the newest build it reflects (its *mark*):

- the BI file: table `_publish_builds` (the warehouse's builds up to the mark) and, per table,
  `_publish_info.period_refresh` (whether its rows are replaced period by period);
- exports/ and teams/: a small `_publish_state.json` swapped in with the folder.

`plan_publish` compares that mark with the builds the source holds: no newer build means the
output is current (nothing is re-read); newer incremental builds mean only their billing periods
are rewritten for the marts dbt builds incrementally by billing period (every other mart is
rewritten whole: dbt rebuilds those in full, and they are small); anything unusual (no mark, a
full refresh, a history the source does not know, different marts or columns) means a full
publish.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# the warehouse's record of complete dbt builds (finops.transform.record_build)
from finops.transform import STATE_TABLE as BUILD_STATE_TABLE

BUILDS_TABLE = "_publish_builds"  # in the BI file
STATE_FILE = "_publish_state.json"  # in exports/ and teams/
STATE_FORMAT = 1  # bump when the layout of exports/ or teams/ changes: forces a full publish
PERIOD_COLUMN = "billing_period"

FULL = "full"
INCREMENTAL = "incremental"
CURRENT = "current"  # nothing newer to publish: the output was left as it was


@dataclass(frozen=True)
class Build:
    built_at: dt.datetime
    periods: tuple[str, ...]
    full_refresh: bool

    @property
    def period_range(self) -> tuple[str, str] | None:
        return (min(self.periods), max(self.periods)) if self.periods else None


def read_builds(con: duckdb.DuckDBPyConnection, table: str) -> list[Build]:
    """The builds recorded in `table` (oldest first); [] when there is no such table."""
    try:
        rows = con.execute(
            f"select built_at, periods, full_refresh from {table} "
            "where built_at is not null order by built_at"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [
        Build(built_at, tuple(p for p in (periods or "").split(",") if p), bool(full))
        for built_at, periods, full in rows
    ]


def write_builds(con: duckdb.DuckDBPyConnection, table: str, builds: Iterable[Build]) -> None:
    con.execute(
        f"create table {table} (built_at timestamp not null, periods varchar, "
        "full_refresh boolean not null)"
    )
    rows = [(b.built_at, ",".join(b.periods), b.full_refresh) for b in builds]
    if rows:
        con.executemany(f"insert into {table} values (?, ?, ?)", rows)


@dataclass
class Plan:
    """What a publish does: `mode` FULL, INCREMENTAL (only `ranges` of the period marts) or
    CURRENT (nothing); `mark` is the newest build the output reflects afterwards."""

    mode: str
    reason: str
    mark: dt.datetime | None
    ranges: list[tuple[str, str]] = field(default_factory=list)

    @property
    def periods(self) -> str:
        """The rewritten billing periods, for logs and metadata ('' unless incremental)."""
        return ", ".join(a if a == b else f"{a}..{b}" for a, b in self.ranges)

    def covers(self, period: str | None) -> bool:
        """True when `period` is one of the billing periods this publish rewrites."""
        return period is not None and any(a <= period <= b for a, b in self.ranges)

    def where(self, column: str = PERIOD_COLUMN) -> str:
        """SQL predicate selecting the rewritten periods; `column` is a SQL expression."""
        parts = [
            f"{column} between '{a.replace(chr(39), '')}' and '{b.replace(chr(39), '')}'"
            for a, b in self.ranges
        ]
        return "(" + " or ".join(parts) + ")" if parts else "false"


def merge_ranges(ranges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Overlapping ranges merged ('YYYY-MM' strings compare in time order)."""
    merged: list[tuple[str, str]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def plan_publish(
    mark: dt.datetime | None,
    builds: list[Build],
    *,
    full: bool = False,
    marts_changed: Callable[[], str | None] = lambda: None,
) -> Plan:
    """Decide what to publish from the output's `mark` and the source's `builds`.

    `marts_changed()` returns why the set of marts or their columns differs from the
    published version (None when they are the same); it is only asked when there is something
    new to publish.
    """
    newest = builds[-1].built_at if builds else None
    if not builds:
        return Plan(FULL, f"no dbt build recorded in {BUILD_STATE_TABLE}: everything", None)
    if full:
        return Plan(FULL, "full publish requested", newest)
    if mark is None:
        return Plan(FULL, "no previous publish state: everything", newest)
    if mark not in {b.built_at for b in builds}:
        return Plan(
            FULL,
            f"the published version reflects a dbt build ({mark}) the source does not record",
            newest,
        )
    newer = [b for b in builds if b.built_at > mark]
    if not newer:
        return Plan(CURRENT, f"up to date: no dbt build since {mark:%Y-%m-%d %H:%M:%S}", mark)
    why = marts_changed()
    if why:
        return Plan(FULL, why, newest)
    if any(b.full_refresh or b.period_range is None for b in newer):
        return Plan(FULL, "a full-refresh dbt build since the last publish", newest)
    ranges = merge_ranges(b.period_range for b in newer if b.period_range)
    plan = Plan(INCREMENTAL, "", newest, ranges)
    plan.reason = (
        f"{len(newer)} incremental dbt build(s) since the last publish: billing periods "
        f"{plan.periods}"
    )
    return plan


def read_state_file(folder: Path) -> dict | None:
    """The `_publish_state.json` of a published folder, None if missing, unreadable or of
    another format."""
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        return None
    return data


def write_state_file(folder: Path, plan: Plan, **extra: object) -> None:
    state = {
        "format": STATE_FORMAT,
        "dbt_built_at": plan.mark.isoformat() if plan.mark else None,
        "mode": plan.mode,
        "periods": plan.periods,
        **extra,
    }
    (folder / STATE_FILE).write_text(json.dumps(state, indent=1, sort_keys=True), "utf-8")


def parse_mark(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
