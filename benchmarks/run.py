"""The benchmark harness (`make bench`): how the pipeline compares with what DuckDB alone needs.

    .venv/bin/python -m benchmarks.run [--sizes 1000000,10000000] [--peer-timeout 900]

For each size (line items over 12 months, all providers, the project's generator):

  floor        benchmarks/floor.py: every raw file read once -> team x month effective cost
  full         `finops run` on a fresh warehouse: ingest, dbt build with tests, data-quality
               checks, BI publish (the code path of the schedule)
  incremental  a typical day after: the landing folder gets the current month (delivered up to
               the 15th) restated with the 16th added (only the changed files are copied in),
               `finops run --period` for the periods whose files changed (what the landing
               sensor launches)
  noop         `finops run` of the current and previous month again, nothing changed (what the
               daily schedule launches on a quiet day)
  catch_up     (setup, reported) the month delivered up to its 30th: fourteen days at once
  month_end    the last day after: the month restated with its 31st added, i.e. a complete
               month re-read and rebuilt (the worst day of the month for a daily run)
  peer         FinOps Foundation focus-converter 1.0.0 (its own venv, benchmarks/.peer-venv)
               converting the AWS legacy CUR files to FOCUS, one process per file, each bounded by
               a timeout; failures are recorded with their error
  ours_aws_cur this project's ingest + FOCUS normalization of the same files (benchmarks/steps.py)

Each step runs in its own process (benchmarks/measure.py: wall time, CPU, peak RSS). The
data sets are the twelve months with the last month delivered up to its 15th, 16th and 30th day
(`generate(..., through=...)`) and complete; each is generated once and kept under
benchmarks/.data/ (git-ignored). Results: benchmarks/results/<stamp>.json
and a table appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import Measurement, run_step

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
DATA = BENCH / ".data"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
PEER_VENV = BENCH / ".peer-venv"
DOC = ROOT / "docs" / "benchmarks.md"
PYTHON = ROOT / ".venv" / "bin" / "python"
FINOPS = ROOT / ".venv" / "bin" / "finops"

START, MONTHS, SEED = "2025-01", 12, 42
LAST_PERIOD = "2025-12"
# The last month as delivered day after day: the full build starts mid-month (a typical day);
# the month-end step restates a complete month.
MID_MONTH, NEXT_DAY, MONTH_END_EVE = "2025-12-15", "2025-12-16", "2025-12-30"
PREVIOUS_PERIOD = "2025-11"
PEER_REQUIREMENTS = ["focus-converter==1.0.0", "multimethod<1.11", "click<8.2", "typer<0.13"]


def say(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def uptime() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "?"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    versions = {"python": platform.python_version()}
    out = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import duckdb, dagster, dbt.version as v, importlib.metadata as m; "
            "print(duckdb.__version__, dagster.__version__, v.__version__, "
            "m.version('dbt-duckdb'))",
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode == 0:
        duck, dag, dbt_core, dbt_duck = out.stdout.split()
        versions.update(duckdb=duck, dagster=dag, dbt_core=dbt_core, dbt_duckdb=dbt_duck)
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "versions": versions,
    }


def generated(rows: int, through: str | None) -> tuple[Path, dict]:
    """The data set (generated once, reused); returns its folder and the generator's summary."""
    name = f"{rows}-{'through-' + through if through else 'full'}"
    folder = DATA / name
    summary_path = DATA / f"{name}.json"
    if summary_path.exists() and folder.is_dir():
        return folder, json.loads(summary_path.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    say(f"generating {rows:,} line items ({name}) with finops.generate")
    code = (
        "import json, sys, time; from pathlib import Path; from finops.generate import generate; "
        f"s = generate(Path({str(folder)!r}), months={MONTHS}, rows={rows}, seed={SEED}, "
        f"start={START!r}, through={through!r}); "
        "print(json.dumps({'files': len(s.files), 'seconds': round(s.elapsed_seconds, 1), "
        "'line_items': sum(p.rows for p in s.periods)}))"
    )
    m = run_step(f"generate {name}", [str(PYTHON), "-c", code], WORK / "logs" / f"gen-{name}.log")
    if m.returncode != 0:
        raise SystemExit(f"generation failed: {m.error} (log {m.log})")
    info = json.loads(Path(m.log).read_text().strip().splitlines()[-1])
    info.update(wall_s=m.wall_s, peak_rss_mb=m.peak_rss_mb)
    summary_path.write_text(json.dumps(info))
    return folder, info


def link_tree(src: Path, dst: Path) -> None:
    """dst becomes a copy of src made of hard links (files keep their mtime, no bytes copied)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=os.link)


def sync_tree(src: Path, dst: Path) -> list[str]:
    """Make dst equal to src like a provider's delivery would: new and changed files are written
    (new inode, new mtime), vanished files removed, identical files untouched. Returns the
    relative paths that changed."""
    changed: list[str] = []
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file()}
    present = {p.relative_to(dst) for p in dst.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        target = dst / rel
        if rel in present and filecmp.cmp(src / rel, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        shutil.copyfile(src / rel, target)
        changed.append(str(rel))
    for rel in sorted(present - wanted):
        (dst / rel).unlink()
        changed.append(str(rel))
    return changed


def finops_env(landing: Path, warehouse: Path, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FINOPS_LANDING_DIR=str(landing),
        FINOPS_DUCKDB_PATH=str(warehouse),
        FINOPS_OUTPUT_DIR=str(work / "output"),
        FINOPS_FIRST_BILLING_PERIOD=START,
        DAGSTER_HOME=str(work / "dagster_home"),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
    )
    return env


def raw_rows(warehouse: Path) -> int:
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(sum(con.execute(f'select count(*) from raw.{t}').fetchone()[0] for (t,) in "
        "con.execute(\"select table_name from duckdb_tables() where schema_name = 'raw'\")"
        ".fetchall()))"
    )
    out = subprocess.run(
        [str(PYTHON), "-c", code, str(warehouse)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def ensure_peer(log_dir: Path) -> tuple[Path | None, str | None]:
    """focus-converter in its own throwaway venv; returns its CLI, or None and the reason."""
    cli = PEER_VENV / "bin" / "focus-converter"
    if cli.exists():
        return cli, None
    say(f"installing the peer {PEER_REQUIREMENTS[0]} into {PEER_VENV}")
    python = shutil.which("python3.11") or sys.executable
    steps = [
        [python, "-m", "venv", str(PEER_VENV)],
        [str(PEER_VENV / "bin" / "pip"), "install", "--quiet", *PEER_REQUIREMENTS],
    ]
    for i, command in enumerate(steps):
        m = run_step("peer install", command, log_dir / f"peer-install-{i}.log", timeout_s=900)
        if m.returncode != 0:
            return None, f"peer install failed: {m.error}"
    return (cli, None) if cli.exists() else (None, "focus-converter CLI missing after install")


def run_peer(landing: Path, work: Path, timeout_s: float, budget_s: float) -> dict:
    log_dir = work / "logs"
    cli, problem = ensure_peer(log_dir)
    files = sorted((landing / "aws" / "cur").rglob("*.csv.gz"))
    result: dict = {"files": len(files), "converted": 0, "failures": [], "runs": []}
    if cli is None:
        result["failures"].append({"file": None, "error": problem})
        return result
    out_root = work / "peer_out"
    shutil.rmtree(out_root, ignore_errors=True)
    env = dict(os.environ, DO_NOT_TRACK="1", COLUMNS="200")
    spent = 0.0
    for i, path in enumerate(files):
        if spent >= budget_s:
            result["failures"].append(
                {
                    "file": str(path.relative_to(landing)),
                    "error": f"not run: budget {budget_s:.0f} s spent",
                }
            )
            continue
        out = out_root / f"{i:03d}"
        command = [
            str(cli),
            "convert",
            "--provider",
            "aws-cur",
            "--data-format",
            "csv",
            "--data-path",
            str(path),
            "--export-path",
            str(out),
            "--export-format",
            "parquet",
        ]
        m = run_step(f"peer {path.name}", command, log_dir / f"peer-{i:03d}.log", env, timeout_s)
        spent += m.wall_s
        rows = _csv_rows(path)
        result["runs"].append({**m.as_dict(), "rows_in": rows})
        if m.returncode == 0:
            result["converted"] += 1
        else:
            result["failures"].append({"file": str(path.relative_to(landing)), "error": m.error})
    done = [r for r in result["runs"] if r["returncode"] == 0]
    result["wall_s"] = round(sum(r["wall_s"] for r in result["runs"]), 3)
    result["wall_s_converted"] = round(sum(r["wall_s"] for r in done), 3)
    result["peak_rss_mb"] = max((r["peak_rss_mb"] for r in result["runs"]), default=0)
    result["rows_in_converted"] = sum(r["rows_in"] for r in done)
    result["rows_out"] = _parquet_rows(out_root) if done else 0
    return result


def _count(sql: str) -> int:
    """A row count, in this (unmeasured) driver process."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        return int(con.execute(sql).fetchone()[0])
    except duckdb.Error:
        return 0
    finally:
        con.close()


def _listed(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def _csv_rows(path: Path) -> int:
    return _count(f"select count(*) from read_csv('{path}', header = true, all_varchar = true)")


def _parquet_rows(folder: Path) -> int:
    files = sorted(folder.rglob("*.parquet"))
    return _count(f"select count(*) from read_parquet({_listed(files)})") if files else 0


def legacy_cur_rows(landing: Path) -> int:
    files = sorted((landing / "aws" / "cur").rglob("*.csv.gz"))
    if not files:
        return 0
    return _count(
        f"select count(*) from read_csv({_listed(files)}, header = true, all_varchar = true, "
        "union_by_name = true)"
    )


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def bench_size(rows: int, peer_timeout: float, peer_budget: float, verify: bool) -> dict:
    say(f"=== size {rows:,} line items, load average {load_average()}")
    datasets = {t: generated(rows, t) for t in (MID_MONTH, NEXT_DAY, MONTH_END_EVE, None)}
    before_src = datasets[MID_MONTH][0]
    after_src = datasets[None][0]
    work = WORK / str(rows)
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "logs"
    landing = work / "landing"
    warehouse = work / "warehouse" / "finops.duckdb"
    warehouse.parent.mkdir(parents=True)
    link_tree(before_src, landing)
    env = finops_env(landing, warehouse, work)
    steps: dict[str, dict] = {}

    def record(m: Measurement, **extra) -> dict:
        entry = {**m.as_dict(), "load_average_after": load_average(), **extra}
        steps[m.step] = entry
        status = "ok" if m.returncode == 0 else f"FAILED: {m.error}"
        say(f"{m.step}: {m.wall_s:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB "
            f"(tree {m.peak_tree_rss_mb:.0f} MB) {status}")  # fmt: skip
        return entry

    say(f"floor on {before_src.name}")
    floor_out = work / "floor.parquet"
    m = run_step(
        "floor",
        [str(PYTHON), "-m", "benchmarks.floor", str(landing), str(floor_out), "2"],
        logs / "floor.log",
        cwd=ROOT,
    )
    floor = record(m)
    if m.returncode == 0:
        floor.update(json.loads(Path(m.log).read_text().strip().splitlines()[-1]))

    say("full build: finops run (ingest, dbt build + tests, data-quality checks, BI publish)")
    full = record(run_step("full", [str(FINOPS), "run"], logs / "full.log", env, cwd=ROOT))
    full["raw_rows"] = raw_rows(warehouse) if warehouse.exists() else 0

    sys.path.insert(0, str(ROOT))
    from orchestration.lib.landing_watch import period_from_path

    def day_after(step: str, through: str | None) -> dict:
        """The provider's next delivery lands; `finops run` for the periods whose files changed."""
        changed = sync_tree(datasets[through][0], landing)
        periods = sorted({period_from_path(p) or LAST_PERIOD for p in changed})
        say(f"{step}: {len(changed)} file(s) changed in periods {periods} (through {through})")
        args = [a for p in periods for a in ("--period", p)]
        entry = record(
            run_step(step, [str(FINOPS), "run", *args], logs / f"{step}.log", env, cwd=ROOT),
            changed_files=changed,
            periods=periods,
            through=through or "complete",
        )  # fmt: skip
        entry["raw_rows"] = raw_rows(warehouse) if warehouse.exists() else 0
        return entry

    inc = day_after("incremental", NEXT_DAY)
    noop_args = ["--period", PREVIOUS_PERIOD, "--period", LAST_PERIOD]
    record(
        run_step("noop", [str(FINOPS), "run", *noop_args], logs / "noop.log", env, cwd=ROOT),
        periods=[PREVIOUS_PERIOD, LAST_PERIOD],
    )
    day_after("catch_up", MONTH_END_EVE)
    month_end = day_after("month_end", None)

    if verify:
        say("verify: a fresh full build of the complete data equals the incrementally built one")
        fresh = work / "fresh" / "finops.duckdb"
        fresh.parent.mkdir(parents=True)
        fresh_landing = work / "fresh_landing"
        link_tree(after_src, fresh_landing)
        record(
            run_step(
                "verify_full_after",
                [str(FINOPS), "run"],
                logs / "verify.log",
                finops_env(fresh_landing, fresh, work / "fresh"),
                cwd=ROOT,
            )
        )
        steps["verify_full_after"]["marts_differ"] = compare_marts(warehouse, fresh)

    say("reference: a bare DuckDB read of the AWS legacy CUR files (what the engine alone needs)")
    bare = record(
        run_step(
            "bare_read_aws_cur",
            [str(PYTHON), "-m", "benchmarks.steps", "aws-cur-bare", str(landing / "aws" / "cur"),
             str(work / "bare_aws_cur.parquet")],
            logs / "bare_read_aws_cur.log",
            cwd=ROOT,
        )
    )  # fmt: skip
    if bare["returncode"] == 0:
        bare.update(json.loads(Path(bare["log"]).read_text().strip().splitlines()[-1]))

    say("peer: focus-converter on the AWS legacy CUR files")
    peer = run_peer(landing, work, peer_timeout, peer_budget)
    peer["rows_in"] = legacy_cur_rows(landing)
    steps["peer"] = peer
    say(f"peer: {peer.get('wall_s')} s, {peer['converted']}/{peer['files']} files, "
        f"failures {len(peer['failures'])}")  # fmt: skip

    ours_dir = work / "ours_aws_cur"
    ours_dir.mkdir()
    ours_landing = ours_dir / "landing"
    link_tree(landing / "aws" / "cur", ours_landing / "aws" / "cur")
    ours = record(
        run_step(
            "ours_aws_cur",
            [
                str(PYTHON),
                "-m",
                "benchmarks.steps",
                "aws-cur-ours",
                str(ours_landing),
                str(ours_dir / "finops.duckdb"),
                str(ours_dir / "focus.parquet"),
                str(ours_dir),
            ],
            logs / "ours_aws_cur.log",
            env,
            cwd=ROOT,
        )
    )
    if ours["returncode"] == 0:
        ours.update(json.loads(Path(ours["log"]).read_text().strip().splitlines()[-1]))

    raw = full.get("raw_rows") or 0
    peer_rows_per_s = (
        peer["rows_in_converted"] / peer["wall_s_converted"]
        if peer.get("wall_s_converted")
        else None
    )
    ours_rows_per_s = ours.get("rows_in", 0) / ours["wall_s"] if ours.get("wall_s") else None
    bare_rows_per_s = bare.get("rows", 0) / bare["wall_s"] if bare.get("wall_s") else None
    ratios = {
        "full_over_floor": ratio(full["wall_s"], floor["wall_s"]),
        "incremental_over_full": ratio(inc["wall_s"], full["wall_s"]),
        "month_end_over_full": ratio(month_end["wall_s"], full["wall_s"]),
        "noop_over_full": ratio(steps["noop"]["wall_s"], full["wall_s"]),
        # how many times our rows per second exceed the peer's on the same files
        "ours_over_peer_throughput": ratio(ours_rows_per_s, peer_rows_per_s),
        # the same for a bare DuckDB read of those files: the ceiling of any DuckDB pipeline
        "bare_read_over_peer_throughput": ratio(bare_rows_per_s, peer_rows_per_s),
    }
    return {
        "rows_requested": rows,
        # the generator's summary of each data set, by the day December is delivered through
        "generated": {through or "complete": info for through, (_, info) in datasets.items()},
        "raw_rows": raw,
        "rows_per_s": {
            "floor": round(floor.get("line_items", 0) / floor["wall_s"])
            if floor["wall_s"]
            else None,
            "full": round(raw / full["wall_s"]) if full["wall_s"] else None,
            "peer_aws_cur": round(peer_rows_per_s) if peer_rows_per_s else None,
            "ours_aws_cur": round(ours_rows_per_s) if ours_rows_per_s else None,
            "bare_read_aws_cur": round(bare_rows_per_s) if bare_rows_per_s else None,
        },
        "ratios": ratios,
        "steps": steps,
    }


def compare_marts(a: Path, b: Path) -> dict[str, int]:
    """Rows in one warehouse's mart and not the other's, both ways (`except all`), per mart."""
    code = f"""
import duckdb, json
con = duckdb.connect()
con.execute("attach '{a}' as a (read_only)")
con.execute("attach '{b}' as b (read_only)")
out = {{}}
marts = [r[0] for r in con.execute(
    "select table_name from duckdb_tables() where database_name = 'a' and schema_name = 'marts'"
).fetchall()]
for t in marts:
    cols = [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where database_name = 'a' "
        "and schema_name = 'marts' and table_name = ? order by column_index", [t]).fetchall()]
    sel = ", ".join('"' + c + '"' for c in cols)
    n = con.execute(f"select count(*) from (select {{sel}} from a.marts.{{t}} except all "
                    f"select {{sel}} from b.marts.{{t}})").fetchone()[0]
    n += con.execute(f"select count(*) from (select {{sel}} from b.marts.{{t}} except all "
                     f"select {{sel}} from a.marts.{{t}})").fetchone()[0]
    out[t] = n
print(json.dumps(out))
"""
    out = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()[-500:]}  # type: ignore[dict-item]
    return json.loads(out.stdout.strip().splitlines()[-1])


def markdown(result: dict) -> str:
    m = result["machine"]
    v = m["versions"]
    lines = [
        "",
        f"### Harness run {result['started']} (`make bench`)",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']} GB RAM; Python {v.get('python')}, "
        f"DuckDB {v.get('duckdb')}, dbt-core {v.get('dbt_core')} + dbt-duckdb "
        f"{v.get('dbt_duckdb')}, Dagster {v.get('dagster')}; peer focus-converter 1.0.0. "
        f"Load average at start {result['load_average_start']}, at end "
        f"{result['load_average_end']}. JSON: `{result['json']}`.",
        "",
        "| size | step | wall s | CPU s | peak RSS MB (process / tree) | rows/s | ratio | load after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in result["sizes"]:
        s = size["steps"]
        n = f"{size['raw_rows']:,}"
        r = size["ratios"]
        rps = size["rows_per_s"]

        def row(
            name: str, label: str, rate: str = "", rat: str = "", s: dict = s, n: str = n
        ) -> None:
            st = s.get(name)
            if not st:
                return
            if st.get("returncode") not in (0, None) or st.get("timed_out"):
                rat = f"FAILED: {st.get('error')}"
            lines.append(
                f"| {n} | {label} | {st['wall_s']:.1f} | {st['user_s'] + st['system_s']:.1f} | "
                f"{st['peak_rss_mb']:.0f} / {st['peak_tree_rss_mb']:.0f} | {rate} | {rat} | "
                f"{st.get('load_average_after', '')} |"
            )

        row(
            "floor",
            "floor (bare DuckDB scan + aggregate)",
            f"{rps['floor']:,}" if rps["floor"] else "",
        )
        row(
            "full",
            "full build (`finops run`)",
            f"{rps['full']:,}" if rps["full"] else "",
            f"{r['full_over_floor']}x floor",
        )

        def share(key: str, r: dict = r) -> str:
            return f"{r[key]:.1%} of full" if r.get(key) else ""

        def periods(step: str, s: dict = s) -> str:
            return ", ".join(s.get(step, {}).get("periods", []))

        row("incremental", f"daily incremental, day 16 ({periods('incremental')})", "",
            share("incremental_over_full"))  # fmt: skip
        row("noop", "no-op rerun", "", share("noop_over_full"))
        row("catch_up", "(setup) days 17-30 at once", "", "")
        row("month_end", f"daily incremental, day 31: whole month ({periods('month_end')})", "",
            share("month_end_over_full"))  # fmt: skip
        row(
            "verify_full_after",
            "(check) fresh full build of the complete data",
            "",
            "marts differ: " + json.dumps(s.get("verify_full_after", {}).get("marts_differ")),
        )
        row(
            "ours_aws_cur",
            "ours: AWS legacy CUR ingest + FOCUS normalization",
            f"{rps['ours_aws_cur']:,}" if rps["ours_aws_cur"] else "",
        )
        row(
            "bare_read_aws_cur",
            "reference: bare DuckDB read of the same files to Parquet",
            f"{rps['bare_read_aws_cur']:,}" if rps.get("bare_read_aws_cur") else "",
            f"{r.get('bare_read_over_peer_throughput')}x the peer's rows/s",
        )
        peer = s.get("peer", {})
        failures = "; ".join(f"{f['file']}: {f['error']}" for f in peer.get("failures", [])[:3])
        lines.append(
            f"| {n} | peer: focus-converter, same files ({peer.get('converted', 0)}/"
            f"{peer.get('files', 0)} converted) | {peer.get('wall_s', 0):.1f} | | "
            f"{peer.get('peak_rss_mb', 0):.0f} | "
            f"{format(rps['peer_aws_cur'], ',') if rps['peer_aws_cur'] else ''} | "
            f"ours {r.get('ours_over_peer_throughput')}x the peer's rows/s"
            f"{'; failures: ' + failures if failures else ''} | |"
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--sizes", default="1000000,10000000", help="line items, comma-separated")
    parser.add_argument("--peer-timeout", type=float, default=300.0, help="seconds per file")
    parser.add_argument(
        "--peer-budget",
        type=float,
        default=600.0,
        help="seconds for the peer per size; files after it are recorded as not run",
    )
    parser.add_argument(
        "--verify-up-to",
        type=int,
        default=1_000_000,
        help="also build the day after from scratch and compare the marts (sizes up to this)",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not append to docs/benchmarks.md")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    started = dt.datetime.now(dt.UTC)
    result = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average_start": load_average(),
        "sizes": [],
    }
    began = time.perf_counter()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    result["json"] = str(path.relative_to(ROOT))
    for rows in sizes:
        result["sizes"].append(
            bench_size(rows, args.peer_timeout, args.peer_budget, rows <= args.verify_up_to)
        )
        path.write_text(json.dumps(result, indent=2))  # partial results survive an interruption
    result["load_average_end"] = load_average()
    result["total_s"] = round(time.perf_counter() - began, 1)
    if len(result["sizes"]) >= 2:
        small, big = sorted(result["sizes"], key=lambda x: x["raw_rows"])[
            :: len(result["sizes"]) - 1
        ]
        result["scaling"] = {
            "rows": ratio(big["raw_rows"], small["raw_rows"]),
            "full_wall": ratio(big["steps"]["full"]["wall_s"], small["steps"]["full"]["wall_s"]),
        }
    path.write_text(json.dumps(result, indent=2))
    say(f"results: {path}")
    if not args.no_doc:
        with open(DOC, "a", encoding="utf-8") as doc:
            doc.write(markdown(result))
        say(f"table appended to {DOC}")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
