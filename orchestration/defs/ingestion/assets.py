"""Ingestion assets: one per source, partitioned by billing month.

Each landing folder is an external asset (the provider writes it); each raw table is a
partitioned asset whose materialization loads the current deliveries of the selected billing
periods. A backfill of many months runs as one run (single-run backfill policy), so a year
is one pass over the landing folder instead of twelve.
"""

import warnings

import dagster as dg

from finops.ingest import SOURCES, IngestFailed, ingest
from finops.ingest.sources import Source
from orchestration.lib.partitions import billing_period_partitions, period_of
from orchestration.lib.resources import FinopsSettings

INGESTION_GROUP = "ingestion"
LANDING_GROUP = "landing"
OWNER = "team:data-platform"


def landing_key(folder: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", folder])


def raw_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.table])


LANDING_SPECS = [
    dg.AssetSpec(
        key=landing_key(folder),
        description=f"Billing exports as the provider delivers them, under FINOPS_LANDING_DIR/{folder}/ "
        "(see docs/landing-formats.md).",
        group_name=LANDING_GROUP,
        owners=[OWNER],
        kinds={"file"},
    )
    for folder in sorted({s.folder for s in SOURCES.values()})
]


def build_ingestion_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_key(source),
        description=f"{source.description}. Loaded into `{source.qualified_table}`; one "
        "atomic replace per billing account and period; every load is in `ingest.ledger`.",
        group_name=INGESTION_GROUP,
        deps=[landing_key(source.folder)],
        partitions_def=billing_period_partitions(),
        backfill_policy=dg.BackfillPolicy.single_run(),
        owners=[OWNER],
        kinds={"duckdb"},
        pool="duckdb_writer",
    )
    def _ingest(context: dg.AssetExecutionContext, finops: FinopsSettings) -> dg.MaterializeResult:
        periods = sorted({period_of(k) for k in context.partition_keys})
        try:
            results = ingest(finops.settings(), [source.name], periods, progress=context.log.info)
        except IngestFailed as failed:
            raise dg.Failure(description=str(failed)) from None
        loaded = [r for r in results if r.status == "loaded"]
        return dg.MaterializeResult(
            metadata={
                "periods": dg.MetadataValue.text(", ".join(periods)),
                "deliveries_loaded": len(loaded),
                "deliveries_unchanged": sum(r.status == "unchanged" for r in results),
                "rows_loaded": sum(r.rows for r in loaded),
                "billed_cost_loaded": float(sum(r.billed_cost for r in loaded)),
            }
        )

    _ingest.__name__ = f"raw_{source.name}"
    return _ingest


# Single-run backfills are "beta" in Dagster 1.13 but are what makes a 12-month backfill one pass.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

INGESTION_ASSETS = [build_ingestion_asset(s) for s in SOURCES.values()]

defs = dg.Definitions(assets=[*LANDING_SPECS, *INGESTION_ASSETS])
