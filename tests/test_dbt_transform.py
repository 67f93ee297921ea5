"""finops.transform: the environment dbt sees, and failures reported by node."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from finops.transform import DbtFailed, _environment, dbt_environment, run_dbt


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
    with _environment({"FINOPS_DUCKDB_PATH": "/tmp/x.duckdb", "FINOPS_DBT_TEST_ONLY": "1"}):
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
