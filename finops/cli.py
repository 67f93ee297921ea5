"""`finops`: the command line for people who do not run the Dagster UI.

Paths come from FINOPS_LANDING_DIR (default data/landing) and FINOPS_DUCKDB_PATH (default
warehouse/finops.duckdb); see `finops --help`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from finops.config import Settings

DEMO_MARKER = ".finops-demo"

ENVIRONMENT_HELP = """\
environment:
  FINOPS_LANDING_DIR    where billing exports land      (default: data/landing)
  FINOPS_DUCKDB_PATH    the pipeline's DuckDB file       (default: warehouse/finops.duckdb)
  FINOPS_OUTPUT_DIR     published outputs                (default: output)
  FINOPS_FIRST_BILLING_PERIOD  first partition, YYYY-MM  (default: 2024-01)
  FINOPS_DUCKDB_THREADS, FINOPS_DUCKDB_MEMORY_LIMIT  DuckDB threads / memory per process
                        (default: CPU count / 3GB)
"""


def _say(message: str) -> None:
    print(message, flush=True)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month like 2025-03")
    return value


def _positive(value: str) -> int:
    number = int(value.replace("_", ""))
    if number <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return number


def cmd_generate(args: argparse.Namespace) -> int:
    from finops.generate import generate

    out = Path(args.out).resolve()
    _say(f"==> generating ~{args.rows:,} line items over {args.months} month(s) into {out}")
    summary = generate(
        out, months=args.months, rows=args.rows, seed=args.seed, start=args.start, progress=_say
    )
    _say(summary.table())
    _say(f"done in {summary.elapsed_seconds:.1f}s: {len(summary.files)} files under {out}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from finops.ingest import IngestFailed, ingest
    from finops.pipeline import format_summary, raw_summary

    settings = Settings.from_env()
    _say(f"==> ingesting {settings.landing_dir} into {settings.duckdb_path}")
    started = time.monotonic()
    try:
        results = ingest(settings, args.source or None, args.period or None, progress=_say)
    except IngestFailed as failed:
        _say(format_summary(raw_summary(settings)))
        print(f"error: {failed}", file=sys.stderr)
        return 1
    loaded = [r for r in results if r.status == "loaded"]
    _say(format_summary(raw_summary(settings)))
    _say(
        f"done in {time.monotonic() - started:.1f}s: {len(loaded)} deliveries loaded, "
        f"{len(results) - len(loaded)} unchanged; warehouse: {settings.duckdb_path}"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from finops.pipeline import format_summary, raw_summary, run_pipeline

    settings = Settings.from_env()
    started = time.monotonic()
    outcome = run_pipeline(settings, args.period or None, progress=_say, force=args.force)
    if settings.duckdb_path.exists():
        _say(format_summary(raw_summary(settings)))
    if not outcome.success:
        for failure in outcome.failures:
            print(f"error: {failure}", file=sys.stderr)
        print(
            "error: the run failed; the steps above say what to fix, then rerun "
            "(loaded data for other periods is intact)",
            file=sys.stderr,
        )
        return 1
    _say(f"done in {time.monotonic() - started:.1f}s; warehouse: {settings.duckdb_path}")
    _say_outputs(settings, outcome)
    return 0


def _say_outputs(settings: Settings, outcome) -> None:
    """Where the published outputs are; loud when this run did not republish them."""
    from finops.publish import outputs_lines

    lines = outputs_lines(settings)
    rebuilt = any(key.startswith("marts/") for key in outcome.materialized)
    if outcome.periods and not rebuilt:
        _say(_nothing_changed(settings))
    elif outcome.periods and "bi/finops_bi_duckdb" not in outcome.materialized:
        _say(
            f"outputs were NOT republished by this run (a step or blocking check failed); "
            f"{'previous versions:' if lines else 'none yet under ' + str(settings.output_dir)}"
        )
    for line in lines:
        _say(f"  {line}")


def _nothing_changed(settings: Settings) -> str:
    """The no-op rerun's message: what is current, and whether the outputs are behind."""
    from finops.publish import outputs_behind
    from finops.transform import last_build_time

    built = last_build_time(settings)
    message = "nothing new was loaded and nothing changed since the last build"
    if built is None:
        return message
    message += f" ({built:%Y-%m-%d %H:%M} UTC): the marts are current"
    behind = outputs_behind(settings, built)
    if behind:
        return message + f"; {', '.join(behind)} not published from it: run `finops publish`"
    return message + " and so are the outputs"


def cmd_publish(args: argparse.Namespace) -> int:
    from finops.publish import outputs_lines, publish

    settings = Settings.from_env()
    _say(f"==> publishing the marts of {settings.duckdb_path} to {settings.output_dir}")
    started = time.monotonic()
    try:
        publish(
            settings,
            dbt_docs=not args.no_docs,
            full=args.full,
            # the builds found in dbt_project/target are Dagster's: dbt saw this environment
            dbt_environ={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
            progress=lambda m: _say("    " + m),
        )
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _say(f"done in {time.monotonic() - started:.1f}s")
    for line in outputs_lines(settings):
        _say(f"  {line}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import duckdb

    from finops.report import ReportError, build_from_file, build_reports
    from finops.report.money import money
    from finops.warehouse import connect_reader

    settings = Settings.from_env()
    out = Path(args.out).resolve() if args.out else settings.output_dir / "reports"
    source = (
        settings.duckdb_path if args.from_warehouse else settings.output_dir / "finops_bi.duckdb"
    )
    _say(f"==> showback report from {source} into {out}")
    try:
        if args.from_warehouse:
            con = connect_reader(settings)
            try:
                result = build_reports(
                    con, out, "marts", source=str(source), months=args.period or None
                )
            finally:
                con.close()
        else:
            result = build_from_file(source, out, "main", months=args.period or None)
    except (ReportError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except duckdb.IOException as error:
        print(
            f"error: cannot open {source} read-only ({str(error).splitlines()[0]}); a finops "
            "run is probably writing it: wait for it to finish, or drop --from-warehouse to "
            "read the published BI file",
            file=sys.stderr,
        )
        return 1
    for month, page in sorted(result.pages.items()):
        _say(f"  {month}  {money(result.totals[month], result.currency):>18}  {page}")
    _say(f"open {result.index} in a browser (works offline; one file per month)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    landing = settings.landing_dir
    started = time.monotonic()
    if landing.exists() and any(landing.iterdir()) and not (landing / DEMO_MARKER).exists():
        print(
            f"error: {landing} holds files that the demo did not write; the demo will not "
            "overwrite them. Point FINOPS_LANDING_DIR at an empty folder, e.g.\n"
            "  FINOPS_LANDING_DIR=data/demo-landing FINOPS_DUCKDB_PATH=warehouse/demo.duckdb finops demo",
            file=sys.stderr,
        )
        return 2
    from finops.generate import generate
    from finops.pipeline import format_summary, mart_summary, raw_summary, run_pipeline

    if landing.exists():
        shutil.rmtree(landing)  # only ever a previous demo's data (marker checked above)
    _say(f"==> 1/2 generating a year of sample exports (~{args.rows:,} line items) into {landing}")
    summary = generate(
        landing, months=args.months, rows=args.rows, seed=args.seed, start=args.start, progress=_say
    )
    (landing / DEMO_MARKER).write_text("written by `finops demo`; safe to delete\n")
    _say(f"    generated {len(summary.files)} files in {summary.elapsed_seconds:.1f}s")
    _say(f"==> 2/2 running the pipeline on {settings.duckdb_path}")
    pipeline_started = time.monotonic()
    outcome = run_pipeline(settings, progress=lambda m: _say("    " + m))
    _say(f"    pipeline finished in {time.monotonic() - pipeline_started:.1f}s")
    _say("")
    _say(format_summary(raw_summary(settings)))
    _say("")
    _say(mart_summary(settings))
    if not outcome.success:
        for failure in outcome.failures:
            print(f"error: {failure}", file=sys.stderr)
        return 1
    _say("")
    _say(f"demo finished in {time.monotonic() - started:.0f}s")
    _say(f"  landing (sample exports): {landing}")
    _say(f"  warehouse (DuckDB):       {settings.duckdb_path}")
    _say("  marts:                    schema `marts` in the warehouse (docs/dbt.md)")
    _say_outputs(settings, outcome)
    _say("  explore:                  make dev  (Dagster UI, lineage landing -> raw -> marts)")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from finops.close import CloseError, close_period

    settings = Settings.from_env()
    _say(f"==> closing billing period {args.period} in {settings.duckdb_path}")
    try:
        event = close_period(settings, args.period, actor=args.by, note=args.note)
    except CloseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _say(event.summary())
    _say(
        f"done: later runs keep {args.period} as booked; `finops reopen {args.period} "
        "--reason ...` releases it"
    )
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    from finops.close import CloseError, reopen_period

    settings = Settings.from_env()
    _say(f"==> reopening billing period {args.period} in {settings.duckdb_path}")
    try:
        event = reopen_period(settings, args.period, reason=args.reason, actor=args.by)
    except CloseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _say(event.summary())
    _say(f"done: run `finops run --period {args.period}` to recompute it with the current rules")
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from finops.pipeline import dagster_home

    home = dagster_home()
    _say(f"==> starting the Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={home})")
    exe = Path(sys.executable).with_name("dagster")
    cmd = [
        str(exe),
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    return subprocess.call(cmd, env={**os.environ, "DO_NOT_TRACK": "1"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finops",
        description="FinOps pipeline: billing exports -> DuckDB -> FOCUS marts attributed to teams.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=description,
            epilog=ENVIRONMENT_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def sample_args(p: argparse.ArgumentParser, rows: int) -> None:
        p.add_argument("--months", type=_positive, default=12, help="billing months (default 12)")
        p.add_argument(
            "--rows",
            type=_positive,
            default=rows,
            help=f"approximate line items across all sources (default {rows:,})",
        )
        p.add_argument("--seed", type=int, default=42, help="random seed; same seed, same files")
        p.add_argument(
            "--start",
            type=_month,
            default=None,
            help="first month YYYY-MM (default: 12 months ending last month)",
        )

    p = add(
        "generate",
        "write realistic sample billing exports",
        "Write sample AWS CUR 2.0 / legacy CUR, Azure EA + MCA, GCP, FOCUS and business-metric "
        "files, laid out exactly as the providers deliver them.",
    )
    p.add_argument(
        "--out",
        default=os.environ.get("FINOPS_LANDING_DIR", "data/landing"),
        help="landing folder to write (default: FINOPS_LANDING_DIR or data/landing)",
    )
    sample_args(p, 200_000)
    p.set_defaults(func=cmd_generate)

    p = add(
        "ingest",
        "load landing deliveries into DuckDB (no Dagster)",
        "Load every current delivery in the landing folder into raw.* tables. Unchanged "
        "deliveries are skipped; a bad file fails only its own billing period.",
    )
    p.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="only this source (repeatable): aws_cur2, aws_cur, azure, gcp, focus, "
        "business_metrics",
    )
    p.add_argument(
        "--period",
        action="append",
        type=_month,
        metavar="YYYY-MM",
        help="only this billing period (repeatable)",
    )
    p.set_defaults(func=cmd_ingest)

    p = add(
        "run",
        "run the whole pipeline in-process through Dagster",
        "Materialize every asset (ingestion and everything downstream) for the given billing "
        "periods, exactly as the daily schedule does. Default: every period in landing. When "
        "nothing changed since the last complete run (every delivery loaded unchanged, the dbt "
        "build current, the outputs published after it) it says so and stops within seconds, "
        "without starting a Dagster run.",
    )
    p.add_argument(
        "--period",
        action="append",
        type=_month,
        metavar="YYYY-MM",
        help="only this billing period (repeatable)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="run through Dagster even when nothing changed (checks run again, unchanged raw "
        "partitions still report their earlier validation)",
    )
    p.set_defaults(func=cmd_run)

    p = add(
        "demo",
        "generate sample data and run the whole pipeline",
        "Generate a year of sample exports into FINOPS_LANDING_DIR (refuses to touch a folder "
        "it did not write) and run the pipeline; prints where everything is.",
    )
    sample_args(p, 300_000)
    p.set_defaults(func=cmd_demo)

    p = add(
        "report",
        "write the monthly showback report (HTML, works offline)",
        "Write FINOPS_OUTPUT_DIR/reports/showback-YYYY-MM.html for every billing month (total "
        "and change, teams, providers, 12-month trend, top movers, budgets and forecast, "
        "anomalies, optimization, commitments, KPIs, tag coverage, unit costs) and "
        "reports/index.html, from the published BI file (finops_bi.duckdb; `finops run` "
        "publishes it and the Dagster asset bi/showback_report writes the report after each "
        "run). Each page is one self-contained file with plotly inlined. See docs/showback.md.",
    )
    p.add_argument(
        "--period",
        action="append",
        type=_month,
        metavar="YYYY-MM",
        help="only this billing month (repeatable; the index always lists every month)",
    )
    p.add_argument(
        "--out", default=None, help="folder to write (default: FINOPS_OUTPUT_DIR/reports)"
    )
    p.add_argument(
        "--from-warehouse",
        action="store_true",
        help="read the pipeline's warehouse (schema marts, read-only) instead of the BI file",
    )
    p.set_defaults(func=cmd_report)

    p = add(
        "publish",
        "republish the BI file, exports, team extracts and dbt docs",
        "Publish the current marts of the warehouse under FINOPS_OUTPUT_DIR without running "
        "the pipeline (`finops run` publishes after every run): finops_bi.duckdb (every mart, "
        "views, comments, _publish_info), exports/ (Parquet and CSV by billing period), "
        "teams/<team>/ (each team's rows) and dbt_docs/index.html. Each output is replaced "
        "atomically; readers see the old or the new version. See docs/publish.md.",
    )
    p.add_argument(
        "--no-docs", action="store_true", help="skip the dbt docs site (saves a few seconds)"
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="rewrite every output from the warehouse (default: only the billing periods dbt "
        "rebuilt since the last publish; see docs/publish.md)",
    )
    p.set_defaults(func=cmd_publish)

    p = add("dev", "start the Dagster UI", "Start `dagster dev` on this project's definitions.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_dev)

    p = add(
        "close",
        "freeze a billing period's allocated cost (month close)",
        "Freeze PERIOD: copy its rows of marts.fct_allocated_cost and the allocation seeds "
        "(teams, owners, aliases, rules, shared-cost rules and weights, exchange rates) into "
        "schema month_close, and record who closed it and when. Later runs keep the period as "
        "booked even when a rule changes; see docs/month-close.md.",
    )
    p.add_argument("period", type=_month, metavar="PERIOD", help="billing period YYYY-MM")
    p.add_argument("--by", default=None, help="who closes it (default: FINOPS_ACTOR or login)")
    p.add_argument("--note", default=None, help="a note kept with the close (e.g. the invoice)")
    p.set_defaults(func=cmd_close)

    p = add(
        "reopen",
        "release a closed billing period",
        "Reopen PERIOD: drop its frozen rows so the next `finops run --period PERIOD` recomputes "
        "it with the current rules; who, when and why are appended to "
        "month_close.period_events.",
    )
    p.add_argument("period", type=_month, metavar="PERIOD", help="billing period YYYY-MM")
    p.add_argument("--reason", required=True, help="why it is reopened (kept in the audit log)")
    p.add_argument("--by", default=None, help="who reopens it (default: FINOPS_ACTOR or login)")
    p.set_defaults(func=cmd_reopen)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
