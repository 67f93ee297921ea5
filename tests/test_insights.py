"""Insights marts on the generated year (read-only), and the new-anomaly check through Dagster.

The formulas themselves are checked by the hand-computed dbt unit tests in
dbt_project/models/marts/insights/_insights__models.yml (they run inside every dbt build). Here:
what the generator planted is found, with the right owner and a hand-derived impact; the KPIs
agree with the marts they summarize; and the asset check announces an anomaly once.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest

from finops.config import Settings
from finops.warehouse import connect_reader, connect_writer
from orchestration.lib.resources import FinopsSettings

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CENT = Decimal("0.01")

# The generator's planted runaways (finops/generate/aws.py, gcp.py; engine.expand_usage), as
# (service key, month index, first day index, last day index, multiplier) in one billing account:
# * CUR 2.0 payer 210987654321: ("sagemaker", 4, 9, 15, 4.0): hourly slots of day indexes 9..15
#   from 00:00 UTC of 2025-05 = charge dates May 10..16, cost x4;
# * GCP "Acme Main" 01A2B3-C4D5E6-F7A8B9: ("bq_analysis", 8, 3, 6, 5.0): daily slots 3..6 from
#   Pacific midnight (07:00 UTC) of 2025-09 = charge dates Sept 4..7, cost x5.
# A day costing m times its normal level has (1 - 1/m) of its cost unexpected when the series'
# baseline is at most that normal level; we allow the baseline 5 points of the day's cost more
# (noise, other resources of the team).
PLANTS = {
    "sagemaker": ("AWS", "Amazon SageMaker", "210987654321", "2025-05-10", "2025-05-16", 4),
    "bigquery": ("Google Cloud", "BigQuery", "01A2B3-C4D5E6-F7A8B9", "2025-09-04", "2025-09-07", 5),
}
TOLERANCE = Decimal("0.05")


def seed_rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, newline="") as f:
        return list(csv.DictReader(f))


def team_contacts() -> dict[str, str]:
    return {r["team"]: r["owner_email"].strip().lower() for r in seed_rows("teams.csv")}


# ---------------------------------------------------------------------- the build


def test_the_insights_models_and_their_tests_pass_in_the_build(year_warehouse) -> None:
    """Models, contracts, data tests and the hand-computed unit tests, in the session's build."""
    names = ("budget_vs_actual", "cost_anomalies", "finops_kpis", "finops_kpi_targets")
    mine = {k: v for k, v in year_warehouse.statuses.items() if any(n in k for n in names)}
    assert sum(k.startswith("unit_test.") for k in mine) == 4, sorted(mine)
    assert {k.split(".")[0] for k in mine} >= {"model", "seed", "test", "unit_test"}
    assert {k: v for k, v in mine.items() if v not in ("success", "pass")} == {}


# ---------------------------------------------------------------------- budget_vs_actual


def test_the_known_budget_overrun_is_found(year_warehouse) -> None:
    """seeds/budgets.csv gives ml 60,000 for 2025-05, well under what the sample spends."""
    [budget] = [
        Decimal(r["amount"])
        for r in seed_rows("budgets.csv")
        if r["team"] == "ml" and r["billing_period"] == "2025-05"
    ]
    spent = year_warehouse.scalar(
        "select sum(effective_cost) from marts.team_cost_monthly "
        "where team = 'ml' and billing_period = '2025-05'"
    )
    [row] = year_warehouse.query(
        "select status, budget, actual_cost, budget_variance, is_closed "
        "from marts.budget_vs_actual where team = 'ml' and billing_period = '2025-05'"
    )
    status, mart_budget, actual, variance, closed = row
    assert (status, closed) == ("over", True)
    assert mart_budget == budget
    assert actual.quantize(CENT) == spent.quantize(CENT)
    assert variance.quantize(CENT) == (spent - budget).quantize(CENT) > 0


def test_a_complete_year_is_closed_and_back_tested(year_warehouse) -> None:
    """As of the data's last day (not today): every month is closed, forecast = actual, and the
    mid-month back-test of the method is there to compare."""
    assert year_warehouse.query("select distinct as_of_date from marts.budget_vs_actual") == [
        (dt.date(2025, 12, 31),)
    ]
    rows = year_warehouse.query(
        "select billing_period, is_closed, forecast_cost = actual_cost, backtest_cutoff_date, "
        "backtest_forecast_cost is not null from marts.budget_vs_actual where team = 'payments' "
        "order by billing_period"
    )
    assert [r[0] for r in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    for period, closed, forecast_is_actual, cutoff, backtested in rows:
        assert closed and forecast_is_actual and backtested, period
        assert cutoff == dt.date.fromisoformat(f"{period}-15")


# ---------------------------------------------------------------------- cost_anomalies


@pytest.mark.parametrize(
    "plant",
    [
        "sagemaker",
        "bigquery",
    ],
)
def test_a_planted_runaway_is_found_with_its_owner_and_impact(year_warehouse, plant: str) -> None:
    provider, service, billing_account, first, last, multiplier = PLANTS[plant]
    # where the planted cost is: the team and day with the most of the service in the window
    team, day, cost = year_warehouse.query(
        """
        select team, charge_date, sum(effective_cost_reporting) as cost
        from marts.fct_allocated_cost
        where service_name = ? and charge_category = 'Usage' and billing_account_id = ?
            and charge_date between ? and ?
        group by team, charge_date order by cost desc limit 1
        """,
        [service, billing_account, first, last],
    )[0]
    found = year_warehouse.query(
        """
        select team, owner_email, actual_cost, expected_cost, impact, first_seen_date
        from marts.cost_anomalies
        where scope = 'team_service' and provider = ? and service_name = ? and charge_date = ?
        """,
        [provider, service, day],
    )
    by_team = {r[0]: r for r in found}
    assert team in by_team, (team, day, cost, found)
    _, contact, actual, expected, impact, first_seen = by_team[team]
    assert contact == team_contacts()[team]
    assert actual.quantize(CENT) == cost.quantize(CENT)
    assert impact == actual - expected
    unexpected = 1 - Decimal(1) / multiplier
    assert (unexpected - TOLERANCE) * actual <= impact <= actual
    assert dt.date.fromisoformat(first) <= first_seen <= day


def test_anomalies_name_an_owner_and_stay_within_the_data(year_warehouse) -> None:
    rows = year_warehouse.query(
        "select count(*), count(team), min(charge_date) >= date '2025-01-15', "
        "max(charge_date) <= max(as_of_date), bool_and(impact >= 500), "
        "count(distinct anomaly_id) <= count(*) from marts.cost_anomalies"
    )
    total, with_team, after_history, within, above_min, ids = rows[0]
    assert total > 0 and with_team == total and after_history and within and above_min and ids
    # account-scope owners are the account owners of seeds/account_owners.csv when listed
    owners = {
        (r["provider"].lower(), r["account_id"]): r["team"] for r in seed_rows("account_owners.csv")
    }
    for provider, account, team in year_warehouse.query(
        "select distinct provider, sub_account_id, team from marts.cost_anomalies "
        "where scope = 'account_service'"
    ):
        if (provider.lower(), account) in owners:
            assert team == owners[(provider.lower(), account)], (provider, account)


# ---------------------------------------------------------------------- finops_kpis


def test_kpis_agree_with_the_marts_and_targets(year_warehouse) -> None:
    kpis = {
        r[0]: r[1:]
        for r in year_warehouse.query(
            "select kpi, value, target_crawl, target_walk, target_run, maturity, previous_value "
            "from marts.finops_kpis where billing_period = '2025-05' and breakdown = 'total'"
        )
    }
    assert set(kpis) >= {
        "allocated_to_owner_pct",
        "tag_coverage_pct",
        "effective_savings_rate",
        "commitment_coverage_pct",
        "commitment_utilization_pct",
        "forecast_variance_pct",
        "anomaly_count",
        "anomaly_impact",
        "anomaly_impact_pct",
    }
    allocated = year_warehouse.scalar(
        "select sum(case when team <> 'unallocated' then effective_cost_reporting else 0 end) "
        "/ sum(effective_cost_reporting) from marts.fct_allocated_cost "
        "where billing_period = '2025-05'"
    )
    assert kpis["allocated_to_owner_pct"][0] == pytest.approx(float(allocated), abs=1e-12)
    variance = year_warehouse.scalar(
        "select sum(abs(actual_cost - backtest_forecast_cost)) / sum(backtest_forecast_cost) "
        "from marts.budget_vs_actual where billing_period = '2025-05'"
    )
    assert kpis["forecast_variance_pct"][0] == pytest.approx(float(variance), abs=1e-12)
    count = year_warehouse.scalar(
        "select count(distinct anomaly_id) from marts.cost_anomalies "
        "where scope = 'team_service' and strftime(first_seen_date, '%Y-%m') = '2025-05'"
    )
    assert kpis["anomaly_count"][0] == count
    # maturity = the highest level whose seed target holds
    ops = {
        ">=": lambda v, t: v >= t,
        ">": lambda v, t: v > t,
        "<": lambda v, t: v < t,
        "<=": lambda v, t: v <= t,
    }
    targets: dict[str, dict[str, tuple[str, float]]] = {}
    for r in seed_rows("finops_kpi_targets.csv"):
        targets.setdefault(r["kpi"], {})[r["level"]] = (r["operator"], float(r["threshold"]))
    for kpi, levels in targets.items():
        value, crawl, _walk, _run, maturity, _ = kpis[kpi]
        reached = [
            lvl for lvl in ("crawl", "walk", "run") if ops[levels[lvl][0]](value, levels[lvl][1])
        ]
        assert maturity == (reached[-1] if reached else "below_crawl"), (kpi, value)
        assert crawl == f"{levels['crawl'][0]} {levels['crawl'][1]}"
    # the trend: previous_value is April's value
    april = year_warehouse.scalar(
        "select value from marts.finops_kpis where billing_period = '2025-04' "
        "and kpi = 'forecast_variance_pct'"
    )
    assert kpis["forecast_variance_pct"][5] == april
    units = year_warehouse.query(
        "select breakdown, value from marts.finops_kpis "
        "where kpi = 'unit_cost' and billing_period = '2025-05'"
    )
    assert units and all(v > 0 for _, v in units)


# ---------------------------------------------------------------------- the asset check


class Webhook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Webhook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch):
    server = HTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Webhook.received = []
    monkeypatch.setenv("FINOPS_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    monkeypatch.delenv("FINOPS_ANOMALY_ALERT_MAX_AGE_DAYS", raising=False)
    yield Webhook.received
    server.shutdown()


ANOMALIES_SQL = """
create schema if not exists marts;
create or replace table marts.cost_anomalies (
    anomaly_id varchar, scope varchar, charge_date date, team varchar, owner_email varchar,
    provider varchar, service_name varchar, sub_account_id varchar, first_seen_date date,
    actual_cost decimal(38, 12), expected_cost decimal(38, 12), impact decimal(38, 12),
    severity varchar, reporting_currency varchar default 'USD',
    as_of_date date default date '2025-05-12');
insert into marts.cost_anomalies by name
select * from (values
    ('a-ml', 'team_service', date '2025-05-10', 'ml', 'ml-leads@acme.example', 'AWS',
     'Amazon SageMaker', null, date '2025-05-10', 1000.00, 250.00, 750.00, 'medium'),
    ('a-ml', 'team_service', date '2025-05-11', 'ml', 'ml-leads@acme.example', 'AWS',
     'Amazon SageMaker', null, date '2025-05-10', 1200.00, 250.00, 950.00, 'medium'),
    ('a-web', 'account_service', date '2025-05-12', 'web', 'web-leads@acme.example', 'AWS',
     'Amazon S3', '501234567890', date '2025-05-12', 900.00, 100.00, 800.00, 'low'),
    ('a-old', 'team_service', date '2025-04-01', 'ml', 'ml-leads@acme.example', 'AWS',
     'Amazon EC2', null, date '2025-04-01', 700.00, 100.00, 600.00, 'low')
) as t(anomaly_id, scope, charge_date, team, owner_email, provider, service_name,
       sub_account_id, first_seen_date, actual_cost, expected_cost, impact, severity);
"""


def cost_anomalies_standin(rows_sql: str) -> dg.AssetsDefinition:
    """The asset marts/cost_anomalies, materialized by writing a small table (dbt not run)."""

    @dg.asset(key=["marts", "cost_anomalies"])
    def cost_anomalies(finops: FinopsSettings) -> None:
        with connect_writer(finops.settings()) as con:
            con.execute(ANOMALIES_SQL)
            if rows_sql:
                con.execute(f"insert into marts.cost_anomalies by name {rows_sql}")

    return cost_anomalies


def run_check(settings: Settings, extra_rows: str = "") -> dg.AssetCheckEvaluation:
    from orchestration.defs.insights.checks import no_new_cost_anomalies

    result = dg.materialize(
        [cost_anomalies_standin(extra_rows), no_new_cost_anomalies],
        resources={"finops": FinopsSettings(duckdb_path=str(settings.duckdb_path))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def test_new_anomalies_warn_and_alert_once_through_dagster(settings: Settings, webhook) -> None:
    """A real Dagster run: a stand-in materializes marts/cost_anomalies, the check evaluates."""
    first = run_check(settings)
    assert not first.passed and first.severity == dg.AssetCheckSeverity.WARN
    meta = {k: v.value for k, v in first.metadata.items()}
    assert meta["new_anomalies"] == 2  # a-ml (two days, one anomaly) and a-web
    assert meta["historical_recorded"] == 1  # a-old ended 41 days before the as-of date
    assert meta["new_impact"] == 750 + 950 + 800
    assert meta["alerts_sent"] == 2 and meta["webhook_delivered"] == 2
    listed = {a["anomaly_id"]: a for a in meta["new_anomaly_list"]}
    assert listed["a-ml"]["impact"] == "1700.000000000000" and listed["a-ml"]["days"] == 2
    assert listed["a-web"]["sub_account_id"] == "501234567890"
    texts = sorted(m["text"] for m in webhook)
    assert "for team ml" in texts[0] and "notify: ml-leads@acme.example" in texts[0]
    assert "1,700.00 USD over expected" in texts[0]
    assert "for team web" in texts[1] and "account 501234567890" in texts[1]

    # Next run, same anomalies (a-ml continues on a third day): nothing new, no alert.
    again = run_check(
        settings,
        "select 'a-ml' as anomaly_id, 'team_service' as scope, date '2025-05-12' as charge_date, "
        "'ml' as team, 'AWS' as provider, 'Amazon SageMaker' as service_name, "
        "date '2025-05-10' as first_seen_date, 900.00 as actual_cost, 250.00 as expected_cost, "
        "650.00 as impact, 'medium' as severity",
    )
    assert again.passed and again.metadata["new_anomalies"].value == 0
    assert len(webhook) == 2

    # A new one appears: announced alone.
    third = run_check(
        settings,
        "select 'a-new' as anomaly_id, 'team_service' as scope, date '2025-05-12' as charge_date, "
        "'search' as team, 'search-leads@acme.example' as owner_email, 'Google Cloud' as provider, "
        "'BigQuery' as service_name, date '2025-05-12' as first_seen_date, "
        "8000.00 as actual_cost, 1600.00 as expected_cost, 6400.00 as impact, 'high' as severity",
    )
    assert not third.passed and third.metadata["new_anomalies"].value == 1
    assert len(webhook) == 3 and "for team search" in webhook[2]["text"]
    con = connect_reader(settings)
    try:
        recorded = con.execute(
            "select anomaly_id, alerted, webhook_delivered from ingest.anomaly_notifications "
            "order by anomaly_id"
        ).fetchall()
    finally:
        con.close()
    assert recorded == [
        ("a-ml", True, True),
        ("a-new", True, True),
        ("a-old", False, None),
        ("a-web", True, True),
    ]
