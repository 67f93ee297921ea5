"""Great Expectations suites (data_quality/suites/) as Dagster asset checks on the assets they guard.

One check per suite, named after it, on `raw/<table>` or `marts/<model>`. Checks whose failure
means wrong numbers would reach finance (raw billing integrity, mart reconciliation, no cost
without a team) are blocking with severity ERROR: downstream assets of the run do not
materialize. The others warn. Raw checks are partitioned like the raw assets and validate the
billing periods just materialized; when ingestion loaded nothing new for them, a raw check reports
the earlier passing validation of those very rows instead of reading them again
(data_quality/reuse.py). Each validation records its GX results and rebuilds the Data Docs site
(FINOPS_OUTPUT_DIR/data_docs/index.html, ~2 s), whose path is in the check's metadata;
FINOPS_DQ_DATA_DOCS=off skips the rebuild (`finops run` sets it and rebuilds the site once at the
end of the run; otherwise call data_quality.data_docs.build_data_docs).
"""

import os
import warnings
from typing import Any

import dagster as dg

from data_quality.spec import Scope, Suite
from data_quality.suites import SUITES
from orchestration.lib.partitions import billing_period_partitions, period_of
from orchestration.lib.resources import FinopsSettings

# Partitioned asset checks are a preview feature in Dagster 1.13; they are what lets a check
# validate exactly the billing periods its asset just loaded.
warnings.filterwarnings("ignore", category=dg.PreviewWarning)

MAX_DESCRIPTION = 2000


def result_metadata(result: Any) -> dict[str, Any]:
    """Dagster metadata of a SuiteResult: failing expectation names, counts and examples."""
    metadata: dict[str, Any] = {
        "gx_suite": result.suite,
        "scope": result.scope,
        "expectations_evaluated": result.evaluated,
        "expectations_failed": len(result.failures),
        "failed_expectations": dg.MetadataValue.json([f.to_dict() for f in result.failures]),
        "rows_validated": dg.MetadataValue.json(result.rows),
    }
    if result.skipped:
        metadata["batches_skipped"] = ", ".join(result.skipped)
    if result.failures:
        lines = ["| batch | expectation | unexpected | examples |", "|---|---|---|---|"]
        for f in result.failures:
            count = f.unexpected_count if f.unexpected_count is not None else f.observed_value
            shown = f.error or ", ".join(str(v) for v in f.examples[:5])
            lines.append(f"| {f.batch} | `{f.expectation}` | {count or ''} | {shown} |")
        metadata["failures"] = dg.MetadataValue.md("\n".join(lines))
    return metadata


def build_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=suite.check_name,
        description=suite.description,
        blocking=suite.blocking,
        partitions_def=billing_period_partitions() if suite.partitioned else None,
        # reads the DuckDB file: never alongside a writer
        pool="duckdb_writer",
        metadata={"gx_suite": suite.name, "severity": severity.value},
    )
    def _check(
        context: dg.AssetCheckExecutionContext, finops: FinopsSettings
    ) -> dg.AssetCheckResult:
        settings = finops.settings()
        periods = None
        if suite.partitioned and (context.has_partition_key or context.has_partition_key_range):
            periods = tuple(sorted({period_of(k) for k in context.partition_keys}))
        if periods:
            from data_quality.reuse import reusable_validation

            reused = reusable_validation(settings, suite, periods)
            if reused is not None:  # a no-op rerun: these exact rows passed before
                return dg.AssetCheckResult(
                    passed=True,
                    severity=severity,
                    description=reused.summary()[:MAX_DESCRIPTION],
                    metadata={
                        "gx_suite": suite.name,
                        "scope": reused.scope,
                        "reused_validation": f"{reused.validated_at} (run {reused.run_name})",
                    },
                )
        # Great Expectations takes seconds to import: only when a check runs, not at load time.
        from data_quality.data_docs import build_data_docs
        from data_quality.reuse import remember_validation
        from data_quality.runner import run_and_record

        run_name = context.run.run_id[:8]
        result = run_and_record(settings, suite, Scope(periods=periods), run_name=run_name)
        if periods:
            remember_validation(settings, suite, periods, result, run_name)
        metadata = result_metadata(result)
        if os.environ.get("FINOPS_DQ_DATA_DOCS", "on") != "off":
            try:
                metadata["data_docs"] = dg.MetadataValue.path(str(build_data_docs(settings)))
            except Exception as exc:  # the site is a by-product: never fail a check over it
                context.log.warning(f"GX Data Docs not rebuilt: {exc}")
        return dg.AssetCheckResult(
            passed=result.success,
            severity=severity,
            description=result.summary()[:MAX_DESCRIPTION],
            metadata=metadata,
        )

    return _check


ASSET_CHECKS = [build_check(s) for s in SUITES]

defs = dg.Definitions(asset_checks=ASSET_CHECKS)
