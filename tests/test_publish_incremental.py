"""Incremental publishing: after a dbt build of one billing period, publishing rewrites only that
period (BI file, exports, team extracts) and gives exactly what a full publish of the same
warehouse gives; with no newer build it changes nothing.

The daily build is simulated on a copy of the session's year warehouse the way dbt changes it:
the marts dbt builds incrementally by billing period (fct_allocated_cost, team_cost_daily)
change only inside the rebuilt period, a mart dbt rebuilds whole (team_cost_monthly) changes
anywhere, and the build is recorded in main.dbt_build_state as finops.transform.record_build
does. The comparison is against a full publish of the same warehouse into another folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from finops.publish import BI_FILE_NAME, publish
from finops.publish.extracts import TEAM_PERIOD_FILES
from finops.publish.state import (
    CURRENT,
    FULL,
    INCREMENTAL,
    STATE_FILE,
    Build,
    plan_publish,
)
from finops.warehouse import connect_writer
from tests.warehouses import rows_not_in

PERIOD = "2025-06"  # the billing period the simulated daily build rebuilt
MONTHS = ("2025-05", "2025-07")  # the months kept in the copy (fewer files: quicker)
STATE_DDL = (
    "create table if not exists main.dbt_build_state (fingerprint varchar, ledger_mark varchar, "
    "periods varchar, full_refresh boolean, built_at timestamp)"
)


def record(con: duckdb.DuckDBPyConnection, periods: str, full_refresh: bool) -> None:
    """What finops.transform.record_build writes after a complete dbt build."""
    con.execute(STATE_DDL)
    con.execute(
        "insert into main.dbt_build_state values ('f', '{}', ?, ?, "
        "(select coalesce(max(built_at) + interval 1 second, now()::timestamp) "
        "from main.dbt_build_state))",
        [periods, full_refresh],
    )


def files(root: Path) -> dict[str, os.stat_result]:
    return {
        str(p.relative_to(root)): p.stat()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".publish.lock"
    }


def parquet_globs(root: Path) -> list[str]:
    """Globs covering every Parquet file under root once: one per mart, the team folder,
    partition folder and month in the file name replaced by `*`."""
    found: dict[str, None] = {}
    for path in sorted(root.rglob("*.parquet")):
        parts = list(path.relative_to(root).parts)
        if root.name == "teams":
            parts[0] = "*"
        parts = ["*" if p.startswith("billing_period=") else p for p in parts]
        if re.search(r"_\d{4}-\d{2}\.parquet$", parts[-1]):
            parts[-1] = "*.parquet"
        found["/".join(parts)] = None
    return list(found)


def differences(a: Path, b: Path) -> list[str]:
    """Every data file of a and b holds the same rows (per file, duplicates counted, any
    order): Parquet compared in DuckDB, CSV as the multiset of its lines (header included)."""
    problems = []
    for path in sorted(a.rglob("*.csv")):
        other = b / path.relative_to(a)
        if sorted(path.read_bytes().splitlines()) != sorted(other.read_bytes().splitlines()):
            problems.append(f"{path.relative_to(a)}: lines differ")
    con = duckdb.connect()
    try:
        for pattern in parquet_globs(a):
            for side, root in (("x", a), ("y", b)):
                con.execute(
                    f"create or replace temp table {side} as select * replace "
                    f"(replace(filename, '{root}/', '') as filename) "
                    f"from read_parquet('{root}/{pattern}', filename = true)"
                )
            for x, y in (("x", "y"), ("y", "x")):
                extra = rows_not_in(con, f"select * from {x}", f"select * from {y}")
                if extra:
                    problems.append(f"{pattern}: {extra} rows differ")
    finally:
        con.close()
    return problems


@pytest.fixture(scope="module")
def daily(year_warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A full publish, one simulated daily build of PERIOD, then an incremental publish (`live`)
    and a full publish of the same warehouse into another folder (`reference`)."""
    root = tmp_path_factory.mktemp("publish_incremental")
    (root / "warehouse").mkdir()
    shutil.copyfile(year_warehouse.settings.duckdb_path, root / "warehouse" / "finops.duckdb")
    settings = replace(
        year_warehouse.settings,
        duckdb_path=root / "warehouse" / "finops.duckdb",
        output_dir=root / "live",
    )
    artifacts = [year_warehouse.workdir / "target"]
    with connect_writer(settings) as con:
        for (mart,) in con.execute(
            "select table_name from duckdb_columns() join duckdb_tables() "
            "using (database_name, schema_name, table_name) where schema_name = 'marts' "
            "and column_name = 'billing_period'"
        ).fetchall():
            con.execute(
                f"delete from marts.{mart} where billing_period not between ? and ?", list(MONTHS)
            )
        record(con, ",".join(MONTHS), full_refresh=True)
    first = publish(settings, dbt_artifacts=artifacts, dbt_docs=False)
    before = files(settings.output_dir)

    with connect_writer(settings) as con:
        # incremental marts: only the rebuilt period changes (restated, removed, a new team)
        con.execute(
            "update marts.fct_allocated_cost set billed_cost = billed_cost + 1 "
            f"where billing_period = '{PERIOD}' and team = (select min(team) "
            "from marts.fct_allocated_cost)"
        )
        con.execute(
            f"delete from marts.fct_allocated_cost where billing_period = '{PERIOD}' "
            "and service_name = (select min(service_name) from marts.fct_allocated_cost)"
        )
        con.execute(
            "insert into marts.fct_allocated_cost select * replace ('new-team' as team) from "
            f"marts.fct_allocated_cost where billing_period = '{PERIOD}' limit 3"
        )
        con.execute(
            f"delete from marts.team_cost_daily where billing_period = '{PERIOD}' "
            "and team = (select max(team) from marts.team_cost_daily)"
        )
        # a mart dbt rebuilds whole may change in any period
        con.execute(
            "update marts.team_cost_monthly set billed_cost = billed_cost + 2 "
            f"where billing_period = '{MONTHS[0]}'"
        )
        record(con, PERIOD, full_refresh=False)
    incremental = publish(settings, dbt_artifacts=artifacts, dbt_docs=False)
    after = files(settings.output_dir)
    reference = replace(settings, output_dir=root / "reference")
    full = publish(reference, dbt_artifacts=artifacts, dbt_docs=False)
    return {
        "settings": settings,
        "reference": reference,
        "first": first,
        "incremental": incremental,
        "full": full,
        "before": before,
        "after": after,
    }


@pytest.mark.slow
def test_incremental_publish_rewrites_only_the_rebuilt_period(daily: dict) -> None:
    first, result = daily["first"], daily["incremental"]
    for step in (first.bi, first.exports, first.teams):
        assert step.mode == FULL
    for step in (result.bi, result.exports, result.teams):
        assert (step.mode, step.periods) == (INCREMENTAL, PERIOD), step.reason
    # replaced period by period: what dbt rebuilds by period and nothing else (cost_anomalies
    # and optimization_opportunities rebuild a look-back range, team_cost_monthly is a table)
    refreshed = {t.name for t in result.bi.tables if t.period_refresh}
    assert {"fct_allocated_cost", "team_cost_daily"} <= refreshed
    assert not refreshed & {"cost_anomalies", "optimization_opportunities", "team_cost_monthly"}
    before, after = daily["before"], daily["after"]
    changed = {f for f in after if f not in before or after[f].st_ino != before[f].st_ino}
    kept = set(after) - changed
    # the months the build did not touch: the very same files (hard links), not rewritten
    for name in TEAM_PERIOD_FILES | {"team_cost_daily"}:
        untouched = [f for f in after if MONTHS[1] in f and f"{name}" in f.split("/")[1:3]]
        assert untouched and set(untouched) <= kept, name
    assert f"exports/fct_allocated_cost/billing_period={MONTHS[0]}/data_0.parquet" in kept
    assert f"exports/csv/fct_allocated_cost/fct_allocated_cost_{MONTHS[0]}.csv" in kept
    # the rebuilt month, marts rebuilt whole and the state files are new
    assert "exports/fct_allocated_cost/billing_period=2025-06/data_0.parquet" in changed
    assert f"exports/csv/team_cost_monthly/team_cost_monthly_{MONTHS[1]}.csv" in changed
    assert f"exports/{STATE_FILE}" in changed and f"teams/{STATE_FILE}" in changed
    assert "teams/new-team/fct_allocated_cost/fct_allocated_cost_2025-06.parquet" in changed
    rewritten = [f for f in changed if "fct_allocated_cost" in f]
    assert rewritten and all(PERIOD in f for f in rewritten), rewritten
    assert all(stat.S_IMODE(s.st_mode) == 0o444 for s in after.values())
    assert not [p for p in daily["settings"].output_dir.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_incremental_publish_equals_a_full_publish(daily: dict) -> None:
    live, reference = daily["settings"].output_dir, daily["reference"].output_dir
    assert set(daily["after"]) == set(files(reference))  # the same files, names and all
    for folder in ("exports", "teams"):
        assert differences(live / folder, reference / folder) == [], folder
    assert (live / "teams" / "_teams.csv").read_text() == (
        reference / "teams" / "_teams.csv"
    ).read_text()
    con = duckdb.connect()
    con.execute(f"attach '{live / BI_FILE_NAME}' as a (read_only)")
    con.execute(f"attach '{reference / BI_FILE_NAME}' as b (read_only)")
    relations = {
        (name, kind)
        for catalog in ("a", "b")
        for name, kind in con.execute(
            "select table_name, 'table' from duckdb_tables() where database_name = ? union all "
            "select view_name, 'view' from duckdb_views() where database_name = ? "
            "and not internal",
            [catalog, catalog],
        ).fetchall()
    }
    names = {n for n, _ in relations} - {"_publish_info"}
    assert {"fct_allocated_cost", "showback_team_month", "_publish_builds"} <= names
    for name in sorted(names):
        for x, y in (("a", "b"), ("b", "a")):
            extra = rows_not_in(con, f"select * from {x}.{name}", f"select * from {y}.{name}")
            assert extra == 0, f"{name}: {extra} rows of {x} not in {y}"
    info = "select table_name, cost_column, row_count, cost_total, period_refresh, dbt_built_at"
    assert sorted(con.execute(f"{info} from a._publish_info").fetchall()) == sorted(
        con.execute(f"{info} from b._publish_info").fetchall()
    )
    assert con.execute("select distinct publish_mode, published_periods from a._publish_info")
    comments = (
        "select table_name, column_name, comment from duckdb_columns() where database_name = ?"
    )
    assert sorted(con.execute(comments, ["a"]).fetchall()) == sorted(
        con.execute(comments, ["b"]).fetchall()
    )
    # Each period's rows are stored together (one run of rows in storage order), in the full
    # file and after the period was replaced: replacing a period rewrites its row groups only.
    for catalog in ("a", "b"):
        runs, periods = con.execute(
            "select count(*) filter (where billing_period is distinct from previous), "
            "count(distinct billing_period) from (select billing_period, lag(billing_period) "
            f"over (order by rowid) as previous from {catalog}.fct_allocated_cost)"
        ).fetchone()
        assert runs == periods > 1, catalog
    tags = con.execute("select tags from duckdb_databases() where database_name = 'a'").fetchone()
    assert tags[0]["storage_version"] == "v1.0.0+"  # still readable by DuckDB 1.0
    con.close()


@pytest.mark.slow
def test_publish_with_no_newer_build_changes_nothing(daily: dict) -> None:
    settings = daily["settings"]
    result = publish(settings, dbt_docs=False)
    for step in (result.bi, result.exports, result.teams):
        assert step.mode == CURRENT and "up to date" in step.reason
    assert result.exports.marts == daily["incremental"].exports.marts
    assert result.teams.folders == daily["incremental"].teams.folders
    now = files(settings.output_dir)
    assert {f: (s.st_ino, s.st_mtime_ns) for f, s in now.items()} == {
        f: (s.st_ino, s.st_mtime_ns) for f, s in daily["after"].items()
    }


def test_what_a_publish_rewrites_follows_the_dbt_builds() -> None:
    at = [dt.datetime(2026, 1, d) for d in range(1, 6)]
    builds = [
        Build(at[0], ("2025-01", "2025-12"), True),
        Build(at[1], ("2025-11", "2025-12"), False),
        Build(at[2], ("2025-06",), False),
        Build(at[3], ("2025-05",), False),
    ]
    assert plan_publish(None, []).mode == FULL  # the warehouse records no build
    assert plan_publish(None, builds).mode == FULL  # never published
    assert plan_publish(at[4], builds).mode == FULL  # a build the warehouse does not know
    assert plan_publish(at[0], builds, full=True).mode == FULL
    current = plan_publish(at[3], builds)
    assert (current.mode, current.mark) == (CURRENT, at[3])
    plan = plan_publish(at[0], builds)
    assert (plan.mode, plan.mark, plan.ranges) == (
        INCREMENTAL,
        at[3],
        [("2025-05", "2025-05"), ("2025-06", "2025-06"), ("2025-11", "2025-12")],
    )
    assert plan.periods == "2025-05, 2025-06, 2025-11..2025-12"
    months = ("2025-04", "2025-05", "2025-06", "2025-07", "2025-12")
    assert [p for p in months if plan.covers(p)] == ["2025-05", "2025-06", "2025-12"]
    assert plan_publish(at[2], builds).where() == (
        "(billing_period between '2025-05' and '2025-05')"
    )
    assert not plan.covers(None)
    changed = plan_publish(at[1], builds, marts_changed=lambda: "the marts changed")
    assert (changed.mode, changed.reason) == (FULL, "the marts changed")
    refresh = [*builds, Build(at[4], ("2025-01", "2025-12"), True)]
    assert plan_publish(at[3], refresh).mode == FULL
