"""finops.transform: the environment dbt sees, failures reported by node, and the billing
period range and partial-parse state that let an incremental run skip dbt's full parse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from finops.transform import (
    BuildPlan,
    DbtFailed,
    billing_period_env,
    dbt_environment,
    run_dbt,
    scoped_environment,
)
from orchestration.lib.dbt import (
    PARTIAL_PARSE_FILE,
    FinopsDbtCliResource,
    dbt_executable,
    partial_parse_store,
    restore_partial_parse,
    save_partial_parse,
)
from tests.warehouses import dbt_args


def test_dbt_environment_points_the_profile_at_the_warehouse(settings: Settings) -> None:
    env = dbt_environment(settings)
    assert env["FINOPS_DUCKDB_PATH"] == str(settings.duckdb_path)
    assert Path(env["FINOPS_DUCKDB_PATH"]).is_absolute()
    assert env["DO_NOT_TRACK"] == "1"
    assert (PROJECT_ROOT / "profiles.yml").exists()
    assert (DBT_PROJECT_DIR / "dbt_project.yml").exists()


def test_environment_is_restored_after_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", "before.duckdb")
    monkeypatch.delenv("FINOPS_DBT_TEST_ONLY", raising=False)
    with scoped_environment({"FINOPS_DUCKDB_PATH": "/tmp/x.duckdb", "FINOPS_DBT_TEST_ONLY": "1"}):
        assert os.environ["FINOPS_DUCKDB_PATH"] == "/tmp/x.duckdb"
    assert os.environ["FINOPS_DUCKDB_PATH"] == "before.duckdb"
    assert "FINOPS_DBT_TEST_ONLY" not in os.environ


@pytest.mark.slow
def test_a_failing_model_is_named_in_the_error(settings: Settings, tmp_path: Path) -> None:
    # an empty warehouse: the raw tables `finops ingest` creates are missing
    with pytest.raises(DbtFailed, match="stg_focus__cost_and_usage") as failed:
        run_dbt(
            settings,
            [
                "run",
                "--select",
                "stg_focus__cost_and_usage",
                "--target-path",
                str(tmp_path / "target"),
                "--log-path",
                str(tmp_path / "logs"),
            ],
        )
    assert "focus_cost_and_usage" in str(failed.value)


def test_an_incremental_plan_passes_its_periods_in_the_environment_not_as_vars() -> None:
    incremental = BuildPlan(False, False, ["2025-11", "2025-12"], "f", "{}", "periods")
    assert "--vars" not in incremental.dbt_args()
    assert incremental.dbt_args()[0] == "build"
    assert incremental.dbt_env() == {
        "FINOPS_BILLING_PERIOD_FROM": "2025-11",
        "FINOPS_BILLING_PERIOD_TO": "2025-12",
    }
    # a full refresh builds every period: empty values override any inherited range
    full = BuildPlan(False, True, ["2025-12"], "f", "{}", "project changed")
    assert full.dbt_args() == ["build", "--full-refresh"]
    assert full.dbt_env() == {"FINOPS_BILLING_PERIOD_FROM": "", "FINOPS_BILLING_PERIOD_TO": ""}
    assert billing_period_env("2025-03", None)["FINOPS_BILLING_PERIOD_TO"] == "2025-03"


def test_partial_parse_state_is_kept_per_warehouse(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "finops.duckdb", tmp_path / "b" / "finops.duckdb"
    for warehouse in (first, second):
        warehouse.parent.mkdir()
    run = tmp_path / "target" / "run1"
    assert not restore_partial_parse(first, run)  # nothing kept yet: dbt parses in full
    (run / PARTIAL_PARSE_FILE).write_bytes(b"state of a")
    assert save_partial_parse(first, run)
    assert partial_parse_store(first).read_bytes() == b"state of a"
    assert not partial_parse_store(second).exists()  # another warehouse keeps its own
    following = tmp_path / "target" / "run2"
    assert restore_partial_parse(first, following)
    assert (following / PARTIAL_PARSE_FILE).read_bytes() == b"state of a"
    # a newer state replaces the kept one whole; no temporary file is left behind
    (following / PARTIAL_PARSE_FILE).write_bytes(b"newer state of a")
    assert save_partial_parse(first, following)
    assert partial_parse_store(first).read_bytes() == b"newer state of a"
    assert sorted(p.name for p in first.parent.iterdir()) == [partial_parse_store(first).name]
    assert not save_partial_parse(second, tmp_path / "target" / "empty")  # dbt wrote none


@pytest.mark.slow
def test_a_new_billing_period_range_keeps_partial_parsing(settings: Settings, tmp_path: Path):
    """The range reaches dbt in the environment and is read only at execution: a parse with
    another range starts from the kept state instead of parsing the whole project again."""
    warehouse = settings.duckdb_path
    warehouse.parent.mkdir(parents=True)
    run_dbt(
        settings, dbt_args(tmp_path / "one", "parse"), env=billing_period_env("2025-01", "2025-01")
    )
    assert save_partial_parse(warehouse, tmp_path / "one" / "target")
    assert restore_partial_parse(warehouse, tmp_path / "two" / "target")
    run_dbt(
        settings, dbt_args(tmp_path / "two", "parse"), env=billing_period_env("2025-02", "2025-03")
    )
    log = (tmp_path / "two" / "logs" / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    # (a range read at parse time would be recorded and re-parse the files that read it)
    assert "Nothing changed, skipping partial parsing" in log


def test_the_resource_knows_the_dbt_version_without_asking_the_executable() -> None:
    import re
    import subprocess

    resource = FinopsDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
    reported = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    # the version dagster-dbt would have parsed from `dbt --version`
    assert str(resource._cli_version) == re.search(r"(\d+\.\d+\.\d+)", reported).group(1)
