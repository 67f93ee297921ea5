"""Parquet/CSV exports of every mart, and per-team extracts, read from the published BI file.

Both are derived from the BI file (not the working warehouse), so they are the same version of
the numbers as the file BI tools read, and they never hold the warehouse's write lock.

    <output>/exports/<mart>/billing_period=YYYY-MM/data_0.parquet   (hive-partitioned)
    <output>/exports/<mart>/data_0.parquet                          (marts without billing_period)
    <output>/exports/<mart>.csv                                     (one CSV per mart)
    <output>/teams/<team folder>/<mart>.parquet and .csv            (that team's rows only)
    <output>/teams/_teams.csv                                       (folder -> team name)
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from finops.config import Settings
from finops.publish import atomic
from finops.publish.bi import BI_FILE_NAME, INFO_TABLE, quote_ident, quote_literal
from finops.warehouse import configure

EXPORTS_DIR = "exports"
TEAMS_DIR = "teams"
TEAMS_INDEX = "_teams.csv"
PARTITION_COLUMN = "billing_period"
# The rule: a mart's rows belong to the team in its `team` column. Exceptions, by mart:
TEAM_COLUMN = "team"
TEAM_COLUMN_EXCEPTIONS = {
    # untagged resources are listed under the team the cost went to without a tag, so the
    # team can tag them (or tell finance they are not theirs)
    "untagged_spend": "likely_owner",
}
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
    """{mart: columns} for the tables of the attached BI file (views and _publish_info left out)."""
    marts: dict[str, list[str]] = {}
    for table, column in con.execute(
        "select c.table_name, c.column_name from duckdb_columns() c join duckdb_tables() t "
        "on t.database_name = c.database_name and t.schema_name = c.schema_name "
        "and t.table_name = c.table_name where c.database_name = 'bi' and c.schema_name = 'main' "
        "and c.table_name <> ? order by c.table_name, c.column_index",
        [INFO_TABLE],
    ).fetchall():
        marts.setdefault(table, []).append(column)
    return marts


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> None:
    con.execute(f"copy ({query}) to {quote_literal(str(target))} ({options})")


PARQUET = "format parquet, compression zstd"
CSV = "format csv, header true"


@dataclass
class ExportSummary:
    path: Path
    marts: dict[str, int] = field(default_factory=dict)  # mart -> rows
    partitioned: list[str] = field(default_factory=list)


def write_exports(con: duckdb.DuckDBPyConnection, dest: Path) -> ExportSummary:
    """Every mart of the attached BI file as Parquet (partitioned by billing period) + CSV."""
    summary = ExportSummary(dest)
    for mart, columns in published_marts(con).items():
        query = f"select * from bi.main.{quote_ident(mart)}"
        folder = dest / mart
        if PARTITION_COLUMN in columns:
            _copy(con, query, folder, f"{PARQUET}, partition_by ({PARTITION_COLUMN})")
            summary.partitioned.append(mart)
        else:
            folder.mkdir(parents=True)
            _copy(con, query, folder / "data_0.parquet", PARQUET)
        _copy(con, query, dest / f"{mart}.csv", CSV)
        summary.marts[mart] = con.execute(f"select count(*) from ({query})").fetchone()[0]
    return summary


def _publish_dir(settings: Settings, name: str, write, bi_path: Path | None):
    """Run `write(con, tmp)` into a folder beside the live `name`, then swap it in."""
    out = settings.output_dir
    final = out / name
    with atomic.publish_lock(out):
        atomic.remove_leftovers(out, name)
        tmp = atomic.temp_path(final)
        tmp.mkdir(parents=True)
        try:
            with open_bi(settings, bi_path) as con:
                summary = write(con, tmp)
            atomic.swap_dir(tmp, final)
        except BaseException:
            atomic.remove_tree(tmp)
            raise
    summary.path = final
    return summary


def publish_exports(settings: Settings, bi_path: Path | None = None) -> ExportSummary:
    """Write the exports beside the live folder, then swap them in (old version removed)."""
    return _publish_dir(settings, EXPORTS_DIR, write_exports, bi_path)


@dataclass
class TeamSummary:
    path: Path
    folders: dict[str, str] = field(default_factory=dict)  # folder -> team
    marts: dict[str, str] = field(default_factory=dict)  # mart -> team column
    rows: dict[str, int] = field(default_factory=dict)  # team -> rows over all marts


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


def write_team_extracts(con: duckdb.DuckDBPyConnection, dest: Path) -> TeamSummary:
    """Per team, its rows of every mart that has a team column, as Parquet and CSV."""
    summary = TeamSummary(dest)
    for mart, columns in published_marts(con).items():
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
    for folder, team in summary.folders.items():
        target = dest / folder
        if target.resolve().parent != dest.resolve():  # belt and braces: team_folder is safe
            raise ValueError(f"team {team!r} would be written outside {dest}: {target}")
        target.mkdir()
        for mart, column in summary.marts.items():
            query = (
                f"select * from bi.main.{quote_ident(mart)} "
                f"where {quote_ident(column)} = {quote_literal(team)}"
            )
            _copy(con, query, target / f"{mart}.parquet", PARQUET)
            _copy(con, query, target / f"{mart}.csv", CSV)
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


def publish_team_extracts(settings: Settings, bi_path: Path | None = None) -> TeamSummary:
    """Write every team's extract beside the live `teams/`, then swap it in."""
    return _publish_dir(settings, TEAMS_DIR, write_team_extracts, bi_path)
