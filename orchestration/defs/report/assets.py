"""The showback report as a Dagster asset, downstream of the published BI file.

`bi/showback_report` reads `<FINOPS_OUTPUT_DIR>/finops_bi.duckdb` (asset `bi/finops_bi_duckdb`,
orchestration/defs/publish) read-only and writes `<FINOPS_OUTPUT_DIR>/reports/`: one
self-contained HTML page per billing month and an index (finops.report, docs/showback.md).
Reading the published file, never the pipeline's warehouse, keeps the report off the writer's
lock and shows exactly the numbers BI tools see.
"""

import re

import dagster as dg
import yaml

from finops.config import DBT_PROJECT_DIR
from finops.publish.bi import BI_FILE_NAME, MARTS_SCHEMA
from finops.report import build_from_file
from finops.report.money import money
from orchestration.lib.resources import FinopsSettings

BI_FILE_KEY = dg.AssetKey(["bi", "finops_bi_duckdb"])  # orchestration/defs/publish
REPORT_KEY = dg.AssetKey(["bi", "showback_report"])
REPORTS_DIR = "reports"
EXPOSURE_NAME = "showback_report"
EXPOSURES_YML = DBT_PROJECT_DIR / "models" / "exposures.yml"


def exposure_marts(name: str = EXPOSURE_NAME) -> list[str]:
    """The models a dbt exposure depends on, read from exposures.yml (no manifest needed)."""
    if not EXPOSURES_YML.exists():
        return []
    doc = yaml.safe_load(EXPOSURES_YML.read_text()) or {}
    for found in doc.get("exposures", []):
        if found.get("name") == name:
            refs = (
                re.fullmatch(r"\s*ref\(\s*['\"]([^'\"]+)['\"]\s*\)\s*", d)
                for d in found.get("depends_on", [])
            )
            return [m[1] for m in refs if m]
    return []


# The dbt exposure `showback_report` (dbt_project/models/exposures.yml) names the marts the
# report reads: they become lineage edges too, so Dagster shows which marts feed the report.
MARTS = exposure_marts()
MART_KEYS = [dg.AssetKey([MARTS_SCHEMA, m]) for m in MARTS]


@dg.asset(
    key=REPORT_KEY,
    deps=[BI_FILE_KEY, *MART_KEYS],
    group_name="bi",
    owners=["team:finops"],
    kinds={"html", "plotly"},
    description=(
        "Monthly showback report for finance: <output>/reports/showback-YYYY-MM.html per billing "
        "month (totals, teams, providers, 12-month trend, top movers, budgets, tag coverage, unit "
        "costs, insights) and reports/index.html; self-contained, works offline. Reads the "
        "published BI file only (docs/showback.md)."
    ),
    metadata={"dbt_exposure": f"exposure.finops.{EXPOSURE_NAME}"} if MARTS else None,
)
def showback_report(context: dg.AssetExecutionContext, finops: FinopsSettings):
    settings = finops.settings()
    bi_file = settings.output_dir / BI_FILE_NAME
    result = build_from_file(bi_file, settings.output_dir / REPORTS_DIR, schema="main")
    latest = max(result.pages)
    context.log.info(f"showback report: {len(result.pages)} months, index {result.index}")
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(result.index)),
            "months": len(result.pages),
            "first_month": min(result.pages),
            "latest_month": latest,
            "latest_page": dg.MetadataValue.path(str(result.pages[latest])),
            "latest_total": money(result.totals[latest], result.currency),
            "currency": result.currency,
        }
    )


defs = dg.Definitions(assets=[showback_report])
