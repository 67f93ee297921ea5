"""Run the pipeline in-process through Dagster (the same assets the schedule runs) and report.

`finops run` and `finops demo` call `run_pipeline`; the Dagster UI and schedule run the very
same asset definitions, so a CLI run and a scheduled run produce the same tables.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from finops.config import Settings
from finops.ingest import SOURCES, landing_periods
from finops.warehouse import connect_reader

Progress = Callable[[str], None]


def dagster_home() -> Path:
    """DAGSTER_HOME, or `.dagster_home/` beside the warehouse, with telemetry switched off."""
    home = Path(os.environ.get("DAGSTER_HOME", ".dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(
            "# Written by finops: no phoning home, and one DuckDB writer at a time.\n"
            "telemetry:\n  enabled: false\n"
            "concurrency:\n  runs:\n    max_concurrent_runs: 1\n"
            "  pools:\n    default_limit: 1\n"
        )
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def periods_in_landing(settings: Settings) -> list[str]:
    periods: set[str] = set()
    for name in SOURCES:
        periods.update(landing_periods(settings, name))
    return sorted(p for p in periods if p >= settings.first_billing_period)


@dataclass
class CheckOutcome:
    asset: str
    name: str
    passed: bool
    severity: str  # ERROR | WARN


@dataclass
class RunOutcome:
    success: bool
    periods: list[str]
    failures: list[str]
    checks: list[CheckOutcome] = field(default_factory=list)
    materialized: list[str] = field(default_factory=list)  # asset keys, e.g. bi/finops_bi_duckdb
    # set when the run stopped before Dagster because nothing changed: why
    nothing_changed: str | None = None

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed]


def nothing_to_do(settings: Settings, periods: list[str]) -> str | None:
    """Why a run of `periods` would change nothing, or None when it has work to do.

    Nothing to do means: no delivery in landing differs from what is loaded (nor fails to be
    indexed), the last complete dbt build is current (same project, nothing loaded, closed or
    reopened since: `plan_build` would skip), and the BI file, exports and team extracts reflect
    that build (their publish marks, `finops.publish.outputs_behind`).
    A previous run that failed anywhere leaves one of these false, so it is retried.
    """
    from finops.ingest.pending import pending_deliveries
    from finops.publish import outputs_behind
    from finops.transform import last_build_time, plan_build
    from finops.warehouse import write_lock

    if not settings.duckdb_path.exists() or pending_deliveries(settings, periods):
        return None
    with write_lock(settings.duckdb_path):
        con = connect_reader(settings)
        try:
            plan = plan_build(con, periods)
        finally:
            con.close()
    if not plan.skip:
        return None
    built = last_build_time(settings)
    if built is None or outputs_behind(settings, built):
        return None
    return f"every delivery is loaded unchanged and {plan.reason}"


def run_pipeline(
    settings: Settings,
    periods: list[str] | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> RunOutcome:
    """Materialize every asset for the given billing periods (default: all in landing).

    When nothing changed since the last complete run (`nothing_to_do`), no Dagster run is
    started (unless `force`): a no-op rerun reads file stats and the state tables only.
    """
    say = progress or (lambda _msg: None)
    periods = sorted(periods) if periods else periods_in_landing(settings)
    if not periods:
        say(f"nothing to do: no deliveries under {settings.landing_dir}")
        return RunOutcome(True, [], [])
    if not force and (reason := nothing_to_do(settings, periods)):
        say(f"nothing to do for {periods[0]}..{periods[-1]}: {reason} (`--force` runs anyway)")
        return RunOutcome(True, periods, [], nothing_changed=reason)

    # Dagster and the dbt manifest take seconds to load: only once there is work to do.
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.automation.definitions import PIPELINE_JOB_NAME
    from orchestration.lib.landing_watch import partition_range_tags
    from orchestration.lib.storage import fewer_fsyncs

    say(
        f"running job {PIPELINE_JOB_NAME} for {len(periods)} billing period(s) "
        f"{periods[0]}..{periods[-1]} through Dagster (in-process; ingestion, dbt, checks)"
    )
    home = dagster_home()
    instance = dg.DagsterInstance.get()
    # The very job the schedule and the sensor launch, so a CLI run and a scheduled run agree.
    job = defs.resolve_job_def(PIPELINE_JOB_NAME)
    # dbt's node-by-node output goes to a log file, not the terminal (the UI keeps it per run).
    log_path = settings.duckdb_path.parent / "logs" / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # The checks of one run would each rebuild the GX Data Docs site (~2 s each): build it once,
    # below, if any check validated anything.
    docs_env = _DataDocsOnce()
    with (
        open(log_path, "w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        docs_env,
        fewer_fsyncs(home),
    ):
        result = job.execute_in_process(
            instance=instance,
            tags=partition_range_tags(periods),
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
    say(f"dbt and Dagster step output: {log_path}")
    failures = [_failure_text(e) for e in result.all_events if e.is_step_failure]
    checks = [
        CheckOutcome(
            data.asset_key.to_user_string(), data.check_name, data.passed, data.severity.value
        )
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and (data := e.asset_check_evaluation_data) is not None
    ]
    validated = [
        e
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and "reused_validation" not in (e.asset_check_evaluation_data.metadata or {})
    ]
    if validated and docs_env.owned:
        from data_quality.data_docs import build_data_docs

        try:
            say(f"data quality docs rebuilt: {build_data_docs(settings)}")
        except Exception as exc:  # the site is a by-product of the checks: never fail a run
            say(f"GX Data Docs not rebuilt: {exc}")
    done = sorted({e.asset_key.to_user_string() for e in result.get_asset_materialization_events()})
    for key in done:
        say(f"materialized {key}")
    passed = sum(c.passed for c in checks)
    say(f"checks: {passed}/{len(checks)} passed")
    for check in checks:
        if not check.passed:
            say(
                f"check {check.severity}: {check.asset} {check.name} failed (see the Dagster UI "
                f"or {log_path})"
            )
    return RunOutcome(result.success, periods, failures, checks, done)


class _DataDocsOnce:
    """FINOPS_DQ_DATA_DOCS=off while the job runs, unless the caller already decided."""

    owned = False

    def __enter__(self) -> _DataDocsOnce:
        if "FINOPS_DQ_DATA_DOCS" not in os.environ:
            os.environ["FINOPS_DQ_DATA_DOCS"] = "off"
            self.owned = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            os.environ.pop("FINOPS_DQ_DATA_DOCS", None)


def _failure_text(event) -> str:
    data = event.step_failure_data
    user = getattr(data, "user_failure_data", None) if data else None
    if user is not None and user.description:
        return f"{event.step_key}: {user.description}"
    if data is not None and data.error is not None:
        return f"{event.step_key}: {data.error.message.strip()}"
    return str(event.step_key)


@dataclass
class SummaryRow:
    source: str
    period: str
    rows: int
    billed_cost: Decimal
    currency: str


def raw_summary(settings: Settings) -> list[SummaryRow]:
    """Rows and billed cost per source and billing period, straight from the raw tables."""
    con = connect_reader(settings)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        out = []
        for source in SOURCES.values():
            if source.table not in tables:
                continue
            billed = source.billed_cost_expr.replace("r.", "")
            currency = source.currency_expr.replace("r.", "") if source.currency_expr else "''"
            for period, rows, total, cur in con.execute(
                f"select _billing_period, count(*), sum({billed}), "
                f"string_agg(distinct {currency}, '/') from {source.qualified_table} "
                "group by 1 order by 1"
            ).fetchall():
                out.append(SummaryRow(source.name, period, rows, Decimal(total or 0), cur or ""))
        return out
    finally:
        con.close()


def format_summary(rows: list[SummaryRow]) -> str:
    if not rows:
        return "(no raw data loaded yet)"
    lines = [f"{'source':<18} {'period':<8} {'rows':>12} {'billed cost':>18} currency"]
    for r in rows:
        amount = f"{r.billed_cost:,.2f}" if r.source != "business_metrics" else "-"
        lines.append(f"{r.source:<18} {r.period:<8} {r.rows:>12,} {amount:>18} {r.currency}")
    total_rows = sum(r.rows for r in rows)
    lines.append(f"{'total':<18} {'':<8} {total_rows:>12,}")
    return "\n".join(lines)


def mart_summary(settings: Settings) -> str:
    """A few headline numbers from the marts, so a demo ends with something to read."""
    con = connect_reader(settings)
    try:
        marts = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        if not marts:
            return "(no marts built yet)"
        lines = ["marts (schema `marts`): " + ", ".join(marts)]
        if "fct_allocated_cost" in marts:
            lines.append(f"{'provider':<14} {'billed (reporting)':>20} {'effective':>16} allocated")
            for provider, billed, effective, allocated, currency in con.execute(
                """
                select provider, sum(billed_cost_reporting), sum(effective_cost_reporting),
                       sum(effective_cost_reporting) filter (where team <> 'unallocated')
                       / nullif(sum(effective_cost_reporting), 0),
                       any_value(reporting_currency)
                from marts.fct_allocated_cost group by 1 order by 2 desc
                """
            ).fetchall():
                share = f"{allocated:.1%}" if allocated is not None else "-"
                lines.append(
                    f"{provider:<14} {billed:>16,.2f} {currency} {effective:>16,.2f} {share:>9}"
                )
        if "invoice_reconciliation" in marts:
            bad = con.execute(
                "select count(*) from marts.invoice_reconciliation where not is_reconciled"
            ).fetchone()[0]
            total = con.execute("select count(*) from marts.invoice_reconciliation").fetchone()[0]
            lines.append(
                f"invoice reconciliation: {total - bad}/{total} account-months exact to the cent"
            )
        return "\n".join(lines)
    finally:
        con.close()
