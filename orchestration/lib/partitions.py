"""Billing periods as Dagster partitions: one partition per calendar month (UTC)."""

from __future__ import annotations

import dagster as dg

from finops.config import Settings


def billing_period_partitions(settings: Settings | None = None) -> dg.MonthlyPartitionsDefinition:
    settings = settings or Settings.from_env()
    # end_offset=1 makes the current (open, month-to-date) billing period a partition too.
    return dg.MonthlyPartitionsDefinition(
        start_date=f"{settings.first_billing_period}-01", timezone="UTC", end_offset=1
    )


def period_of(partition_key: str) -> str:
    """'2025-03-01' -> '2025-03'."""
    return partition_key[:7]


def partition_key_of(period: str) -> str:
    """'2025-03' -> '2025-03-01'."""
    return f"{period}-01"
