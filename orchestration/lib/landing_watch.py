"""What the landing sensor compares: a cheap per-file state, and the billing period a path names.

The sensor runs every few seconds, so it must not read or hash whole exports: it compares file
size and modification time with its cursor and hashes only the files whose stat changed (a
touched but identical file is not a new delivery).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from finops.ingest.landing import sha256_file

# Billing period as providers name it in paths: BILLING_PERIOD=2025-03, 20250301-20250401,
# invoice month 202503 in a GCP extract name, or 2025-03 in a file name.
_PATTERNS = [
    re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})01-\d{8}(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})-?(0[1-9]|1[0-2])(?![\d])"),
]


def period_from_path(path: str) -> str | None:
    for pattern in _PATTERNS:
        match = pattern.search(path)
        if match:
            return f"{match.group(1)}-{match.group(2)}"
    return None


def landing_state(landing_dir: Path, previous: dict[str, list]) -> dict[str, list]:
    """{relative path: [size, mtime_ns, sha256]} for every non-hidden file under landing."""
    state: dict[str, list] = {}
    if not landing_dir.is_dir():
        return state
    for path in sorted(landing_dir.rglob("*")):
        rel = path.relative_to(landing_dir)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        stat = path.stat()
        old = previous.get(str(rel))
        if old and old[0] == stat.st_size and old[1] == stat.st_mtime_ns:
            state[str(rel)] = old
        else:
            state[str(rel)] = [stat.st_size, stat.st_mtime_ns, sha256_file(path)]
    return state


def changed_periods(
    previous: dict[str, list], current: dict[str, list], today: dt.date
) -> list[str]:
    """Billing periods with a new, changed or removed file (content hash, not just mtime)."""
    changed = {
        rel
        for rel in previous.keys() | current.keys()
        if (previous.get(rel) or [None, None, None])[2]
        != (current.get(rel) or [None, None, None])[2]
    }
    periods = set()
    for rel in changed:
        period = period_from_path(rel)
        if period is None:  # a plain file named freely: refresh the open months
            periods.update(open_periods(today))
        else:
            periods.add(period)
    return sorted(periods)


def open_periods(today: dt.date) -> list[str]:
    """The current and previous billing month: providers restate both."""
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return [previous.strftime("%Y-%m"), first.strftime("%Y-%m")]


def partition_range_tags(periods: list[str]) -> dict[str, str]:
    """Run tags for one run over a contiguous range of monthly partitions."""
    return {
        "dagster/asset_partition_range_start": f"{min(periods)}-01",
        "dagster/asset_partition_range_end": f"{max(periods)}-01",
    }
