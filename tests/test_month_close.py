"""Month close and multi-currency on tiny hand-written Azure EA exports, to the cent.

One warehouse, two billing periods of one EA enrollment (8000001):
  2025-01  search (tagged) 10.00 USD + 20.00 EUR in the same account-month, 7.66 USD untagged
           in subscription sub-unowned-1 (no owner: `unallocated`)
  2025-02  search (tagged) 3.00 USD, 5.00 USD untagged in sub-unowned-1
EUR -> USD 2025-01 is 1.0350 (seeds/exchange_rates.csv): 20.00 EUR = 20.70 USD.

Changing a rule: a row is added to the loaded seed table `seeds.allocation_rules` (what `dbt
seed` loads from an edited CSV) and the models are re-run without re-seeding, so the repository's
seeds/ stay untouched while other runs share them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops.cli import main
from finops.close import CloseError, close_period, closed_periods, reopen_period
from finops.config import Settings
from finops.ingest import ingest
from finops.transform import run_dbt
from tests import builders as b
from tests.warehouses import Warehouse, build, dbt_args, make_settings

pytestmark = pytest.mark.slow

UNOWNED = "sub-unowned-1"
# models that turn a rule change into marts (no seeds, no tests: the full build ran once)
RULE_MODELS = (
    "int_cost__virtual_tags int_cost__attributed int_cost__shared_targets int_cost__shared_split "
    "fct_allocated_cost team_cost_daily team_cost_monthly"
)


def _ea(cost: str, *, tags: str, subscription: str, day: str, period: tuple[str, str],
        currency: str = "USD") -> list[object]:  # fmt: skip
    row = b.ea_row(cost, tags=tags, day=day, subscription=subscription)
    row[2], row[3], row[13] = period[0], period[1], currency
    return row


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("month_close")
    settings = make_settings(root)
    jan, feb = ("01/01/2025", "01/31/2025"), ("02/01/2025", "02/28/2025")
    team = '"team": "search"'
    b.write_csv(
        settings.landing_dir / "azure/ea/20250101-20250131/ea_1.csv",
        b.EA_HEADER,
        [
            _ea("10.00", tags=team, subscription="sub-ea-1", day="01/05/2025", period=jan),
            _ea("20.00", tags=team, subscription="sub-ea-1", day="01/06/2025", period=jan,
                currency="EUR"),
            _ea("7.66", tags="", subscription=UNOWNED, day="01/07/2025", period=jan),
        ],
    )  # fmt: skip
    b.write_csv(
        settings.landing_dir / "azure/ea/20250201-20250228/ea_1.csv",
        b.EA_HEADER,
        [
            _ea("3.00", tags=team, subscription="sub-ea-1", day="02/05/2025", period=feb),
            _ea("5.00", tags="", subscription=UNOWNED, day="02/07/2025", period=feb),
        ],
    )
    ingest(settings)
    # seeds and the models these tests read (dbt's own tests run in tests/test_dbt_build.py)
    statuses = build(
        settings, root, "--resource-type", "seed", "--resource-type", "model",
        "--select", "+team_cost_monthly", "+commitment_coverage",
    )  # fmt: skip
    return Warehouse(settings, root, statuses)


def _run_rule_models(wh: Warehouse) -> None:
    run_dbt(wh.settings, dbt_args(wh.workdir, "run", "--select", *RULE_MODELS.split()))


def _teams(wh: Warehouse, period: str) -> list[tuple]:
    return wh.query(
        "select team, allocation_method, sum(billed_cost_reporting) "
        "from marts.fct_allocated_cost where billing_period = ? group by all order by all",
        [period],
    )


def _monthly(wh: Warehouse, period: str) -> list[tuple]:
    return wh.query(
        "select team, billed_cost, effective_cost from marts.team_cost_monthly "
        "where billing_period = ? order by team",
        [period],
    )


def _use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(settings.duckdb_path))
    monkeypatch.setenv("FINOPS_LANDING_DIR", str(settings.landing_dir))


def test_a_mixed_currency_account_month_sums_to_the_cent_in_every_mart(
    warehouse: Warehouse,
) -> None:
    q = warehouse.query
    # the fact keeps both billing currencies and converts each with its month's rate
    assert q(
        "select billing_currency, sum(billed_cost), sum(billed_cost_reporting), "
        "max(reporting_currency), max(exchange_rate) from marts.fct_allocated_cost "
        "where billing_period = '2025-01' group by all order by all"
    ) == [
        ("EUR", Decimal("20.00"), Decimal("20.70"), "USD", Decimal("1.0350")),
        ("USD", Decimal("17.66"), Decimal("17.66"), "USD", Decimal("1")),
    ]
    # 10.00 + 20.70 = 30.70 for search; the enrollment's month is 38.36 USD
    assert _monthly(warehouse, "2025-01") == [
        ("search", Decimal("30.70"), Decimal("30.70")),
        ("unallocated", Decimal("7.66"), Decimal("7.66")),
    ]
    assert q(
        "select sum(billed_cost), sum(effective_cost) from marts.team_cost_daily "
        "where billing_period = '2025-01'"
    ) == [(Decimal("38.36"), Decimal("38.36"))]
    # commitment coverage: one row per billing currency, reporting-currency money
    assert q(
        "select billing_currency, on_demand_cost, reporting_currency from marts.commitment_coverage "
        "where billing_period = '2025-01' and provider = 'Microsoft' order by billing_currency"
    ) == [("EUR", Decimal("20.70"), "USD"), ("USD", Decimal("17.66"), "USD")]
    # every mart's contract carries the reporting currency, except the two per-billing-account
    # marts whose amounts stay in the billing currency: the invoice check and tag coverage
    manifest = json.loads((warehouse.workdir / "target" / "manifest.json").read_text())
    marts = {
        node["name"]: set(node["columns"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    }
    assert {"fct_allocated_cost", "commitment_coverage", "optimization_opportunities"} <= set(marts)
    missing = sorted(name for name, columns in marts.items() if "reporting_currency" not in columns)
    assert missing == ["invoice_reconciliation", "tag_coverage"]


def test_a_closed_month_keeps_its_allocation_when_a_rule_changes_until_reopened(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wh, settings = warehouse, warehouse.settings
    _use_env(monkeypatch, settings)
    jan_before = _teams(wh, "2025-01")
    monthly_before = _monthly(wh, "2025-01")
    assert jan_before == [
        ("search", "tag", Decimal("30.70")),
        ("unallocated", "unallocated", Decimal("7.66")),
    ]
    assert _teams(wh, "2025-02") == [
        ("search", "tag", Decimal("3.00")),
        ("unallocated", "unallocated", Decimal("5.00")),
    ]

    assert main(["close", "2025-01", "--by", "controller@acme.example", "--note", "INV-1"]) == 0
    out = capsys.readouterr().out
    assert "2025-01 closed by controller@acme.example" in out
    assert "fact rows frozen: 3" in out
    assert "billed cost:    38.36 USD" in out
    assert closed_periods(settings) == ["2025-01"]

    # a rule sends the unowned subscription to search from now on; and the fact gained a column
    # since the close (simulated by dropping one from the frozen copy): NULL for closed periods
    con = duckdb.connect(str(settings.duckdb_path))
    try:
        con.execute("alter table month_close.allocated_cost drop column list_cost_reporting")
        con.execute(
            "insert into seeds.allocation_rules (rule_id, priority, provider, account_id, team, "
            "description) values ('R999', 999, 'microsoft', ?, 'search', 'test')",
            [UNOWNED],
        )
    finally:
        con.close()
    _run_rule_models(wh)

    assert _teams(wh, "2025-01") == jan_before  # frozen, to the cent
    assert wh.query(
        "select billing_period, count(list_cost_reporting) from marts.fct_allocated_cost "
        "group by all order by all"
    ) == [("2025-01", 0), ("2025-02", 2)]
    assert _monthly(wh, "2025-01") == monthly_before
    assert _teams(wh, "2025-02") == [  # the open month follows the new rule
        ("search", "rule", Decimal("5.00")),
        ("search", "tag", Decimal("3.00")),
    ]
    assert _monthly(wh, "2025-02") == [("search", Decimal("8.00"), Decimal("8.00"))]

    assert main(["reopen", "2025-01", "--reason", "R999 applies from January", "--by", "cfo"]) == 0
    assert "2025-01 reopened by cfo" in capsys.readouterr().out
    assert closed_periods(settings) == []
    _run_rule_models(wh)
    assert _teams(wh, "2025-01") == [
        ("search", "rule", Decimal("7.66")),
        ("search", "tag", Decimal("30.70")),
    ]
    assert _monthly(wh, "2025-01") == [("search", Decimal("38.36"), Decimal("38.36"))]

    # the audit log keeps both events with who, when and why; the rules as they were at close
    events = wh.query(
        "select action, actor, note, fact_rows, billed_cost_reporting, happened_at is not null "
        "from month_close.period_events order by happened_at"
    )
    assert events == [
        ("close", "controller@acme.example", "INV-1", 3, Decimal("38.36"), True),
        ("reopen", "cfo", "R999 applies from January", 3, Decimal("38.36"), True),
    ]
    snapshot = wh.query(
        "select seed, count(*) filter (where row_json like '%R999%') "
        "from month_close.allocation_seeds group by seed order by seed"
    )
    assert ("allocation_rules", 0) in snapshot
    assert {s for s, _ in snapshot} >= {"teams", "account_owners", "allocation_rules"}


def test_close_and_reopen_refuse_what_cannot_be_done(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = warehouse.settings
    with pytest.raises(CloseError, match="no rows for 2031-01"):
        close_period(settings, "2031-01", actor="t")
    with pytest.raises(CloseError, match="2025-02 is not closed"):
        reopen_period(settings, "2025-02", reason="x", actor="t")
    close_period(settings, "2025-02", actor="t")
    # the close adds back the column the frozen copy lacked (previous test)
    assert "list_cost_reporting" in {
        c
        for (c,) in warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'month_close' and table_name = 'allocated_cost'"
        )
    }
    try:
        with pytest.raises(CloseError, match="already closed"):
            close_period(settings, "2025-02", actor="t")
        with pytest.raises(CloseError, match="needs a reason"):
            reopen_period(settings, "2025-02", reason=" ", actor="t")
    finally:
        reopen_period(settings, "2025-02", reason="test cleanup", actor="t")
    _use_env(monkeypatch, settings)
    assert main(["reopen", "2025-02", "--reason", "again"]) == 1
    assert "2025-02 is not closed" in capsys.readouterr().err


def test_close_needs_a_built_warehouse(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(CloseError, match="run `finops run` first"):
        close_period(settings, "2025-01", actor="t")


@pytest.mark.parametrize("command", ["close", "reopen"])
def test_close_and_reopen_have_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: finops {command}" in out and "PERIOD" in out and "--by" in out
    assert "month_close" in out
