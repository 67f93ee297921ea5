"""Suites for the raw tables: is what ingestion loaded billable as delivered?

Per billing source, two asset checks on `raw/<table>`:

  billing_integrity  blocking, ERROR: required columns with their raw types; not-null keys
                     (billing account, period, usage account...); ISO 4217 billing currency;
                     no missing billed cost or charge date; charge dates consistent with the
                     billing period; no absurd cost magnitude.
  value_sets         WARN: enum columns hold the provider's documented values.

Business metrics are not money: one WARN check, `metrics_integrity`, with the same kinds of test.

Bounded batches. A raw table holds millions of line items (10M+ at scale), so no suite reads
rows. The schema batch is one row (column -> type, from information_schema). The profile batches
aggregate the billing periods in scope -- the partitions just materialized, else the latest
period present -- to one row per distinct combination of the checked key and enum values, with
row counts, null counts, the largest absolute cost and the charge month's offset from the billing
period. That is a few hundred rows per period however large the period, capped at MAX_GROUPS.
Counts on such a batch are groups (each group carries `row_count`); null counts are exact rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from data_quality.spec import Batch, Scope, Suite, query
from finops.ingest.columns import quote_ident
from finops.ingest.currencies import ISO_4217
from finops.ingest.sources import SOURCES, Source

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

# No single line item of a billing export reaches ten billion in its own currency (that would
# be a $10B line, or ~$600k in IDR, the "smallest" major billing currency). Values like that are
# unit errors (micros, cents) or corrupted exports. Override with FINOPS_DQ_MAX_LINE_COST.
MAX_ABS_LINE_COST = float(os.environ.get("FINOPS_DQ_MAX_LINE_COST", "1e10"))
# Upper bound on profile rows pulled into pandas (distinct key combinations, not line items).
MAX_GROUPS = 200_000
PERIOD_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])$"
LINEAGE_COLUMNS = {
    "_billing_account_id": "VARCHAR",
    "_billing_period": "VARCHAR",
    "_load_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}

AWS_LINE_ITEM_TYPES = (
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanUpfrontFee",
    "SavingsPlanRecurringFee",
    "Fee",
    "RIFee",
    "Tax",
    "Credit",
    "Refund",
    "BundledDiscount",
    "Discount",
    "PrivateRateDiscount",
    "EdpDiscount",
    "SppDiscount",
    "DistributorDiscount",
)
AWS_BILL_TYPES = ("Anniversary", "Purchase", "Refund")
AZURE_CHARGE_TYPES = (
    "Usage",
    "Purchase",
    "Refund",
    "Credit",
    "Tax",
    "Adjustment",
    "RoundingAdjustment",
    "UnusedReservation",
    "UnusedSavingsPlan",
)
GCP_COST_TYPES = ("regular", "tax", "adjustment", "rounding_error")
FOCUS_CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
FOCUS_CHARGE_CLASSES = ("Correction",)


@dataclass(frozen=True)
class RawProfile:
    """How one source's raw table is profiled: charge date, billed cost, enums, tolerances."""

    source: Source
    charge: str  # the charge's start (timestamp or date column)
    cost: str  # billed cost (metric value for business metrics)
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How many months before its billing period a charge may start: GCP invoices late usage of
    # the previous month, FOCUS files carry such rows too (the FOCUS sample has one).
    month_lag: int = 0
    # The zone the provider's billing months are cut in (GCP invoices in US Pacific time, so
    # usage up to 07:00 UTC on the 1st still belongs to the previous invoice month).
    billing_timezone: str | None = None
    # Rows that may legitimately date from any earlier period (corrections of past bills).
    corrections: str | None = None
    finance: bool = True  # money: integrity is blocking

    @property
    def charge_month_offset_sql(self) -> str:
        """Months from the row's billing period to its charge (NULL for corrections)."""
        charge = quote_ident(self.charge)
        if self.billing_timezone:
            charge = f"timezone('{self.billing_timezone}', timezone('UTC', {charge}))"
        offset = f"date_diff('month', try_strptime(_billing_period, '%Y-%m')::date, {charge}::date)"
        if self.corrections:
            offset = f"case when not coalesce({self.corrections}, false) then {offset} end"
        return offset

    @property
    def table(self) -> str:
        return self.source.qualified_table

    @property
    def currency(self) -> str | None:
        expr = self.source.currency_expr
        return expr.removeprefix("r.") if expr else None

    @property
    def keys(self) -> list[str]:
        """Not-null text columns, grouped on: a NULL key shows up as a group with a NULL."""
        return [
            c.name
            for c in self.source.columns
            if c.not_null and c.type == "varchar" and c.name != self.currency
        ]

    @property
    def null_counted(self) -> list[str]:
        """Columns whose NULLs are counted row by row: charge date, cost, other not-null ones."""
        names = [self.charge, self.cost]
        names += [c.name for c in self.source.columns if c.not_null and c.type != "varchar"]
        return list(dict.fromkeys(names))

    def required_types(self) -> dict[str, str]:
        """Columns every load must have, with their raw type as information_schema spells it."""
        cols = {
            c.name: c.type.upper().replace(" ", "")
            for c in self.source.columns
            if c.required or c.not_null
        }
        return {**cols, **LINEAGE_COLUMNS}


PROFILES: dict[str, RawProfile] = {
    p.source.name: p
    for p in [
        RawProfile(
            SOURCES["aws_cur2"],
            charge="line_item_usage_start_date",
            cost="line_item_unblended_cost",
            enums={
                "line_item_line_item_type": AWS_LINE_ITEM_TYPES,
                "bill_bill_type": AWS_BILL_TYPES,
            },
        ),
        RawProfile(
            SOURCES["aws_cur"],
            charge="line_item_usage_start_date",
            cost="line_item_unblended_cost",
            enums={
                "line_item_line_item_type": AWS_LINE_ITEM_TYPES,
                "bill_bill_type": AWS_BILL_TYPES,
            },
        ),
        RawProfile(
            SOURCES["azure"],
            charge="date",
            cost="cost_in_billing_currency",
            enums={"charge_type": AZURE_CHARGE_TYPES},
        ),
        RawProfile(
            SOURCES["gcp"],
            charge="usage_start_time",
            cost="cost",
            enums={"cost_type": GCP_COST_TYPES},
            month_lag=1,
            billing_timezone="America/Los_Angeles",
            corrections="cost_type = 'adjustment'",
        ),
        RawProfile(
            SOURCES["focus"],
            charge="charge_period_start",
            cost="billed_cost",
            enums={
                "charge_category": FOCUS_CHARGE_CATEGORIES,
                "charge_class": FOCUS_CHARGE_CLASSES,
            },
            month_lag=1,
            corrections="charge_class = 'Correction'",
        ),
        RawProfile(
            SOURCES["business_metrics"],
            charge="date",
            cost="metric_value",
            finance=False,
        ),
    ]
}


# --- batches -------------------------------------------------------------------------------------


def latest_period(table: str) -> Callable[[duckdb.DuckDBPyConnection], tuple[str, ...]]:
    """The latest billing period present: the default scope when no partition is given."""

    def periods(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
        try:
            (latest,) = con.execute(f"select max(_billing_period) from {table}").fetchone()
        except duckdb.CatalogException:
            return ()
        return (latest,) if latest else ()

    return periods


def schema_batch(profile: RawProfile) -> Batch:
    """One row: the raw table's columns, each holding its type (e.g. 'DECIMAL(38,12)')."""
    from great_expectations import expectations as gxe

    required = profile.required_types()

    def load(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        import pandas as pd

        rows = con.execute(
            "select column_name, replace(upper(data_type), ' ', '') from information_schema.columns "
            "where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [profile.source.table],
        ).fetchall()
        return pd.DataFrame({name: [type_] for name, type_ in rows})

    expectations: list[Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(column_set=sorted(required), exact_match=False)
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column=name, value_set=[type_])
        for name, type_ in required.items()
    ]
    return Batch("schema", load, expectations, gate=True)


def _in_scope(scope: Scope) -> list[str]:
    return list(scope.periods or ())


def billing_batch(profile: RawProfile, scope: Scope) -> Batch:
    """Keys, currency, charge-month offset, null counts and cost extremes per key combination."""
    from great_expectations import expectations as gxe

    q = quote_ident
    keys = [q(k) for k in profile.keys]
    currency = (
        [f"upper(trim({q(profile.currency)})) as billing_currency"] if profile.currency else []
    )
    offset = f"{profile.charge_month_offset_sql} as charge_month_offset"
    nulls = [f"count(*) - count({q(c)}) as {q(c + '__null_rows')}" for c in profile.null_counted]
    cost = q(profile.cost)
    sql = f"""
        select
            _billing_period as billing_period,
            _billing_account_id,
            {", ".join([*keys, *currency, offset])},
            count(*) as row_count,
            {", ".join(nulls)},
            max(abs({cost}))::double as max_abs_cost,
            sum({cost})::double as total_cost
        from {profile.table}
        where list_contains(?::varchar[], _billing_period)
        group by all
        order by row_count desc
        limit {MAX_GROUPS}
    """
    not_null = ["billing_period", "_billing_account_id", *profile.keys]
    if profile.currency:
        not_null.append("billing_currency")
    expectations: list[Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(column=c) for c in not_null
    ]
    expectations.append(
        gxe.ExpectColumnValuesToMatchRegex(column="billing_period", regex=PERIOD_REGEX)
    )
    if profile.currency:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(column="billing_currency", value_set=sorted(ISO_4217))
        )
    expectations += [
        gxe.ExpectColumnSumToBeBetween(column=f"{c}__null_rows", min_value=0, max_value=0)
        for c in profile.null_counted
    ]
    lag = f" or up to {profile.month_lag} month(s) before it" if profile.month_lag else ""
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column="charge_month_offset",
            min_value=-profile.month_lag,
            max_value=0,
            notes=f"Months from the billing period to the charge: in the period{lag}.",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="max_abs_cost",
            min_value=0,
            max_value=MAX_ABS_LINE_COST,
            notes="The largest absolute cost of a single line item, in its billing currency.",
        ),
    ]
    return Batch("profile", query(sql, [_in_scope(scope)]), expectations)


def values_batch(profile: RawProfile, scope: Scope) -> Batch:
    """The distinct values of the enum columns (NULLs allowed: the columns are optional)."""
    from great_expectations import expectations as gxe

    cols = [quote_ident(c) for c in profile.enums]
    sql = f"""
        select _billing_period as billing_period, {", ".join(cols)}, count(*) as row_count
        from {profile.table}
        where list_contains(?::varchar[], _billing_period)
        group by all
        order by row_count desc
        limit {MAX_GROUPS}
    """
    expectations = [
        gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(values))
        for c, values in profile.enums.items()
    ]
    return Batch("value_sets", query(sql, [_in_scope(scope)]), expectations)


# --- suites --------------------------------------------------------------------------------------


def _suites(profile: RawProfile) -> list[Suite]:
    key = ("raw", profile.source.table)
    common = {"partitioned": True, "default_periods": latest_period(profile.table)}
    if not profile.finance:
        return [
            Suite(
                asset_key=key,
                check_name="metrics_integrity",
                description="GX: required columns and types, not-null team and metric, dates in "
                "their billing period, no absurd metric values (warns).",
                blocking=False,
                build=lambda con, scope: [
                    schema_batch(profile),
                    billing_batch(profile, scope),
                ],
                **common,
            )
        ]
    return [
        Suite(
            asset_key=key,
            check_name="billing_integrity",
            description="GX: required columns and types, not-null keys, ISO 4217 currency, "
            "billed cost and charge date present, charge dates in the billing period, sane cost "
            "magnitude. Blocks downstream assets when it fails.",
            blocking=True,
            build=lambda con, scope: [schema_batch(profile), billing_batch(profile, scope)],
            **common,
        ),
        Suite(
            asset_key=key,
            check_name="value_sets",
            description="GX: enum columns ("
            + ", ".join(profile.enums)
            + ") hold the provider's documented values (warns).",
            blocking=False,
            # no schema gate: a missing enum column fails the batch's query, reported as such
            build=lambda con, scope: [values_batch(profile, scope)],
            **common,
        ),
    ]


SUITES: list[Suite] = [s for p in PROFILES.values() for s in _suites(p)]
