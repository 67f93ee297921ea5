"""Month close: freeze a billing period's allocated cost and the rules that produced it.

`close_period` copies the period's rows of `marts.fct_allocated_cost` into
`month_close.allocated_cost` and the seeds that drive allocation into
`month_close.allocation_seeds`, and appends a `close` event (who, when, totals) to
`month_close.period_events`. From then on dbt builds the period's fact rows from the frozen copy
(macros/month_close.sql), so everything that derives from the fact (team_cost_*, budgets, unit
costs, KPIs) stays as booked even when a rule changes later. `reopen_period` deletes the frozen
rows and appends a `reopen` event with who, when and why; the next run recomputes the period
with the current rules. Nothing is ever deleted from the event log.
"""

from __future__ import annotations

import getpass
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import duckdb

from finops.config import Settings
from finops.warehouse import connect_reader, connect_writer

SCHEMA = "month_close"
FACT = "marts.fct_allocated_cost"

# The seeds that decide who pays for what (seeds/README.md), snapshotted with every close.
ALLOCATION_SEEDS = (
    "teams",
    "account_owners",
    "tag_key_aliases",
    "allocation_rules",
    "shared_cost_rules",
    "shared_cost_weights",
    "exchange_rates",
)

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.period_events (
    event_id varchar not null,
    billing_period varchar not null,
    action varchar not null,
    actor varchar not null,
    happened_at timestamp not null,
    note varchar,
    fact_rows bigint,
    billed_cost_reporting decimal(38, 12),
    effective_cost_reporting decimal(38, 12),
    reporting_currency varchar
);
create table if not exists {SCHEMA}.allocation_seeds (
    event_id varchar not null,
    billing_period varchar not null,
    seed varchar not null,
    seed_row bigint not null,
    row_json varchar not null
);
create or replace view {SCHEMA}.closed_periods as
select billing_period, actor as closed_by, happened_at as closed_at, event_id, note
from (
    select *, row_number() over (
        partition by billing_period order by happened_at desc, event_id desc
    ) as event_rank
    from {SCHEMA}.period_events
) as latest
where event_rank = 1 and action = 'close';
"""


class CloseError(RuntimeError):
    """A close or reopen that cannot be done as asked; the message says what to do."""


@dataclass(frozen=True)
class PeriodEvent:
    event_id: str
    billing_period: str
    action: str  # close | reopen
    actor: str
    happened_at: datetime
    note: str | None
    fact_rows: int
    billed_cost_reporting: Decimal
    effective_cost_reporting: Decimal
    reporting_currency: str | None
    teams: int = 0
    seed_rows: int = 0

    def summary(self) -> str:
        money = self.reporting_currency or ""
        verb = "closed" if self.action == "close" else "reopened"
        lines = [
            f"{self.billing_period} {verb} by {self.actor} at {self.happened_at:%Y-%m-%d %H:%M:%S} UTC"
            f" (event {self.event_id})",
            f"  fact rows {'frozen' if self.action == 'close' else 'released'}: {self.fact_rows:,}",
            f"  billed cost:    {self.billed_cost_reporting:,.2f} {money}",
            f"  effective cost: {self.effective_cost_reporting:,.2f} {money}",
        ]
        if self.action == "close":
            lines.append(f"  teams charged: {self.teams}")
            lines.append(
                f"  allocation seeds snapshotted: {self.seed_rows:,} rows of "
                f"{', '.join(ALLOCATION_SEEDS)}"
            )
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)


def _check_period(period: str) -> None:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise CloseError(f"billing period {period!r} is not a month like 2025-03")


def default_actor() -> str:
    """Who is closing: FINOPS_ACTOR, else the login name."""
    return os.environ.get("FINOPS_ACTOR") or getpass.getuser()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _closed_event(con: duckdb.DuckDBPyConnection, period: str) -> tuple | None:
    return con.execute(
        f"select event_id, closed_by, closed_at from {SCHEMA}.closed_periods "
        "where billing_period = ?",
        [period],
    ).fetchone()


def _sync_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Create the frozen table like the fact; add columns the fact gained since."""
    if not _exists(con, SCHEMA, "allocated_cost"):
        con.execute(f"create table {SCHEMA}.allocated_cost as select * from {FACT} limit 0")
        return
    frozen = {r[0] for r in con.execute(f"describe {SCHEMA}.allocated_cost").fetchall()}
    for name, data_type, *_ in con.execute(f"describe {FACT}").fetchall():
        if name not in frozen:
            con.execute(f'alter table {SCHEMA}.allocated_cost add column "{name}" {data_type}')


def close_period(
    settings: Settings, period: str, actor: str | None = None, note: str | None = None
) -> PeriodEvent:
    """Freeze `period`: its fact rows and allocation seeds. Fails if closed or not built."""
    _check_period(period)
    actor = actor or default_actor()
    with connect_writer(settings) as con:
        if not _exists(con, "marts", "fct_allocated_cost"):
            raise CloseError(
                f"no {FACT} in {settings.duckdb_path}: run `finops run` first, then close"
            )
        con.execute(DDL)
        con.execute("begin transaction")
        try:
            closed = _closed_event(con, period)
            if closed:
                raise CloseError(
                    f"{period} is already closed (by {closed[1]} at {closed[2]:%Y-%m-%d %H:%M} "
                    f"UTC, event {closed[0]}); `finops reopen {period} --reason ...` first"
                )
            rows, billed, effective, currency, teams = con.execute(
                f"select count(*), coalesce(sum(billed_cost_reporting), 0), "
                f"coalesce(sum(effective_cost_reporting), 0), max(reporting_currency), "
                f"count(distinct team) from {FACT} where billing_period = ?",
                [period],
            ).fetchone()
            if rows == 0:
                raise CloseError(
                    f"nothing to close: {FACT} has no rows for {period}; load and build it "
                    f"first (`finops run --period {period}`)"
                )
            _sync_columns(con)
            event_id = str(uuid.uuid4())
            now = datetime.now(UTC).replace(tzinfo=None)
            con.execute(
                f"insert into {SCHEMA}.allocated_cost by name "
                f"select * from {FACT} where billing_period = ?",
                [period],
            )
            seed_rows = 0
            for seed in ALLOCATION_SEEDS:
                if not _exists(con, "seeds", seed):
                    continue
                where = "where billing_period = $period" if seed == "exchange_rates" else ""
                seed_rows += con.execute(
                    f"""
                    insert into {SCHEMA}.allocation_seeds
                    select $event, $period, '{seed}', row_number() over (), to_json(s)::varchar
                    from seeds.{seed} as s {where}
                    """,
                    {"event": event_id, "period": period},
                ).fetchone()[0]
            con.execute(
                f"insert into {SCHEMA}.period_events values (?, ?, 'close', ?, ?, ?, ?, ?, ?, ?)",
                [event_id, period, actor, now, note, rows, billed, effective, currency],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return PeriodEvent(
        event_id, period, "close", actor, now, note, rows, billed, effective, currency,
        teams, seed_rows,
    )  # fmt: skip


def reopen_period(
    settings: Settings, period: str, reason: str, actor: str | None = None
) -> PeriodEvent:
    """Release a closed period: the next run recomputes it with the current rules."""
    _check_period(period)
    if not reason or not reason.strip():
        raise CloseError("reopening needs a reason (--reason), it is kept in the audit log")
    actor = actor or default_actor()
    with connect_writer(settings) as con:
        con.execute(DDL)
        con.execute("begin transaction")
        try:
            closed = _closed_event(con, period)
            if not closed:
                raise CloseError(
                    f"{period} is not closed; nothing to reopen (closed periods: "
                    f"{', '.join(_periods(con)) or 'none'})"
                )
            rows, billed, effective, currency = con.execute(
                f"select count(*), coalesce(sum(billed_cost_reporting), 0), "
                f"coalesce(sum(effective_cost_reporting), 0), max(reporting_currency) "
                f"from {SCHEMA}.allocated_cost where billing_period = ?",
                [period],
            ).fetchone()
            con.execute(f"delete from {SCHEMA}.allocated_cost where billing_period = ?", [period])
            event_id = str(uuid.uuid4())
            now = datetime.now(UTC).replace(tzinfo=None)
            con.execute(
                f"insert into {SCHEMA}.period_events values (?, ?, 'reopen', ?, ?, ?, ?, ?, ?, ?)",
                [event_id, period, actor, now, reason.strip(), rows, billed, effective, currency],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return PeriodEvent(
        event_id, period, "reopen", actor, now, reason.strip(), rows, billed, effective, currency
    )


def _periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            f"select billing_period from {SCHEMA}.closed_periods order by billing_period"
        ).fetchall()
    ]


def closed_periods(settings: Settings) -> list[str]:
    """The billing periods closed now (empty before the first close)."""
    con = connect_reader(settings)
    try:
        if not _exists(con, SCHEMA, "period_events"):
            return []
        return _periods(con)
    finally:
        con.close()
