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
    # Whole-job runs skip the dbt docs site (tests/test_publish.py builds it on purpose).
    monkeypatch.setenv("FINOPS_DBT_DOCS", "off")
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


@pytest.fixture(scope="session")
def year_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Twelve generated months (2025-01..2025-12), ingested and built by dbt once per session.

    The generator plants a SageMaker runaway in month 5, a BigQuery spike in month 9, a reorg in
    month 7 and a restated month 3. Tests read it; tests that change it must build their own.
    """
    from finops.generate import generate
    from finops.ingest import ingest
    from tests.warehouses import Warehouse, build, make_settings

    root = tmp_path_factory.mktemp("year_warehouse")
    settings = make_settings(root)
    generate(settings.landing_dir, months=12, rows=YEAR_ROWS, seed=11, start="2025-01")
    ingest(settings)
    return Warehouse(settings, root, build(settings, root, check=False))


YEAR_ROWS = 40_000
