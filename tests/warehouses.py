"""Warehouses built for tests: isolated settings, dbt artifacts kept out of the repo, a query helper."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops.config import Settings
from finops.transform import run_dbt


@dataclass
class Warehouse:
    settings: Settings
    workdir: Path
    statuses: dict[str, str]  # dbt unique_id -> status of the session's build

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.settings.duckdb_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str) -> object:
        return self.query(sql)[0][0]


def rows_not_in(con: duckdb.DuckDBPyConnection, rows: str, other: str) -> int:
    """How many rows of query `rows` are not in query `other` (`except all`: duplicates count)."""
    return con.execute(f"select count(*) from ({rows} except all {other})").fetchone()[0]


def make_settings(root: Path) -> Settings:
    landing = root / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    return Settings(
        landing_dir=landing,
        duckdb_path=root / "warehouse" / "finops.duckdb",
        output_dir=root / "output",
        first_billing_period="2024-01",
        duckdb_threads=2,
        duckdb_memory_limit="2GB",
    )


def dbt_args(workdir: Path, *args: str) -> list[str]:
    """Keep each warehouse's dbt artifacts and logs out of the repository's dbt_project/."""
    return [*args, "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]


def build(settings: Settings, workdir: Path, *extra: str, check: bool = True) -> dict[str, str]:
    result = run_dbt(settings, dbt_args(workdir, "build", *extra), check=check)
    return {r.node.unique_id: str(r.status) for r in result.result.results}
