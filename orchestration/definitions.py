"""The Dagster code location: everything the pipeline runs, in one Definitions object.

Each folder under `defs/` is one integration and exposes its own `defs`; this module merges
them and binds the shared resources.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.automation.definitions import defs as automation_defs
from orchestration.defs.dbt.assets import defs as dbt_defs
from orchestration.defs.ingestion.assets import defs as ingestion_defs
from orchestration.lib.resources import FinopsSettings

defs = dg.Definitions.merge(
    ingestion_defs,
    dbt_defs,
    automation_defs,
    dg.Definitions(resources={"finops": FinopsSettings()}),
)
