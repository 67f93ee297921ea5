"""The BI warehouse file: every mart, a few documented views and `_publish_info`, in one DuckDB file.

BI tools open `<FINOPS_OUTPUT_DIR>/finops_bi.duckdb` read-only and never touch (or lock) the
pipeline's working database. The file is written in DuckDB storage format `STORAGE_VERSION`
(readable by DuckDB 1.0 and every later release, so BI drivers that bundle an older DuckDB open
it) and published atomically (finops.publish.atomic).

A daily incremental dbt build rebuilds a few billing periods; publishing then costs in
proportion to those periods, not to the whole history (finops.publish.state decides): the live
file is copied beside itself, the rebuilt periods of the marts dbt builds incrementally by
billing period are deleted and re-inserted from the warehouse, the other marts (small, rebuilt
whole by dbt) are replaced, comments, views and `_publish_info` are rewritten, and the copy is
checkpointed, fsynced, made read-only and renamed over the live file like a full publish. When
the file has grown past 1.5x its data (free blocks left by deletes), the publish is full.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from finops.config import Settings
from finops.publish import atomic
from finops.publish.state import (
    BUILD_STATE_TABLE,
    BUILDS_TABLE,
    CURRENT,
    FULL,
    INCREMENTAL,
    PERIOD_COLUMN,
    Build,
    Plan,
    plan_publish,
    read_builds,
    write_builds,
)
from finops.warehouse import configure, write_lock

BI_FILE_NAME = "finops_bi.duckdb"
MARTS_SCHEMA = "marts"
# DuckDB storage format of the BI file. 'v1.0.0' is storage format 64, the oldest one DuckDB 2.0
# writes, read by DuckDB 1.0 and later (checked with the 1.0.0 and 1.1.3 Python packages), so
# Metabase's DuckDB driver, the DuckDB ODBC driver and Node bindings bundling 1.x open it.
STORAGE_VERSION = "v1.0.0"
INFO_TABLE = "_publish_info"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Column:
    name: str
    data_type: str
    comment: str | None = None


@dataclass
class Mart:
    name: str
    columns: list[Column]
    comment: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def cost_columns(self) -> list[str]:
        """DECIMAL columns named like a cost: what `_publish_info` totals."""
        return [
            c.name for c in self.columns if c.data_type.startswith("DECIMAL") and "cost" in c.name
        ]


@dataclass(frozen=True)
class View:
    """A convenience view over the published marts (created when its tables are present)."""

    name: str
    description: str
    sql: str
    requires: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)


VIEWS: tuple[View, ...] = (
    View(
        name="showback_team_month",
        description=(
            "Showback per team and billing period in the reporting currency: effective cost "
            "(amortized, what the team consumed) split into direct and shared, billed cost "
            "(what the invoice says) and list cost. One row per billing_period x team."
        ),
        sql="""
            select billing_period, team, department, cost_center, reporting_currency,
                sum(direct_effective_cost) as direct_effective_cost,
                sum(shared_effective_cost) as shared_effective_cost,
                sum(effective_cost) as effective_cost,
                sum(billed_cost) as billed_cost,
                sum(list_cost) as list_cost
            from team_cost_monthly
            group by billing_period, team, department, cost_center, reporting_currency
        """,
        requires=("team_cost_monthly",),
        columns={
            "direct_effective_cost": "Effective cost of the team's own resources.",
            "shared_effective_cost": "The team's share of shared costs (seeds/shared_cost_rules.csv).",
            "effective_cost": "direct + shared effective cost (amortized), reporting currency.",
            "billed_cost": "Billed cost (as invoiced), reporting currency.",
            "list_cost": "Cost at list prices, reporting currency.",
        },
    ),
    View(
        name="spend_by_provider_month",
        description=(
            "Spend per cloud provider and billing period in the reporting currency, billed and "
            "effective. One row per billing_period x provider."
        ),
        sql="""
            select billing_period, provider, reporting_currency,
                sum(billed_cost) as billed_cost,
                sum(effective_cost) as effective_cost
            from team_cost_monthly
            group by billing_period, provider, reporting_currency
        """,
        requires=("team_cost_monthly",),
        columns={
            "billed_cost": "Billed cost (as invoiced), reporting currency.",
            "effective_cost": "Effective cost (amortized), reporting currency.",
        },
    ),
    View(
        name="untagged_by_owner_month",
        description=(
            "Untagged taggable spend to chase, per billing period and likely owner (where the "
            "cost went without a tag), from the account scope of untagged_spend."
        ),
        sql="""
            select billing_period, likely_owner, reporting_currency,
                count(*) as sub_accounts,
                sum(effective_cost_reporting) as untagged_effective_cost
            from untagged_spend
            where scope = 'account'
            group by billing_period, likely_owner, reporting_currency
        """,
        requires=("untagged_spend",),
        columns={
            "sub_accounts": "Sub accounts with untagged spend that went to this owner.",
            "untagged_effective_cost": "Untagged effective cost, reporting currency.",
        },
    ),
)


@dataclass(frozen=True)
class DbtRun:
    """Which dbt invocation built the marts (from its run_results.json)."""

    invocation_id: str | None
    dbt_version: str | None
    generated_at: str | None
    command: str | None
    artifacts: str | None

    @classmethod
    def unknown(cls) -> DbtRun:
        return cls(None, None, None, None, None)


def find_dbt_run(search: Iterable[Path]) -> DbtRun:
    """The newest `dbt build`/`run` run_results.json in the given folders (or their children)."""
    candidates: list[Path] = []
    for folder in search:
        if folder.is_dir():
            candidates += [folder / "run_results.json", *folder.glob("*/run_results.json")]
    best: tuple[float, Path, dict] | None = None
    for path in candidates:
        try:
            stat = path.stat()
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("args", {}).get("which") not in ("build", "run"):
            continue
        if best is None or stat.st_mtime > best[0]:
            best = (stat.st_mtime, path, data)
    if best is None:
        return DbtRun.unknown()
    _, path, data = best
    meta = data.get("metadata", {})
    return DbtRun(
        meta.get("invocation_id"),
        meta.get("dbt_version"),
        meta.get("generated_at"),
        data.get("args", {}).get("which"),
        str(path.parent),
    )


def manifest_docs(manifest_path: Path | None) -> dict[str, tuple[str, dict[str, str]]]:
    """{model name: (description, {column: description})} of the models in schema `marts`."""
    if manifest_path is None or not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    docs = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA:
            columns = {
                name: (col.get("description") or "").strip()
                for name, col in node.get("columns", {}).items()
            }
            docs[node["name"]] = ((node.get("description") or "").strip(), columns)
    return docs


# The dbt macro naming the models whose incremental builds change only the vars' billing period
# range (dbt_project/macros/billing_periods.sql; their tests are narrowed to that range too).
PERIOD_MODELS_MACRO = "macro.finops.billing_period_incremental_models"


def period_incremental_marts(manifest_path: Path | None) -> set[str]:
    """Marts whose incremental dbt builds change only the billing periods they rebuilt, so an
    incremental publish replaces only those periods: materialized='incremental' with
    unique_key='billing_period', no pre- or post-hook (cost_anomalies and
    optimization_opportunities rebuild a look-back range in a pre-hook), and named in the
    project's billing_period_incremental_models macro. Empty without a manifest: every mart is
    then rewritten whole (slower, never wrong)."""
    if manifest_path is None or not manifest_path.exists():
        return set()
    manifest = json.loads(manifest_path.read_text())
    macro = manifest.get("macros", {}).get(PERIOD_MODELS_MACRO, {}).get("macro_sql", "")
    declared = set(re.findall(r"'([A-Za-z0-9_]+)'", macro))
    marts = set()
    for node in manifest.get("nodes", {}).values():
        config = node.get("config", {})
        if (
            node.get("resource_type") == "model"
            and node.get("schema") == MARTS_SCHEMA
            and node.get("name") in declared
            and config.get("materialized") == "incremental"
            and config.get("unique_key") in (PERIOD_COLUMN, [PERIOD_COLUMN])
            and not config.get("pre-hook")
            and not config.get("post-hook")
        ):
            marts.add(node["name"])
    return marts


def discover_marts(con: duckdb.DuckDBPyConnection, catalog: str) -> list[Mart]:
    """Every table (and view) in schema `marts` of the attached `catalog`, with its comments."""
    names = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by table_name",
            [catalog, MARTS_SCHEMA],
        ).fetchall()
    ]
    comments = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = ? "
            "and schema_name = ? union all select view_name, comment from duckdb_views() "
            "where database_name = ? and schema_name = ?",
            [catalog, MARTS_SCHEMA, catalog, MARTS_SCHEMA],
        ).fetchall()
    )
    columns: dict[str, list[Column]] = {}
    for table, name, data_type, comment in con.execute(
        "select table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [catalog, MARTS_SCHEMA],
    ).fetchall():
        columns.setdefault(table, []).append(Column(name, data_type, comment))
    return [Mart(n, columns.get(n, []), comments.get(n)) for n in names]


@dataclass
class TableSummary:
    name: str
    kind: str  # table | view
    rows: int
    cost_totals: dict[str, Decimal]
    period_refresh: bool = False


@dataclass
class BiFile:
    path: Path
    published_at: dt.datetime
    tables: list[TableSummary]
    storage_version: str = STORAGE_VERSION
    mode: str = FULL  # full | incremental | current (nothing newer: the file was left alone)
    reason: str = ""
    periods: str = ""  # the billing periods rewritten by an incremental publish

    @property
    def marts(self) -> list[str]:
        return [t.name for t in self.tables if t.kind == "table"]


# A file holding more than this much free space (blocks freed by the deletes of incremental
# publishes) relative to its size is published in full, which writes it compact again.
MAX_FREE_SHARE = 1 / 3  # free > 1/3 of the file <=> the file > 1.5x its data


@dataclass
class LiveFile:
    """What the published BI file says about itself (read from its small tables only)."""

    mark: dt.datetime | None
    source: str | None
    builds: list[Build]
    marts: dict[str, list[tuple[str, str]]]  # table -> [(column, type)]
    tables: list[TableSummary]
    published_at: dt.datetime
    free_share: float


def read_live(path: Path) -> LiveFile | None:
    """The live BI file's publish state; None when it is missing, unreadable or predates it."""
    if not path.exists():
        return None
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(path))} as live (read_only)")
        info = con.execute(
            f"select published_at, source_warehouse, dbt_built_at, table_name, table_type, "
            f"row_count, cost_column, cost_total, period_refresh from live.main.{INFO_TABLE}"
        ).fetchall()
        builds = read_builds(con, f"live.main.{BUILDS_TABLE}")
        marts: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in con.execute(
            "select c.table_name, c.column_name, c.data_type from duckdb_columns() c "
            "join duckdb_tables() t using (database_name, schema_name, table_name) "
            "where c.database_name = 'live' and c.schema_name = 'main' "
            "and c.table_name not like '\\_publish\\_%' escape '\\' "
            "order by c.table_name, c.column_index"
        ).fetchall():
            marts.setdefault(table, []).append((column, data_type))
        total, free = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() "
            "where database_name = 'live'"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not info:
        return None
    summaries: dict[str, TableSummary] = {}
    for _at, _src, _mark, name, kind, rows, column, total_cost, period in info:
        summary = summaries.setdefault(name, TableSummary(name, kind, rows, {}, bool(period)))
        if column is not None:
            summary.cost_totals[column] = total_cost
    published_at, source, mark = info[0][:3]
    return LiveFile(
        mark,
        source,
        builds,
        marts,
        list(summaries.values()),
        published_at,
        (free or 0) / total if total else 0.0,
    )


def _marts_changed(live: LiveFile, marts: list[Mart]) -> str | None:
    now = {m.name: [(c.name, c.data_type) for c in m.columns] for m in marts}
    if now == live.marts:
        return None
    added, removed = sorted(set(now) - set(live.marts)), sorted(set(live.marts) - set(now))
    changed = sorted(n for n in set(now) & set(live.marts) if now[n] != live.marts[n])
    parts = [
        f"{label} {', '.join(names)}"
        for label, names in (("new", added), ("dropped", removed), ("changed columns", changed))
        if names
    ]
    return "the marts changed (" + "; ".join(parts) + "): everything"


def plan_bi(
    settings: Settings, live: LiveFile | None, builds: list[Build], marts: list[Mart], full: bool
) -> Plan:
    """What to publish, from the live file's state and the warehouse's builds."""
    mark = live.mark if live is not None else None
    if live is not None and live.source != str(settings.duckdb_path):
        mark = None  # published from another warehouse: its marks mean nothing here
    plan = plan_publish(
        mark, builds, full=full, marts_changed=lambda: _marts_changed(live, marts) if live else None
    )
    if plan.mode == INCREMENTAL and live is not None and live.free_share > MAX_FREE_SHARE:
        return Plan(
            FULL,
            f"{live.free_share:.0%} of the BI file is free space left by earlier incremental "
            "publishes: rewritten compact",
            plan.mark,
        )
    return plan


def build_bi_file(
    settings: Settings,
    dest: Path,
    *,
    dbt_run: DbtRun | None = None,
    docs: Mapping[str, tuple[str, dict[str, str]]] | None = None,
    period_marts: Iterable[str] = (),
    live: Path | None = None,
    full: bool = False,
) -> BiFile:
    """Write the BI file at `dest` (a fresh path): marts, views, comments, _publish_info.

    With `live` (the published file) and no `full`, only what the warehouse's dbt builds since
    the live file's mark changed is rewritten, into a copy of `live` (see finops.publish.state);
    when nothing changed, nothing is written and the result's `mode` is CURRENT.

    The warehouse is attached read-only while holding its write lock, so the copy never
    interleaves with an ingestion or dbt run and never blocks readers.
    """
    if not settings.duckdb_path.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.duckdb_path}; run `finops run` or `make demo` first"
        )
    docs = docs or {}
    dbt_run = dbt_run or DbtRun.unknown()
    period_marts = set(period_marts)
    live_file = read_live(live) if live is not None else None
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con = duckdb.connect()
    try:
        configure(con, settings)
        # One transaction for the whole file: a crash leaves nothing half done, and DuckDB
        # commits (and syncs) once instead of once per table and comment.
        with write_lock(settings.duckdb_path):
            con.execute(f"attach {quote_literal(str(settings.duckdb_path))} as wh (read_only)")
            builds = read_builds(con, f"wh.{BUILD_STATE_TABLE}")
            marts = discover_marts(con, "wh")
            if not marts:
                raise RuntimeError(
                    f"{settings.duckdb_path} has no tables in schema `marts`; run the "
                    "pipeline (`finops run`) before publishing"
                )
            plan = plan_bi(settings, live_file, builds, marts, full)
            if plan.mode == CURRENT:
                assert live_file is not None
                return BiFile(
                    live or dest,
                    live_file.published_at,
                    live_file.tables,
                    mode=CURRENT,
                    reason=plan.reason,
                )
            if plan.mode == INCREMENTAL:
                assert live is not None
                shutil.copyfile(live, dest)
                dest.chmod(0o644)
                con.execute(f"attach {quote_literal(str(dest))} as bi")
            else:
                con.execute(
                    f"attach {quote_literal(str(dest))} as bi (storage_version '{STORAGE_VERSION}')"
                )
            con.execute("begin transaction")
            if plan.mode == INCREMENTAL:  # views and _publish_info are written anew
                for (view,) in con.execute(
                    "select view_name from duckdb_views() where database_name = 'bi' "
                    "and schema_name = 'main' and not internal"
                ).fetchall():
                    con.execute(f"drop view bi.main.{quote_ident(view)}")
                con.execute(f"drop table if exists bi.main.{INFO_TABLE}")
            refreshed: set[str] = set()
            for mart in marts:
                source = f"wh.{MARTS_SCHEMA}.{quote_ident(mart.name)}"
                target = f"bi.main.{quote_ident(mart.name)}"
                by_period = mart.name in period_marts and PERIOD_COLUMN in mart.column_names
                if plan.mode == INCREMENTAL and by_period:
                    where = plan.where()
                    con.execute(f"delete from {target} where {where}")
                    con.execute(f"insert into {target} select * from {source} where {where}")
                elif by_period:
                    # One period's rows in their own row groups: a later publish that replaces
                    # that period rewrites those row groups only, not every one of the table
                    # (the warehouse's rows come in no particular order).
                    con.execute(
                        f"create or replace table {target} as "
                        f"select * from {source} order by {PERIOD_COLUMN}"
                    )
                else:
                    con.execute(f"create or replace table {target} as select * from {source}")
                if by_period:
                    refreshed.add(mart.name)
            _replace_builds(con, builds, plan)
            con.execute("detach wh")
        tables = [_document_mart(con, mart, docs.get(mart.name)) for mart in marts]
        for table in tables:
            table.period_refresh = table.name in refreshed
        present = {m.name for m in marts}
        for view in VIEWS:
            if set(view.requires) <= present:
                tables.append(_create_view(con, view))
        _write_info(con, settings, dbt_run, published_at, tables, plan)
        con.execute("commit")
        con.execute("detach bi")  # checkpoints: everything is in the file, no WAL left
    finally:
        con.close()
    return BiFile(
        dest, published_at, tables, mode=plan.mode, reason=plan.reason, periods=plan.periods
    )


def _replace_builds(con: duckdb.DuckDBPyConnection, builds: list[Build], plan: Plan) -> None:
    """`_publish_builds`: the warehouse's dbt builds this file reflects (up to its mark)."""
    con.execute(f"drop table if exists bi.main.{BUILDS_TABLE}")
    write_builds(
        con,
        f"bi.main.{BUILDS_TABLE}",
        [b for b in builds if plan.mark is not None and b.built_at <= plan.mark],
    )
    _comment(
        con,
        f"table bi.main.{BUILDS_TABLE}",
        "The dbt builds of the pipeline's warehouse (main.dbt_build_state) this file reflects: "
        "when each finished, the billing periods it rebuilt, whether it was a full refresh. "
        "The next publish rewrites only what later builds changed.",
    )


def _comment(con: duckdb.DuckDBPyConnection, target: str, text: str | None) -> None:
    if text:
        con.execute(f"comment on {target} is {quote_literal(text.strip())}")


def _document_mart(
    con: duckdb.DuckDBPyConnection, mart: Mart, docs: tuple[str, dict[str, str]] | None
) -> TableSummary:
    """Table and column comments (persisted by dbt, else from the manifest); rows and totals."""
    table = f"bi.main.{quote_ident(mart.name)}"
    model_doc, column_docs = docs or ("", {})
    _comment(con, f"table {table}", mart.comment or model_doc)
    for column in mart.columns:
        text = column.comment or column_docs.get(column.name)
        _comment(con, f"column {table}.{quote_ident(column.name)}", text)
    sums = ", ".join(f"sum({quote_ident(c)})" for c in mart.cost_columns)
    row = con.execute(f"select count(*){', ' + sums if sums else ''} from {table}").fetchone()
    totals = {c: Decimal(v or 0) for c, v in zip(mart.cost_columns, row[1:], strict=True)}
    return TableSummary(mart.name, "table", int(row[0]), totals)


def _create_view(con: duckdb.DuckDBPyConnection, view: View) -> TableSummary:
    con.execute("use bi")  # views reference the marts unqualified, inside the BI file
    try:
        con.execute(f"create view main.{quote_ident(view.name)} as {view.sql.strip()}")
    except duckdb.Error as error:
        con.execute("rollback")
        raise RuntimeError(
            f"convenience view {view.name} no longer matches mart(s) {', '.join(view.requires)} "
            f"({error}); update VIEWS in finops/publish/bi.py and docs/publish.md to the "
            "marts' new columns. The previous BI file is still published."
        ) from error
    finally:
        con.execute("use memory")
    target = f"bi.main.{quote_ident(view.name)}"
    _comment(con, f"view {target}", view.description)
    for column, text in view.columns.items():
        _comment(con, f"column {target}.{quote_ident(column)}", text)
    rows = con.execute(f"select count(*) from {target}").fetchone()[0]
    return TableSummary(view.name, "view", int(rows), {})


INFO_COLUMNS = {
    "published_at": "When this file was published (UTC).",
    "source_warehouse": "The pipeline's DuckDB file the marts were copied from.",
    "storage_version": "DuckDB storage format of this file (readable by DuckDB 1.0 and later).",
    "dbt_invocation_id": "invocation_id of the dbt build that built the marts, if known.",
    "dbt_version": "dbt version of that build.",
    "dbt_generated_at": "When that dbt build finished (run_results.json generated_at).",
    "table_name": "A published table or view of this file.",
    "table_type": "'table' (a copy of marts.<table_name>) or 'view' (a convenience view).",
    "row_count": "Rows in the table or view at publish time.",
    "cost_column": "A DECIMAL cost column of the table (NULL for tables without one).",
    "cost_total": "Exact sum of cost_column over the table; equals the pipeline's mart.",
    "dbt_built_at": (
        "The newest dbt build (warehouse main.dbt_build_state.built_at) this file reflects; "
        "NULL when the warehouse records none."
    ),
    "publish_mode": (
        "'full' (every table copied) or 'incremental' (only published_periods of the "
        "period_refresh tables replaced, the others copied whole)."
    ),
    "published_periods": "Billing periods an incremental publish replaced ('' for a full one).",
    "period_refresh": (
        "True when an incremental publish replaces only the rebuilt billing periods of this "
        "table (dbt builds it incrementally by billing_period); false: copied whole."
    ),
}


def _write_info(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    dbt_run: DbtRun,
    published_at: dt.datetime,
    tables: list[TableSummary],
    plan: Plan,
) -> None:
    con.execute(
        f"""
        create table bi.main.{INFO_TABLE} (
            published_at timestamp not null, source_warehouse varchar not null,
            storage_version varchar not null, dbt_invocation_id varchar, dbt_version varchar,
            dbt_generated_at varchar, table_name varchar not null, table_type varchar not null,
            row_count bigint not null, cost_column varchar, cost_total decimal(38, 12),
            dbt_built_at timestamp, publish_mode varchar not null, published_periods varchar,
            period_refresh boolean not null
        )
        """
    )
    common = [
        published_at,
        str(settings.duckdb_path),
        STORAGE_VERSION,
        dbt_run.invocation_id,
        dbt_run.dbt_version,
        dbt_run.generated_at,
    ]
    rows = []
    for t in tables:
        measures = list(t.cost_totals.items()) or [(None, None)]
        rows += [
            [
                *common,
                t.name,
                t.kind,
                t.rows,
                c,
                total,
                plan.mark,
                plan.mode,
                plan.periods,
                t.period_refresh,
            ]
            for c, total in measures
        ]
    values = ", ".join(["(" + ", ".join(["?"] * 15) + ")"] * len(rows))
    con.execute(f"insert into bi.main.{INFO_TABLE} values {values}", [v for r in rows for v in r])
    _comment(
        con,
        f"table bi.main.{INFO_TABLE}",
        "Provenance of this file: when it was published, from which warehouse and dbt build, "
        "and per table its row count and exact cost totals (one row per table x cost column).",
    )
    for column, text in INFO_COLUMNS.items():
        _comment(con, f"column bi.main.{INFO_TABLE}.{column}", text)


def publish_bi_file(
    settings: Settings,
    *,
    dbt_run: DbtRun | None = None,
    docs: Mapping[str, tuple[str, dict[str, str]]] | None = None,
    period_marts: Iterable[str] = (),
    full: bool = False,
) -> BiFile:
    """Build the BI file beside the live one and swap it in (atomic; old readers unaffected).

    Incremental when the warehouse's dbt builds allow it (see build_bi_file); `full` forces a
    complete rewrite. When nothing was built since the live file, it is left as it is.
    """
    out = settings.output_dir
    out.mkdir(parents=True, exist_ok=True)
    final = out / BI_FILE_NAME
    with atomic.publish_lock(out):
        atomic.remove_leftovers(out, BI_FILE_NAME)
        tmp = atomic.temp_path(final)
        try:
            built = build_bi_file(
                settings,
                tmp,
                dbt_run=dbt_run,
                docs=docs,
                period_marts=period_marts,
                live=final if final.exists() else None,
                full=full,
            )
            if built.mode == CURRENT:
                return built
            wal = tmp.with_name(tmp.name + ".wal")
            if wal.exists():  # detach checkpoints; a WAL means the file is not self-contained
                raise RuntimeError(f"{wal} was left after writing {tmp}; not publishing it")
            atomic.replace_file(tmp, final)
        except BaseException:
            atomic.remove_tree(tmp)
            atomic.remove_tree(tmp.with_name(tmp.name + ".wal"))
            raise
    built.path = final
    return built
