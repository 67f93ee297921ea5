"""The daily job, its schedule, the landing sensor and the failure alert.

- `finops_pipeline`: every asset (ingestion, dbt models, checks) for a range of billing months,
  one run per range (single-run backfill policy).
- Schedule, 06:00 UTC: the current and previous billing month, which providers restate.
- Sensor: a new or changed delivery in landing (content hash) starts a run for its months;
  nothing changed, nothing runs.
- Run failures call the alert hook (log, plus a webhook when FINOPS_ALERT_WEBHOOK_URL is set).
"""

import datetime as dt
import json

import dagster as dg

from finops.alerts import send_alert
from finops.config import Settings
from orchestration.lib.landing_watch import (
    changed_periods,
    landing_state,
    open_periods,
    partition_range_tags,
)
from orchestration.lib.partitions import billing_period_partitions

PIPELINE_JOB_NAME = "finops_pipeline"
PIPELINE_JOB = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    partitions_def=billing_period_partitions(),
    description="Landing -> raw -> dbt marts (with checks) for a range of billing months.",
)


@dg.schedule(
    job=PIPELINE_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily at 06:00 UTC: refresh the current and previous billing month.",
)
def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.astimezone(dt.UTC).date()
    periods = open_periods(today)
    return dg.RunRequest(run_key=f"daily-{today.isoformat()}", tags=partition_range_tags(periods))


@dg.sensor(
    job=PIPELINE_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when a delivery in the landing folder is new or changed.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    settings = Settings.from_env()
    previous = json.loads(context.cursor) if context.cursor else {}
    current = landing_state(settings.landing_dir, previous)
    periods = changed_periods(previous, current, dt.datetime.now(dt.UTC).date())
    periods = [p for p in periods if p >= settings.first_billing_period]
    cursor = json.dumps(current, sort_keys=True)
    if not periods:
        return dg.SensorResult(run_requests=[], cursor=cursor)
    context.log.info(f"landing changed for {', '.join(periods)}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"landing-{hash(cursor)}", tags=partition_range_tags(periods))
        ],
        cursor=cursor,
    )


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Calls the alert hook for every failed run.",
)
def alert_on_failure(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    send_alert(
        title=f"finops run {run.run_id[:8]} ({run.job_name}) failed",
        text=context.failure_event.message or "see the Dagster UI for the failed steps",
        logger=context.log,
    )


defs = dg.Definitions(
    jobs=[PIPELINE_JOB],
    schedules=[daily_refresh],
    sensors=[landing_sensor, alert_on_failure],
)
