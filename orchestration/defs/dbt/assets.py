"""dbt models, seeds and snapshots as Dagster assets; dbt tests become asset checks.

Assets share the billing-month partitions of ingestion so that one run (or one backfill) carries
a month from landing to marts. dbt runs under the warehouse write lock: DuckDB has one writer.
"""

import os
import uuid
import warnings
from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from finops.transform import plan_build, record_build, scoped_environment
from finops.warehouse import configure, write_lock
from orchestration.lib.dbt import (
    FinopsDbtCliResource,
    dbt_env,
    dbt_executable,
    finops_dbt_project,
    restore_partial_parse,
    save_partial_parse,
)
from orchestration.lib.partitions import billing_period_partitions, period_of
from orchestration.lib.resources import FinopsSettings

warnings.filterwarnings("ignore", category=dg.BetaWarning)

OWNERS = {
    "staging": "team:data-platform",
    "intermediate": "team:data-platform",
    "marts": "team:finops",
}


class FinopsDbtTranslator(DagsterDbtTranslator):
    """Models keyed by schema (`marts/fct_allocated_cost`), grouped by layer."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id) or {}
        if node.get("resource_type") in ("model", "seed", "snapshot"):
            schema = node.get("config", {}).get("schema") or node.get("schema") or "main"
            layer = (
                schema
                if schema in OWNERS
                else ("seeds" if node["resource_type"] == "seed" else schema)
            )
            spec = spec.replace_attributes(
                key=dg.AssetKey([schema, node["name"]]),
                group_name=layer,
                owners=[OWNERS.get(layer, "team:finops")],
            )
        return spec


DBT_PROJECT = finops_dbt_project()
TRANSLATOR = FinopsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=billing_period_partitions(),
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
)
def finops_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, finops: FinopsSettings
):
    """`dbt build` of the selected models for the run's billing periods (incremental models
    replace only those periods; see docs/benchmarks.md).

    - the dbt project or seeds changed since the last complete build, or none is recorded:
      `dbt build --full-refresh` (every period);
    - otherwise the run's partition range (plus any period loaded since the last build) goes to
      dbt in the environment, FINOPS_BILLING_PERIOD_FROM / FINOPS_BILLING_PERIOD_TO (not
      `--vars`, which would make dbt re-parse the project every run);
    - nothing loaded and nothing changed since the last complete build: dbt does not run (a no-op
      rerun reads nothing); the marts are already current.

    dbt starts from the partial-parse state of the previous build on the same warehouse
    (orchestration/lib/dbt.py partial_parse_store) and leaves its own for the next one.
    """
    settings = finops.settings()
    # dbt inherits this process's environment: point its profile at the same warehouse file.
    os.environ.update(dbt_env(settings.duckdb_path))
    periods = sorted({period_of(k) for k in context.partition_keys})
    complete = set(context.selected_asset_keys) == set(context.assets_def.keys)
    with write_lock(settings.duckdb_path):
        con = duckdb.connect(str(settings.duckdb_path))
        try:
            configure(con, settings)
            plan = plan_build(con, periods)
        finally:
            con.close()
        if plan.skip and complete:
            context.log.info(f"dbt build skipped: {plan.reason}; the marts are current")
            return
        context.log.info(f"dbt build: {plan.reason}")
        # dagster-dbt's own naming (dbt_project/target/<op>-<run>-<id>), where publish looks
        target_path = (
            DBT_PROJECT.project_dir
            / "target"
            / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-"
            f"{uuid.uuid4().hex[:7]}"
        )
        restore_partial_parse(settings.duckdb_path, target_path)
        # The run's dbt.log at info (node results, warnings, errors), not debug: every SQL
        # statement and connection event, written from 4 worker threads under one lock, costs
        # seconds per run. DBT_LOG_LEVEL_FILE=debug in the environment brings them back.
        log_level = os.environ.get("DBT_LOG_LEVEL_FILE") or "info"
        run_env = {**plan.dbt_env(), "DBT_LOG_LEVEL_FILE": log_level}
        try:
            with scoped_environment(run_env):
                cli = dbt.cli(plan.dbt_args(), context=context, target_path=target_path)
                yield from cli.stream()
        finally:
            save_partial_parse(settings.duckdb_path, target_path)
        if complete:  # a partial selection leaves other models as they were: not a full build
            con = duckdb.connect(str(settings.duckdb_path))
            try:
                configure(con, settings)  # no vacuum at its checkpoint either (9-13 s)
                record_build(con, plan)
            finally:
                con.close()


defs = dg.Definitions(
    assets=[finops_dbt_models],
    resources={
        "dbt": FinopsDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=dbt_executable())
    },
)
