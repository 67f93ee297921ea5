"""What the showback report reads: a few aggregate queries over the marts, once for all months.

The reader gets a DuckDB connection (read-only is enough) and the schema holding the marts:
`main` in the published BI file (`<output>/finops_bi.duckdb`), `marts` in the pipeline's
warehouse. Money stays `Decimal` end to end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

# Marts the report cannot do without, and those whose sections appear only when present.
REQUIRED = ("team_cost_monthly",)
OPTIONAL = (
    "fct_allocated_cost",
    "team_budget_monthly",
    "tag_coverage",
    "untagged_spend",
    "unit_cost_monthly",
    "budget_vs_actual",
    "cost_anomalies",
    "finops_kpis",
    "optimization_opportunities",
    "commitment_coverage",
)

ZERO = Decimal(0)


class ReportError(RuntimeError):
    """The source cannot produce a report (missing table, no data); the message says what to do."""


@dataclass
class Money:
    """Effective (amortized, shared included), billed and list cost in the reporting currency."""

    effective: Decimal = ZERO
    billed: Decimal = ZERO
    list: Decimal = ZERO
    shared: Decimal = ZERO

    def add(self, effective: Any, billed: Any, list_: Any = None, shared: Any = None) -> None:
        self.effective += effective or ZERO
        self.billed += billed or ZERO
        self.list += list_ or ZERO
        self.shared += shared or ZERO


@dataclass
class ReportData:
    source: str
    schema: str
    currency: str
    months: list[str]
    tables: dict[str, list[str]]  # table -> columns, for every table present
    totals: dict[str, Money]
    by_team: dict[str, dict[str, Money]]  # month -> team -> money
    departments: dict[str, str]
    by_provider: dict[str, dict[str, Money]]
    by_service: dict[str, dict[tuple[str, str], Decimal]]  # month -> (provider, service)
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # optional marts' rows
    publish_info: dict[str, Any] | None = None

    def has(self, table: str, *columns: str) -> bool:
        present = self.tables.get(table)
        return present is not None and all(c in present for c in columns)

    def previous(self, month: str) -> str | None:
        i = self.months.index(month)
        return self.months[i - 1] if i > 0 else None

    def rows(self, table: str, month: str | None = None) -> list[dict[str, Any]]:
        rows = self.extra.get(table, [])
        if month is None:
            return rows
        return [r for r in rows if r.get("billing_period") == month]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def list_tables(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[str]]:
    rows = con.execute(
        """
        select table_name, column_name
        from information_schema.columns
        where table_schema = ? and table_catalog = current_database()
        order by table_name, ordinal_position
        """,
        [schema],
    ).fetchall()
    tables: dict[str, list[str]] = defaultdict(list)
    for table, column in rows:
        tables[table].append(column)
    return dict(tables)


def load(con: duckdb.DuckDBPyConnection, schema: str, source: str = "") -> ReportData:
    """Read everything the report shows from `schema` (see the module docstring)."""
    tables = list_tables(con, schema)
    where = source or "the connected database"
    for table in REQUIRED:
        if table not in tables:
            found = ", ".join(sorted(tables)) or "no tables"
            raise ReportError(
                f"{where}: table {schema}.{table} not found (found: {found}). Point the report at "
                "the published BI file (schema main) or the pipeline warehouse (schema marts), "
                "and run `finops run` (or `make demo`) first."
            )
    s = quote(schema)

    currencies = [
        r[0]
        for r in con.execute(
            f"select distinct reporting_currency from {s}.team_cost_monthly "
            "where reporting_currency is not null order by 1"
        ).fetchall()
    ]
    if len(currencies) > 1:
        raise ReportError(
            f"{where}: {schema}.team_cost_monthly mixes reporting currencies {currencies}; "
            "rebuild the marts with one dbt var reporting_currency."
        )
    if not currencies:
        raise ReportError(
            f"{where}: {schema}.team_cost_monthly is empty; there is nothing to report. Ingest "
            "billing exports and run `finops run` first."
        )
    currency = currencies[0].upper()

    totals: dict[str, Money] = defaultdict(Money)
    by_team: dict[str, dict[str, Money]] = defaultdict(lambda: defaultdict(Money))
    by_provider: dict[str, dict[str, Money]] = defaultdict(lambda: defaultdict(Money))
    departments: dict[str, str] = {}
    for month, team, department, provider, effective, billed, list_, shared in con.execute(
        f"""
        select
            billing_period, team, max(department), provider,
            sum(effective_cost), sum(billed_cost), sum(list_cost), sum(shared_effective_cost)
        from {s}.team_cost_monthly
        group by billing_period, team, provider
        order by billing_period, team, provider
        """
    ).fetchall():
        totals[month].add(effective, billed, list_, shared)
        by_team[month][team].add(effective, billed, list_, shared)
        by_provider[month][provider].add(effective, billed, list_, shared)
        if department:
            departments[team] = department

    by_service: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    if "fct_allocated_cost" in tables:
        for month, provider, service, effective in con.execute(
            f"""
            select billing_period, provider, service_name, sum(effective_cost_reporting)
            from {s}.fct_allocated_cost
            group by billing_period, provider, service_name
            """
        ).fetchall():
            by_service[month][(provider, service)] = effective or ZERO

    extra: dict[str, list[dict[str, Any]]] = {}
    for table in OPTIONAL:
        if table in tables and table != "fct_allocated_cost":
            extra[table] = fetch_dicts(con, f"select * from {s}.{quote(table)}")

    publish_info = None
    if "_publish_info" in tables:
        with_rows = fetch_dicts(con, f"select * from {s}._publish_info limit 1")
        publish_info = with_rows[0] if with_rows else None

    return ReportData(
        source=source,
        schema=schema,
        currency=currency,
        months=sorted(totals),
        tables=tables,
        totals=dict(totals),
        by_team={m: dict(t) for m, t in by_team.items()},
        departments=departments,
        by_provider={m: dict(p) for m, p in by_provider.items()},
        by_service=dict(by_service),
        extra=extra,
        publish_info=publish_info,
    )
