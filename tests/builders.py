"""Tiny, hand-written billing exports in the providers' real formats, for exact assertions.

Every builder writes real files (CSV, gzip, Parquet, NDJSON, manifests) the way the provider
lays them out, with costs chosen so that expected totals can be computed by hand.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path

import duckdb

PAYER = "111111111111"


def write_csv(path: Path, header: list[str], rows: list[list[object]], gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def set_mtime(path: Path, epoch_seconds: int) -> None:
    os.utime(path, (epoch_seconds, epoch_seconds))


# --- AWS CUR 2.0 ---------------------------------------------------------------------------------


def cur2_rows_sql(
    period: str,
    costs: list[str],
    account: str = "222222222222",
    payer: str = PAYER,
    currency: str = "USD",
) -> str:
    """A SELECT producing CUR 2.0 rows (real column names and types), one per cost."""
    values = ", ".join(f"({i}, {c})" for i, c in enumerate(costs))
    return f"""
        select
            'Anniversary' as bill_bill_type,
            timestamp '{period}-01 00:00:00' as bill_billing_period_start_date,
            timestamp '{period}-01 00:00:00' + interval 1 month as bill_billing_period_end_date,
            '{payer}' as bill_payer_account_id,
            'line-' || i as identity_line_item_id,
            '{currency}' as line_item_currency_code,
            'Usage' as line_item_line_item_type,
            'AmazonEC2' as line_item_product_code,
            'i-' || i as line_item_resource_id,
            cost::double as line_item_unblended_cost,
            '{account}' as line_item_usage_account_id,
            1.0::double as line_item_usage_amount,
            timestamp '{period}-02 00:00:00' as line_item_usage_start_date,
            timestamp '{period}-02 01:00:00' as line_item_usage_end_date,
            map {{'user_team': 'payments'}} as resource_tags,
            map {{}}::map(varchar, varchar) as cost_category,
            map {{'product_name': 'Amazon Elastic Compute Cloud'}} as product,
            map {{}}::map(varchar, double) as discount
        from (values {values}) t(i, cost)
    """


def write_cur2_delivery(
    aws_dir: Path,
    period: str,
    execution_id: str,
    costs: list[str],
    *,
    export: str = "acme-cur2",
    payer: str = PAYER,
    write_manifest: bool = True,
    rows_sql: str | None = None,
) -> Path:
    """Write one CUR 2.0 refresh (data file + manifest naming it). Returns the data file."""
    root = aws_dir / "cur2" / export
    data_file = (
        root / "data" / f"BILLING_PERIOD={period}" / execution_id / f"{export}-00001.snappy.parquet"
    )
    data_file.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"copy ({rows_sql or cur2_rows_sql(period, costs, payer=payer)}) "
        f"to '{data_file}' (format parquet)"
    )
    con.close()
    if write_manifest:
        manifest = root / "metadata" / f"BILLING_PERIOD={period}" / f"{export}-Manifest.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        key = data_file.relative_to(aws_dir)
        manifest.write_text(
            json.dumps(
                {
                    "executionId": execution_id,
                    "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{payer}:export/{export}-0001",
                    "exportName": export,
                    "billingPeriod": {"start": f"{period}-01T00:00:00Z"},
                    "dataFiles": [f"s3://acme-billing/{key}"],
                }
            )
        )
    return data_file


# --- AWS legacy CUR ------------------------------------------------------------------------------

LEGACY_HEADER = [
    "identity/LineItemId",
    "identity/TimeInterval",
    "bill/InvoiceId",
    "bill/BillType",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/ResourceId",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    "product/ProductName",
    "product/instanceType",
    "product/vcpu",
    "resourceTags/user:team",
    "resourceTags/user:Team",
    "resourceTags/aws:createdBy",
]


def legacy_row(
    i: int,
    cost: str,
    team: str = "",
    team_upper: str = "",
    period: str = "2025-01",
    account: str = "333333333333",
) -> list[object]:
    start = f"{period}-01T00:00:00Z"
    end_month = int(period[5:]) % 12 + 1
    end_year = int(period[:4]) + (1 if end_month == 1 else 0)
    end = f"{end_year}-{end_month:02d}-01T00:00:00Z"
    return [
        f"li{i}",
        f"{period}-03T00:00:00Z/{period}-03T01:00:00Z",
        "",
        "Anniversary",
        PAYER,
        start,
        end,
        account,
        "Usage",
        f"{period}-03T00:00:00Z",
        f"{period}-03T01:00:00Z",
        "AmazonS3",
        "TimedStorage-ByteHrs",
        f"bucket-{i}",
        "1.5",
        "USD",
        cost,
        "Amazon Simple Storage Service",
        "",
        "",
        team,
        team_upper,
        "",
    ]


def write_legacy_delivery(
    aws_dir: Path,
    period: str,
    assembly: str,
    rows: list[list[object]],
    report: str = "acme-legacy",
    header: list[str] | None = None,
) -> Path:
    start = period.replace("-", "") + "01"
    end_month = int(period[5:]) % 12 + 1
    end_year = int(period[:4]) + (1 if end_month == 1 else 0)
    end = f"{end_year}{end_month:02d}01"
    range_dir = aws_dir / "cur" / report / f"{start}-{end}"
    data_file = range_dir / assembly / f"{report}-00001.csv.gz"
    write_csv(data_file, header or LEGACY_HEADER, rows, gz=True)
    (range_dir / f"{report}-Manifest.json").write_text(
        json.dumps(
            {
                "assemblyId": assembly,
                "account": PAYER,
                "reportName": report,
                "billingPeriod": {"start": f"{start}T000000.000Z", "end": f"{end}T000000.000Z"},
                "bucket": "acme-billing",
                "reportKeys": [str(data_file.relative_to(aws_dir))],
                "compression": "GZIP",
                "contentType": "text/csv",
            }
        )
    )
    return data_file


# --- Azure ---------------------------------------------------------------------------------------

EA_HEADER = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroup",
    "Date",
    "MeterCategory",
    "MeterName",
    "Quantity",
    "EffectivePrice",
    "CostInBillingCurrency",
    "BillingCurrencyCode",
    "ResourceId",
    "Tags",
    "ChargeType",
    "PricingModel",
]
MCA_HEADER = [
    "billingAccountId",
    "billingAccountName",
    "billingPeriodStartDate",
    "billingPeriodEndDate",
    "SubscriptionId",
    "subscriptionName",
    "resourceGroupName",
    "date",
    "meterCategory",
    "meterName",
    "quantity",
    "effectivePrice",
    "costInBillingCurrency",
    "billingCurrency",
    "ResourceId",
    "tags",
    "chargeType",
    "pricingModel",
    "costInUsd",
    "invoiceId",
]


def ea_row(
    cost: str,
    tags: str = '"team": "search","env": "prod"',
    day: str = "01/05/2025",
    account: str = "8000001",
    subscription: str = "sub-ea-1",
) -> list[object]:
    return [
        account,
        "Acme EA",
        "01/01/2025",
        "01/31/2025",
        subscription,
        "Search Prod",
        "rg-search",
        day,
        "Virtual Machines",
        "D4s v5",
        "24",
        "0.2",
        cost,
        "USD",
        f"/subscriptions/{subscription}/resourceGroups/rg-search/providers/vm1",
        tags,
        "Usage",
        "OnDemand",
    ]


def mca_row(
    cost: str,
    tags: str = '{"Team": "ml"}',
    day: str = "2025-01-07",
    account: str = "acme-mca-1:billing",
) -> list[object]:
    return [
        account,
        "Acme MCA",
        "2025-01-01",
        "2025-01-31",
        "sub-mca-1",
        "ML Prod",
        "rg-ml",
        day,
        "Storage",
        "LRS",
        "100",
        "0.02",
        cost,
        "USD",
        "/subscriptions/sub-mca-1/x",
        tags,
        "Usage",
        "OnDemand",
        cost,
        "INV-1",
    ]


# --- GCP -----------------------------------------------------------------------------------------


def gcp_record(
    cost: float,
    credits: list[dict] | None = None,
    month: str = "202501",
    account: str = "01AAAA-BBBBBB-CCCCCC",
    project: str = "acme-search-prod",
) -> dict:
    return {
        "billing_account_id": account,
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": "2E27-4F75-95CD", "description": "N2 Instance Core"},
        "usage_start_time": f"{month[:4]}-{month[4:]}-05 00:00:00 UTC",
        "usage_end_time": f"{month[:4]}-{month[4:]}-05 01:00:00 UTC",
        "project": {
            "id": project,
            "number": "123456789",
            "name": project,
            "labels": [{"key": "team", "value": "search"}],
        },
        "labels": [{"key": "team", "value": "search"}, {"key": "env", "value": "prod"}],
        "location": {"location": "us-central1", "country": "US", "region": "us-central1"},
        "export_time": f"{month[:4]}-{month[4:]}-06 03:00:00 UTC",
        "cost": cost,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": 3600.0,
            "unit": "seconds",
            "amount_in_pricing_units": 1.0,
            "pricing_unit": "hour",
        },
        "credits": credits or [],
        "invoice": {"month": month},
        "cost_type": "regular",
    }


def write_ndjson(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path
