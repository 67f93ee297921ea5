"""Publishing the marts: the BI file, Parquet/CSV exports, per-team extracts, dbt docs, exposures.

Two warehouses: the session's `year_warehouse` (read only, published once into a tmp output
folder) for "equal to the marts to the cent", and a small hand-made one whose team names are
hostile and whose figures are computed by hand, for safety, atomicity and republishing.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from finops.config import DBT_PROJECT_DIR, Settings
from finops.publish import (
    BI_FILE_NAME,
    STORAGE_VERSION,
    publish,
    publish_bi_file,
    publish_dbt_docs,
    publish_exports,
    publish_team_extracts,
    team_folder,
)
from finops.publish.bi import VIEWS
from finops.publish.dbt_docs import docs_current
from finops.publish.extracts import (
    TEAM_COLUMN_EXCEPTIONS,
    TEAM_PERIOD_FILES,
    TEAMS_INDEX,
    team_column,
)
from finops.publish.state import STATE_FILE
from finops.warehouse import connect_writer
from tests.warehouses import make_settings, rows_not_in

# ------------------------------------------------------------------------------------------------
# helpers


def attach_both(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The pipeline DB as `wh` and the published BI file as `bi`, both read-only."""
    con = duckdb.connect()
    con.execute(f"attach '{settings.duckdb_path}' as wh (read_only)")
    con.execute(f"attach '{settings.output_dir / BI_FILE_NAME}' as bi (read_only)")
    return con


def mart_columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> dict[str, list]:
    out: dict[str, list] = {}
    for table, column, data_type in con.execute(
        "select c.table_name, c.column_name, c.data_type from duckdb_columns() c "
        "join duckdb_tables() t using (database_name, schema_name, table_name) "
        "where c.database_name = ? and c.schema_name = ? order by c.table_name, c.column_index",
        [catalog, schema],
    ).fetchall():
        out.setdefault(table, []).append((column, data_type))
    return out


def cost_columns(columns: list) -> list[str]:
    return [c for c, t in columns if t.startswith("DECIMAL") and "cost" in c]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sums(con, relation: str, columns: list[str], where: str = "true") -> tuple:
    select = ", ".join(["count(*)", *[f"sum({ident(c)})" for c in columns]])
    return con.execute(f"select {select} from {relation} where {where}").fetchone()


# ------------------------------------------------------------------------------------------------
# the year warehouse, published once


@pytest.fixture(scope="module")
def published(year_warehouse, tmp_path_factory: pytest.TempPathFactory):
    settings = replace(
        year_warehouse.settings, output_dir=tmp_path_factory.mktemp("publish") / "output"
    )
    result = publish(settings, dbt_artifacts=[year_warehouse.workdir / "target"], dbt_docs=False)
    return settings, result


@pytest.mark.slow
def test_bi_file_holds_every_mart_equal_to_the_warehouse(published) -> None:
    settings, result = published
    bi_path = settings.output_dir / BI_FILE_NAME
    assert stat.S_IMODE(bi_path.stat().st_mode) == 0o444
    assert not list(settings.output_dir.glob(f".{BI_FILE_NAME}*")), "temporary files left"
    con = attach_both(settings)
    wh_marts = mart_columns(con, "wh", "marts")
    bi_tables = mart_columns(con, "bi", "main")
    assert "fct_allocated_cost" in wh_marts
    assert set(bi_tables) == set(wh_marts) | {"_publish_info", "_publish_builds"}
    assert sorted(result.bi.marts) == sorted(wh_marts)
    info = {
        (t, c): (rows, total)
        for t, c, rows, total in con.execute(
            "select table_name, cost_column, row_count, cost_total from bi._publish_info "
            "where table_type = 'table'"
        ).fetchall()
    }
    for mart, columns in wh_marts.items():
        assert bi_tables[mart] == columns, mart  # same columns, same types
        # the same rows, both ways (duplicates counted)
        for a, b in (("wh.marts", "bi.main"), ("bi.main", "wh.marts")):
            extra = rows_not_in(con, f"select * from {a}.{mart}", f"select * from {b}.{mart}")
            assert extra == 0, f"{mart}: {extra} rows of {a} missing from {b}"
        costs = cost_columns(columns)
        expected = sums(con, f"wh.marts.{mart}", costs)
        assert sums(con, f"bi.main.{mart}", costs) == expected
        for column, total in zip(costs, expected[1:], strict=True):
            assert info[(mart, column)] == (expected[0], total or Decimal(0)), (mart, column)
    # provenance: the dbt build of the session, the storage format old readers understand
    source, storage, invocation = con.execute(
        "select distinct source_warehouse, storage_version, dbt_invocation_id from bi._publish_info"
    ).fetchone()
    assert source == str(settings.duckdb_path)
    assert storage == STORAGE_VERSION
    run_results = settings.duckdb_path.parent.parent / "target" / "run_results.json"
    assert invocation == json.loads(run_results.read_text())["metadata"]["invocation_id"]
    tags = con.execute("select tags from duckdb_databases() where database_name = 'bi'").fetchone()
    assert tags[0]["storage_version"] == "v1.0.0+"
    con.close()


@pytest.mark.slow
def test_bi_file_carries_the_dbt_docs_as_comments(published) -> None:
    settings, _ = published
    con = attach_both(settings)
    tables = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = 'wh' "
            "and schema_name = 'marts'"
        ).fetchall()
    )
    columns = {
        (t, c): comment
        for t, c, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'wh' and schema_name = 'marts'"
        ).fetchall()
    }
    published_tables = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = 'bi' "
            "union all select view_name, comment from duckdb_views() where database_name = 'bi' "
            "and not internal"
        ).fetchall()
    )
    published_columns = {
        (t, c): comment
        for t, c, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'bi'"
        ).fetchall()
    }
    # every mart column is documented (contracts), and the BI file says the same
    for mart, text in tables.items():
        assert text and published_tables[mart] == text.strip(), mart
    for key, text in columns.items():
        assert text, f"undocumented mart column {key}"
        assert published_columns[key] == text.strip(), key
    for view in VIEWS:
        assert published_tables[view.name] == view.description
        for column, text in view.columns.items():
            assert published_columns[(view.name, column)] == text
    assert published_tables["_publish_info"]
    con.close()


@pytest.mark.slow
def test_views_add_up_to_the_marts(published) -> None:
    settings, _ = published
    con = attach_both(settings)
    assert (
        con.execute(
            "select sum(effective_cost), sum(billed_cost), count(distinct team) "
            "from bi.showback_team_month"
        ).fetchone()
        == con.execute(
            "select sum(effective_cost), sum(billed_cost), count(distinct team) "
            "from wh.marts.team_cost_monthly"
        ).fetchone()
    )
    assert (
        con.execute("select sum(billed_cost) from bi.spend_by_provider_month").fetchone()
        == con.execute("select sum(billed_cost) from wh.marts.team_cost_monthly").fetchone()
    )
    con.close()


@pytest.mark.slow
def test_exports_are_partitioned_and_equal_to_the_marts(published) -> None:
    settings, result = published
    exports = settings.output_dir / "exports"
    con = attach_both(settings)
    marts = mart_columns(con, "wh", "marts")
    assert set(result.exports.marts) == set(marts)
    for mart, columns in marts.items():
        names = [c for c, _ in columns]
        select = ", ".join(ident(c) for c in names)
        folder = exports / mart
        if "billing_period" in names:
            periods = {
                r[0]
                for r in con.execute(
                    f"select distinct billing_period from wh.marts.{mart}"
                ).fetchall()
            }
            assert {p.name for p in folder.iterdir()} == {f"billing_period={p}" for p in periods}
            source = f"read_parquet('{folder}/*/*.parquet', hive_partitioning = true)"
        else:
            source = f"read_parquet('{folder}/*.parquet')"
        for a, b in ((f"wh.marts.{mart}", source), (source, f"wh.marts.{mart}")):
            extra = rows_not_in(con, f"select {select} from {a}", f"select {select} from {b}")
            assert extra == 0, f"{mart}: export differs from the mart ({a} minus {b})"
        # CSV: every row, and every cost column summing to the mart's exact total; one CSV
        # per billing period (billing_period kept in it) where the mart has one
        costs = cost_columns(columns)
        casted = ["count(*)", *[f"sum(cast({ident(c)} as decimal(38, 12)))" for c in costs]]
        if "billing_period" in names:
            monthly = {p.name for p in (exports / "csv" / mart).iterdir()}
            assert monthly == {f"{mart}_{p}.csv" for p in periods}
            pattern = exports / "csv" / mart / "*.csv"
            # and each monthly file holds its month only
            casted.append("count(*) filter (not ends_with(filename, billing_period || '.csv'))")
            expected = (*sums(con, f"wh.marts.{mart}", costs), 0)
        else:
            pattern = exports / "csv" / f"{mart}.csv"
            expected = sums(con, f"wh.marts.{mart}", costs)
        csv_source = f"read_csv('{pattern}', all_varchar = true, header = true, filename = true)"
        got = con.execute(f"select {', '.join(casted)} from {csv_source}").fetchone()
        assert got == expected, mart
    con.close()


@pytest.mark.slow
def test_team_extracts_hold_only_the_teams_rows_and_add_up(published) -> None:
    settings, result = published
    teams_dir = settings.output_dir / "teams"
    con = attach_both(settings)
    marts = mart_columns(con, "wh", "marts")
    per_team = {m: team_column(m, [c for c, _ in cols]) for m, cols in marts.items()}
    per_team = {m: c for m, c in per_team.items() if c}
    assert {"fct_allocated_cost", "team_cost_monthly", "untagged_spend"} <= set(per_team)
    assert per_team["untagged_spend"] == TEAM_COLUMN_EXCEPTIONS["untagged_spend"]
    with open(teams_dir / TEAMS_INDEX, newline="") as handle:
        index = {row["folder"]: row["team"] for row in csv.DictReader(handle)}
    assert index == result.teams.folders
    assert {p.name for p in teams_dir.iterdir()} == set(index) | {TEAMS_INDEX, STATE_FILE}
    assert "fct_allocated_cost" in TEAM_PERIOD_FILES
    con.execute("create temp table team_index (folder varchar, team varchar)")
    con.executemany("insert into team_index values (?, ?)", list(index.items()))
    for mart, column in per_team.items():
        costs = cost_columns(marts[mart])
        measures = ", ".join(["count(*)", *[f"sum({ident(c)})" for c in costs]])
        # the line-item mart: teams/<team>/<mart>/<mart>_YYYY-MM.parquet, one file per month
        by_month = mart in TEAM_PERIOD_FILES
        name = f"{mart}/{mart}_*.parquet" if by_month else f"{mart}.parquet"
        files = f"'{teams_dir}/*/{name}'"
        # each row sits in the folder of its own team: read every team's file at once
        in_folder = "starts_with(r.filename, concat(?, '/', i.folder, '/', ?))"
        prefix = f"{mart}/{mart}_" if by_month else f"{mart}.parquet"
        misplaced = con.execute(
            f"select count(*) from read_parquet({files}, filename = true) r "
            f"join team_index i on {in_folder} "
            f"where r.{ident(column)} is distinct from i.team",
            [str(teams_dir), prefix],
        ).fetchone()[0]
        assert misplaced == 0, f"{mart}: rows in another team's folder"
        if by_month:  # and each monthly file holds that month only
            assert con.execute(
                f"select count(*) from read_parquet({files}, filename = true) "
                "where not ends_with(filename, concat('_', billing_period, '.parquet'))"
            ).fetchone() == (0,)
        got = con.execute(
            f"select i.team, {measures} from read_parquet({files}, filename = true) r "
            f"join team_index i on {in_folder} group by all",
            [str(teams_dir), prefix],
        ).fetchall()
        expected = con.execute(
            f"select {ident(column)}, {measures} from wh.marts.{mart} "
            f"where {ident(column)} is not null group by all"
        ).fetchall()
        assert sorted(got) == sorted(expected), mart  # every team, to the cent, nothing lost
        # the CSVs hold the same rows (counted with Python's csv module: quicker than sniffing)
        csv_rows = dict.fromkeys(index.values(), 0)
        for folder, team in index.items():
            paths = (
                sorted((teams_dir / folder / mart).glob("*.csv"))
                if by_month
                else [teams_dir / folder / f"{mart}.csv"]
            )
            for path in paths:
                with open(path, newline="") as handle:
                    csv_rows[team] += sum(1 for _ in csv.reader(handle)) - 1
        assert {t: n for t, n in csv_rows.items() if n} == {r[0]: r[1] for r in expected}, mart
    con.close()


@pytest.mark.slow
def test_dbt_docs_site_shows_the_exposures(year_warehouse, tmp_path: Path) -> None:
    settings = replace(year_warehouse.settings, output_dir=tmp_path / "output")
    page = publish_dbt_docs(
        settings, workdir=tmp_path / "docs", dbt_artifacts=year_warehouse.workdir / "target"
    )
    assert page == settings.output_dir / "dbt_docs" / "index.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o444
    html = page.read_text()
    for name in ("finops_bi_duckdb", "mart_exports", "team_extracts", "showback_report"):
        assert f"exposure.finops.{name}" in html
    assert "CATALOG.JSON INLINE DATA" not in html  # the catalog is inlined, not fetched
    assert "MANIFEST.JSON INLINE DATA" not in html
    assert "fct_allocated_cost" in html
    # Runs skip the rebuild while the project is the one the site was built from.
    assert docs_current(settings)
    (page.parent / ".project_fingerprint").write_text("an older project\n")
    assert not docs_current(settings)


# ------------------------------------------------------------------------------------------------
# lineage: exposures and Dagster assets follow the marts


def test_exposures_and_dagster_assets_cover_every_mart() -> None:
    from orchestration.definitions import defs
    from orchestration.defs.publish import assets as publish_assets

    manifest = publish_assets.MANIFEST
    marts = publish_assets.MARTS
    assert "fct_allocated_cost" in marts

    def declared(name: str) -> set[str]:
        node = manifest["exposures"][f"exposure.finops.{name}"]
        assert node["owner"]["email"] and node["description"]
        return {n.split(".")[-1] for n in node["depends_on"]["nodes"]}

    team_marts = {m for m, cols in marts.items() if team_column(m, cols)}
    for exposure, expected in (
        ("finops_bi_duckdb", set(marts)),
        ("mart_exports", set(marts)),
        ("team_extracts", team_marts),
    ):
        missing = expected - declared(exposure)
        assert not missing, (
            f"marts {sorted(missing)} are published but not declared in exposure {exposure}: "
            f"add `- ref('<mart>')` to its depends_on in dbt_project/models/exposures.yml"
        )
    assert declared("showback_report") and declared("bi_dashboard")

    graph = defs.resolve_asset_graph()
    mart_keys = {dg.AssetKey(["marts", m]) for m in marts}
    bi = dg.AssetKey(["bi", "finops_bi_duckdb"])
    assert mart_keys <= graph.get(bi).parent_keys
    assert graph.get(dg.AssetKey(["bi", "mart_exports"])).parent_keys >= {bi, *mart_keys}
    assert graph.get(dg.AssetKey(["bi", "team_extracts"])).parent_keys >= {
        bi,
        *{dg.AssetKey(["marts", m]) for m in team_marts},
    }
    for key in ("finops_bi_duckdb", "mart_exports", "team_extracts", "dbt_docs"):
        node = graph.get(dg.AssetKey(["bi", key]))
        assert node.group_name == "bi"
        assert node.partitions_def is None  # once per run, after dbt, whatever the months
    job = defs.resolve_job_def("finops_pipeline")
    assert {"bi__finops_bi_duckdb", "bi__mart_exports", "bi__team_extracts"} <= set(
        job.graph.node_names()
    )


# ------------------------------------------------------------------------------------------------
# a small warehouse with hostile team names, figures computed by hand

HOSTILE = ["../x", "a/b", "'; drop table team_costs; --", "..", ".hidden", "tab\tname\n", "a_b"]


def write_marts(settings: Settings, extra_rows: list[tuple] = ()) -> None:
    with connect_writer(settings) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.team_costs (billing_period varchar, team varchar, "
            "effective_cost decimal(38, 12), reporting_currency varchar)"
        )
        rows = [
            ("2025-01", "web", Decimal("10.005")),
            ("2025-02", "web", Decimal("0.01")),
            ("2025-01", "../x", Decimal("1.10")),
            ("2025-02", "a/b", Decimal("2.20")),
            ("2025-02", "'; drop table team_costs; --", Decimal("3.30")),
            ("2025-02", "..", Decimal("4.40")),
            ("2025-01", ".hidden", Decimal("5.50")),
            ("2025-01", "tab\tname\n", Decimal("6.60")),
            ("2025-01", "a_b", Decimal("7.70")),
            ("2025-02", None, Decimal("8.80")),
            *extra_rows,
        ]
        con.executemany("insert into marts.team_costs values (?, ?, ?, 'USD')", rows)
        con.execute("comment on table marts.team_costs is 'Cost per team and month.'")
        con.execute("comment on column marts.team_costs.team is 'The owning team.'")
        con.execute(
            "create or replace table marts.untagged_spend as select * from (values "
            "('account', '2025-01', '../x', 'USD', 0.50::decimal(38, 12)), "
            "('account', '2025-01', 'web', 'USD', 0.25::decimal(38, 12))) "
            "t(scope, billing_period, likely_owner, reporting_currency, effective_cost_reporting)"
        )
        con.execute(
            "create or replace table marts.accounts as select 'acct-1' as account_id, "
            "'web' as owner"
        )


@pytest.fixture
def small(tmp_path: Path) -> Settings:
    settings = replace(make_settings(tmp_path), output_dir=tmp_path / "output")
    write_marts(settings)
    return settings


def test_team_folders_are_safe_and_distinct() -> None:
    assert team_folder("web") == "web"
    assert team_folder("data-platform") == "data-platform"
    folders = {name: team_folder(name) for name in [*HOSTILE, "web", "a.b", "A_B"]}
    assert len(set(folders.values())) == len(folders)
    for name, folder in folders.items():
        assert "/" not in folder and "\\" not in folder and folder not in (".", "..")
        assert not folder.startswith(".") and ".." not in folder
        assert folder.isprintable() and len(folder) <= 64, (name, folder)
    assert folders["a/b"].startswith("a_b-") and folders["a_b"] == "a_b"


def test_hostile_team_names_stay_inside_teams(small: Settings) -> None:
    publish_bi_file(small)
    summary = publish_team_extracts(small)
    teams_dir = small.output_dir / "teams"
    # nothing was written anywhere but teams/<one folder per team>/
    assert {p.name for p in small.output_dir.iterdir()} == {
        BI_FILE_NAME,
        "teams",
        ".publish.lock",
    }
    assert not (small.output_dir.parent / "x").exists()
    for path in teams_dir.rglob("*"):
        assert path.resolve().is_relative_to(teams_dir.resolve())
    expected_teams = {"web", *HOSTILE}
    assert set(summary.folders.values()) == expected_teams
    assert {p.name for p in teams_dir.iterdir()} == set(summary.folders) | {
        TEAMS_INDEX,
        STATE_FILE,
    }
    with open(teams_dir / TEAMS_INDEX, newline="") as handle:
        assert {r["folder"]: r["team"] for r in csv.DictReader(handle)} == summary.folders
    con = duckdb.connect()
    by_team = {team: folder for folder, team in summary.folders.items()}
    expected = {
        "web": Decimal("10.015"),
        "../x": Decimal("1.10"),
        "a/b": Decimal("2.20"),
        "'; drop table team_costs; --": Decimal("3.30"),
        "..": Decimal("4.40"),
        ".hidden": Decimal("5.50"),
        "tab\tname\n": Decimal("6.60"),
        "a_b": Decimal("7.70"),
    }
    for team, total in expected.items():
        parquet = teams_dir / by_team[team] / "team_costs.parquet"
        assert con.execute(
            f"select list(distinct team), sum(effective_cost) from read_parquet('{parquet}')"
        ).fetchone() == ([team], total)
    # untagged_spend goes by likely_owner; a table without a team column is not extracted
    assert con.execute(
        f"select likely_owner, effective_cost_reporting from "
        f"read_parquet('{teams_dir / by_team['../x'] / 'untagged_spend.parquet'}')"
    ).fetchall() == [("../x", Decimal("0.500000000000"))]
    empty = teams_dir / by_team["a/b"] / "untagged_spend.parquet"  # same files for every team
    assert con.execute(f"select count(*) from read_parquet('{empty}')").fetchone() == (0,)
    assert not list(teams_dir.glob("*/accounts.*"))
    con.close()


def test_a_reader_keeps_its_version_while_a_new_one_is_published(small: Settings) -> None:
    publish_bi_file(small)
    publish_exports(small)
    bi_path = small.output_dir / BI_FILE_NAME
    reader = duckdb.connect(str(bi_path), read_only=True)
    total = "select count(*), sum(effective_cost) from team_costs"
    before = reader.execute(total).fetchone()
    assert before == (10, Decimal("49.615"))

    write_marts(small, [("2025-03", "web", Decimal("100.00"))])
    publish_bi_file(small)
    publish_exports(small)

    # the open connection still reads its complete, consistent version
    assert reader.execute(total).fetchone() == before
    assert reader.execute(
        "select sum(row_count) from _publish_info where table_name = 'team_costs'"
    ).fetchone() == (10,)
    # a new connection (another process, as a BI tool would be) sees the new version
    probe = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('select count(*), sum(effective_cost) from team_costs').fetchone())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(bi_path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "(11, Decimal('149.615000000000'))"
    reader.close()
    # the exports were swapped whole: the new month is there, no temporary folder is left
    assert (small.output_dir / "exports" / "team_costs" / "billing_period=2025-03").is_dir()
    assert not [p for p in small.output_dir.iterdir() if p.name.startswith(".exports")]
    assert stat.S_IMODE(bi_path.stat().st_mode) == 0o444


def test_a_failed_publish_leaves_the_previous_version(small: Settings) -> None:
    publish_bi_file(small)
    publish_exports(small)
    bi_path = small.output_dir / BI_FILE_NAME
    before = bi_path.read_bytes()
    # leftovers of a publish that was killed are cleaned up by the next one
    (small.output_dir / f".{BI_FILE_NAME}.tmp-1-dead").write_bytes(b"half a file")
    (small.output_dir / ".exports.tmp-1-dead").mkdir()

    # a mart a convenience view needs lost a column: the publish fails, saying what to fix
    with connect_writer(small) as con:
        con.execute("create table marts.team_cost_monthly as select 1 as billing_period")
    with pytest.raises(RuntimeError, match="showback_team_month no longer matches"):
        publish_bi_file(small)
    assert bi_path.read_bytes() == before
    assert [p.name for p in small.output_dir.iterdir() if p.name.startswith(".fin")] == []

    with connect_writer(small) as con:
        con.execute("drop table marts.team_cost_monthly")
    publish_bi_file(small)
    publish_exports(small)
    assert [p.name for p in small.output_dir.iterdir() if p.name.startswith(".")] == [
        ".publish.lock"
    ]


def test_finops_publish_command(small: Settings, monkeypatch, capsys) -> None:
    from finops.cli import main

    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(small.duckdb_path))
    monkeypatch.setenv("FINOPS_OUTPUT_DIR", str(small.output_dir))
    assert main(["publish", "--no-docs"]) == 0
    out = capsys.readouterr().out
    assert f"{small.output_dir / BI_FILE_NAME}" in out
    assert f"{small.output_dir / 'teams'}" in out
    con = duckdb.connect()
    con.execute(f"attach '{small.output_dir / BI_FILE_NAME}' as bi (read_only)")
    assert con.execute("select sum(effective_cost) from bi.team_costs").fetchone() == (
        Decimal("49.615"),
    )
    con.close()
    # --full rewrites every output, whatever the dbt builds since the last publish
    before = (small.output_dir / BI_FILE_NAME).stat().st_ino
    assert main(["publish", "--no-docs", "--full"]) == 0
    assert "full" in capsys.readouterr().out
    assert (small.output_dir / BI_FILE_NAME).stat().st_ino != before

    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(small.duckdb_path.parent / "missing.duckdb"))
    assert main(["publish", "--no-docs"]) == 1
    assert "no warehouse at" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["publish", "--help"])
    assert "atomically" in capsys.readouterr().out


def test_bi_assets_materialize_in_dagster(small: Settings, monkeypatch) -> None:
    from orchestration.defs.publish.assets import finops_bi_duckdb, mart_exports, team_extracts
    from orchestration.lib.resources import FinopsSettings

    monkeypatch.setenv("FINOPS_OUTPUT_DIR", str(small.output_dir))
    result = dg.materialize(
        [finops_bi_duckdb, mart_exports, team_extracts],
        resources={"finops": FinopsSettings(duckdb_path=str(small.duckdb_path))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert done == {"bi/finops_bi_duckdb", "bi/mart_exports", "bi/team_extracts"}
    assert (small.output_dir / "teams" / "web" / "team_costs.csv").exists()


def test_storage_version_is_documented() -> None:
    docs = (DBT_PROJECT_DIR.parent / "docs" / "publish.md").read_text()
    assert STORAGE_VERSION in docs
    assert os.path.basename(BI_FILE_NAME) in docs
