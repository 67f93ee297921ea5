"""dbt end to end: generated sample data, the real FOCUS sample and tiny hand-checked exports.

Each warehouse is built once per session (`dbt build`: seeds, models, unit tests, data tests)
and the tests then read the marts. Assertions are on money, to the cent or exactly.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import finops.transform
from finops.config import DBT_PROJECT_DIR, SEEDS_DIR, Settings
from finops.ingest import ingest
from finops.transform import DbtFailed, run_dbt
from tests import builders as b
from tests.warehouses import Warehouse, build, dbt_args, make_settings

pytestmark = pytest.mark.slow

CENT = Decimal("0.005")


# --- warehouses (built once per session) --------------------------------------------------------


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    from finops.generate import generate

    root = tmp_path_factory.mktemp("dbt_generated")
    settings = make_settings(root)
    generate(settings.landing_dir, months=2, rows=20_000, seed=7, start="2025-01")
    ingest(settings)
    return Warehouse(settings, root, build(settings, root))


@pytest.fixture(scope="session")
def focus(tmp_path_factory: pytest.TempPathFactory, focus_sample: Path) -> Warehouse:
    root = tmp_path_factory.mktemp("dbt_focus_sample")
    settings = make_settings(root)
    target = settings.landing_dir / "focus" / "finops-foundation" / focus_sample.name
    target.parent.mkdir(parents=True)
    shutil.copy(focus_sample, target)
    ingest(settings)
    return Warehouse(settings, root, build(settings, root))


TINY_PAYMENTS_ACCOUNT = "412345678901"  # acme-payments-prod, owned by `payments`


def tiny_cur2_sql() -> str:
    """Four CUR 2.0 lines in January 2025 on the payments account, costs chosen to hand-check."""
    rows = [
        ("Usage", "AmazonEC2", "'i-1'", "60.00", "map {'user_team': 'payments'}"),
        ("Usage", "AmazonEC2", "'i-2'", "30.00", "map {'user_Team': 'Checkout '}"),
        ("Usage", "AmazonS3", "'bucket-3'", "10.00", "map {'user_owner-team': 'tbd'}"),
        ("Tax", "AmazonEC2", "NULL", "5.00", "map {}::map(varchar, varchar)"),
    ]
    values = ", ".join(
        f"('{lt}', '{code}', {rid}, {cost}, {tags})" for lt, code, rid, cost, tags in rows
    )
    return f"""
        select
            'Anniversary' as bill_bill_type,
            timestamp '2025-01-01 00:00:00' as bill_billing_period_start_date,
            timestamp '2025-02-01 00:00:00' as bill_billing_period_end_date,
            '{b.PAYER}' as bill_payer_account_id,
            'USD' as line_item_currency_code,
            lt as line_item_line_item_type,
            code as line_item_product_code,
            rid as line_item_resource_id,
            cost::double as line_item_unblended_cost,
            '{TINY_PAYMENTS_ACCOUNT}' as line_item_usage_account_id,
            1.0::double as line_item_usage_amount,
            timestamp '2025-01-02 00:00:00' as line_item_usage_start_date,
            timestamp '2025-01-02 01:00:00' as line_item_usage_end_date,
            tags as resource_tags,
            map {{}}::map(varchar, varchar) as cost_category,
            map {{'product_name': code}} as product,
            map {{}}::map(varchar, double) as discount
        from (values {values}) t(lt, code, rid, cost, tags)
    """


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("dbt_tiny")
    settings = make_settings(root)
    landing = settings.landing_dir
    b.write_cur2_delivery(landing / "aws", "2025-01", "exec-1", [], rows_sql=tiny_cur2_sql())
    b.write_csv(
        landing / "azure" / "ea-export" / "20250101-20250131" / "ea-export_1.csv",
        b.EA_HEADER,
        [b.ea_row("12.34"), b.ea_row("7.66", tags="")],
    )
    sud = [
        {
            "name": "Sustained usage discount",
            "amount": -0.5,
            "full_name": "SUD",
            "id": "sud",
            "type": "SUSTAINED_USAGE_DISCOUNT",
        }
    ]
    record = b.gcp_record(2.5, sud)
    record["resource"] = {"name": "vm-search-1", "global_name": "//compute/vm-search-1"}
    b.write_ndjson(landing / "gcp" / "main" / "billing-000000000000.json", [record])
    ingest(settings)
    return Warehouse(settings, root, build(settings, root))


# --- generated sample data ----------------------------------------------------------------------


def test_generated_build_passes_with_coverage_warnings_only(generated: Warehouse) -> None:
    bad = {uid: s for uid, s in generated.statuses.items() if s in ("error", "fail")}
    assert bad == {}
    warned = [uid for uid, s in generated.statuses.items() if s == "warn"]
    assert warned and all("tag_coverage" in uid for uid in warned)
    unit_tests = [uid for uid in generated.statuses if uid.startswith("unit_test.")]
    assert len(unit_tests) >= 6
    assert all(generated.statuses[uid] == "pass" for uid in unit_tests)


def test_generated_invoices_reconcile_to_the_cent(generated: Warehouse) -> None:
    rows = generated.query(
        "select provider, billing_account_id, billing_period, billed_difference, "
        "effective_difference, is_reconciled from marts.invoice_reconciliation"
    )
    # 8 billing accounts (2 AWS, 3 Azure incl. the FOCUS export, 3 GCP) x 2 months
    assert len(rows) == 16
    assert {r[0] for r in rows} == {"AWS", "Microsoft", "Google Cloud"}
    for provider, account, period, billed_diff, effective_diff, ok in rows:
        assert billed_diff == 0, (provider, account, period, billed_diff)
        assert effective_diff == 0, (provider, account, period, effective_diff)
        assert ok


def test_generated_allocated_totals_equal_raw_totals(generated: Warehouse) -> None:
    """Recomputed here straight from raw, independently of the dbt models."""
    raw = Decimal(0)
    for sql in (
        "select sum(line_item_unblended_cost) from raw.aws_cur2_line_items",
        "select sum(line_item_unblended_cost) from raw.aws_cur_line_items",
        "select sum(cost_in_billing_currency) from raw.azure_cost_details",
        "select sum(billed_cost) from raw.focus_cost_and_usage",
        "select sum(cost) from raw.gcp_billing_export",
        "select sum(c.amount::decimal(38, 12)) from raw.gcp_billing_export, "
        'unnest(from_json(credits, \'[{"amount": "DOUBLE"}]\')) as t(c)',
    ):
        raw += generated.scalar(sql) or Decimal(0)
    allocated = generated.scalar("select sum(billed_cost) from marts.fct_allocated_cost")
    # GCP credits are re-read here as DOUBLE, so allow a rounding hair below a cent
    assert abs(allocated - raw) < CENT


def test_generated_teams_are_known_and_costs_split(generated: Warehouse) -> None:
    teams = {t for (t,) in generated.query("select team from seeds.teams")}
    used = {t for (t,) in generated.query("select distinct team from marts.fct_allocated_cost")}
    assert used - teams <= {"unallocated"}
    methods = dict(
        generated.query(
            "select allocation_method, count(*) from marts.fct_allocated_cost group by 1"
        )
    )
    assert {"tag", "rule", "account", "shared"} <= set(methods)
    # the Kubernetes platform account is split by fixed weights over exactly its 8 teams
    eks = generated.query(
        "select count(distinct team) from marts.fct_allocated_cost where shared_rule_id = 'S030'"
    )
    assert eks == [(8,)]
    # unused commitment stays visible and goes to platform by rule
    unused = generated.query(
        "select distinct team, allocation_method from marts.fct_allocated_cost "
        "where commitment_discount_status = 'Unused' and provider = 'AWS'"
    )
    assert unused == [("platform", "rule")]


def test_generated_reporting_currency_uses_the_months_rate(generated: Warehouse) -> None:
    rows = generated.query(
        """
        select distinct f.billing_period, f.exchange_rate, r.rate
        from marts.fct_allocated_cost f
        join seeds.exchange_rates r
          on r.billing_period = f.billing_period and r.from_currency = 'EUR'
        where f.billing_currency = 'EUR'
        order by 1
        """
    )
    assert [p for p, _, _ in rows] == ["2025-01", "2025-02"]
    assert all(rate == seed_rate for _, rate, seed_rate in rows)
    assert (
        generated.scalar(
            "select count(*) from marts.fct_allocated_cost where billing_currency = 'USD' "
            "and exchange_rate <> 1"
        )
        == 0
    )


def test_generated_team_and_unit_cost_marts_add_up(generated: Warehouse) -> None:
    fct = generated.scalar("select sum(effective_cost_reporting) from marts.fct_allocated_cost")
    daily = generated.scalar("select sum(effective_cost) from marts.team_cost_daily")
    monthly = generated.scalar("select sum(effective_cost) from marts.team_cost_monthly")
    assert abs(fct - daily) < CENT and abs(fct - monthly) < CENT
    split = generated.scalar(
        "select sum(direct_effective_cost + shared_effective_cost - effective_cost) "
        "from marts.team_cost_monthly"
    )
    assert abs(split) < CENT
    per_1k = generated.query(
        "select count(*) from marts.unit_cost_monthly "
        "where metric_name = 'requests' and team_cost_per_unit > 0 and unit_scale = 1000"
    )
    assert per_1k[0][0] > 0


def test_generated_untagged_spend_names_likely_owners(generated: Warehouse) -> None:
    rows = generated.query(
        "select scope, likely_owner, effective_cost from marts.untagged_spend "
        "where spend_rank = 1 and provider = 'AWS' and billing_period = '2025-01'"
    )
    assert {scope for scope, _, _ in rows} == {"resource", "account"}
    assert all(owner and cost > 0 for _, owner, cost in rows)


# --- the FinOps Foundation's FOCUS 1.0 sample ---------------------------------------------------


def test_focus_sample_billed_total_to_the_cent(focus: Warehouse) -> None:
    total = focus.scalar("select sum(billed_cost) from marts.fct_allocated_cost")
    assert total == Decimal("20.520226728990")
    assert round(total, 2) == Decimal("20.52")
    assert focus.scalar("select sum(effective_cost) from marts.fct_allocated_cost") == Decimal(
        "14.976514185860"
    )


def test_focus_sample_split_by_provider(focus: Warehouse) -> None:
    rows = focus.query(
        "select provider, sum(raw_row_count), sum(raw_billed_cost), sum(allocated_billed_cost), "
        "bool_and(is_reconciled) from marts.invoice_reconciliation group by 1 order by 1"
    )
    assert rows == [
        ("AWS", 942, Decimal("18.006638618400"), Decimal("18.006638618400"), True),
        ("Microsoft", 51, Decimal("1.976514185860"), Decimal("1.976514185860"), True),
        ("Oracle", 7, Decimal("0.537073924730"), Decimal("0.537073924730"), True),
    ]
    # another company's data: nobody in seeds/teams.csv owns it
    assert focus.query("select distinct team from marts.fct_allocated_cost") == [("unallocated",)]
    assert not [s for s in focus.statuses.values() if s in ("error", "fail")]


def test_focus_sample_enums_and_tags_normalized(focus: Warehouse) -> None:
    frequencies = {
        f
        for (f,) in focus.query(
            "select distinct charge_frequency from intermediate.int_cost__focus_unioned"
        )
    }
    assert frequencies <= {"Usage-Based", "One-Time", "Recurring"}
    # the sample's ' org' key (leading space) and 'org' collapse into one canonical key
    keys = focus.query(
        "select count(*) from intermediate.int_cost__tags_normalized "
        "where list_contains(map_keys(tags), ' org')"
    )
    assert keys == [(0,)]


# --- tiny hand-checked exports -------------------------------------------------------------------


COVERAGE_COLUMNS = (
    "sub_account_id",
    "taggable_cost",
    "tagged_cost",
    "untagged_cost",
    "invalid_team_tag_cost",
    "allocated_cost",
    "tagged_pct",
    "allocated_pct",
    "tax_cost",
    "credit_cost",
)


def coverage(w: Warehouse, provider: str) -> dict[str, object]:
    rows = w.query(
        f"select {', '.join(COVERAGE_COLUMNS)} from marts.tag_coverage where provider = ?",
        [provider],
    )
    assert len(rows) == 1, rows
    row = dict(zip(COVERAGE_COLUMNS, rows[0], strict=True))
    row["tagged_pct"] = round(row["tagged_pct"], 4)
    row["allocated_pct"] = round(row["allocated_pct"], 4)
    return row


def expected_coverage(sub: str, *values: str | float) -> dict[str, object]:
    money = [Decimal(v) if isinstance(v, str) else v for v in values]
    return dict(zip(COVERAGE_COLUMNS, [sub, *money], strict=True))


def test_tiny_tag_coverage_is_hand_checked(tiny: Warehouse) -> None:
    #                     taggable tagged untagged invalid allocated  pct  alloc%  tax  credit
    # AWS: 60 tagged payments + 30 tagged 'Checkout ' (valid after trim/lowercase)
    #      + 10 tagged 'tbd' (not a team: counted untagged, allocated to the account owner); tax 5
    assert coverage(tiny, "AWS") == expected_coverage(
        TINY_PAYMENTS_ACCOUNT, "100.00", "90.00", "10.00", "10.00", "100.00", 0.9, 1.0, "5", "0"
    )
    # Azure EA (tags without braces): 12.34 tagged search, 7.66 untagged on an unowned subscription
    assert coverage(tiny, "Microsoft") == expected_coverage(
        "sub-ea-1", "20.00", "12.34", "7.66", "0", "12.34", 0.617, 0.617, "0", "0"
    )
    # GCP: 2.50 tagged usage, its -0.50 credit reported apart
    assert coverage(tiny, "Google Cloud") == expected_coverage(
        "acme-search-prod", "2.50", "2.50", "0", "0", "2.50", 1.0, 1.0, "0", "-0.50"
    )


def test_tiny_attribution_and_reconciliation(tiny: Warehouse) -> None:
    rows = tiny.query(
        "select resource_id, team, allocation_method from marts.fct_allocated_cost "
        "where provider = 'AWS' order by 1 nulls last"
    )
    assert rows == [
        ("bucket-3", "payments", "account"),
        ("i-1", "payments", "tag"),
        ("i-2", "checkout", "tag"),
        (None, "payments", "account"),
    ]
    assert tiny.query(
        "select provider, raw_billed_cost, allocated_billed_cost from marts.invoice_reconciliation "
        "order by 1"
    ) == [
        ("AWS", Decimal("105.00"), Decimal("105.00")),
        ("Google Cloud", Decimal("2.00"), Decimal("2.00")),
        ("Microsoft", Decimal("20.00"), Decimal("20.00")),
    ]


def test_tiny_coverage_warning_lists_the_account(tiny: Warehouse) -> None:
    (test_id,) = [uid for uid in tiny.statuses if "tag_coverage_by_account" in uid]
    assert tiny.statuses[test_id] == "warn"
    assert tiny.query(
        "select provider, sub_account_id, coverage, breach_level "
        "from dbt_test__audit.tag_coverage_by_account"
    ) == [("Microsoft", "sub-ea-1", 0.617, "warn")]


def test_coverage_below_error_threshold_fails_but_marts_still_build(tiny: Warehouse) -> None:
    workdir = tiny.workdir / "strict"
    statuses = build(
        tiny.settings,
        workdir,
        "--vars",
        json.dumps({"tag_coverage_error_below": 0.7}),
        check=False,
    )
    failed = {uid for uid, s in statuses.items() if s in ("fail", "error")}
    assert len(failed) == 1 and "tag_coverage_by_account" in next(iter(failed))
    marts = [uid for uid in statuses if uid.startswith("model.finops.") and "int_" not in uid]
    assert len(marts) >= 9 and all(statuses[uid] == "success" for uid in marts)
    assert tiny.query(
        "select sub_account_id, breach_level from dbt_test__audit.tag_coverage_by_account"
    ) == [("sub-ea-1", "error")]
    with pytest.raises(DbtFailed, match="tag_coverage_by_account"):
        run_dbt(
            tiny.settings,
            dbt_args(
                workdir,
                "test",
                "--select",
                "tag_coverage",
                "--vars",
                json.dumps({"tag_coverage_error_below": 0.7}),
            ),
        )


# --- a currency without an exchange rate ---------------------------------------------------------


@pytest.fixture
def gbp_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = make_settings(tmp_path)
    header = [
        "BilledCost",
        "EffectiveCost",
        "BillingAccountId",
        "BillingCurrency",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargeCategory",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ProviderName",
        "ServiceName",
        "ServiceCategory",
    ]
    row = [
        "1.00",
        "1.00",
        "uk-1",
        "GBP",
        "2025-01-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
        "Usage",
        "2025-01-05T00:00:00Z",
        "2025-01-06T00:00:00Z",
        "Oracle",
        "COMPUTE",
        "Compute",
    ]
    b.write_csv(settings.landing_dir / "focus" / "uk.csv", header, [row])
    ingest(settings)
    yield settings


def test_missing_exchange_rate_names_currency_and_month(
    gbp_settings: Settings, tmp_path: Path
) -> None:
    assert "GBP" not in (SEEDS_DIR / "exchange_rates.csv").read_text()
    with pytest.raises(
        DbtFailed, match=r"missing exchange rate GBP -> USD for billing period 2025-01"
    ):
        run_dbt(
            gbp_settings,
            dbt_args(tmp_path, "build", "--select", "+int_cost__exchange_rates"),
        )


# --- allocation as code: a seed edit shows in the marts on the next run ------------------------


def test_a_new_virtual_tag_rule_shows_in_the_marts_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the dbt project and seeds, so that editing a rule never touches the repository's
    # seeds/ (other test processes build from it at the same time).
    project = tmp_path / "project" / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    shutil.copytree(SEEDS_DIR, tmp_path / "project" / "seeds")
    monkeypatch.setattr(finops.transform, "DBT_PROJECT_DIR", project)
    settings = make_settings(tmp_path)
    untagged = b.ea_row("7.66", tags="", subscription="sub-unowned-1")
    b.write_csv(
        settings.landing_dir / "azure/ea/20250101-20250131/ea_1.csv", b.EA_HEADER, [untagged]
    )
    ingest(settings)
    build(settings, tmp_path)

    def attribution() -> list[tuple]:
        con = duckdb.connect(str(settings.duckdb_path), read_only=True)
        try:
            return con.execute(
                "select team, allocation_method, allocation_rule_id, sum(billed_cost) "
                "from marts.fct_allocated_cost group by all"
            ).fetchall()
        finally:
            con.close()

    assert attribution() == [("unallocated", "unallocated", None, Decimal("7.660000000000"))]

    rules = tmp_path / "project" / "seeds" / "allocation_rules.csv"
    rules.write_text(
        rules.read_text().rstrip("\n")
        + "\nR999,999,microsoft,sub-unowned-1,,,,,search,,,,test: unowned subscription -> search\n"
    )
    build(settings, tmp_path, "--select", "allocation_rules+")
    assert attribution() == [("search", "rule", "R999", Decimal("7.660000000000"))]


def test_mart_not_null_constraints_are_enforced_by_the_tables(year_warehouse: Warehouse) -> None:
    """The marts' not-null columns are contract constraints: the built tables carry NOT NULL
    (DuckDB then rejects a null on any insert, incremental runs included), exactly for the
    columns the YAML declares."""
    import yaml

    declared = set()
    for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            for column in model.get("columns", []):
                if {"type": "not_null"} in column.get("constraints", []):
                    declared.add((model["name"], column["name"]))
    assert len(declared) >= 80 and ("fct_allocated_cost", "team") in declared
    enforced = set(
        year_warehouse.query(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'marts' and not is_nullable"
        )
    )
    assert enforced == declared
