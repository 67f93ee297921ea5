"""Suites for the marts finance and teams read.

  marts/invoice_reconciliation  invoice_reconciled      blocking: allocated billed and effective
                                                        totals equal the raw / conformed ones
                                                        (differences within half a cent)
  marts/fct_allocated_cost      team_assigned           blocking: every cost row has a team, keys
                                                        and an ISO 4217 currency
                                charge_dates_not_future WARN: no charge date after today (UTC)
                                source_data_fresh       WARN: the latest raw load (`_loaded_at`)
                                                        is recent
  marts/tag_coverage            coverage_in_range       WARN: tagged_pct and allocated_pct are
                                                        shares in 0..1 (the mart's scale)

Bounded batches. invoice_reconciliation and tag_coverage are already aggregates (one row per
provider x account x period [x sub account]); fct_allocated_cost can hold millions of rows, so it
is read as aggregates: per period x provider x account x currency x team x allocation method, and
per charge date. Freshness reads one row per raw table. Every batch is capped at MAX_ROWS, latest
billing periods first. Marts are rebuilt for all periods on every dbt run, so by default the
checks look at all periods.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb

from data_quality.spec import Batch, Loader, Scope, Suite, query
from finops.ingest.currencies import ISO_4217
from finops.ingest.sources import SOURCES

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 100_000
HALF_CENT = 0.005  # the tolerance of the dbt reconciliation tests
ALLOCATION_METHODS = ("tag", "rule", "account", "shared", "unallocated")
# The pipeline runs daily and providers refresh their exports several times a day: two days
# without any new load means data is late. Override with FINOPS_DQ_MAX_DATA_AGE_HOURS.
MAX_DATA_AGE_HOURS = float(os.environ.get("FINOPS_DQ_MAX_DATA_AGE_HOURS", "48"))


def _where_periods(scope: Scope) -> tuple[str, list[Any]]:
    if scope.periods is None:
        return "", []
    return "where list_contains(?::varchar[], billing_period)", [list(scope.periods)]


def _bounded(sql: str, scope: Scope, order_by: str) -> Loader:
    where, params = _where_periods(scope)
    return query(f"{sql} {where} {order_by} limit {MAX_ROWS}", params)


def _grouped(select: str, table: str, scope: Scope, order_by: str) -> Loader:
    where, params = _where_periods(scope)
    return query(
        f"select {select} from {table} {where} group by all {order_by} limit {MAX_ROWS}", params
    )


def reconciliation_batches(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Batch]:
    from great_expectations import expectations as gxe

    load = _bounded(
        """
        select
            provider, billing_account_id, billing_period, billing_currency, raw_row_count,
            raw_billed_cost::double as raw_billed_cost,
            allocated_billed_cost::double as allocated_billed_cost,
            billed_difference::double as billed_difference,
            effective_difference::double as effective_difference,
            is_reconciled
        from marts.invoice_reconciliation
        """,
        scope,
        "order by billing_period desc, provider, billing_account_id",
    )
    expectations = [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c)
            for c in ("provider", "billing_account_id", "billing_period", "is_reconciled")
        ],
        *[
            gxe.ExpectColumnValuesToBeBetween(
                column=c,
                min_value=-HALF_CENT,
                max_value=HALF_CENT,
                notes="Allocation never creates or loses money: the difference must be 0.",
            )
            for c in ("billed_difference", "effective_difference")
        ],
        gxe.ExpectColumnValuesToBeInSet(column="is_reconciled", value_set=[True]),
    ]
    return [Batch("reconciliation", load, expectations)]


def team_batches(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Batch]:
    from great_expectations import expectations as gxe

    load = _grouped(
        """
        billing_period, provider, billing_account_id, billing_currency, team, allocation_method,
        count(*) as row_count,
        sum(billed_cost)::double as billed_cost,
        sum(effective_cost)::double as effective_cost
        """,
        "marts.fct_allocated_cost",
        scope,
        "order by billing_period desc, provider, billing_account_id, team",
    )
    expectations = [
        *[
            gxe.ExpectColumnValuesToNotBeNull(column=c)
            for c in ("team", "billing_period", "provider", "billing_account_id")
        ],
        gxe.ExpectColumnValuesToBeInSet(column="billing_currency", value_set=sorted(ISO_4217)),
        gxe.ExpectColumnValuesToBeInSet(
            column="allocation_method", value_set=list(ALLOCATION_METHODS)
        ),
    ]
    return [Batch("team_totals", load, expectations)]


def charge_date_batches(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Batch]:
    from great_expectations import expectations as gxe

    load = _grouped(
        """
        charge_date, billing_period, count(*) as row_count,
        sum(billed_cost)::double as billed_cost
        """,
        "marts.fct_allocated_cost",
        scope,
        "order by charge_date desc",
    )
    today = scope.now.replace(hour=0, minute=0, second=0, microsecond=0)
    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="charge_date"),
        gxe.ExpectColumnValuesToBeBetween(
            column="charge_date",
            max_value=today,
            notes=f"No cost is charged after today ({today:%Y-%m-%d}, UTC).",
        ),
    ]
    return [Batch("charge_dates", load, expectations)]


def freshness_batches(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Batch]:
    from great_expectations import expectations as gxe

    def load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        tables = [s.table for s in SOURCES.values() if s.table in present]
        per_table = " union all ".join(
            f"select '{t}' as raw_table, count(*) as row_count, max(_loaded_at) as latest_loaded_at "
            f"from raw.{t}"
            for t in tables
        ) or (
            "select null::varchar as raw_table, 0::bigint as row_count, "
            "null::timestamp as latest_loaded_at"
        )
        return con.execute(
            f"""
            select *, date_diff('second', latest_loaded_at, ?::timestamp) / 3600.0 as age_hours
            from ({per_table}) where row_count > 0 order by raw_table
            """,
            [scope.now],
        ).df()

    expectations = [
        gxe.ExpectColumnMinToBeBetween(
            column="age_hours",
            max_value=MAX_DATA_AGE_HOURS,
            notes=f"The newest raw load is at most {MAX_DATA_AGE_HOURS:g} hours old "
            "(FINOPS_DQ_MAX_DATA_AGE_HOURS).",
        )
    ]
    return [Batch("raw_loads", load, expectations)]


def coverage_batches(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[Batch]:
    from great_expectations import expectations as gxe

    load = _bounded(
        """
        select
            billing_period, provider, billing_account_id, sub_account_id,
            taggable_cost::double as taggable_cost, tagged_pct, allocated_pct
        from marts.tag_coverage
        """,
        scope,
        "order by billing_period desc, provider, billing_account_id, sub_account_id",
    )
    expectations = [
        gxe.ExpectColumnValuesToBeBetween(
            column=c,
            min_value=0,
            max_value=1,
            notes="A share of taggable cost: the mart stores 0..1, not percent.",
        )
        for c in ("tagged_pct", "allocated_pct")
    ]
    return [Batch("coverage", load, expectations)]


def _suite(
    model: str,
    check_name: str,
    blocking: bool,
    description: str,
    build: Callable[[duckdb.DuckDBPyConnection, Scope], list[Batch]],
) -> Suite:
    return Suite(("marts", model), check_name, description, blocking, build)


SUITES: list[Suite] = [
    _suite(
        "invoice_reconciliation",
        "invoice_reconciled",
        True,
        "GX: per provider, billing account, period and currency, allocated billed and effective "
        "totals equal the raw and conformed totals to half a cent. Blocks downstream assets.",
        reconciliation_batches,
    ),
    _suite(
        "fct_allocated_cost",
        "team_assigned",
        True,
        "GX: every allocated cost has a team (or 'unallocated'), a billing period, provider, "
        "account and an ISO 4217 currency. Blocks downstream assets.",
        team_batches,
    ),
    _suite(
        "fct_allocated_cost",
        "charge_dates_not_future",
        False,
        "GX: no charge date after today, UTC (warns).",
        charge_date_batches,
    ),
    _suite(
        "fct_allocated_cost",
        "source_data_fresh",
        False,
        "GX: the latest raw load (`_loaded_at` over all raw tables) is at most "
        f"{MAX_DATA_AGE_HOURS:g} hours old (warns).",
        freshness_batches,
    ),
    _suite(
        "tag_coverage",
        "coverage_in_range",
        False,
        "GX: tagged_pct and allocated_pct are shares between 0 and 1 (warns).",
        coverage_batches,
    ),
]
