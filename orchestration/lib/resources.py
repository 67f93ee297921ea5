"""The settings resource: paths come from the environment (see finops.config)."""

from __future__ import annotations

import dagster as dg

from finops.config import Settings


class FinopsSettings(dg.ConfigurableResource):
    """Landing folder and warehouse file; empty means the FINOPS_* environment defaults."""

    landing_dir: str = ""
    duckdb_path: str = ""

    def settings(self) -> Settings:
        base = Settings.from_env()
        from dataclasses import replace
        from pathlib import Path

        return replace(
            base,
            landing_dir=Path(self.landing_dir).resolve() if self.landing_dir else base.landing_dir,
            duckdb_path=Path(self.duckdb_path).resolve() if self.duckdb_path else base.duckdb_path,
        )
