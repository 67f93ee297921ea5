"""Faults: SIGKILL mid-ingestion and mid-dbt-build, a full disk, concurrent runs.

Every fault runs the real code in a child process and kills or starves it; afterwards the
warehouse must hold its last good state unit by unit (each billing period either as before or
completely new, never a mix or a double), and a rerun must give exactly what an uninterrupted
run gives. Documented in docs/reliability.md.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops.config import PROJECT_ROOT, Settings
from finops.ingest import SOURCES, ingest
from finops.warehouse import write_lock
from tests import builders as b
from tests.warehouses import build, make_settings

BIG_ROWS = 25_000


def child(code: str, root: Path, preexec=None) -> subprocess.Popen:
    """A Python child in the repository, told the test root; prints 'ready' before the work."""
    prelude = (
        "import sys; from pathlib import Path; from tests.warehouses import make_settings; "
        "settings = make_settings(Path(sys.argv[1])); "
    )
    return subprocess.Popen(
        [sys.executable, "-c", prelude + code, str(root)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )


INGEST = "from finops.ingest import ingest; print('ready', flush=True); ingest(settings)"


def wait_ready(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.strip() == "ready", (line, process.stderr.read() if process.poll() else "")


def content(settings: Settings) -> dict[tuple[str, str], tuple]:
    """Per (raw table, billing period): rows, billed total, digest of every row's content
    (load ids and times excluded), plus the ledger's loaded units without ids and times."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        out: dict[tuple[str, str], tuple] = {}
        for source in SOURCES.values():
            billed = source.billed_cost_expr.replace("r.", "")
            for period, *rest in con.execute(
                f"select _billing_period, count(*), sum({billed}), "
                f"md5(string_agg(t::varchar, '|' order by _source_file, _row_number)) "
                f"from (select * exclude (_load_id, _loaded_at) "
                f"from {source.qualified_table}) t group by 1"
            ).fetchall():
                out[(source.table, period)] = tuple(rest)
        out[("ledger", "*")] = tuple(
            con.execute(
                "select source, billing_account_id, billing_period, delivery_id, fingerprint, "
                "row_count, billed_cost, billing_currency from ingest.ledger "
                "where status = 'loaded' order by all"
            ).fetchall()
        )
        return out
    finally:
        con.close()


def big_restatement(landing: Path) -> None:
    """January restated with BIG_ROWS lines (a second or two of work), February added."""
    rows = b.cur2_rows_sql("2025-01", ["1"]).replace(
        "from (values (0, 1)) t(i, cost)",
        f"from (select range as i, (range % 997) / 100 as cost from range({BIG_ROWS})) t",
    )
    b.write_cur2_delivery(landing / "aws", "2025-01", "exec-2", [], rows_sql=rows)
    b.write_cur2_delivery(landing / "aws", "2025-02", "exec-1", ["5.25"])
    b.write_csv(
        landing / "azure/ea/20250101-20250131/ea_aaaa.csv",
        b.EA_HEADER,
        [b.ea_row(f"{i}.25") for i in range(300)],
    )


@pytest.fixture(scope="module")
def ingestion(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A loaded January (state A) with a big restatement landed, and the uninterrupted result."""
    base = tmp_path_factory.mktemp("fault_base")
    settings = make_settings(base)
    b.write_cur2_delivery(settings.landing_dir / "aws", "2025-01", "exec-1", ["10.00", "20.50"])
    ingest(settings)
    before = content(settings)
    big_restatement(settings.landing_dir)
    reference = tmp_path_factory.mktemp("fault_reference")
    shutil.rmtree(reference)
    shutil.copytree(base, reference)
    started = time.monotonic()
    ingest(make_settings(reference))
    seconds = time.monotonic() - started
    after = content(make_settings(reference))
    assert after[("aws_cur2_line_items", "2025-01")][0] == BIG_ROWS
    return {"base": base, "before": before, "after": after, "seconds": seconds}


def copy_of(base: Path, tmp_path: Path, name: str) -> Settings:
    root = tmp_path / name
    shutil.copytree(base, root)
    return make_settings(root)


def assert_each_unit_old_or_new(now: dict, before: dict, after: dict) -> None:
    for unit in set(now) | set(after):
        if unit == ("ledger", "*"):
            continue
        assert now.get(unit) in (before.get(unit), after.get(unit)), unit
    # every loaded ledger unit is one the uninterrupted run also has (or had before)
    assert set(now[("ledger", "*")]) <= set(before[("ledger", "*")]) | set(after[("ledger", "*")])


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.15, 0.6])
def test_sigkill_during_ingestion_keeps_units_whole_and_rerun_matches(
    ingestion: dict, tmp_path: Path, fraction: float
) -> None:
    # The kill lands at a fraction of the reference ingest's time; when the child was quicker
    # than the reference (machine load varies), start again from the same copy and kill sooner.
    for attempt in range(4):
        settings = copy_of(ingestion["base"], tmp_path, f"killed-{attempt}")
        process = child(INGEST, settings.duckdb_path.parents[1])
        wait_ready(process)
        time.sleep(ingestion["seconds"] * fraction / 2**attempt)
        process.send_signal(signal.SIGKILL)
        if process.wait() == -signal.SIGKILL:
            break
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    assert_each_unit_old_or_new(content(settings), ingestion["before"], ingestion["after"])
    ingest(settings)  # the rerun (the write lock died with the child)
    assert content(settings) == ingestion["after"]


@pytest.mark.slow
def test_disk_full_during_ingestion_is_a_clear_error_and_keeps_the_last_state(
    ingestion: dict, tmp_path: Path
) -> None:
    settings = copy_of(ingestion["base"], tmp_path, "full")
    limit = settings.duckdb_path.stat().st_size + 200_000  # room for the ledger, not the data

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = child(INGEST, settings.duckdb_path.parents[1], preexec=small_disk)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "the warehouse could not be written" in stderr
    assert "File too large" in stderr and "keeps its last committed state" in stderr
    assert_each_unit_old_or_new(content(settings), ingestion["before"], ingestion["after"])
    ingest(settings)  # space again: the rerun completes
    assert content(settings) == ingestion["after"]


@pytest.mark.slow
def test_concurrent_runs_write_one_at_a_time_and_load_each_unit_once(
    ingestion: dict, tmp_path: Path
) -> None:
    settings = copy_of(ingestion["base"], tmp_path, "concurrent")
    root = settings.duckdb_path.parents[1]
    first, second = child(INGEST, root), child(INGEST, root)
    for process in (first, second):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    assert content(settings) == ingestion["after"]  # nothing lost, nothing doubled
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    loads = con.execute(
        "select source, billing_period, count(*) from ingest.ledger where status = 'loaded' "
        "and loaded_at > (select max(loaded_at) from ingest.ledger where delivery_id = 'exec-1' "
        "and billing_period = '2025-01') group by all order by all"
    ).fetchall()
    con.close()
    assert loads == [
        ("aws_cur2", "2025-01", 1),
        ("aws_cur2", "2025-02", 1),
        ("azure", "2025-01", 1),
    ]


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    b.write_cur2_delivery(settings.landing_dir / "aws", "2025-01", "exec-1", ["1.00"])
    holder = child(
        "from finops.warehouse import write_lock; import time\n"
        "with write_lock(settings.duckdb_path):\n"
        "    print('ready', flush=True); time.sleep(3)",
        tmp_path,
    )
    wait_ready(holder)
    started = time.monotonic()
    ingest(settings)  # blocks on the lock instead of failing on DuckDB's single writer
    assert time.monotonic() - started > 1.0
    holder.wait()
    assert holder.returncode == 0
    with write_lock(settings.duckdb_path, timeout_s=1):
        pass  # released


# --- SIGKILL during the dbt build -------------------------------------------------------------------

DBT_SELECT = (
    "--select",
    "+fct_allocated_cost +team_cost_daily +invoice_reconciliation",
    "--resource-type",
    "model",
    "--resource-type",
    "seed",
)
MARTS = ["fct_allocated_cost", "team_cost_daily", "invoice_reconciliation"]


def mart_digests(settings: Settings) -> dict[str, tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return {
            mart: con.execute(
                f"select count(*), md5(coalesce(string_agg(t::varchar, '|' order by all), '')) "
                f"from (select * from marts.{mart}) t"
            ).fetchone()
            for mart in MARTS
        }
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_during_dbt_build_leaves_whole_tables_and_rerun_completes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ea = settings.landing_dir / "azure/ea/20250101-20250131"
    b.write_csv(ea / "ea_aaaa.csv", b.EA_HEADER, [b.ea_row("12.34"), b.ea_row("7.66", tags="")])
    b.set_mtime(ea / "ea_aaaa.csv", 1_736_000_000)
    ingest(settings)
    build(settings, tmp_path, *DBT_SELECT)
    good = mart_digests(settings)

    # a restatement arrives and is ingested; its dbt build is killed mid-way
    b.write_csv(ea / "ea_bbbb.csv", b.EA_HEADER, [b.ea_row("100.00"), b.ea_row("0.01", tags="")])
    b.set_mtime(ea / "ea_bbbb.csv", 1_736_100_000)
    ingest(settings)
    log = tmp_path / "killed" / "logs" / "dbt.log"
    process = child(
        "from tests.warehouses import build; print('ready', flush=True); "
        f"build(settings, Path({str(tmp_path / 'killed')!r}), *{DBT_SELECT!r})",
        tmp_path,
    )
    wait_ready(process)
    deadline = time.monotonic() + 240
    started_a_mart = re.compile(r"START sql \w+ model marts\.")
    while not started_a_mart.search(log.read_text() if log.exists() else ""):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    killed = mart_digests(settings)  # the warehouse opens; every mart is readable

    build(settings, tmp_path / "rerun", *DBT_SELECT)  # the rerun completes
    final = mart_digests(settings)
    for mart in MARTS:  # each table was whole: the last good version or the new one
        assert killed[mart] in (good[mart], final[mart]), mart
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        # the rerun's marts are the restated numbers exactly, to the cent
        assert con.execute("select sum(billed_cost) from marts.fct_allocated_cost").fetchone() == (
            Decimal("100.01"),
        )
        assert con.execute(
            "select bool_and(is_reconciled), sum(allocated_billed_cost) "
            "from marts.invoice_reconciliation"
        ).fetchone() == (True, Decimal("100.01"))
        leftovers = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_name like '%__dbt_tmp%' or table_name like '%__dbt_backup%'"
        ).fetchall()
        assert leftovers == []
    finally:
        con.close()


# --- BI publish: SIGKILL, read-only output folder, full disk, readers across publishes ----------

PUBLISH_ROWS = 150_000
PUBLISH = (
    "from finops.publish import publish_bi_file, publish_exports, publish_team_extracts; "
    "print('ready', flush=True); publish_bi_file(settings); publish_exports(settings); "
    "publish_team_extracts(settings); print('done', flush=True)"
)


def write_publish_marts(settings: Settings, version: int) -> None:
    """Two marts; every `version` has a different, hand-checkable total."""
    from finops.warehouse import connect_writer

    with connect_writer(settings) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.team_cost_daily as select "
            "'2025-0' || (1 + range % 3) as billing_period, "
            "['payments', 'search', 'ml', 'web'][1 + range % 4] as team, "
            f"(1 + (range % 100) / 100 + {version})::decimal(38, 12) as effective_cost, "
            f"'USD' as reporting_currency from range({PUBLISH_ROWS})"
        )
        con.execute(
            "create or replace table marts.tag_coverage as select '2025-01' as billing_period, "
            f"{version}::decimal(38, 12) as untagged_cost"
        )


def expected_total(version: int) -> Decimal:
    # the sum over i < n of 1 + (i % 100) / 100 + version, by hand
    return Decimal(PUBLISH_ROWS) * (1 + version) + Decimal(PUBLISH_ROWS // 100) * Decimal("49.5")


def published(settings: Settings) -> dict[str, object]:
    """What a reader of the outputs sees: BI file totals, export and extract files and sums."""
    out = settings.output_dir
    con = duckdb.connect()
    try:
        bi = duckdb.connect(str(out / "finops_bi.duckdb"), read_only=True)
        try:
            bi_total = bi.execute(
                "select count(*), sum(effective_cost) from team_cost_daily"
            ).fetchone()
        finally:
            bi.close()
        exports = con.execute(
            f"select count(*), sum(effective_cost) from read_parquet("
            f"'{out}/exports/team_cost_daily/*/*.parquet', hive_partitioning = true)"
        ).fetchone()
        teams = con.execute(
            f"select count(*), sum(effective_cost) from read_parquet("
            f"'{out}/teams/*/team_cost_daily.parquet')"
        ).fetchone()
    finally:
        con.close()
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name != ".publish.lock")
    return {"bi": bi_total, "exports": exports, "teams": teams, "files": names}


@pytest.fixture(scope="module")
def publishing(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Version 1 published; version 2 in the warehouse; what an uninterrupted publish gives."""
    from finops.publish import publish_bi_file, publish_exports, publish_team_extracts

    base = tmp_path_factory.mktemp("publish_base")
    settings = make_settings(base)
    write_publish_marts(settings, 1)
    for step in (publish_bi_file, publish_exports, publish_team_extracts):
        step(settings)
    v1 = published(settings)
    assert v1["bi"] == (PUBLISH_ROWS, expected_total(1))
    write_publish_marts(settings, 2)
    reference = tmp_path_factory.mktemp("publish_reference")
    shutil.rmtree(reference)
    shutil.copytree(base, reference)
    for step in (publish_bi_file, publish_exports, publish_team_extracts):
        step(make_settings(reference))
    v2 = published(make_settings(reference))
    assert v2["bi"] == (PUBLISH_ROWS, expected_total(2)) == v2["exports"] == v2["teams"]
    return {"base": base, "v1": v1, "v2": v2}


def assert_each_output_old_or_new(now: dict, v1: dict, v2: dict) -> None:
    """Each output (BI file, exports, team extracts) is whole: the old or the new version."""
    for key in ("bi", "exports", "teams"):
        assert now[key] in (v1[key], v2[key]), key
    visible = {f for f in now["files"] if not any(p.startswith(".") for p in Path(f).parts)}
    assert visible <= set(v1["files"]) | set(v2["files"])  # hidden temp leftovers aside


@pytest.mark.slow
@pytest.mark.parametrize("step", ["finops_bi.duckdb", "exports", "teams"])
def test_sigkill_during_publish_leaves_each_output_whole(
    publishing: dict, tmp_path: Path, step: str
) -> None:
    """Killed while the step's new version is being written beside the live one."""
    from finops.publish import publish_bi_file, publish_exports, publish_team_extracts

    settings = copy_of(publishing["base"], tmp_path, "killed")
    process = child(PUBLISH, settings.duckdb_path.parents[1])
    wait_ready(process)
    while not list(settings.output_dir.glob(f".{step}.tmp-*")):
        assert process.poll() is None, "the step finished before it could be killed"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert_each_output_old_or_new(published(settings), publishing["v1"], publishing["v2"])
    for step in (publish_bi_file, publish_exports, publish_team_extracts):
        step(settings)  # the rerun cleans the hidden leftovers and completes
    assert published(settings) == publishing["v2"]


@pytest.mark.slow
def test_read_only_output_folder_is_a_clear_error_and_publishes_nothing(
    publishing: dict, tmp_path: Path
) -> None:
    from finops.publish import publish_bi_file

    settings = copy_of(publishing["base"], tmp_path, "read_only")
    out = settings.output_dir
    # root ignores permission bits; the immutable attribute stops root too (ext4, xfs, btrfs)
    subprocess.run(["chattr", "+i", str(out)], check=True)
    try:
        with pytest.raises((OSError, duckdb.IOException), match=r"Operation not permitted"):
            publish_bi_file(settings)
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert published(settings) == publishing["v1"]


@pytest.mark.slow
def test_full_disk_during_publish_is_a_clear_error_and_keeps_the_last_version(
    publishing: dict, tmp_path: Path
) -> None:
    settings = copy_of(publishing["base"], tmp_path, "full")
    limit = (settings.output_dir / "finops_bi.duckdb").stat().st_size // 3

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = child(PUBLISH, settings.duckdb_path.parents[1], preexec=small_disk)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1
    assert "File too large" in stderr.strip().splitlines()[-1]
    now = published(settings)
    assert now == publishing["v1"]  # nothing half published, no leftover of the attempt


@pytest.mark.slow
def test_bi_readers_never_see_an_error_or_a_torn_file_across_publishes(
    publishing: dict, tmp_path: Path
) -> None:
    """A connection held open across three publishes, and fresh connections opened as fast as
    possible meanwhile: every read succeeds and sees one whole version (its exact total)."""
    settings = copy_of(publishing["base"], tmp_path, "readers")
    bi_path = settings.output_dir / "finops_bi.duckdb"
    versions = {expected_total(v) for v in (1, 2, 3, 4)}
    held = duckdb.connect(str(bi_path), read_only=True)
    total = "select sum(effective_cost) from team_cost_daily"
    first = held.execute(total).fetchone()[0]
    assert first == expected_total(1)
    process = child(
        "from finops.publish import publish_bi_file; from tests.test_faults import "
        "write_publish_marts; print('ready', flush=True)\n"
        "for version in (2, 3, 4):\n"
        "    write_publish_marts(settings, version); publish_bi_file(settings)",
        settings.duckdb_path.parents[1],
    )
    wait_ready(process)
    seen, reads = set(), 0

    def fresh_read() -> Decimal:
        # a new database instance, as another process (a BI tool) opens the file
        fresh = duckdb.connect()
        try:
            fresh.execute(f"attach '{bi_path}' as bi (read_only)")
            return fresh.execute(total.replace("from ", "from bi.")).fetchone()[0]
        finally:
            fresh.close()

    while process.poll() is None or reads < 3:
        value = fresh_read()
        assert value in versions
        seen.add(value)
        assert held.execute(total).fetchone()[0] == first  # the held view never changes
        reads += 1
    assert process.returncode == 0, process.stderr.read()
    seen.add(fresh_read())
    held.close()
    assert expected_total(4) in seen
