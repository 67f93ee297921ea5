"""Data quality: every GX suite passes on good data and fails on a seeded defect of its kind;
the suites are Dagster asset checks on the right assets, and run through Dagster.

Raw data comes from the tiny provider files in tests/builders.py, ingested once per module and
copied per test; mart suites run on a small `marts` schema written with SQL (no dbt run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import pytest

from data_quality.data_docs import build_data_docs
from data_quality.runner import SuiteResult, run_and_record, run_suite
from data_quality.spec import Scope
from data_quality.suites import SUITES, get_suite
from finops.config import Settings
from finops.ingest import ingest
from finops.warehouse import connect_reader, connect_writer
from tests import builders as b

FOCUS_HEADER = [
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "EffectiveCost",
    "ProviderName",
    "ServiceName",
]


def write_good_landing(landing: Path, focus_sample: Path) -> None:
    """One small, valid delivery per source for January 2025 (plus the real FOCUS sample)."""
    b.write_cur2_delivery(landing / "aws", "2025-01", "exec-1", ["10.00", "20.50"])
    b.write_legacy_delivery(landing / "aws", "2025-01", "asm-1", [b.legacy_row(1, "1.25")])
    b.write_csv(landing / "azure/ea/20250101-20250131/ea.csv", b.EA_HEADER, [b.ea_row("7.00")])
    b.write_ndjson(landing / "gcp/billing-202501.json", [b.gcp_record(3.0)])
    b.write_csv(
        landing / "focus/acme-focus-2025-01.csv",
        FOCUS_HEADER,
        [
            ["acct-1", "EUR", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "Usage", "",
             "2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z", "4.20", "4.20", "Oracle", "Compute"],
            ["acct-1", "EUR", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "Tax", "",
             "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "0.80", "0.80", "Oracle", "Tax"],
        ],
    )  # fmt: skip
    (landing / "focus" / "sample").mkdir()
    shutil.copy(focus_sample, landing / "focus" / "sample" / focus_sample.name)
    b.write_csv(
        landing / "business/metrics-2025-01.csv",
        ["date", "team", "product", "metric_name", "metric_value"],
        [["2025-01-01", "search", "web", "requests", "1200"]],
    )


MARTS_SQL = """
create schema marts;
create table marts.invoice_reconciliation (
    provider varchar, billing_account_id varchar, billing_period varchar,
    billing_currency varchar, raw_row_count bigint, raw_billed_cost decimal(38, 12),
    allocated_billed_cost decimal(38, 12), billed_difference decimal(38, 12),
    effective_difference decimal(38, 12), is_reconciled boolean);
insert into marts.invoice_reconciliation values
    ('AWS', '111111111111', '2025-01', 'USD', 2, 30.50, 30.50, 0, 0, true),
    ('Google Cloud', '01AAAA-BBBBBB-CCCCCC', '2025-01', 'USD', 1, 3.00, 3.00, 0, 0, true);
create table marts.fct_allocated_cost (
    charge_date date, billing_period varchar, provider varchar, billing_account_id varchar,
    team varchar, allocation_method varchar, billed_cost decimal(38, 12),
    effective_cost decimal(38, 12), billing_currency varchar);
insert into marts.fct_allocated_cost values
    (date '2025-01-02', '2025-01', 'AWS', '111111111111', 'payments', 'tag', 30.50, 30.50, 'USD'),
    (date '2025-01-05', '2025-01', 'Google Cloud', '01AAAA-BBBBBB-CCCCCC', 'unallocated',
     'unallocated', 3.00, 3.00, 'USD');
create table marts.tag_coverage (
    billing_period varchar, provider varchar, billing_account_id varchar, sub_account_id varchar,
    taggable_cost decimal(38, 12), tagged_pct double, allocated_pct double);
insert into marts.tag_coverage values
    ('2025-01', 'AWS', '111111111111', '222222222222', 30.50, 1.0, 1.0),
    ('2025-01', 'Google Cloud', '01AAAA-BBBBBB-CCCCCC', 'acme-search-prod', 3.00, 0.0, 0.25),
    ('2025-01', 'Microsoft', '8000001', 'sub-ea-1', 0, null, null);
"""


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory, focus_sample: Path) -> Path:
    """A warehouse with every source loaded from good files and a small marts schema."""
    root = tmp_path_factory.mktemp("dq_good")
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=root / "landing",
        duckdb_path=root / "warehouse" / "finops.duckdb",
        output_dir=root / "output",
    )
    write_good_landing(settings.landing_dir, focus_sample)
    ingest(settings)
    with connect_writer(settings) as con:
        con.execute(MARTS_SQL)
    return settings.duckdb_path


@pytest.fixture
def warehouse(settings: Settings, good_warehouse: Path) -> Settings:
    """This test's own copy of the good warehouse."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(good_warehouse, settings.duckdb_path)
    return settings


def run(settings: Settings, suite: str, scope: Scope | None = None) -> SuiteResult:
    con = connect_reader(settings)
    try:
        return run_suite(con, get_suite(suite), scope)
    finally:
        con.close()


def seed(settings: Settings, sql: str) -> None:
    with connect_writer(settings) as con:
        con.execute(sql)


def failed(result: SuiteResult) -> dict[str, object]:
    """Failing expectation -> its unexpected count (or observed value)."""
    assert not result.success, result.summary()
    return {
        f.expectation: f.unexpected_count if f.unexpected_count is not None else f.observed_value
        for f in result.failures
    }


# --- good data -------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", [s.name for s in SUITES])
def test_every_suite_passes_on_good_data(warehouse: Settings, suite: str) -> None:
    result = run(warehouse, suite)
    assert result.success, result.summary()
    assert result.rows and all(n > 0 for n in result.rows.values()), result.rows
    if get_suite(suite).partitioned:
        assert result.scope == "2025-01"  # no partition given: the latest period present


def test_the_real_focus_sample_passes_with_its_late_row(warehouse: Settings) -> None:
    # The FinOps Foundation sample bills one September charge in October: allowed (month_lag=1).
    scope = Scope(periods=("2024-09", "2024-10"))
    for name in ("billing_integrity", "value_sets"):
        result = run(warehouse, f"raw.focus_cost_and_usage.{name}", scope)
        assert result.success, result.summary()


# --- raw defects, one per class ----------------------------------------------------------------


def test_null_key_and_missing_billed_cost_fail_billing_integrity(warehouse: Settings) -> None:
    seed(
        warehouse,
        "update raw.aws_cur2_line_items set line_item_usage_account_id = null "
        "where identity_line_item_id = 'line-0'; "
        "update raw.aws_cur2_line_items set line_item_unblended_cost = null "
        "where identity_line_item_id = 'line-1'",
    )
    failures = failed(run(warehouse, "raw.aws_cur2_line_items.billing_integrity"))
    assert failures == {
        "expect_column_values_to_not_be_null(line_item_usage_account_id)": 1,
        "expect_column_sum_to_be_between(line_item_unblended_cost__null_rows)": 1,
    }


def test_missing_required_column_fails_the_schema_and_skips_the_profile(
    warehouse: Settings,
) -> None:
    seed(warehouse, "alter table raw.gcp_billing_export drop column cost")
    result = run(warehouse, "raw.gcp_billing_export.billing_integrity")
    assert "expect_table_columns_to_match_set" in failed(result)
    assert any("missing column cost" in f.examples for f in result.failures)
    assert result.skipped == ["profile"]


def test_unknown_enum_value_fails_value_sets_only(warehouse: Settings) -> None:
    seed(warehouse, "update raw.aws_cur2_line_items set line_item_line_item_type = 'Bogus'")
    result = run(warehouse, "raw.aws_cur2_line_items.value_sets")
    assert failed(result) == {"expect_column_values_to_be_in_set(line_item_line_item_type)": 1}
    assert result.failures[0].examples == ["Bogus"]
    assert run(warehouse, "raw.aws_cur2_line_items.billing_integrity").success


def test_non_iso_currency_fails(warehouse: Settings) -> None:
    seed(warehouse, "update raw.gcp_billing_export set currency = 'BTC'")
    result = run(warehouse, "raw.gcp_billing_export.billing_integrity")
    assert failed(result) == {"expect_column_values_to_be_in_set(billing_currency)": 1}
    assert result.failures[0].examples == ["BTC"]


def test_charge_date_outside_the_billing_period_fails(warehouse: Settings) -> None:
    seed(warehouse, "update raw.azure_cost_details set date = date '2025-03-05'")
    result = run(warehouse, "raw.azure_cost_details.billing_integrity")
    assert failed(result) == {"expect_column_values_to_be_between(charge_month_offset)": 1}
    assert result.failures[0].examples == [2]  # two months after its billing period


@pytest.mark.parametrize(
    ("suite", "sql", "passes"),
    [
        # GCP cuts invoice months in US Pacific time: 05:00 UTC on Feb 1st is still January.
        ("gcp", "update raw.gcp_billing_export set usage_start_time = '2025-02-01 05:00'", True),
        ("gcp", "update raw.gcp_billing_export set usage_start_time = '2025-02-01 09:00'", False),
        # A FOCUS correction may fix any earlier period.
        (
            "focus",
            "update raw.focus_cost_and_usage set charge_class = 'Correction', "
            "charge_period_start = '2024-06-03' where billed_cost = 4.2",
            True,
        ),
    ],
)
def test_billing_period_tolerances(warehouse: Settings, suite: str, sql: str, passes: bool) -> None:
    seed(warehouse, sql)
    table = {"gcp": "gcp_billing_export", "focus": "focus_cost_and_usage"}[suite]
    result = run(warehouse, f"raw.{table}.billing_integrity")
    assert result.success == passes, result.summary()


def test_absurd_cost_magnitude_fails(warehouse: Settings) -> None:
    seed(
        warehouse,
        "update raw.focus_cost_and_usage set billed_cost = 4.2e13 where billed_cost = 4.2",
    )
    failures = failed(run(warehouse, "raw.focus_cost_and_usage.billing_integrity"))
    assert failures == {"expect_column_values_to_be_between(max_abs_cost)": 1}


# --- mart defects --------------------------------------------------------------------------------


def test_broken_conservation_fails_invoice_reconciled(warehouse: Settings) -> None:
    seed(
        warehouse,
        "update marts.invoice_reconciliation set allocated_billed_cost = 31.50, "
        "billed_difference = 1.00, is_reconciled = false where provider = 'AWS'",
    )
    assert failed(run(warehouse, "marts.invoice_reconciliation.invoice_reconciled")) == {
        "expect_column_values_to_be_between(billed_difference)": 1,
        "expect_column_values_to_be_in_set(is_reconciled)": 1,
    }


def test_null_team_fails_team_assigned(warehouse: Settings) -> None:
    seed(warehouse, "update marts.fct_allocated_cost set team = null where provider = 'AWS'")
    assert failed(run(warehouse, "marts.fct_allocated_cost.team_assigned")) == {
        "expect_column_values_to_not_be_null(team)": 1
    }


def test_coverage_out_of_range_fails(warehouse: Settings) -> None:
    # 85.0 is "85 %" on the wrong scale: the mart stores shares in 0..1.
    seed(warehouse, "update marts.tag_coverage set tagged_pct = 85.0 where provider = 'AWS'")
    result = run(warehouse, "marts.tag_coverage.coverage_in_range")
    assert failed(result) == {"expect_column_values_to_be_between(tagged_pct)": 1}
    assert result.failures[0].examples == [85.0]


def test_future_charge_date_fails(warehouse: Settings) -> None:
    future = dt.date.today() + dt.timedelta(days=30)
    seed(
        warehouse,
        f"insert into marts.fct_allocated_cost values (date '{future}', '{future:%Y-%m}', "
        "'AWS', '111111111111', 'payments', 'tag', 1, 1, 'USD')",
    )
    result = run(warehouse, "marts.fct_allocated_cost.charge_dates_not_future")
    assert failed(result) == {"expect_column_values_to_be_between(charge_date)": 1}
    assert result.failures[0].examples == [f"{future}T00:00:00"]


def test_stale_raw_data_fails_freshness(warehouse: Settings) -> None:
    tables = [
        "aws_cur2_line_items",
        "aws_cur_line_items",
        "azure_cost_details",
        "gcp_billing_export",
        "focus_cost_and_usage",
        "business_metrics",
    ]
    seed(
        warehouse,
        "; ".join(f"update raw.{t} set _loaded_at = _loaded_at - interval 10 day" for t in tables),
    )
    failures = failed(run(warehouse, "marts.fct_allocated_cost.source_data_fresh"))
    assert list(failures) == ["expect_column_min_to_be_between(age_hours)"]
    assert failures["expect_column_min_to_be_between(age_hours)"] > 240


# --- records and Data Docs -------------------------------------------------------------------


def test_results_are_recorded_and_rendered_as_data_docs(warehouse: Settings) -> None:
    seed(warehouse, "update marts.fct_allocated_cost set team = null")
    for name in ("marts.fct_allocated_cost.team_assigned", "marts.tag_coverage.coverage_in_range"):
        run_and_record(warehouse, get_suite(name))
    index = build_data_docs(warehouse)
    assert index == warehouse.output_dir / "data_docs" / "index.html"
    page = index.read_text()
    # the static summary (readable offline) links the rendered validation pages
    assert "marts.fct_allocated_cost.team_assigned" in page and "FAILED" in page
    pages = sorted((index.parent / "validations").rglob("*.html"))
    assert [p.relative_to(index.parent).parts[1:4] for p in pages] == [
        ("marts", "fct_allocated_cost", "team_assigned"),
        ("marts", "tag_coverage", "coverage_in_range"),
    ]
    assert all(p.relative_to(index.parent).as_posix() in page for p in pages)


# --- Dagster ---------------------------------------------------------------------------------------


BLOCKING = {
    ("raw/aws_cur2_line_items", "billing_integrity"),
    ("raw/aws_cur_line_items", "billing_integrity"),
    ("raw/azure_cost_details", "billing_integrity"),
    ("raw/gcp_billing_export", "billing_integrity"),
    ("raw/focus_cost_and_usage", "billing_integrity"),
    ("marts/invoice_reconciliation", "invoice_reconciled"),
    ("marts/fct_allocated_cost", "team_assigned"),
}
WARNING = {
    ("raw/aws_cur2_line_items", "value_sets"),
    ("raw/aws_cur_line_items", "value_sets"),
    ("raw/azure_cost_details", "value_sets"),
    ("raw/gcp_billing_export", "value_sets"),
    ("raw/focus_cost_and_usage", "value_sets"),
    ("raw/business_metrics", "metrics_integrity"),
    ("marts/fct_allocated_cost", "charge_dates_not_future"),
    ("marts/fct_allocated_cost", "source_data_fresh"),
    ("marts/tag_coverage", "coverage_in_range"),
}


def test_checks_are_registered_on_the_right_assets_with_blocking_flags() -> None:
    from orchestration.definitions import defs as pipeline_defs
    from orchestration.defs.data_quality import checks

    defs = pipeline_defs
    mine = {spec.key for c in checks.defs.asset_checks for spec in c.check_specs}
    if not mine & set(defs.resolve_asset_graph().asset_check_keys):
        defs = dg.Definitions.merge(defs, checks.defs)  # not merged into definitions.py yet
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec
        for checks_def in checks.defs.asset_checks
        for spec in checks_def.check_specs
    }
    assert set(specs) == BLOCKING | WARNING
    for (asset, name), spec in specs.items():
        assert spec.asset_key in graph.get_all_asset_keys(), asset
        assert spec.key in graph.asset_check_keys
        assert spec.blocking == ((asset, name) in BLOCKING), (asset, name)
        # raw checks validate the billing periods their asset just loaded
        assert (spec.partitions_def is not None) == asset.startswith("raw/"), (asset, name)
    job_checks = defs.resolve_job_def("finops_pipeline").asset_layer.asset_graph.asset_check_keys
    assert {s.key for s in specs.values()} <= set(job_checks)


def test_a_raw_check_runs_through_dagster_on_the_materialized_partition(
    settings: Settings,
) -> None:
    from orchestration.defs.data_quality.checks import ASSET_CHECKS
    from orchestration.defs.ingestion.assets import INGESTION_ASSETS
    from orchestration.lib.resources import FinopsSettings

    key = dg.AssetKey(["raw", "aws_cur2_line_items"])
    asset = next(a for a in INGESTION_ASSETS if key in a.keys)
    asset_checks = [c for c in ASSET_CHECKS if any(s.asset_key == key for s in c.check_specs)]

    def materialize() -> dict[str, dg.AssetCheckEvaluation]:
        result = dg.materialize(
            [asset, *asset_checks],
            partition_key="2025-01-01",
            resources={"finops": FinopsSettings()},
            raise_on_error=False,
        )
        return {e.check_name: e for e in result.get_asset_check_evaluations()}

    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["10.00", "20.50"])
    b.write_cur2_delivery(aws, "2024-12", "exec-1", ["1e13"])  # another period: not in scope
    ingest(settings, periods=["2024-12"])
    good = materialize()
    assert set(good) == {"billing_integrity", "value_sets"}
    assert good["billing_integrity"].passed, good["billing_integrity"].description
    assert good["billing_integrity"].metadata["scope"].value == "2025-01"
    assert good["billing_integrity"].metadata["expectations_failed"].value == 0
    assert Path(good["billing_integrity"].metadata["data_docs"].value).exists()
    assert "reused_validation" not in good["billing_integrity"].metadata

    # Nothing new landed: the same loads passed before, so the rows are not read again.
    again = materialize()["billing_integrity"]
    assert again.passed
    assert "reused_validation" in again.metadata
    assert "expectations_failed" not in again.metadata
    assert "not read again" in again.description

    # A restatement with an absurd cost: the blocking check fails and says why.
    b.write_cur2_delivery(aws, "2025-01", "exec-2", ["10.00", "2.5e12"])
    bad = materialize()["billing_integrity"]
    assert not bad.passed
    assert bad.severity == dg.AssetCheckSeverity.ERROR
    assert bad.metadata["expectations_failed"].value == 1
    [failure] = bad.metadata["failed_expectations"].value
    assert failure["expectation"] == "expect_column_values_to_be_between(max_abs_cost)"
    assert failure["unexpected_count"] == 1 and failure["examples"] == [2.5e12]

    # A failure is never reused: rerun without a fix, it is validated and reported again.
    still_bad = materialize()["billing_integrity"]
    assert not still_bad.passed
    assert "reused_validation" not in still_bad.metadata
    assert still_bad.metadata["expectations_failed"].value == 1
