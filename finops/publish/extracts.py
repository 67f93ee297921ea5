"""Parquet/CSV exports of every mart, and per-team extracts, read from the published BI file.

Both are derived from the BI file (not the working warehouse), so they are the same version of
the numbers as the file BI tools read, and they never hold the warehouse's write lock.

    <output>/exports/<mart>/billing_period=YYYY-MM/data_0.parquet   (hive-partitioned)
    <output>/exports/<mart>/data_0.parquet                          (marts without billing_period)
    <output>/exports/csv/<mart>/<mart>_YYYY-MM.csv                  (one CSV per billing period)
    <output>/exports/csv/<mart>.csv                                 (marts without billing_period)
    <output>/teams/<team folder>/<mart>/<mart>_YYYY-MM.parquet, .csv   (that team's rows only)
    <output>/teams/<team folder>/<mart>.parquet, .csv               (marts without billing_period)
    <output>/teams/_teams.csv                                       (folder -> team name)
    <output>/exports|teams/_publish_state.json                      (the dbt build they reflect)

Every file of a mart with a billing_period column holds one billing period, so an incremental
publish (finops.publish.state) writes only the periods the dbt builds since the last publish
rebuilt, for the marts dbt builds incrementally by billing period, and hard-links every other
period's files from the live folder (same inode, not rewritten) into the new folder before the
atomic swap. Marts rebuilt whole by dbt are rewritten whole (they are small).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from finops.config import Settings
from finops.publish import atomic
from finops.publish.bi import BI_FILE_NAME, INFO_TABLE, quote_ident, quote_literal
from finops.publish.state import (
    BUILDS_TABLE,
    CURRENT,
    INCREMENTAL,
    Plan,
    parse_mark,
    plan_publish,
    read_builds,
    read_state_file,
    write_state_file,
)
from finops.warehouse import configure

EXPORTS_DIR = "exports"
TEAMS_DIR = "teams"
TEAMS_INDEX = "_teams.csv"
CSV_DIR = "csv"  # exports/csv/: every CSV
PARTITION_COLUMN = "billing_period"
# The rule: a mart's rows belong to the team in its `team` column. Exceptions, by mart:
TEAM_COLUMN = "team"
TEAM_COLUMN_EXCEPTIONS = {
    # untagged resources are listed under the team the cost went to without a tag, so the
    # team can tag them (or tell finance they are not theirs)
    "untagged_spend": "likely_owner",
}
# Team extracts of these marts are one file per billing period (teams/<team>/<mart>/
# <mart>_YYYY-MM.parquet, .csv), so an incremental publish rewrites only the rebuilt months: the
# line-item mart, which holds most of the rows (1.9M at 10M line items). Every other mart is one
# file per team (small, rewritten whole: ~0.1 s each).
TEAM_PERIOD_FILES = frozenset({"fct_allocated_cost"})
_CLEAN_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
_MAX_FOLDER = 64


def team_column(mart: str, columns: list[str]) -> str | None:
    """The column naming the owning team of each row, or None when the mart is not per team."""
    column = TEAM_COLUMN_EXCEPTIONS.get(mart, TEAM_COLUMN)
    return column if column in columns else None


def team_folder(team: str) -> str:
    """A safe folder name for a team: the name itself when it is plain, else cleaned + hash.

    Plain means letters, digits, `-`, `_` and single dots between them, at most 64 characters:
    never a path separator, `..`, a leading dot or a control character. Any other name becomes
    its plain characters (others replaced by `_`) plus `-` and 8 hex digits of its SHA-256, so
    two different names never share a folder (`a/b` -> `a_b-<hash>`, `../x` -> `x-<hash>`).
    """
    if len(team) <= _MAX_FOLDER and _CLEAN_FOLDER.fullmatch(team):
        return team
    digest = hashlib.sha256(team.encode("utf-8")).hexdigest()[:8]
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", team).strip("_-")[: _MAX_FOLDER - 9]
    return f"{cleaned or 'team'}-{digest}"


@contextmanager
def open_bi(settings: Settings, bi_path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published BI file, attached read-only as `bi` in a private in-memory database.

    ATTACH (not duckdb.connect(path)) so that this process reads the file now on disk, even
    if some other connection in the process still holds a previous version open.
    """
    path = bi_path or settings.output_dir / BI_FILE_NAME
    if not path.exists():
        raise FileNotFoundError(f"no BI file at {path}; publish it first (`finops publish`)")
    con = duckdb.connect()
    try:
        configure(con, settings)
        con.execute(f"attach {quote_literal(str(path))} as bi (read_only)")
        yield con
    finally:
        con.close()


def published_marts(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """{mart: columns} for the tables of the attached BI file (views, _publish_* left out)."""
    marts: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select c.table_name, c.column_name from duckdb_columns() c join duckdb_tables() t "
        "on t.database_name = c.database_name and t.schema_name = c.schema_name "
        "and t.table_name = c.table_name where c.database_name = 'bi' and c.schema_name = 'main' "
        "and c.table_name not in (?, ?) order by c.table_name, c.column_index",
        [INFO_TABLE, BUILDS_TABLE],
    ).fetchall():
        marts.setdefault(table, []).append(column)
    return marts


def period_refresh_marts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Marts of the attached BI file whose incremental publishes go by billing period."""
    try:
        rows = con.execute(
            f"select distinct table_name from bi.main.{INFO_TABLE} where period_refresh"
        ).fetchall()
    except duckdb.Error:  # a BI file written before incremental publishing
        return set()
    return {r[0] for r in rows}


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> None:
    con.execute(f"copy ({query}) to {quote_literal(str(target))} ({options})")


PARQUET = "format parquet, compression zstd"
CSV = "format csv, header true"


def _link(source: Path, target: Path) -> None:
    """Hard-link an unchanged published file into the new folder (a copy where links fail)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _period_of(name: str, prefix: str, suffix: str) -> str | None:
    if name.startswith(prefix) and name.endswith(suffix):
        return name[len(prefix) : len(name) - len(suffix)]
    return None


def _move_partitions(stage: Path, place) -> None:
    """Move the files DuckDB wrote under `stage/<key>=<value>/.../data_0.<ext>` to
    `place(values...)`, then remove `stage`."""
    if not stage.is_dir():
        return
    for folder, _dirs, files in os.walk(stage):
        for name in files:
            path = Path(folder) / name
            values = [part.split("=", 1)[1] for part in path.relative_to(stage).parts[:-1]]
            target = place(*values)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, target)
    shutil.rmtree(stage)


@dataclass
class ExportSummary:
    path: Path
    marts: dict[str, int] = field(default_factory=dict)  # mart -> rows
    partitioned: list[str] = field(default_factory=list)
    mode: str = "full"  # full | incremental | current (nothing newer: left as it was)
    reason: str = ""
    periods: str = ""
    linked: int = 0  # unchanged files hard-linked from the previous version


def write_exports(
    con: duckdb.DuckDBPyConnection,
    dest: Path,
    plan: Plan | None = None,
    live: Path | None = None,
) -> ExportSummary:
    """Every mart of the attached BI file as Parquet (partitioned by billing period) + CSV (one
    per billing period). With an incremental `plan`, only its periods of the period-refresh
    marts are written; their other periods are hard-linked from `live`."""
    summary = ExportSummary(dest)
    incremental = plan is not None and plan.mode == INCREMENTAL and live is not None
    by_period = period_refresh_marts(con) if incremental else set()
    marts = published_marts(con)
    if CSV_DIR in marts:
        raise ValueError(
            f"a mart named {CSV_DIR!r} would share exports/{CSV_DIR}/ with the CSV files; "
            "rename the model"
        )
    csv_root = dest / CSV_DIR
    csv_root.mkdir()
    for mart, columns in marts.items():
        table = f"bi.main.{quote_ident(mart)}"
        folder = dest / mart
        if PARTITION_COLUMN in columns:
            partial = plan is not None and mart in by_period
            where = f" where {plan.where()}" if partial else ""
            _copy(
                con,
                f"select * from {table}{where}",
                folder,
                f"{PARQUET}, partition_by ({PARTITION_COLUMN})",
            )
            # each CSV keeps every column (billing_period too, in its place): partitioned by
            # a copy of it, which is not written
            stage = dest / f".{mart}.csv-stage"
            query = f"select *, {PARTITION_COLUMN} as __period from {table}{where}"
            _copy(con, query, stage, f"{CSV}, partition_by (__period)")
            _move_partitions(stage, lambda p, m=mart: csv_root / m / f"{m}_{p}.csv")
            if partial:
                summary.linked += _link_unchanged_exports(live, dest, mart, plan)
            folder.mkdir(exist_ok=True)
            (csv_root / mart).mkdir(exist_ok=True)
            summary.partitioned.append(mart)
        else:
            folder.mkdir(parents=True)
            query = f"select * from {table}"
            _copy(con, query, folder / "data_0.parquet", PARQUET)
            _copy(con, query, csv_root / f"{mart}.csv", CSV)
        summary.marts[mart] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return summary


def _link_unchanged_exports(live: Path, dest: Path, mart: str, plan: Plan) -> int:
    linked = 0
    prefix = f"{PARTITION_COLUMN}="
    if (live / mart).is_dir():
        for partition in (live / mart).iterdir():
            period = _period_of(partition.name, prefix, "")
            if period is None or plan.covers(period):
                continue
            for file in partition.iterdir():
                _link(file, dest / mart / partition.name / file.name)
                linked += 1
    if (live / CSV_DIR / mart).is_dir():
        for file in (live / CSV_DIR / mart).iterdir():
            period = _period_of(file.name, f"{mart}_", ".csv")
            if period is not None and not plan.covers(period):
                _link(file, dest / CSV_DIR / mart / file.name)
                linked += 1
    return linked


def _bi_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[list[str]]]:
    """{mart: [[column, type]]} of the attached BI file: what a folder's state remembers."""
    out: dict[str, list[list[str]]] = {}
    for table, column, data_type in con.execute(
        "select c.table_name, c.column_name, c.data_type from duckdb_columns() c "
        "join duckdb_tables() t using (database_name, schema_name, table_name) "
        "where c.database_name = 'bi' and c.schema_name = 'main' and c.table_name not in (?, ?) "
        "order by c.table_name, c.column_index",
        [INFO_TABLE, BUILDS_TABLE],
    ).fetchall():
        out.setdefault(table, []).append([column, data_type])
    return out


def plan_folder(
    con: duckdb.DuckDBPyConnection, live: Path, full: bool = False
) -> tuple[Plan, dict | None, dict[str, list[list[str]]]]:
    """What a publish of the folder `live` from the attached BI file has to do."""
    builds = read_builds(con, f"bi.main.{BUILDS_TABLE}")
    state = read_state_file(live) if live.is_dir() else None
    columns = _bi_columns(con)

    def marts_changed() -> str | None:
        if state is not None and state.get("marts") == columns:
            return None
        return "the marts or their columns changed: everything"

    mark = parse_mark(state.get("dbt_built_at")) if state else None
    return plan_publish(mark, builds, full=full, marts_changed=marts_changed), state, columns


def _publish_dir(settings: Settings, name: str, write, bi_path: Path | None, full: bool):
    """Run `write(con, tmp, plan, live)` into a folder beside the live `name`, then swap it in;
    nothing when the live folder already reflects the BI file's newest dbt build."""
    out = settings.output_dir
    final = out / name
    with atomic.publish_lock(out):
        atomic.remove_leftovers(out, name)
        with open_bi(settings, bi_path) as con:
            plan, state, columns = plan_folder(con, final, full)
            if plan.mode == CURRENT and state is not None:
                return state, plan
            tmp = atomic.temp_path(final)
            tmp.mkdir(parents=True)
            try:
                summary = write(con, tmp, plan, final if final.is_dir() else None)
                summary.mode, summary.reason, summary.periods = plan.mode, plan.reason, plan.periods
                write_state_file(tmp, plan, marts=columns, summary=_summary_state(summary))
                atomic.swap_dir(tmp, final)
            except BaseException:
                atomic.remove_tree(tmp)
                raise
    summary.path = final
    return summary, plan


def _summary_state(summary) -> dict:
    keep = ("marts", "partitioned", "folders", "rows")
    return {k: getattr(summary, k) for k in keep if hasattr(summary, k)}


def publish_exports(
    settings: Settings, bi_path: Path | None = None, *, full: bool = False
) -> ExportSummary:
    """Write the exports beside the live folder, then swap them in (old version removed);
    incremental when the BI file's dbt builds allow it, nothing when it is current."""
    result, plan = _publish_dir(settings, EXPORTS_DIR, write_exports, bi_path, full)
    if isinstance(result, ExportSummary):
        return result
    saved = result.get("summary", {})
    return ExportSummary(
        settings.output_dir / EXPORTS_DIR,
        dict(saved.get("marts", {})),
        list(saved.get("partitioned", [])),
        mode=CURRENT,
        reason=plan.reason,
    )


@dataclass
class TeamSummary:
    path: Path
    folders: dict[str, str] = field(default_factory=dict)  # folder -> team
    marts: dict[str, str] = field(default_factory=dict)  # mart -> team column
    rows: dict[str, int] = field(default_factory=dict)  # team -> rows over all marts
    mode: str = "full"
    reason: str = ""
    periods: str = ""
    linked: int = 0


def team_folders(teams: list[str]) -> dict[str, str]:
    """{folder: team}; fails if two teams would share a folder (also case-insensitively)."""
    folders: dict[str, str] = {}
    seen: dict[str, str] = {}
    for team in sorted(teams):
        folder = team_folder(team)
        other = seen.get(folder.lower())
        if other is not None:
            raise ValueError(
                f"teams {other!r} and {team!r} map to the same extract folder {folder!r} "
                "(folders are compared case-insensitively); rename one of them in seeds/teams.csv"
            )
        seen[folder.lower()] = team
        folders[folder] = team
    return folders


def write_team_extracts(
    con: duckdb.DuckDBPyConnection,
    dest: Path,
    plan: Plan | None = None,
    live: Path | None = None,
) -> TeamSummary:
    """Per team, its rows of every mart that has a team column, as Parquet and CSV: one file
    per billing period for marts with a billing_period column. With an incremental `plan`,
    only its periods of the period-refresh marts are written, the others hard-linked from
    `live`."""
    summary = TeamSummary(dest)
    incremental = plan is not None and plan.mode == INCREMENTAL and live is not None
    by_period = period_refresh_marts(con) if incremental else set()
    marts = published_marts(con)
    for mart, columns in marts.items():
        column = team_column(mart, columns)
        if column is not None:
            summary.marts[mart] = column
    teams: set[str] = set()
    for mart, column in summary.marts.items():
        teams.update(
            r[0]
            for r in con.execute(
                f"select distinct {quote_ident(column)} from bi.main.{quote_ident(mart)} "
                f"where {quote_ident(column)} is not null"
            ).fetchall()
        )
    summary.folders = team_folders(sorted(teams))
    ids = dict(enumerate(summary.folders))  # partition key -> folder (DuckDB names the dirs)
    for folder, team in summary.folders.items():
        target = dest / folder
        if target.resolve().parent != dest.resolve():  # belt and braces: team_folder is safe
            raise ValueError(f"team {team!r} would be written outside {dest}: {target}")
        target.mkdir()
    con.execute("create or replace temp table _team_folder (team varchar, folder_id integer)")
    con.executemany(
        "insert into _team_folder values (?, ?)",
        [(summary.folders[folder], i) for i, folder in ids.items()],
    )
    for mart, column in summary.marts.items():
        periodic = mart in TEAM_PERIOD_FILES and PARTITION_COLUMN in marts[mart]
        partial = mart in by_period and periodic
        where = plan.where(f"m.{PARTITION_COLUMN}") if partial else "true"
        keys = "f.folder_id as __team" + (f", m.{PARTITION_COLUMN} as __period" if periodic else "")
        query = (
            f"select m.*, {keys} from bi.main.{quote_ident(mart)} m join _team_folder f "
            f"on m.{quote_ident(column)} = f.team where {where}"
        )
        partition = "__team, __period" if periodic else "__team"
        for ext, options in (("parquet", PARQUET), ("csv", CSV)):
            stage = dest / f".{mart}.{ext}-stage"
            _copy(con, query, stage, f"{options}, partition_by ({partition})")
            if periodic:
                _move_partitions(
                    stage,
                    lambda i, p, m=mart, e=ext: dest / ids[int(i)] / m / f"{m}_{p}.{e}",
                )
                continue
            _move_partitions(stage, lambda i, m=mart, e=ext: dest / ids[int(i)] / f"{m}.{e}")
            # the same files in every team folder: empty where the team has no rows
            missing = [f for f in summary.folders if not (dest / f / f"{mart}.{ext}").exists()]
            if missing:
                empty = dest / f".{mart}.empty.{ext}"
                _copy(con, f"select * from bi.main.{quote_ident(mart)} limit 0", empty, options)
                for folder in missing:
                    shutil.copyfile(empty, dest / folder / f"{mart}.{ext}")
                empty.unlink()
        if partial:
            for folder in summary.folders:
                summary.linked += _link_unchanged_team(live, dest, folder, mart, plan)
    con.execute("drop table _team_folder")
    summary.rows = dict.fromkeys(summary.folders.values(), 0)
    for mart, column in summary.marts.items():
        for team, rows in con.execute(
            f"select {quote_ident(column)}, count(*) from bi.main.{quote_ident(mart)} "
            f"where {quote_ident(column)} is not null group by 1"
        ).fetchall():
            summary.rows[team] += rows
    with open(dest / TEAMS_INDEX, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["folder", "team"])
        writer.writerows(summary.folders.items())
    return summary


def _link_unchanged_team(live: Path, dest: Path, folder: str, mart: str, plan: Plan) -> int:
    source = live / folder / mart
    if not source.is_dir():
        return 0
    linked = 0
    for file in source.iterdir():
        for ext in (".parquet", ".csv"):
            period = _period_of(file.name, f"{mart}_", ext)
            if period is not None and not plan.covers(period):
                _link(file, dest / folder / mart / file.name)
                linked += 1
    return linked


def publish_team_extracts(
    settings: Settings, bi_path: Path | None = None, *, full: bool = False
) -> TeamSummary:
    """Write every team's extract beside the live `teams/`, then swap it in; incremental
    when the BI file's dbt builds allow it, nothing when it is current."""
    result, plan = _publish_dir(settings, TEAMS_DIR, write_team_extracts, bi_path, full)
    if isinstance(result, TeamSummary):
        return result
    saved = result.get("summary", {})
    return TeamSummary(
        settings.output_dir / TEAMS_DIR,
        dict(saved.get("folders", {})),
        dict(saved.get("marts", {})),
        dict(saved.get("rows", {})),
        mode=CURRENT,
        reason=plan.reason,
    )
