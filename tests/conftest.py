"""Shared fixtures: an isolated landing folder and warehouse per test, and the real FOCUS sample."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from finops.config import Settings, shared_data_dir

os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("FINOPS_LANDING_DIR", str(landing))
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(tmp_path / "warehouse" / "finops.duckdb"))
    monkeypatch.setenv("FINOPS_OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return Settings.from_env()


@pytest.fixture(scope="session")
def focus_sample() -> Path:
    """The FinOps Foundation's FOCUS 1.0 sample (CC BY 4.0), found via FINOPS_SHARED_DATA_DIR."""
    path = shared_data_dir() / "focus-sample-1.0" / "focus_sample.csv"
    if not path.exists():
        pytest.fail(
            f"the FinOps Foundation FOCUS sample is missing: expected {path}. Set "
            "FINOPS_SHARED_DATA_DIR to the folder holding focus-sample-1.0/ (default ../shared/data)."
        )
    return path


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
