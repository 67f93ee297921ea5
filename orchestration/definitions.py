"""The Dagster code location: everything the pipeline runs, in one Definitions object.

Each folder under `defs/` is one integration and exposes its own `defs`; this module merges
them and binds the shared resources. Only `defs` may live at module scope: Dagster refuses a
code location with more than one Definitions object in it.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.automation import definitions as automation
from orchestration.defs.data_quality import checks as data_quality
from orchestration.defs.dbt import assets as dbt
from orchestration.defs.ingestion import assets as ingestion
from orchestration.defs.insights import checks as insights
from orchestration.defs.publish import assets as publish
from orchestration.defs.report import assets as report
from orchestration.lib.resources import FinopsSettings

defs = dg.Definitions.merge(
    ingestion.defs,
    dbt.defs,
    automation.defs,
    data_quality.defs,
    insights.defs,
    publish.defs,
    report.defs,
    dg.Definitions(resources={"finops": FinopsSettings()}),
)
