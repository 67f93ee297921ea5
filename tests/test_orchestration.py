"""Dagster: the code location loads, and ingestion assets materialize real partitions in-process."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from finops.config import Settings
from finops.pipeline import nothing_to_do, run_pipeline
from tests import builders as b
from tests.conftest import query


def test_definitions_load_and_hold_the_ingestion_graph() -> None:
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "landing/aws",
        "landing/azure",
        "landing/gcp",
        "landing/focus",
        "landing/business",
        "raw/aws_cur2_line_items",
        "raw/aws_cur_line_items",
        "raw/azure_cost_details",
        "raw/gcp_billing_export",
        "raw/focus_cost_and_usage",
        "raw/business_metrics",
    } <= keys
    spec = defs.resolve_assets_def(dg.AssetKey(["raw", "focus_cost_and_usage"]))
    assert spec.partitions_def is not None
    assert spec.partitions_def.get_partition_keys()[0] == "2024-01-01"
    upstream = (
        defs.resolve_asset_graph().get(dg.AssetKey(["raw", "focus_cost_and_usage"])).parent_keys
    )
    assert dg.AssetKey(["landing", "focus"]) in upstream


def test_run_pipeline_materializes_partitions_through_dagster(
    settings: Settings, focus_sample: Path
) -> None:
    target = settings.landing_dir / "focus" / focus_sample.name
    target.parent.mkdir(parents=True)
    shutil.copy(focus_sample, target)
    b.write_cur2_delivery(settings.landing_dir / "aws", "2024-10", "exec-1", ["3.00", "4.00"])

    messages: list[str] = []
    outcome = run_pipeline(settings, progress=messages.append)

    assert outcome.success, outcome.failures
    assert outcome.periods == ["2024-09", "2024-10"]
    assert "materialized raw/focus_cost_and_usage" in messages
    assert query(settings, "select sum(billed_cost) from raw.focus_cost_and_usage") == [
        (Decimal("20.520226728990"),)
    ]
    assert query(settings, "select sum(line_item_unblended_cost) from raw.aws_cur2_line_items") == [
        (Decimal("7.000000000000"),)
    ]

    # The run is recorded in the persistent Dagster instance (DAGSTER_HOME), partition by partition.
    instance = dg.DagsterInstance.get()
    materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "aws_cur2_line_items"]))
    assert {"2024-09-01", "2024-10-01"} <= set(materialized)


def test_a_bad_delivery_fails_the_run_with_the_file_named(settings: Settings) -> None:
    bad = b.write_cur2_delivery(settings.landing_dir / "aws", "2024-11", "exec-1", ["1.00"])
    bad.write_bytes(b"garbage")
    b.write_cur2_delivery(settings.landing_dir / "aws", "2024-12", "exec-1", ["2.00"])
    outcome = run_pipeline(settings, periods=["2024-11", "2024-12"])
    assert not outcome.success
    assert any("acme-cur2-00001.snappy.parquet" in f for f in outcome.failures), outcome.failures
    # the good month still loaded
    assert query(
        settings,
        "select _billing_period, sum(line_item_unblended_cost) from raw.aws_cur2_line_items group by 1",
    ) == [("2024-12", Decimal("2.000000000000"))]


def test_code_location_loads_as_dagster_dev_loads_it(tmp_path: Path) -> None:
    """`dagster dev -m orchestration.definitions` refuses modules with several Definitions."""
    import os
    import subprocess
    import sys

    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "orchestration.definitions"],
        capture_output=True,
        text=True,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


@pytest.mark.slow
def test_whole_graph_on_generated_data_passes_every_blocking_check(settings: Settings) -> None:
    from finops.generate import generate

    generate(settings.landing_dir, months=2, rows=20_000, seed=7, start="2025-01")
    outcome = run_pipeline(settings)

    assert outcome.success, outcome.failures
    names = {(c.asset, c.name) for c in outcome.checks}
    # GX suites and dbt tests both ran as asset checks
    assert ("raw/aws_cur2_line_items", "billing_integrity") in names
    assert ("marts/invoice_reconciliation", "invoice_reconciled") in names
    assert any(name.startswith("cost_conserved") for _, name in names), names
    assert len(outcome.checks) > 50
    assert [c for c in outcome.failed_checks if c.severity == "ERROR"] == []
    # Under-tagged sample accounts surface as a coverage warning, not an error.
    warned = {c.name for c in outcome.failed_checks}
    assert any(name.startswith("tag_coverage") for name in warned), warned
    assert query(
        settings, "select count(*) from marts.invoice_reconciliation where not is_reconciled"
    ) == [(0,)]

    # A rerun with nothing changed stops before Dagster: no run is created, nothing is read.
    instance = dg.DagsterInstance.get()
    runs_before = len(instance.get_run_records())
    again = run_pipeline(settings)
    assert again.success and again.nothing_changed, again
    assert again.materialized == [] and again.checks == []
    assert len(instance.get_run_records()) == runs_before
    # ... but it has work to do as soon as anything is behind: outputs gone, or a new delivery.
    bi_file = settings.output_dir / "finops_bi.duckdb"
    bi_file.rename(bi_file.with_suffix(".moved"))
    assert nothing_to_do(settings, again.periods) is None
    bi_file.with_suffix(".moved").rename(bi_file)
    assert nothing_to_do(settings, again.periods)
    exports_state = settings.output_dir / "exports" / "_publish_state.json"
    exports_state.rename(exports_state.with_suffix(".moved"))  # exports never finished
    assert nothing_to_do(settings, again.periods) is None
    exports_state.with_suffix(".moved").rename(exports_state)
    assert nothing_to_do(settings, again.periods)
    b.write_cur2_delivery(settings.landing_dir / "aws", "2025-02", "exec-restated", ["1.00"])
    assert nothing_to_do(settings, again.periods) is None
