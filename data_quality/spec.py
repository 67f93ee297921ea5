"""What a suite is: named batches (a bounded DuckDB query each) with the expectations they meet.

Kept free of Great Expectations imports so the Dagster definitions load fast; the suites build
their GX expectations only when they run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation


# Reads one bounded frame from the warehouse.
Loader = Callable[[duckdb.DuckDBPyConnection], "pd.DataFrame"]


def utc_now() -> dt.datetime:
    """Now in UTC, naive (the warehouse stores UTC timestamps without a zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Scope:
    """Which data a run looks at: billing periods ('YYYY-MM'), or None for the suite's default."""

    periods: tuple[str, ...] | None = None
    now: dt.datetime = field(default_factory=utc_now)

    @property
    def label(self) -> str:
        if self.periods is None:
            return "all"
        if not self.periods:
            return "none"
        if len(self.periods) == 1:
            return self.periods[0]
        return f"{min(self.periods)}..{max(self.periods)}"


@dataclass(frozen=True)
class Batch:
    """One bounded frame to validate. `load` must never return an unbounded table."""

    name: str
    load: Loader
    expectations: Sequence[Expectation]
    # A failed gate (e.g. the schema) skips the suite's later batches, whose queries need it.
    gate: bool = False


@dataclass(frozen=True)
class Suite:
    """A suite guards one Dagster asset; it runs there as the asset check `check_name`."""

    asset_key: tuple[str, ...]  # ("raw", "aws_cur2_line_items"), ("marts", "tag_coverage")
    check_name: str
    description: str
    blocking: bool  # wrong data would reach finance: block downstream assets, severity ERROR
    build: Callable[[duckdb.DuckDBPyConnection, Scope], list[Batch]]
    # Raw tables are partitioned by billing period: the check looks at the periods just
    # materialized, or (run by hand) at the latest period present, never the whole table.
    partitioned: bool = False
    default_periods: Callable[[duckdb.DuckDBPyConnection], tuple[str, ...]] | None = None

    @property
    def name(self) -> str:
        """The GX suite name, e.g. `raw.aws_cur2_line_items.billing_integrity`."""
        return ".".join((*self.asset_key, self.check_name))

    def resolve(self, con: duckdb.DuckDBPyConnection, scope: Scope) -> Scope:
        if scope.periods or self.default_periods is None:
            return scope
        return Scope(periods=self.default_periods(con), now=scope.now)


def query(sql: str, params: Sequence[Any] = ()) -> Loader:
    """A batch loader: run `sql` (bounded by construction) and return it as a pandas frame."""

    def load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        return con.execute(sql, list(params)).df()

    return load
