"""The asset check on `marts/cost_anomalies`: anomalies that are NEW since the last run.

State is kept durably in the warehouse itself, in `ingest.anomaly_notifications` (one row per
anomaly_id ever seen, with when and by which run): it survives Dagster instance resets, travels
with the data it describes, and is outside the dbt-managed schemas, so rebuilding the marts does
not forget it. anomaly_id is stable across runs (a hash of the series and its first day), so an
anomaly that goes on for days is announced once.

Each run: the anomalies not in the table are new. Those whose last day is within
FINOPS_ANOMALY_ALERT_MAX_AGE_DAYS (default 7) of the data's as-of date are announced: one
finops.alerts.send_alert per owner team (team and contact from seeds/teams.csv), and listed in
the check's metadata; the check then fails with severity WARN (it never blocks anything).
Older ones (e.g. a year of history on the first run) are recorded without an alert. All new
anomalies are then recorded, so the next run is quiet unless something new appears.
"""

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import dagster as dg

from finops.alerts import send_alert
from finops.config import Settings
from finops.warehouse import connect_writer
from orchestration.lib.resources import FinopsSettings

ANOMALIES_ASSET = dg.AssetKey(["marts", "cost_anomalies"])
STATE_TABLE = "ingest.anomaly_notifications"
MAX_AGE_ENV = "FINOPS_ANOMALY_ALERT_MAX_AGE_DAYS"
LISTED = 50  # anomalies listed in the metadata table (all are counted)

STATE_DDL = f"""
create schema if not exists ingest;
create table if not exists {STATE_TABLE} (
    anomaly_id varchar primary key,
    scope varchar,
    team varchar,
    owner_email varchar,
    provider varchar,
    service_name varchar,
    sub_account_id varchar,
    first_seen_date date,
    last_seen_date date,
    impact decimal(38, 12),
    severity varchar,
    alerted boolean not null,
    webhook_delivered boolean,
    recorded_at timestamp not null,
    run_id varchar
);
"""

# One row per anomaly (its days summed); the ones not recorded yet.
NEW_ANOMALIES_SQL = f"""
select
    a.anomaly_id,
    any_value(a.scope) as scope,
    any_value(a.team) as team,
    any_value(a.owner_email) as owner_email,
    any_value(a.provider) as provider,
    any_value(a.service_name) as service_name,
    any_value(a.sub_account_id) as sub_account_id,
    min(a.first_seen_date) as first_seen_date,
    max(a.charge_date) as last_seen_date,
    count(*) as days,
    sum(a.actual_cost) as actual_cost,
    sum(a.expected_cost) as expected_cost,
    sum(a.impact) as impact,
    case max(case a.severity when 'high' then 3 when 'medium' then 2 else 1 end)
        when 3 then 'high' when 2 then 'medium' else 'low' end as severity,
    any_value(a.reporting_currency) as reporting_currency,
    max(a.as_of_date) as as_of_date
from marts.cost_anomalies as a
where a.anomaly_id not in (select anomaly_id from {STATE_TABLE})
group by a.anomaly_id
order by impact desc, a.anomaly_id
"""


@dataclass
class Anomaly:
    anomaly_id: str
    scope: str
    team: str | None
    owner_email: str | None
    provider: str
    service_name: str
    sub_account_id: str | None
    first_seen_date: dt.date
    last_seen_date: dt.date
    days: int
    actual_cost: Decimal
    expected_cost: Decimal
    impact: Decimal
    severity: str
    reporting_currency: str
    as_of_date: dt.date

    def line(self) -> str:
        where = f"{self.provider} {self.service_name}"
        if self.sub_account_id:
            where += f" (account {self.sub_account_id})"
        return (
            f"{self.severity} {where}: {self.impact:,.2f} {self.reporting_currency} over expected "
            f"({self.actual_cost:,.2f} vs {self.expected_cost:,.2f}) on {self.days} day(s) from "
            f"{self.first_seen_date} [{self.scope}, {self.anomaly_id[:8]}]"
        )


@dataclass
class Notification:
    """What one check evaluation found and did."""

    new: list[Anomaly] = field(default_factory=list)  # announced now
    historical: list[Anomaly] = field(default_factory=list)  # new but too old to announce
    alerts_sent: int = 0
    webhook_delivered: int = 0
    missing_mart: bool = False

    @property
    def new_impact(self) -> Decimal:
        return sum((a.impact for a in self.new), Decimal(0))


def max_age_days() -> int:
    raw = os.environ.get(MAX_AGE_ENV, "7").strip()
    try:
        return max(0, int(raw))
    except ValueError:
        raise ValueError(
            f"{MAX_AGE_ENV}={raw!r} is not a whole number of days; unset it or set e.g. 7"
        ) from None


def notify_new_anomalies(
    settings: Settings,
    run_id: str,
    alert: Callable[..., bool] = send_alert,
    logger: logging.Logger | None = None,
) -> Notification:
    """Find anomalies not recorded yet, alert their owners, record them. See the module doc."""
    with connect_writer(settings) as con:
        con.execute(STATE_DDL)
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'cost_anomalies'"
        ).fetchone()[0]
        if not exists:
            return Notification(missing_mart=True)
        cursor = con.execute(NEW_ANOMALIES_SQL)
        names = [d[0] for d in cursor.description]
        found = [Anomaly(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    oldest = max_age_days()
    result = Notification()
    for anomaly in found:
        fresh = (anomaly.as_of_date - anomaly.last_seen_date).days <= oldest
        (result.new if fresh else result.historical).append(anomaly)

    delivered: dict[str, bool] = {}
    for team, anomalies in _by_team(result.new).items():
        contact = anomalies[0].owner_email or "no contact in seeds/teams.csv"
        total = sum((a.impact for a in anomalies), Decimal(0))
        title = (
            f"{len(anomalies)} new cost anomal{'y' if len(anomalies) == 1 else 'ies'} "
            f"for team {team} ({total:,.2f} {anomalies[0].reporting_currency} over expected)"
        )
        text = f"notify: {contact}\n" + "\n".join(a.line() for a in anomalies[:20])
        if len(anomalies) > 20:
            text += f"\n... and {len(anomalies) - 20} more in marts.cost_anomalies"
        ok = alert(title, text, logger=logger, level=logging.WARNING)
        result.alerts_sent += 1
        result.webhook_delivered += int(bool(ok))
        delivered[team] = bool(ok)

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (
            a.anomaly_id, a.scope, a.team, a.owner_email, a.provider, a.service_name,
            a.sub_account_id, a.first_seen_date, a.last_seen_date, a.impact, a.severity,
            fresh, delivered.get(_team_key(a)) if fresh else None, now, run_id,
        )
        for fresh, group in ((True, result.new), (False, result.historical))
        for a in group
    ]  # fmt: skip
    if rows:
        with connect_writer(settings) as con:
            con.execute(STATE_DDL)
            con.executemany(
                f"insert or ignore into {STATE_TABLE} values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    return result


def _team_key(anomaly: Anomaly) -> str:
    return anomaly.team or "unallocated"


def _by_team(anomalies: list[Anomaly]) -> dict[str, list[Anomaly]]:
    out: dict[str, list[Anomaly]] = {}
    for a in anomalies:
        out.setdefault(_team_key(a), []).append(a)
    return out


def check_metadata(result: Notification) -> dict[str, Any]:
    listed = result.new[:LISTED]
    metadata: dict[str, Any] = {
        "new_anomalies": len(result.new),
        "new_impact": float(result.new_impact),
        "historical_recorded": len(result.historical),
        "alerts_sent": result.alerts_sent,
        "webhook_delivered": result.webhook_delivered,
        "state_table": STATE_TABLE,
        "new_anomaly_list": dg.MetadataValue.json(
            [
                {
                    "anomaly_id": a.anomaly_id,
                    "scope": a.scope,
                    "team": a.team,
                    "owner_email": a.owner_email,
                    "provider": a.provider,
                    "service_name": a.service_name,
                    "sub_account_id": a.sub_account_id,
                    "first_seen_date": a.first_seen_date.isoformat(),
                    "last_seen_date": a.last_seen_date.isoformat(),
                    "days": a.days,
                    "impact": str(a.impact),
                    "severity": a.severity,
                }
                for a in listed
            ]
        ),
    }
    if listed:
        lines = [
            "| severity | team | contact | provider / service | account | first seen | days | impact |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {a.severity} | {a.team} | {a.owner_email or ''} | {a.provider} / {a.service_name} "
            f"| {a.sub_account_id or ''} | {a.first_seen_date} | {a.days} | {a.impact:,.2f} |"
            for a in listed
        ]
        if len(result.new) > LISTED:
            lines.append(f"\n{len(result.new) - LISTED} more: see marts.cost_anomalies")
        metadata["new_anomaly_table"] = dg.MetadataValue.md("\n".join(lines))
    return metadata


@dg.asset_check(
    asset=ANOMALIES_ASSET,
    name="no_new_cost_anomalies",
    description=(
        "Warns when marts/cost_anomalies holds anomalies not seen by an earlier run: lists them "
        "in its metadata and alerts each owner team through the alert hook. State: "
        f"{STATE_TABLE} in the warehouse."
    ),
    blocking=False,
    # writes its state table in the DuckDB file: never alongside another writer
    pool="duckdb_writer",
    metadata={"severity": dg.AssetCheckSeverity.WARN.value, "state_table": STATE_TABLE},
)
def no_new_cost_anomalies(
    context: dg.AssetCheckExecutionContext, finops: FinopsSettings
) -> dg.AssetCheckResult:
    result = notify_new_anomalies(finops.settings(), context.run.run_id, logger=context.log)
    if result.missing_mart:
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description="marts.cost_anomalies does not exist yet: nothing to check",
        )
    summary = (
        f"{len(result.new)} new cost anomalies ({result.new_impact:,.2f} over expected); "
        f"{result.alerts_sent} alert(s) sent"
        if result.new
        else "no new cost anomalies"
    )
    if result.historical:
        summary += f"; {len(result.historical)} older ones recorded without an alert"
    return dg.AssetCheckResult(
        passed=not result.new,
        severity=dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata=check_metadata(result),
    )


defs = dg.Definitions(asset_checks=[no_new_cost_anomalies])
