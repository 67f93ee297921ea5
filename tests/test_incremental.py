"""Incremental dbt builds by billing period give the same marts as a full build, to the cent.

The scenario is the daily one: a warehouse built from three months whose last month is delivered
month-to-date; the next day the provider restates that month with one more day. Only the changed
files land, ingestion replaces the month, and dbt rebuilds only that billing period (env
FINOPS_BILLING_PERIOD_FROM / _TO, as Dagster passes a partition range; the middle-month test
passes its range as vars billing_period_from / _to, as by hand). A full refresh of the same
raw data must give identical marts (`except all` both ways, every column, every mart),
and a rerun with nothing new must leave the ledger and the marts unchanged.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from finops.config import Settings
from finops.generate import generate
from finops.ingest import ingest
from finops.transform import billing_period_env, plan_build, record_build, run_dbt
from tests.warehouses import dbt_args, rows_not_in

# The marts this guard covers and everything upstream of them (new marts elsewhere have their
# own tests; selecting explicitly keeps a half-finished model of another team out of this one).
MARTS = [
    "fct_allocated_cost",
    "team_cost_daily",
    "team_cost_monthly",
    "unit_cost_daily",
    "unit_cost_monthly",
    "tag_coverage",
    "untagged_spend",
    "invoice_reconciliation",
    "team_budget_monthly",
    "commitment_coverage",
    "optimization_opportunities",
    "budget_vs_actual",
    "cost_anomalies",
    "finops_kpis",
]
SELECT = " ".join(f"+{m}" for m in MARTS)
# The marts whose periods depend on other periods (look-back windows, a mapping over all
# periods): an incremental run rebuilds more than the vars' range (macros/incremental_periods.sql).
LOOK_BACK_MARTS = ["optimization_opportunities", "cost_anomalies"]


def _dbt_run(
    settings: Settings, workdir: Path, *extra: str, env: dict[str, str] | None = None
) -> dict[str, str]:
    args = ["build", "--select", SELECT, "--resource-type", "model", "--resource-type", "seed"]
    result = run_dbt(settings, dbt_args(workdir, *args, *extra), env=env)
    return {r.node.name: str(r.status) for r in result.result.results}


def _sync(src: Path, dst: Path) -> list[str]:
    """Copy new and changed files (new mtime, as a delivery would), drop vanished ones."""
    changed = []
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        target = dst / rel
        if target.exists() and filecmp.cmp(src / rel, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copyfile(src / rel, target)
        changed.append(str(rel))
    for path in [p for p in dst.rglob("*") if p.is_file()]:
        if path.relative_to(dst) not in wanted:
            path.unlink()
            changed.append(str(path.relative_to(dst)))
    return changed


def _mart_differences(a: Path, b: Path, marts: list[str] = MARTS) -> dict[str, int]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        differences = {}
        for mart in marts:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'a' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [mart],
                ).fetchall()
            ]
            assert columns, f"mart {mart} missing"
            cols = ", ".join(f'"{c}"' for c in columns)
            left = f"select {cols} from a.marts.{mart}"
            right = f"select {cols} from b.marts.{mart}"
            differences[mart] = rows_not_in(con, left, right) + rows_not_in(con, right, left)
        return differences
    finally:
        con.close()


def _snapshot(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_incremental_build_of_a_restated_month_equals_a_full_build_and_a_noop_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    # Day one: two months, February delivered through the 20th.
    generate(
        settings.landing_dir, months=2, rows=2_000, seed=7, start="2025-01", through="2025-02-20"
    )
    ingest(settings)
    statuses = _dbt_run(settings, tmp_path / "dbt1")
    assert statuses["fct_allocated_cost"] == "success"
    db = settings.duckdb_path
    january = "select * from marts.fct_allocated_cost where billing_period = '2025-01' order by all"
    february = (
        "select sum(billed_cost), count(*) from marts.fct_allocated_cost "
        "where billing_period = '2025-02'"
    )
    january_before, february_before = _snapshot(db, january), _snapshot(db, february)

    # The day after: February restated with one more day; January's files are identical.
    after = tmp_path / "after"
    generate(after, months=2, rows=2_000, seed=7, start="2025-01", through="2025-02-21")
    changed = _sync(after, settings.landing_dir)
    assert changed, "the day after changed no file"
    assert all("2025-01" not in c and "202501" not in c for c in changed), changed
    loaded = [r for r in ingest(settings) if r.status == "loaded"]
    assert loaded and {r.period for r in loaded} == {"2025-02"}

    # Incremental: only February is rebuilt, with the range in the environment as the Dagster
    # asset passes it (FINOPS_BILLING_PERIOD_FROM / _TO; no vars, so partial parsing survives).
    _dbt_run(settings, tmp_path / "dbt2", env=billing_period_env("2025-02", "2025-02"))
    assert _snapshot(db, february) != february_before, "the restatement did not reach the marts"
    assert _snapshot(db, january) == january_before

    # A full refresh of a copy of the same warehouse (same raw rows): identical marts.
    full_db = tmp_path / "full" / "finops.duckdb"
    full_db.parent.mkdir()
    shutil.copyfile(db, full_db)
    full_settings = Settings(**{**settings.__dict__, "duckdb_path": full_db})
    _dbt_run(full_settings, tmp_path / "dbt3", "--full-refresh")
    differences = _mart_differences(db, full_db)
    assert differences == dict.fromkeys(MARTS, 0), differences
    # ... and every billing account and month still reconciles with raw, to the cent.
    assert _snapshot(
        db, "select count(*) from marts.invoice_reconciliation where not is_reconciled"
    ) == [(0,)]

    # No-op: nothing new in landing. Ingestion loads nothing and the ledger stays as it was;
    # the build plan is "skip", so the Dagster asset does not run dbt and the marts stay.
    con = duckdb.connect(str(db))
    try:
        plan = plan_build(con, ["2025-02"])
        assert plan.full_refresh and not plan.skip, plan.reason  # no build recorded yet
        record_build(con, plan)  # what the asset does after a successful build
    finally:
        con.close()
    ledger = "select * from ingest.ledger order by all"
    ledger_before = _snapshot(db, ledger)
    marts_before = {m: _snapshot(db, f"select * from marts.{m} order by all") for m in MARTS}
    assert {r.status for r in ingest(settings)} == {"unchanged"}
    con = duckdb.connect(str(db))
    try:
        plan = plan_build(con, ["2025-01", "2025-02"])
    finally:
        con.close()
    assert plan.skip, plan.reason
    assert _snapshot(db, ledger) == ledger_before
    assert {
        m: _snapshot(db, f"select * from marts.{m} order by all") for m in MARTS
    } == marts_before


@pytest.mark.slow
def test_incremental_rebuild_of_a_middle_month_rebuilds_what_its_look_back_reaches(
    year_warehouse, tmp_path: Path
) -> None:
    """A restated September changes September's anomalies and every later day whose 28-day
    baseline (or running anomaly) reaches it, and the storage trend of the three periods after
    it. Delete what the run must rebuild from a copy of the fully built year, and spoil the
    as-of day of the rows it must keep (May's SageMaker runaway): the incremental run for
    September alone must give exactly what the full build has."""
    db = tmp_path / "finops.duckdb"
    shutil.copyfile(year_warehouse.settings.duckdb_path, db)
    settings = Settings(**{**year_warehouse.settings.__dict__, "duckdb_path": db})
    con = duckdb.connect(str(db))
    try:
        before, after = con.execute(
            "select count(*) filter (where billing_period < '2025-09'), "
            "count(*) filter (where billing_period >= '2025-09') from marts.cost_anomalies"
        ).fetchone()
        assert before > 0 and after > 0, (before, after)  # the planted runaway and spike
        con.execute("delete from marts.cost_anomalies where billing_period >= '2025-09'")
        con.execute("update marts.cost_anomalies set as_of_date = date '2099-12-31'")
        con.execute(
            "delete from marts.optimization_opportunities where billing_period >= '2025-09'"
        )
        # Instance families are matched over all periods: September's rows give an m4 family
        # to a resource billed on demand in March (a new previous-generation row there), and a
        # resource listed as previous generation before September loses its family.
        gained = con.execute(
            "select resource_id from intermediate.int_cost__attributed "
            "where provider = 'AWS' and billing_period = '2025-03' and charge_category = 'Usage' "
            "and pricing_category = 'Standard' and resource_id is not null and resource_id not in "
            "(select scope from marts.optimization_opportunities "
            "where opportunity_type = 'previous_generation') "
            "group by resource_id having sum(effective_cost) > 0 order by resource_id limit 1"
        ).fetchone()[0]
        lost = con.execute(
            "select min(resource_id) from marts.optimization_opportunities "
            "where opportunity_type = 'previous_generation' and billing_period < '2025-09'"
        ).fetchone()[0]
        assert lost is not None, "no previous-generation resource before September"
        con.execute(
            "insert into intermediate.int_optimization__resource_families "
            "values ('2025-09', 'AWS', ?, 'm4.large')",
            [gained],
        )
        con.execute(
            "delete from intermediate.int_optimization__resource_families where resource_id = ?",
            [lost],
        )
    finally:
        con.close()
    full_db = tmp_path / "full" / "finops.duckdb"
    full_db.parent.mkdir()
    shutil.copyfile(db, full_db)
    full_settings = Settings(**{**settings.__dict__, "duckdb_path": full_db})
    periods = json.dumps({"billing_period_from": "2025-09", "billing_period_to": "2025-09"})
    run_dbt(
        settings,
        dbt_args(tmp_path / "dbt", "run", "--select", *LOOK_BACK_MARTS, "--vars", periods),
    )
    run_dbt(
        full_settings,
        dbt_args(
            tmp_path / "dbt_full", "run", "--select", "optimization_opportunities", "--full-refresh"
        ),
    )
    assert _mart_differences(db, year_warehouse.settings.duckdb_path, ["cost_anomalies"]) == {
        "cost_anomalies": 0
    }
    assert _mart_differences(db, full_db, ["optimization_opportunities"]) == {
        "optimization_opportunities": 0
    }
    listed = _snapshot(
        db,
        "select scope, min(billing_period) from marts.optimization_opportunities "
        "where opportunity_type = 'previous_generation' and scope in ("
        f"'{gained}', '{lost}') group by scope",
    )
    first_listed = dict(listed)  # the change reached periods outside September's range
    assert lost not in first_listed and first_listed.get(gained, "9999") <= "2025-03", listed
    # ... and only from September on: the months before it were kept, not recomputed
    compiled = tmp_path / "dbt" / "target" / "compiled"
    sql = next(compiled.rglob("cost_anomalies.sql")).read_text()
    assert "charge_date >= cast('2025-09-01' as date) - interval 28 day" in sql
