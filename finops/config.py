"""Paths and settings, from environment variables with sensible defaults.

Every path is resolved against the current working directory, so the CLI, Dagster and the
tests agree on where things are as long as they share the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_ROOT / "seeds"

# Billing periods (Dagster partitions) start here unless FINOPS_FIRST_BILLING_PERIOD says otherwise.
# The FinOps Foundation's FOCUS sample is from 2024-09, so the default must include it.
DEFAULT_FIRST_BILLING_PERIOD = "2024-01"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    duckdb_path: Path
    output_dir: Path
    first_billing_period: str
    duckdb_threads: int
    duckdb_memory_limit: str

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            landing_dir=Path(env.get("FINOPS_LANDING_DIR", "data/landing")).resolve(),
            duckdb_path=Path(env.get("FINOPS_DUCKDB_PATH", "warehouse/finops.duckdb")).resolve(),
            output_dir=Path(env.get("FINOPS_OUTPUT_DIR", "output")).resolve(),
            first_billing_period=env.get(
                "FINOPS_FIRST_BILLING_PERIOD", DEFAULT_FIRST_BILLING_PERIOD
            ),
            duckdb_threads=int(env.get("FINOPS_DUCKDB_THREADS", os.cpu_count() or 2)),
            duckdb_memory_limit=env.get("FINOPS_DUCKDB_MEMORY_LIMIT", "3GB"),
        )


def shared_data_dir() -> Path:
    """Where the shared reference data (the FinOps Foundation FOCUS sample) lives."""
    return Path(os.environ.get("FINOPS_SHARED_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data"))
