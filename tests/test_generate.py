"""finops.generate: real files, checked against the provider formats and against themselves.

One small generation (3 months from 2025-01) serves most tests; a tiny 8-month one checks the
reorg, and two more tiny ones check determinism.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops.generate import BILLED_COST_COLUMN, GenerationSummary, company, generate
from finops.generate.engine import month_range

ROWS, MONTHS, START = 20_000, 3, "2025-01"
PERIODS = ["2025-01", "2025-02", "2025-03"]
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def _words(text: str) -> list[str]:
    return text.split()


# ---- expected columns, written out from the providers' documentation -------------------------
CUR2_COLUMNS = _words("""
bill_bill_type bill_billing_entity bill_billing_period_end_date bill_billing_period_start_date
bill_invoice_id bill_invoicing_entity bill_payer_account_id bill_payer_account_name cost_category
discount discount_bundled_discount discount_total_discount identity_line_item_id
identity_time_interval line_item_availability_zone line_item_blended_cost line_item_blended_rate
line_item_currency_code line_item_legal_entity line_item_line_item_description
line_item_line_item_type line_item_net_unblended_cost line_item_net_unblended_rate
line_item_normalization_factor line_item_normalized_usage_amount line_item_operation
line_item_product_code line_item_resource_id line_item_tax_type line_item_unblended_cost
line_item_unblended_rate line_item_usage_account_id line_item_usage_account_name
line_item_usage_amount line_item_usage_end_date line_item_usage_start_date line_item_usage_type
pricing_currency pricing_lease_contract_length pricing_offering_class pricing_public_on_demand_cost
pricing_public_on_demand_rate pricing_purchase_option pricing_rate_code pricing_rate_id
pricing_term pricing_unit product product_comment product_fee_code product_fee_description
product_from_location product_from_location_type product_from_region_code product_instance_family
product_instance_type product_instancesku product_location product_location_type product_operation
product_pricing_unit product_product_family product_region_code product_servicecode product_sku
product_to_location product_to_location_type product_to_region_code product_usagetype
reservation_amortized_upfront_cost_for_usage reservation_amortized_upfront_fee_for_billing_period
reservation_availability_zone reservation_effective_cost reservation_end_time
reservation_modification_status reservation_net_amortized_upfront_cost_for_usage
reservation_net_amortized_upfront_fee_for_billing_period reservation_net_effective_cost
reservation_net_recurring_fee_for_usage reservation_net_unused_amortized_upfront_fee_for_billing_period
reservation_net_unused_recurring_fee reservation_net_upfront_value
reservation_normalized_units_per_reservation reservation_number_of_reservations
reservation_recurring_fee_for_usage reservation_reservation_a_r_n reservation_start_time
reservation_subscription_id reservation_total_reserved_normalized_units
reservation_total_reserved_units reservation_units_per_reservation
reservation_unused_amortized_upfront_fee_for_billing_period reservation_unused_normalized_unit_quantity
reservation_unused_quantity reservation_unused_recurring_fee reservation_upfront_value resource_tags
savings_plan_amortized_upfront_commitment_for_billing_period savings_plan_end_time
savings_plan_instance_type_family savings_plan_net_amortized_upfront_commitment_for_billing_period
savings_plan_net_recurring_commitment_for_billing_period savings_plan_net_savings_plan_effective_cost
savings_plan_offering_type savings_plan_payment_option savings_plan_purchase_term
savings_plan_recurring_commitment_for_billing_period savings_plan_region
savings_plan_savings_plan_a_r_n savings_plan_savings_plan_effective_cost
savings_plan_savings_plan_rate savings_plan_start_time savings_plan_total_commitment_to_date
savings_plan_used_commitment
""")

LEGACY_HEADER = _words("""
identity/LineItemId identity/TimeInterval bill/InvoiceId bill/InvoicingEntity bill/BillingEntity
bill/BillType bill/PayerAccountId bill/BillingPeriodStartDate bill/BillingPeriodEndDate
lineItem/UsageAccountId lineItem/LineItemType lineItem/UsageStartDate lineItem/UsageEndDate
lineItem/ProductCode lineItem/UsageType lineItem/Operation lineItem/AvailabilityZone
lineItem/ResourceId lineItem/UsageAmount lineItem/NormalizationFactor lineItem/NormalizedUsageAmount
lineItem/CurrencyCode lineItem/UnblendedRate lineItem/UnblendedCost lineItem/BlendedRate
lineItem/BlendedCost lineItem/LineItemDescription lineItem/TaxType lineItem/LegalEntity
product/ProductName product/instanceType product/location product/locationType product/operation
product/productFamily product/region product/servicecode product/sku product/usagetype
pricing/LeaseContractLength pricing/OfferingClass pricing/PurchaseOption pricing/RateCode
pricing/RateId pricing/currency pricing/publicOnDemandCost pricing/publicOnDemandRate pricing/term
pricing/unit reservation/AmortizedUpfrontCostForUsage reservation/AmortizedUpfrontFeeForBillingPeriod
reservation/EffectiveCost reservation/EndTime reservation/ModificationStatus
reservation/NumberOfReservations reservation/RecurringFeeForUsage reservation/ReservationARN
reservation/StartTime reservation/SubscriptionId reservation/TotalReservedUnits
reservation/UnusedAmortizedUpfrontFeeForBillingPeriod reservation/UnusedQuantity
reservation/UnusedRecurringFee reservation/UpfrontValue savingsPlan/SavingsPlanARN
savingsPlan/SavingsPlanEffectiveCost savingsPlan/SavingsPlanRate savingsPlan/TotalCommitmentToDate
savingsPlan/UsedCommitment savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod
savingsPlan/RecurringCommitmentForBillingPeriod resourceTags/aws:createdBy resourceTags/user:Team
resourceTags/user:cost-center resourceTags/user:environment resourceTags/user:owner-team
resourceTags/user:product resourceTags/user:team
""")

LEGACY_NAMES = [h.replace("user:Team", "user:Team (capital T)") for h in LEGACY_HEADER]

EA_COLUMNS = _words("""
InvoiceSectionName AccountName AccountOwnerId SubscriptionId SubscriptionName ResourceGroup
ResourceLocation Date ProductName MeterCategory MeterSubCategory MeterId MeterName MeterRegion
UnitOfMeasure Quantity EffectivePrice CostInBillingCurrency CostCenter ConsumedService ResourceId
Tags OfferId AdditionalInfo ServiceInfo1 ServiceInfo2 ResourceName ReservationId ReservationName
UnitPrice ProductOrderId ProductOrderName Term PublisherType PublisherName ChargeType Frequency
PricingModel AvailabilityZone BillingAccountId BillingAccountName BillingCurrencyCode
BillingPeriodStartDate BillingPeriodEndDate BillingProfileId BillingProfileName InvoiceSectionId
IsAzureCreditEligible PartNumber PayGPrice PlanName ServiceFamily CostAllocationRuleName
benefitId benefitName AccountId ResourceLocationNormalized
""")

MCA_COLUMNS = _words("""
invoiceId previousInvoiceId billingAccountId billingAccountName billingProfileId billingProfileName
invoiceSectionId invoiceSectionName resellerName resellerMpnId costCenter billingPeriodEndDate
billingPeriodStartDate servicePeriodEndDate servicePeriodStartDate date serviceFamily
productOrderId productOrderName consumedService meterId meterName meterCategory meterSubCategory
meterRegion ProductId ProductName SubscriptionId subscriptionName publisherType publisherId
publisherName resourceGroupName ResourceId resourceLocation location effectivePrice quantity
unitOfMeasure chargeType billingCurrency pricingCurrency costInBillingCurrency
costInPricingCurrency costInUsd paygCostInBillingCurrency paygCostInUsd
exchangeRatePricingToBilling exchangeRateDate isAzureCreditEligible serviceInfo1 serviceInfo2
additionalInfo tags PayGPrice frequency term reservationId reservationName pricingModel unitPrice
costAllocationRuleName benefitId benefitName provider
""")

FOCUS_COLUMNS = _words("""
AvailabilityZone BilledCost BillingAccountId BillingAccountName BillingAccountType BillingCurrency
BillingPeriodEnd BillingPeriodStart CapacityReservationId CapacityReservationStatus ChargeCategory
ChargeClass ChargeDescription ChargeFrequency ChargePeriodEnd ChargePeriodStart
CommitmentDiscountCategory CommitmentDiscountId CommitmentDiscountName CommitmentDiscountQuantity
CommitmentDiscountStatus CommitmentDiscountType CommitmentDiscountUnit ConsumedQuantity
ConsumedUnit ContractedCost ContractedUnitPrice EffectiveCost InvoiceId InvoiceIssuerName ListCost
ListUnitPrice PricingCategory PricingCurrency PricingCurrencyContractedUnitPrice
PricingCurrencyEffectiveCost PricingCurrencyListUnitPrice PricingQuantity PricingUnit ProviderName
PublisherName RegionId RegionName ResourceId ResourceName ResourceType ServiceCategory ServiceName
ServiceSubcategory SkuId SkuMeter SkuPriceDetails SkuPriceId SubAccountId SubAccountName
SubAccountType Tags
""")

GCP_FIELDS = [
    "billing_account_id", "service", "sku", "usage_start_time", "usage_end_time", "project", "labels",
    "system_labels", "location", "resource", "export_time", "cost", "currency", "currency_conversion_rate",
    "usage", "credits", "invoice", "cost_type", "adjustment_info", "cost_at_list", "transaction_type",
    "seller_name", "price",
]  # fmt: skip
GCP_FLAT = _words("""
billing_account_id service.id service.description sku.id sku.description usage_start_time
usage_end_time project.id project.number project.name project.labels project.ancestry_numbers labels
system_labels location.location location.country location.region location.zone resource.name
resource.global_name export_time cost currency currency_conversion_rate usage.amount usage.unit
usage.amount_in_pricing_units usage.pricing_unit credits invoice.month cost_type adjustment_info.id
adjustment_info.description adjustment_info.mode adjustment_info.type cost_at_list transaction_type
seller_name price.effective_price price.tier_start_amount price.unit price.pricing_unit_quantity
""")


# ---- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def gen(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary, list[str]]:
    out = tmp_path_factory.mktemp("generated")
    messages: list[str] = []
    summary = generate(
        out, months=MONTHS, rows=ROWS, seed=42, start=START, progress=messages.append
    )
    return out, summary, messages


@pytest.fixture(scope="session")
def out(gen: tuple[Path, GenerationSummary, list[str]]) -> Path:
    return gen[0]


@pytest.fixture(scope="session")
def summary(gen: tuple[Path, GenerationSummary, list[str]]) -> GenerationSummary:
    return gen[1]


@pytest.fixture(scope="session")
def db(out: Path) -> duckdb.DuckDBPyConnection:
    """Views over the final deliveries (manifest-listed for AWS)."""
    con = duckdb.connect()
    cur2 = [str(out / "aws" / k) for k in _cur2_manifest_keys(out)]
    legacy = [str(out / "aws" / k) for k in _legacy_manifest_keys(out)]
    views = {
        "cur2": f"read_parquet({cur2}, hive_partitioning=false)",
        # DuckDB names are case-insensitive: read user:Team under another name
        "legacy": f"read_csv({legacy}, all_varchar=true, header=false, skip=1, names={LEGACY_NAMES!r})",
        "ea": f"read_csv('{out}/azure/acme-ea-actual-cost/*/*.csv', all_varchar=true)",
        "mca": f"read_csv('{out}/azure/acme-mca-actual-cost/*/*.csv', all_varchar=true)",
        "focus": f"read_csv('{out}/focus/*/*/*/*.csv', all_varchar=true)",
        "gcp_json": f"read_json('{out}/gcp/billing-export-0B1C2D-3E4F5A-6B7C8D/*.json')",
        "gcp_parquet": f"read_parquet('{out}/gcp/billing-export-01A2B3-C4D5E6-F7A8B9/*.parquet')",
        "gcp_csv": f"read_csv('{out}/gcp/billing-export-0C9D8E-7F6A5B-4C3D2E/*.csv', all_varchar=true)",
        "business": f"read_csv('{out}/business/*.csv')",
    }
    for name, source in views.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")
    return con


def _cur2_manifest_keys(out: Path) -> list[str]:
    keys = []
    for m in sorted(
        (out / "aws/cur2/acme-cur2/metadata").glob("BILLING_PERIOD=*/acme-cur2-Manifest.json")
    ):
        keys += [
            u.removeprefix("s3://acme-billing/") for u in json.loads(m.read_text())["dataFiles"]
        ]
    return keys


def _legacy_manifest_keys(out: Path) -> list[str]:
    keys = []
    for m in sorted((out / "aws/cur/acme-legacy-cur").glob("*/acme-legacy-cur-Manifest.json")):
        keys += json.loads(m.read_text())["reportKeys"]
    return keys


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


# ---- API, summary, layout --------------------------------------------------------------------
def test_summary_counts_about_the_requested_rows(summary: GenerationSummary) -> None:
    assert abs(summary.total_rows - ROWS) <= 0.1 * ROWS
    assert summary.months == PERIODS
    assert {(p.source, p.billing_period) for p in summary.periods} == {
        (s, m) for s in BILLED_COST_COLUMN for m in PERIODS
    }
    assert all(isinstance(p.billed_total, Decimal) and p.billed_total > 0 for p in summary.periods)
    assert summary.business_rows > 0 and summary.elapsed_seconds > 0
    table = summary.table()
    assert "aws_cur2" in table and "gcp_csv" in table and "EUR" in table


def test_progress_messages_and_no_printing(gen: tuple[Path, GenerationSummary, list[str]],
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    _, summary, messages = gen
    assert re.fullmatch(r"aws_cur2 2025-0\d: [\d,]+ rows", messages[0]) or any(
        re.fullmatch(r"aws_cur2 2025-01: [\d,]+ rows", m) for m in messages
    )
    assert len([m for m in messages if not m.startswith("business")]) == len(summary.periods)
    assert capsys.readouterr().out == ""


def test_files_follow_the_landing_layout(out: Path, summary: GenerationSummary) -> None:
    rel = {p.relative_to(out).as_posix() for p in summary.files}
    assert rel == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    patterns = [
        r"aws/cur2/acme-cur2/data/BILLING_PERIOD=2025-0\d/[0-9a-f-]{36}/acme-cur2-00001\.snappy\.parquet",
        r"aws/cur2/acme-cur2/metadata/BILLING_PERIOD=2025-0\d/acme-cur2-Manifest\.json",
        r"aws/cur/acme-legacy-cur/2025\d{4}-2025\d{4}/[0-9a-f-]{36}/acme-legacy-cur-00001\.csv\.gz",
        r"aws/cur/acme-legacy-cur/2025\d{4}-2025\d{4}/acme-legacy-cur-Manifest\.json",
        r"azure/acme-(ea|mca)-actual-cost/2025\d{4}-2025\d{4}/acme-(ea|mca)-actual-cost_[0-9a-f-]{36}\.csv",
        r"focus/acme-eu-focus-cost/2025\d{4}-2025\d{4}/[0-9a-f-]{36}/part_0_0001\.csv",
        r"gcp/billing-export-[0-9A-F-]{20}/gcp_billing_export_resource_v1_[0-9A-F_]{20}-20250\d-000000000000\."
        r"(json|parquet|csv)",
        r"business/business_metrics_2025-0\d\.csv",
    ]
    unmatched = [f for f in rel if not any(re.fullmatch(p, f) for p in patterns)]
    assert unmatched == []
    assert sorted(f for f in rel if f.startswith("azure/acme-ea"))[0].startswith(
        "azure/acme-ea-actual-cost/20250101-20250131/"
    )
    assert any(f.startswith("aws/cur/acme-legacy-cur/20250101-20250201/") for f in rel)
    assert len([f for f in rel if f.endswith(".json") and f.startswith("gcp/")]) == MONTHS


def test_default_start_is_the_months_ending_last_complete_month() -> None:
    months = month_range(None, 12, today=date(2025, 3, 15))
    assert [months[0].period, months[-1].period] == ["2024-03", "2025-02"]
    assert [m.period for m in month_range("2024-11", 3)] == ["2024-11", "2024-12", "2025-01"]
    with pytest.raises(ValueError):
        month_range("2025-13", 1)


# ---- column names and types, per provider --------------------------------------------------
def test_cur2_parquet_schema(db: duckdb.DuckDBPyConnection) -> None:
    schema = db.execute("DESCRIBE SELECT * FROM cur2").fetchall()
    assert [name for name, *_ in schema] == CUR2_COLUMNS
    types = {name: typ for name, typ, *_ in schema}
    assert types["line_item_unblended_cost"] == "DOUBLE"
    assert types["savings_plan_savings_plan_effective_cost"] == "DOUBLE"
    assert (
        types["line_item_usage_start_date"]
        == types["bill_billing_period_start_date"]
        == "TIMESTAMP"
    )
    assert (
        types["resource_tags"]
        == types["product"]
        == types["cost_category"]
        == "MAP(VARCHAR, VARCHAR)"
    )
    assert types["discount"] == "MAP(VARCHAR, DOUBLE)"
    assert types["line_item_unblended_rate"] == "VARCHAR"


def test_legacy_cur_header_and_timestamps(out: Path, db: duckdb.DuckDBPyConnection) -> None:
    path = out / "aws" / _legacy_manifest_keys(out)[0]
    with gzip.open(path, "rt") as f:
        header = next(csv.reader(f))
    assert header == LEGACY_HEADER
    start, interval = db.execute(
        'SELECT "lineItem/UsageStartDate", "identity/TimeInterval" FROM legacy LIMIT 1'
    ).fetchall()[0]
    assert re.fullmatch(r"2025-0\d-\d\dT\d\d:00:00Z", start)
    assert re.fullmatch(r"\S+Z/\S+Z", interval)


def test_azure_ea_and_mca_columns(out: Path, db: duckdb.DuckDBPyConnection) -> None:
    ea = db.execute("DESCRIBE SELECT * FROM ea").fetchall()
    mca = db.execute("DESCRIBE SELECT * FROM mca").fetchall()
    assert [c for c, *_ in ea] == EA_COLUMNS and len(EA_COLUMNS) == 57
    assert [c for c, *_ in mca] == MCA_COLUMNS and len(MCA_COLUMNS) == 65
    assert re.fullmatch(r"\d\d/\d\d/2025", one(db, "SELECT min(Date) FROM ea"))
    assert re.fullmatch(r"\d\d/\d\d/2025", one(db, "SELECT min(date) FROM mca"))
    assert one(db, "SELECT count(DISTINCT BillingPeriodEndDate) FROM ea") == MONTHS
    assert one(db, "SELECT min(BillingPeriodEndDate) FROM ea") == "01/31/2025"


def test_focus_columns_in_spec_order(db: duckdb.DuckDBPyConnection) -> None:
    cols = [c for c, *_ in db.execute("DESCRIBE SELECT * FROM focus").fetchall()]
    assert cols == FOCUS_COLUMNS and len(cols) == 57
    start, currency = db.execute(
        "SELECT min(ChargePeriodStart), min(BillingCurrency) FROM focus"
    ).fetchall()[0]
    assert re.fullmatch(r"2025-\d\d-\d\dT\d\d:\d\d:\d\dZ", start)
    assert currency == "EUR"
    tags = [
        json.loads(t)
        for (t,) in db.execute("SELECT Tags FROM focus WHERE Tags IS NOT NULL").fetchall()
    ]
    assert tags and all(isinstance(t, dict) for t in tags)


def test_gcp_three_formats_same_fields(out: Path, db: duckdb.DuckDBPyConnection) -> None:
    first = (out / "gcp/billing-export-0B1C2D-3E4F5A-6B7C8D").glob("*202501*.json")
    record = json.loads(next(first).read_text().splitlines()[0])
    assert list(record) == GCP_FIELDS
    assert list(record["project"]) == ["id", "number", "name", "labels", "ancestry_numbers"]
    assert list(record["usage"]) == ["amount", "unit", "amount_in_pricing_units", "pricing_unit"]
    assert re.fullmatch(r"2025-\d\d-\d\d \d\d:\d\d:\d\d UTC", record["usage_start_time"])
    assert record["invoice"] == {"month": "202501"}
    schema = dict(
        db.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM gcp_parquet)"
        ).fetchall()
    )
    assert list(schema) == GCP_FIELDS
    assert schema["labels"] == 'STRUCT("key" VARCHAR, "value" VARCHAR)[]'
    assert schema["credits"].startswith(
        'STRUCT("name" VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR'
    )
    assert schema["cost"] == "DOUBLE" and schema["usage_start_time"] == "TIMESTAMP WITH TIME ZONE"
    cols = [c for c, *_ in db.execute("DESCRIBE SELECT * FROM gcp_csv").fetchall()]
    assert cols == GCP_FLAT
    labels, start = db.execute("SELECT labels, usage_start_time FROM gcp_csv LIMIT 1").fetchall()[0]
    assert isinstance(json.loads(labels), list) and start.endswith(" UTC")


def test_gcp_invoice_month_is_pacific_time(db: duckdb.DuckDBPyConnection) -> None:
    first = one(db, "SELECT min(usage_start_time) FROM gcp_parquet WHERE invoice.month = '202501'")
    assert str(first).startswith("2025-01-01 08:00:00")
    last = one(db, "SELECT max(usage_end_time) FROM gcp_parquet WHERE invoice.month = '202503'")
    assert str(last).startswith("2025-04-01 07:00:00")  # daylight saving time from March 9


def test_business_metrics(db: duckdb.DuckDBPyConnection) -> None:
    cols = [c for c, *_ in db.execute("DESCRIBE SELECT * FROM business").fetchall()]
    assert cols == ["date", "team", "product", "metric_name", "metric_value"]
    metrics = {m for (m,) in db.execute("SELECT DISTINCT metric_name FROM business").fetchall()}
    assert metrics == {"requests", "active_customers", "orders"}
    pairs = one(db, "SELECT count(DISTINCT (team, product)) FROM business")
    days = one(db, "SELECT count(DISTINCT date) FROM business")
    assert days == 90 and one(db, "SELECT count(*) FROM business") == pairs * days * 3
    teams = {t for (t,) in db.execute("SELECT DISTINCT team FROM business").fetchall()}
    assert teams <= set(company.TEAMS_BY_NAME)


# ---- manifests and the restated month --------------------------------------------------------
def test_cur2_manifests_list_existing_final_files(out: Path) -> None:
    for period in PERIODS:
        meta = out / f"aws/cur2/acme-cur2/metadata/BILLING_PERIOD={period}/acme-cur2-Manifest.json"
        manifest = json.loads(meta.read_text())
        assert set(manifest) >= {
            "executionId",
            "exportArn",
            "exportName",
            "billingPeriod",
            "columns",
            "dataFiles",
        }
        assert manifest["exportName"] == "acme-cur2"
        assert manifest["exportArn"].startswith(
            "arn:aws:bcm-data-exports:us-east-1:210987654321:export/acme-cur2-"
        )
        assert manifest["billingPeriod"]["start"] == f"{period}-01T00:00:00Z"
        assert [c["name"] for c in manifest["columns"]] == CUR2_COLUMNS
        for uri in manifest["dataFiles"]:
            assert uri.startswith("s3://acme-billing/cur2/acme-cur2/data/")
            key = uri.removeprefix("s3://acme-billing/")
            assert (out / "aws" / key).is_file() and f"/{manifest['executionId']}/" in key
        folders = list((out / f"aws/cur2/acme-cur2/data/BILLING_PERIOD={period}").iterdir())
        assert len(folders) == (2 if period == "2025-03" else 1)


def test_legacy_manifests(out: Path) -> None:
    for folder in ("20250101-20250201", "20250201-20250301", "20250301-20250401"):
        manifest = json.loads(
            (out / f"aws/cur/acme-legacy-cur/{folder}/acme-legacy-cur-Manifest.json").read_text()
        )
        assert manifest["account"] == "587654321098" and manifest["reportName"] == "acme-legacy-cur"
        assert manifest["billingPeriod"]["start"] == f"{folder[:8]}T000000.000Z"
        assert manifest["billingPeriod"]["end"] == f"{folder[9:]}T000000.000Z"
        assert manifest["bucket"] == "acme-billing" and manifest["compression"] == "GZIP"
        assert manifest["contentType"] == "text/csv"
        assert [f"{c['category']}/{c['name']}" for c in manifest["columns"]] == LEGACY_HEADER
        (key,) = manifest["reportKeys"]
        assert key.startswith(f"cur/acme-legacy-cur/{folder}/{manifest['assemblyId']}/")
        assert (out / "aws" / key).is_file()
        assemblies = [
            p for p in (out / f"aws/cur/acme-legacy-cur/{folder}").iterdir() if p.is_dir()
        ]
        assert len(assemblies) == (2 if folder.startswith("202503") else 1)


def test_restated_month_final_adds_refund_and_changes_costs(out: Path) -> None:
    con = duckdb.connect()
    final_key = _cur2_manifest_keys(out)[-1]
    (estimated,) = [p for p in (out / "aws/cur2/acme-cur2/data/BILLING_PERIOD=2025-03").rglob("*.parquet")
                    if final_key not in p.as_posix()]  # fmt: skip

    def stats(path: Path) -> tuple:
        return con.execute(
            f"SELECT count(*) FILTER (WHERE line_item_line_item_type = 'Refund'), sum(line_item_unblended_cost),"
            f" count(*) FILTER (WHERE bill_invoice_id IS NULL) FROM read_parquet('{path}')"
        ).fetchall()[0]

    est_refunds, est_total, est_no_invoice = stats(estimated)
    fin_refunds, fin_total, fin_no_invoice = stats(out / "aws" / final_key)
    assert (est_refunds, fin_refunds) == (0, 1)
    assert est_no_invoice > 0 and fin_no_invoice == 0
    assert est_total != pytest.approx(fin_total, rel=1e-6)


def test_summary_totals_equal_sums_over_the_written_files(db: duckdb.DuckDBPyConnection,
                                                          summary: GenerationSummary) -> None:  # fmt: skip
    queries = {
        "aws_cur2": "SELECT strftime(bill_billing_period_start_date, '%Y-%m'), sum(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) FROM cur2 GROUP BY 1",
        "aws_cur": 'SELECT left("bill/BillingPeriodStartDate", 7), sum(CAST("lineItem/UnblendedCost" AS DECIMAL(38, 10))) FROM legacy GROUP BY 1',
        "azure_ea": "SELECT strftime(strptime(BillingPeriodStartDate, '%m/%d/%Y'), '%Y-%m'), sum(CAST(CostInBillingCurrency AS DECIMAL(38, 10))) FROM ea GROUP BY 1",
        "azure_mca": "SELECT strftime(strptime(billingPeriodStartDate, '%m/%d/%Y'), '%Y-%m'), sum(CAST(costInBillingCurrency AS DECIMAL(38, 10))) FROM mca GROUP BY 1",
        "focus": "SELECT left(BillingPeriodStart, 7), sum(CAST(BilledCost AS DECIMAL(38, 10))) FROM focus GROUP BY 1",
        "gcp_json": "SELECT invoice.month, sum(CAST(cost AS DECIMAL(38, 10))) FROM gcp_json GROUP BY 1",
        "gcp_parquet": "SELECT invoice.month, sum(CAST(cost AS DECIMAL(38, 10))) FROM gcp_parquet GROUP BY 1",
        "gcp_csv": 'SELECT "invoice.month", sum(CAST(cost AS DECIMAL(38, 10))) FROM gcp_csv GROUP BY 1',
    }  # fmt: skip
    totals = summary.totals()
    for source, sql in queries.items():
        for period, total in db.execute(sql).fetchall():
            period = period if "-" in period else f"{period[:4]}-{period[4:]}"
            assert totals[(source, period)][1] == total, (source, period)
    rows = {s: one(db, f"SELECT count(*) FROM {v}") for s, v in
            {"aws_cur2": "cur2", "aws_cur": "legacy", "azure_ea": "ea", "focus": "focus", "gcp_json": "gcp_json"}.items()}  # fmt: skip
    for source, n in rows.items():
        assert sum(totals[(source, p)][0] for p in PERIODS) == n


def test_money_has_at_most_ten_decimals(out: Path, db: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            db,
            "SELECT count(*) FROM cur2 WHERE round(line_item_unblended_cost, 10) <> line_item_unblended_cost",
        )
        == 0
    )
    for view, column in [
        ("ea", "CostInBillingCurrency"),
        ("focus", "BilledCost"),
        ("legacy", '"lineItem/UnblendedCost"'),
    ]:
        too_long = one(
            db, f"SELECT count(*) FROM {view} WHERE regexp_matches({column}, '\\.\\d{{11,}}')"
        )
        assert too_long == 0, view


# ---- the bill looks like a real one ----------------------------------------------------------
def test_cur2_has_every_kind_of_line(db: duckdb.DuckDBPyConnection) -> None:
    types = {
        t for (t,) in db.execute("SELECT DISTINCT line_item_line_item_type FROM cur2").fetchall()
    }
    assert types >= {"Usage", "Tax", "Credit", "Refund", "Fee", "EdpDiscount", "SavingsPlanUpfrontFee",
                     "SavingsPlanRecurringFee", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "RIFee",
                     "DiscountedUsage"}  # fmt: skip
    negative = db.execute(
        "SELECT line_item_line_item_type, max(line_item_unblended_cost) FROM cur2 WHERE line_item_line_item_type"
        " IN ('Credit', 'Refund', 'EdpDiscount', 'SavingsPlanNegation') GROUP BY 1"
    ).fetchall()
    assert all(top < 0 for _, top in negative)
    legacy = {
        t for (t,) in db.execute('SELECT DISTINCT "lineItem/LineItemType" FROM legacy').fetchall()
    }
    assert legacy >= {"Usage", "Tax", "Credit", "Refund", "Fee", "RIFee", "DiscountedUsage"}


def test_cur2_commitment_columns_are_consistent(db: duckdb.DuckDBPyConnection) -> None:
    # per Savings Plan and day: used commitment = sum of the covered lines' SP effective cost
    diff = one(
        db,
        """
        WITH fees AS (
            SELECT savings_plan_savings_plan_a_r_n AS arn, line_item_usage_start_date AS d,
                   savings_plan_used_commitment AS used, savings_plan_total_commitment_to_date AS total
            FROM cur2 WHERE line_item_line_item_type = 'SavingsPlanRecurringFee'),
        covered AS (
            SELECT savings_plan_savings_plan_a_r_n AS arn, date_trunc('day', line_item_usage_start_date) AS d,
                   sum(savings_plan_savings_plan_effective_cost) AS eff
            FROM cur2 WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage' GROUP BY ALL)
        SELECT max(abs(coalesce(eff, 0) - used)) FROM fees LEFT JOIN covered USING (arn, d)""",
    )
    assert diff < 1e-6
    unused = one(
        db,
        "SELECT sum(savings_plan_total_commitment_to_date - savings_plan_used_commitment) FROM cur2",
    )
    assert (
        unused > 0
        and one(
            db,
            "SELECT min(savings_plan_total_commitment_to_date - savings_plan_used_commitment) FROM cur2",
        )
        >= 0
    )
    # covered usage is billed on demand and negated; discounted usage costs 0 with an effective cost
    net = one(
        db,
        "SELECT sum(line_item_unblended_cost) FROM cur2 WHERE line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'SavingsPlanNegation')",
    )
    assert abs(net) < 1e-6
    assert (
        one(
            db,
            "SELECT max(line_item_unblended_cost) FROM cur2 WHERE line_item_line_item_type = 'DiscountedUsage'",
        )
        == 0
    )
    assert (
        one(
            db,
            "SELECT min(reservation_effective_cost) FROM cur2 WHERE line_item_line_item_type = 'DiscountedUsage'",
        )
        > 0
    )
    assert (
        one(
            db,
            "SELECT min(reservation_unused_recurring_fee) FROM cur2 WHERE line_item_line_item_type = 'RIFee'",
        )
        > 0
    )


def test_azure_commitments_and_tags(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            db,
            "SELECT count(*) FROM ea WHERE ChargeType = 'Purchase' AND PricingModel = 'Reservation'",
        )
        == MONTHS
    )
    covered = db.execute(
        "SELECT max(CAST(CostInBillingCurrency AS DOUBLE)), count(*) FROM ea WHERE ChargeType = 'Usage' AND PricingModel = 'Reservation'"
    ).fetchall()[0]
    assert covered[0] == 0 and covered[1] > 0
    assert (
        one(
            db,
            "SELECT count(*) FROM mca WHERE pricingModel = 'SavingsPlan' AND chargeType = 'Purchase'",
        )
        == MONTHS
    )
    assert one(db, "SELECT count(*) FROM mca WHERE chargeType = 'Refund'") == 1
    ea_tags = [
        t for (t,) in db.execute("SELECT DISTINCT Tags FROM ea WHERE Tags IS NOT NULL").fetchall()
    ]
    assert ea_tags and all(not t.startswith("{") and t.startswith('"') for t in ea_tags)
    assert all(isinstance(json.loads("{" + t + "}"), dict) for t in ea_tags)
    mca_tags = [
        t for (t,) in db.execute("SELECT DISTINCT tags FROM mca WHERE tags IS NOT NULL").fetchall()
    ]
    assert mca_tags and all(isinstance(json.loads(t), dict) for t in mca_tags)


def test_focus_commitment_amortization_balances(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute("""
        SELECT CommitmentDiscountId,
            sum(CAST(EffectiveCost AS DECIMAL(38, 10))) FILTER (WHERE ChargeCategory = 'Usage'),
            sum(CAST(BilledCost AS DECIMAL(38, 10))) FILTER (WHERE ChargeCategory = 'Purchase'),
            count(*) FILTER (WHERE CommitmentDiscountStatus = 'Unused'),
            count(*) FILTER (WHERE CommitmentDiscountStatus = 'Used')
        FROM focus WHERE CommitmentDiscountId IS NOT NULL GROUP BY 1""").fetchall()
    assert len(rows) == 1
    _, effective, purchased, unused, used = rows[0]
    assert abs(effective - purchased) < Decimal("0.0001") and unused > 0 and used > 0
    categories = {c for (c,) in db.execute("SELECT DISTINCT ChargeCategory FROM focus").fetchall()}
    assert categories == {"Usage", "Purchase", "Adjustment", "Credit"}


def test_gcp_credits_tax_and_adjustments(db: duckdb.DuckDBPyConnection) -> None:
    types = {
        t for (t,) in db.execute("SELECT DISTINCT unnest(credits).type FROM gcp_parquet").fetchall()
    }
    assert types >= {"COMMITTED_USAGE_DISCOUNT", "SUSTAINED_USAGE_DISCOUNT", "FREE_TIER"}
    labs = {
        t
        for (t,) in db.execute(
            "SELECT DISTINCT unnest(CAST(credits AS JSON)::JSON[]) ->> 'type' FROM gcp_csv"
        ).fetchall()
    }
    assert "PROMOTION" in labs
    cost_types = {t for (t,) in db.execute("SELECT DISTINCT cost_type FROM gcp_parquet").fetchall()}
    assert cost_types == {"regular", "tax", "adjustment", "rounding_error"}
    assert (
        one(db, "SELECT count(*) FROM gcp_parquet WHERE cost_type = 'tax' AND project IS NULL") == 0
    )
    assert (
        one(
            db,
            "SELECT count(*) FROM gcp_parquet WHERE cost_type = 'rounding_error' AND project IS NULL",
        )
        == MONTHS
    )
    assert one(db, "SELECT max(cost) FROM gcp_parquet WHERE cost_type = 'adjustment'") < 0
    fee = one(db, "SELECT sum(cost) FROM gcp_parquet WHERE sku.description LIKE 'Commitment v1%'")
    assert fee > 0


def _team_key(key: str) -> bool:
    return key.strip().lower().removeprefix("user:").removeprefix("user_") in {"team", "owner-team"}


def test_tag_key_and_value_variants(db: duckdb.DuckDBPyConnection) -> None:
    cur2_keys = {
        k
        for (k,) in db.execute(
            "SELECT DISTINCT unnest(map_keys(resource_tags)) FROM cur2"
        ).fetchall()
    }
    assert {"user_team", "user_Team", "user_owner-team"} <= cur2_keys
    ea_keys = set().union(
        *(
            json.loads("{" + t + "}")
            for (t,) in db.execute("SELECT DISTINCT Tags FROM ea WHERE Tags IS NOT NULL").fetchall()
        )
    )
    assert {"team", "Team", " team"} <= ea_keys
    values = {
        v
        for (v,) in db.execute("SELECT DISTINCT resource_tags['user_team'] FROM cur2").fetchall()
        if v
    }
    assert any(v != v.lower() for v in values) and any(v != v.strip() for v in values)
    assert "tbd" in {v for (v,) in db.execute(
        "SELECT DISTINCT unnest(map_values(resource_tags)) FROM cur2").fetchall()}  # fmt: skip


def test_team_tag_coverage_is_realistic(db: duckdb.DuckDBPyConnection) -> None:
    """Share of a team's taggable usage cost (in its own accounts) that carries a team tag."""
    rows = db.execute("""
        SELECT a.team,
            sum(line_item_unblended_cost) FILTER (WHERE len(list_filter(map_keys(resource_tags),
                lambda k: lower(trim(k)) IN ('user_team', 'user_owner-team'))) > 0) / sum(line_item_unblended_cost)
        FROM cur2 JOIN read_csv(?) a ON a.account_id = line_item_usage_account_id AND a.provider = 'AWS'
        WHERE line_item_line_item_type IN ('Usage', 'SavingsPlanCoveredUsage') AND a.team NOT IN ('platform', 'security')
          AND line_item_product_code <> 'AWSDataTransfer'
        GROUP BY 1""", [str(SEEDS_DIR / "account_owners.csv")]).fetchall()  # fmt: skip
    coverage = dict(rows)
    assert len(coverage) >= 15
    assert all(0.3 <= c <= 1.0 for c in coverage.values()), coverage
    assert 0.6 <= sum(coverage.values()) / len(coverage) <= 0.95
    assert min(coverage.values()) < 0.9  # not every team tags everything
    shared = one(
        db,
        """
        SELECT count(*) FROM cur2 WHERE line_item_usage_account_name IN ('acme-network', 'acme-eks-shared')
          AND len(list_filter(map_keys(resource_tags), lambda k: lower(k) LIKE '%team%')) > 0""",
    )
    assert shared == 0


def test_each_billing_account_in_exactly_one_format(db: duckdb.DuckDBPyConnection) -> None:
    found = {
        "aws_cur2": "SELECT DISTINCT bill_payer_account_id FROM cur2",
        "aws_cur": 'SELECT DISTINCT "bill/PayerAccountId" FROM legacy',
        "azure_ea": "SELECT DISTINCT BillingAccountId FROM ea",
        "azure_mca": "SELECT DISTINCT billingAccountId FROM mca",
        "focus": "SELECT DISTINCT BillingAccountId FROM focus",
        "gcp_json": "SELECT DISTINCT billing_account_id FROM gcp_json",
        "gcp_parquet": "SELECT DISTINCT billing_account_id FROM gcp_parquet",
        "gcp_csv": "SELECT DISTINCT billing_account_id FROM gcp_csv",
    }
    ids = {k: {v for (v,) in db.execute(sql).fetchall()} for k, sql in found.items()}
    assert all(len(v) == 1 for v in ids.values())
    assert len(set().union(*ids.values())) == len(ids)
    assert ids == {b.key: {b.billing_account_id} for b in company.BILLING_ACCOUNTS}


# ---- the reorg -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def eight_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eight_months")
    generate(out, months=8, rows=16_000, seed=42, start="2025-01")
    return out


def test_reorg_splits_the_team_from_month_seven(eight_months: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT strftime(line_item_usage_start_date, '%Y-%m') AS m, lower(trim(v)) AS team
        FROM (SELECT line_item_usage_start_date, unnest(map_values(resource_tags)) AS v
              FROM read_parquet('{eight_months}/aws/cur2/acme-cur2/data/*/*/*.parquet', hive_partitioning=false))
        WHERE lower(trim(v)) LIKE 'growth%'
        UNION
        SELECT left("usage_start_time", 7), unnest(CAST(labels AS JSON)::JSON[]) ->> 'value' AS team
        FROM read_csv('{eight_months}/gcp/*/*.csv', all_varchar=true)
        WHERE labels LIKE '%growth%'""").fetchall()
    rows = [(m, t) for m, t in rows if t.startswith("growth")]
    before = {t for m, t in rows if m < "2025-07"}
    after = {t for m, t in rows if m >= "2025-07"}
    assert before == {"growth"}
    assert after == set(company.REORG_NEW_TEAMS)
    metrics = con.execute(f"""
        SELECT date >= DATE '2025-07-01', list(DISTINCT team ORDER BY team)
        FROM read_csv('{eight_months}/business/*.csv') WHERE team LIKE 'growth%' GROUP BY 1 ORDER BY 1""").fetchall()
    assert metrics == [(False, ["growth"]), (True, ["growth-acquisition", "growth-retention"])]


# ---- determinism -----------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    kwargs = {"months": 3, "rows": 6_000, "start": "2025-02"}
    a, b, c = (
        generate(tmp_path / name, seed=seed, **kwargs)
        for name, seed in (("a", 1), ("b", 1), ("c", 2))
    )
    da, db_, dc = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert da == db_ and len(da) > 30
    assert a.totals() == b.totals()
    changed = [f for f in da if f in dc and da[f] != dc[f]]
    assert len(changed) >= len(da) // 2
    assert a.totals() != c.totals()


# ---- seeds agree with the company model --------------------------------------------------------
def test_seed_files_are_written_from_company_model() -> None:
    for name, rows in company.seed_rows().items():
        with (SEEDS_DIR / name).open(newline="") as f:
            assert [tuple(r) for r in csv.reader(f)] == rows, name
    teams = {t.name for t in company.TEAMS}
    assert "unallocated" not in teams and set(company.REORG_NEW_TEAMS) <= teams
    assert all(a.owner_team in teams for a in company.ACCOUNTS)
    providers = {a.provider for a in company.ACCOUNTS}
    assert providers == {"AWS", "Microsoft", "Google Cloud"}
    assert len(company.ACCOUNTS) >= 55


def test_seeds_cover_what_the_data_uses(db: duckdb.DuckDBPyConnection) -> None:
    aliases = {k.lower() for k, _ in company.tag_key_aliases()}
    keys = {
        k
        for (k,) in db.execute(
            "SELECT DISTINCT unnest(map_keys(resource_tags)) FROM cur2"
        ).fetchall()
    }
    keys |= set().union(
        *(
            json.loads("{" + t + "}")
            for (t,) in db.execute("SELECT DISTINCT Tags FROM ea WHERE Tags IS NOT NULL").fetchall()
        )
    )
    keys |= set().union(
        *(
            json.loads(t)
            for (t,) in db.execute(
                "SELECT DISTINCT Tags FROM focus WHERE Tags IS NOT NULL"
            ).fetchall()
        )
    )
    keys |= {
        k for (k,) in db.execute("SELECT DISTINCT unnest(labels).key FROM gcp_parquet").fetchall()
    }
    keys |= {
        h.removeprefix("resourceTags/") for h in LEGACY_HEADER if h.startswith("resourceTags/")
    }
    unknown = {
        k for k in keys if k.strip().lower() not in aliases and k not in company.OTHER_TAG_KEYS
    }
    assert unknown == set()
    team_values = {v.strip().lower() for (v,) in db.execute(
        "SELECT DISTINCT resource_tags['user_team'] FROM cur2 WHERE resource_tags['user_team'] IS NOT NULL").fetchall()}  # fmt: skip
    assert team_values - {"tbd"} <= set(company.TEAMS_BY_NAME)
    owners = {(p, a) for p, a, _ in company.seed_rows()["account_owners.csv"][1:]}
    used = {
        ("AWS", a)
        for (a,) in db.execute("SELECT DISTINCT line_item_usage_account_id FROM cur2").fetchall()
    }
    used |= {
        ("Microsoft", a) for (a,) in db.execute("SELECT DISTINCT SubscriptionId FROM ea").fetchall()
    }
    used |= {
        ("Microsoft", a)
        for (a,) in db.execute(
            "SELECT DISTINCT SubAccountId FROM focus WHERE SubAccountId IS NOT NULL"
        ).fetchall()
    }
    used |= {
        ("Google Cloud", a)
        for (a,) in db.execute(
            "SELECT DISTINCT project.id FROM gcp_parquet WHERE project IS NOT NULL"
        ).fetchall()
    }
    assert used <= owners
