"""Publishing the marts as Dagster assets (group `bi`), downstream of every dbt mart.

- bi/finops_bi_duckdb: the BI warehouse file (every mart, views, comments, _publish_info)
- bi/mart_exports:     Parquet (partitioned by billing period) + CSV of every mart
- bi/team_extracts:    each team's rows of every per-team mart
- bi/dbt_docs:         the dbt docs site (exposures and lineage) as one offline HTML file
                       (FINOPS_DBT_DOCS=off skips it, e.g. in tests that run the whole job)

The marts they depend on are read from the dbt manifest (every model in schema `marts`), so a
new mart is published without touching this file. The assets are not partitioned: in the monthly
partitioned job `finops_pipeline` they run once per run, after dbt, whatever the partition or
partition range. Each publishes incrementally (finops.publish.state): only the billing periods
the dbt builds since its last publish rebuilt (from main.dbt_build_state), everything after a
full refresh, nothing when no build is newer (metadata `publish_mode` says which, and why).
FINOPS_PUBLISH_FULL=1 forces a full publish. They do not run when dbt or a blocking
data-quality check on a mart fails. Descriptions and owners come
from the dbt exposures (dbt_project/models/exposures.yml) of the same name, which dagster-dbt
does not turn into assets itself.
"""

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg

from finops.config import DBT_PROJECT_DIR
from finops.publish import (
    BI_FILE_NAME,
    bi_inputs,
    describe,
    publish_bi_file,
    publish_dbt_docs,
    publish_exports,
    publish_team_extracts,
    team_column,
)
from finops.publish.bi import MARTS_SCHEMA
from finops.publish.dbt_docs import docs_current
from orchestration.defs.dbt.assets import DBT_PROJECT
from orchestration.lib.dbt import dbt_env
from orchestration.lib.resources import FinopsSettings

GROUP = "bi"
OWNERS = ["team:finops"]
BI_FILE_KEY = dg.AssetKey([GROUP, "finops_bi_duckdb"])


def _manifest() -> dict[str, Any]:
    return json.loads(DBT_PROJECT.manifest_path.read_text())


def mart_models(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """{mart model: documented columns} of every model built in schema `marts`."""
    return {
        node["name"]: list(node.get("columns", {}))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (node.get("config", {}).get("schema") or node.get("schema")) == MARTS_SCHEMA
    }


def exposure(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return manifest.get("exposures", {}).get(f"exposure.finops.{name}", {})


MANIFEST = _manifest()
MARTS = mart_models(MANIFEST)
MART_KEYS = [dg.AssetKey([MARTS_SCHEMA, m]) for m in sorted(MARTS)]
TEAM_MART_KEYS = [
    dg.AssetKey([MARTS_SCHEMA, m]) for m, cols in sorted(MARTS.items()) if team_column(m, cols)
]


def _describe(name: str, fallback: str) -> tuple[str, dict[str, Any]]:
    found = exposure(MANIFEST, name)
    metadata: dict[str, Any] = {}
    if found:
        metadata["dbt_exposure"] = found["unique_id"]
        metadata["dbt_exposure_depends_on"] = ", ".join(
            n.split(".")[-1] for n in found.get("depends_on", {}).get("nodes", [])
        )
        if found.get("meta", {}).get("path"):
            metadata["path"] = found["meta"]["path"]
    return (found.get("description") or fallback).strip(), metadata


def _full() -> bool:
    """FINOPS_PUBLISH_FULL=1: rewrite every output whole (e.g. after marts were changed outside
    the pipeline, which records no dbt build)."""
    return os.environ.get("FINOPS_PUBLISH_FULL", "").lower() in ("1", "true", "yes", "on")


def _mode(context: dg.AssetExecutionContext, result) -> dict[str, Any]:
    context.log.info(f"{describe(result)}: {result.reason}")
    return {"publish_mode": describe(result), "publish_reason": result.reason}


def _this_runs_dbt_artifacts(context: dg.AssetExecutionContext) -> list:
    """dagster-dbt writes each invocation to target/<op>-<run id[:7]>-<uuid>/: prefer this run's."""
    target = DBT_PROJECT_DIR / "target"
    mine = sorted(target.glob(f"*-{context.run.run_id[:7]}-*"))
    return mine or [target]


_bi_description, _bi_metadata = _describe("finops_bi_duckdb", "The BI warehouse file.")


@dg.asset(
    key=BI_FILE_KEY,
    deps=MART_KEYS,
    group_name=GROUP,
    owners=OWNERS,
    kinds={"duckdb"},
    description=_bi_description,
    metadata=_bi_metadata,
    pool="duckdb_writer",  # reads the warehouse under its write lock
)
def finops_bi_duckdb(
    context: dg.AssetExecutionContext, finops: FinopsSettings
) -> dg.MaterializeResult:
    settings = finops.settings()
    inputs = bi_inputs(_this_runs_dbt_artifacts(context))
    bi = publish_bi_file(
        settings,
        dbt_run=inputs.dbt_run,
        docs=inputs.docs,
        period_marts=inputs.period_marts,
        full=_full(),
    )
    dbt_run = inputs.dbt_run
    return dg.MaterializeResult(
        metadata={
            **_mode(context, bi),
            "path": dg.MetadataValue.path(str(bi.path)),
            "storage_version": bi.storage_version,
            "published_at": bi.published_at.isoformat(),
            "dbt_invocation_id": dbt_run.invocation_id or "",
            "rows": dg.MetadataValue.json({t.name: t.rows for t in bi.tables}),
            "marts": len(bi.marts),
        }
    )


_exports_description, _exports_metadata = _describe("mart_exports", "Parquet/CSV exports.")


@dg.asset(
    key=[GROUP, "mart_exports"],
    deps=[BI_FILE_KEY, *MART_KEYS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"parquet", "csv"},
    description=_exports_description,
    metadata=_exports_metadata,
)
def mart_exports(context: dg.AssetExecutionContext, finops: FinopsSettings) -> dg.MaterializeResult:
    summary = publish_exports(finops.settings(), full=_full())
    return dg.MaterializeResult(
        metadata={
            **_mode(context, summary),
            "files_kept": summary.linked,
            "path": dg.MetadataValue.path(str(summary.path)),
            "rows": dg.MetadataValue.json(summary.marts),
            "partitioned_by_billing_period": ", ".join(summary.partitioned),
        }
    )


_teams_description, _teams_metadata = _describe("team_extracts", "Per-team extracts.")


@dg.asset(
    key=[GROUP, "team_extracts"],
    deps=[BI_FILE_KEY, *TEAM_MART_KEYS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"parquet", "csv"},
    description=_teams_description,
    metadata=_teams_metadata,
)
def team_extracts(
    context: dg.AssetExecutionContext, finops: FinopsSettings
) -> dg.MaterializeResult:
    summary = publish_team_extracts(finops.settings(), full=_full())
    return dg.MaterializeResult(
        metadata={
            **_mode(context, summary),
            "files_kept": summary.linked,
            "path": dg.MetadataValue.path(str(summary.path)),
            "teams": len(summary.folders),
            "team_column_by_mart": dg.MetadataValue.json(summary.marts),
            "rows_by_team": dg.MetadataValue.json(summary.rows),
        }
    )


@dg.asset(
    key=[GROUP, "dbt_docs"],
    deps=MART_KEYS,
    group_name=GROUP,
    owners=OWNERS,
    kinds={"dbt", "html"},
    description=(
        "The dbt docs site (models, columns, tests, exposures, lineage) as one offline HTML "
        f"file, <FINOPS_OUTPUT_DIR>/dbt_docs/index.html; it sits beside {BI_FILE_NAME}."
    ),
    pool="duckdb_writer",  # dbt-duckdb opens the warehouse read-write for the catalog
)
def dbt_docs(context: dg.AssetExecutionContext, finops: FinopsSettings) -> dg.MaterializeResult:
    if os.environ.get("FINOPS_DBT_DOCS", "on") == "off":
        context.log.info("FINOPS_DBT_DOCS=off: dbt docs site not rebuilt (`finops publish` does)")
        return dg.MaterializeResult(metadata={"skipped": "FINOPS_DBT_DOCS=off"})
    settings = finops.settings()
    if docs_current(settings):
        context.log.info("dbt docs site current: the dbt project is unchanged since it was built")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.output_dir / "dbt_docs/index.html")),
                "skipped": "dbt project unchanged since the site was built",
            }
        )
    dbt_run = bi_inputs(_this_runs_dbt_artifacts(context)).dbt_run
    artifacts = Path(dbt_run.artifacts) if dbt_run.artifacts else None
    # the environment dagster-dbt gave `dbt build`, so dbt reuses its partial parse
    environ = dbt_env(settings.duckdb_path)
    page = publish_dbt_docs(settings, dbt_artifacts=artifacts, dbt_environ=environ)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(page))})


defs = dg.Definitions(assets=[finops_bi_duckdb, mart_exports, team_extracts, dbt_docs])
