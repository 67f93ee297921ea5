"""Realistic sample billing exports for a fictional company, generated in DuckDB SQL.

    from finops.generate import generate
    summary = generate(Path("data/landing"), months=12, rows=200_000, seed=42, start="2025-01")
    print(summary.table())

Files follow docs/landing-formats.md exactly (AWS CUR 2.0 and legacy CUR with manifests, Azure EA
and MCA cost details, GCP BigQuery extracts as NDJSON / Parquet / flattened CSV, a Microsoft FOCUS
1.2 export, daily business metrics). With an explicit `start` the output is byte-identical for a
given seed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from finops.generate import aws, azure, business, focus, gcp
from finops.generate.engine import Month, connect, month_range
from finops.generate.summary import BILLED_COST_COLUMN, GenerationSummary, PeriodTotal
from finops.generate.writer import Context

__all__ = ["BILLED_COST_COLUMN", "GenerationSummary", "PeriodTotal", "generate"]

# Exports in summary order. Each (export, month) is an independent job, the biggest first.
EXPORTS = (
    "aws_cur2",
    "aws_cur",
    "azure_ea",
    "azure_mca",
    "focus",
    "gcp_json",
    "gcp_parquet",
    "gcp_csv",
)
_BY_SIZE = (
    "aws_cur2",
    "gcp_parquet",
    "azure_ea",
    "aws_cur",
    "gcp_json",
    "azure_mca",
    "focus",
    "gcp_csv",
)
WORKERS = 2


@dataclass(frozen=True)
class _MonthToDate(Month):
    """The last month of a `through` run: usage only up to `through` (a month-to-date export).

    The billing period (folders, period end) stays the calendar month; only `days`, which the
    exports use to spread usage, stops at `through`.
    """

    through: date | None = None

    @property
    def days(self) -> int:
        assert self.through is not None
        return (self.through - self.start).days + 1


def _job(ctx: Context, key: str, month: Month | None) -> int:
    """One export-month (or, month None, the business metrics of all months); returns metric rows."""
    if month is None:
        return business.generate(ctx)
    if key.startswith("aws_"):
        aws.generate(ctx, key, [month])
    elif key.startswith("azure_"):
        azure.generate(ctx, key, [month])
    elif key.startswith("gcp_"):
        gcp.generate(ctx, key, [month])
    else:
        focus.generate(ctx, [month])
    return 0


def generate(
    out_dir: Path,
    months: int = 12,
    rows: int = 200_000,
    seed: int = 42,
    start: str | None = None,
    progress: Callable[[str], None] | None = None,
    through: str | None = None,
) -> GenerationSummary:
    """Write sample billing exports under `out_dir` and return what was written.

    months: number of billing periods; start: first period "YYYY-MM" (default: the `months`
    months ending with the last complete month before today); rows: approximate number of line
    items over all exports and months; seed: same seed (and start), same bytes. `progress` gets
    one short message per delivery written (from worker threads, one call at a time).
    through: "YYYY-MM-DD" in the last month: that month is a month-to-date export with usage up
    to and including that day (other months are byte-identical to a run without it), for the
    "day after" benchmark (benchmarks/).

    Export-months are independent jobs, run by WORKERS threads that each own a single-threaded
    in-memory DuckDB (single-threaded execution keeps every file byte-identical); the summary
    lists them in a fixed order whatever order they finished in.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    calendar = month_range(start, months)
    job_months = list(calendar)
    if through is not None:
        last = calendar[-1]
        cut = date.fromisoformat(through)
        if not last.start <= cut < last.end:
            raise ValueError(f"through must be a day of {last.period}, got {through!r}")
        job_months[-1] = _MonthToDate(last.index, last.start, last.end, cut)
    jobs: list[tuple[str, Month | None]] = [(k, m) for k in _BY_SIZE for m in job_months]
    jobs.append(("business", None))
    results: dict[int, tuple[Context, int]] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def say(message: str) -> None:
        if progress is not None:
            with lock:
                progress(message)

    def worker() -> None:
        con = connect()
        try:
            while True:
                with lock:
                    if errors or len(taken) >= len(jobs):
                        return
                    i = len(taken)
                    taken.append(i)
                key, month = jobs[i]
                ctx = Context(
                    con=con, out_dir=out_dir, seed=seed, rows=rows, months=calendar, progress=say
                )
                n = _job(ctx, key, month)
                with lock:
                    results[i] = (ctx, n)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            con.close()

    taken: list[int] = []
    threads = [threading.Thread(target=worker, name=f"finops-generate-{w}") for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    order = sorted(results, key=lambda i: (EXPORTS.index(jobs[i][0]) if jobs[i][0] in EXPORTS else len(EXPORTS),
                                           jobs[i][1].index if jobs[i][1] else 0))  # fmt: skip
    return GenerationSummary(
        out_dir=out_dir,
        periods=[p for i in order for p in results[i][0].periods],
        files=[f for i in order for f in results[i][0].files],
        business_rows=sum(n for _, n in results.values()),
        elapsed_seconds=time.perf_counter() - began,
        months=[m.period for m in calendar],
    )
