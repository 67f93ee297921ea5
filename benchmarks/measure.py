"""Run one benchmark step in its own process and measure it: wall time and peak memory.

Peak memory is reported two ways:
  peak_rss_mb       the largest resident set of any single process of the step (the kernel's
                    ru_maxrss from wait4, which covers the process and its waited-for children);
  peak_tree_rss_mb  the largest sum of resident sets over the step's whole process tree, sampled
                    every 0.2 s from /proc (the Dagster process and its dbt subprocess together).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Measurement:
    step: str
    command: list[str]
    returncode: int | None  # None: killed at the timeout
    wall_s: float
    user_s: float
    system_s: float
    peak_rss_mb: float
    peak_tree_rss_mb: float
    timed_out: bool
    log: str
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    tree = _children()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(tree.get(pid, []))
    return total


def _last_error(log_path: Path) -> str | None:
    try:
        lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines()]
    except OSError:
        return None
    lines = [ln for ln in lines if ln]
    for line in reversed(lines):
        if "Error" in line or "error" in line or "FAILED" in line:
            return line[:500]
    return lines[-1][:500] if lines else None


def run_step(
    step: str,
    command: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
    cwd: Path | None = None,
) -> Measurement:
    """Run `command` in a new process group, wait for it (or kill it at the timeout), measure."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        began = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        peak_tree, timed_out, next_sample = 0, False, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now >= next_sample:
                peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
                next_sample = now + 0.2
            if timeout_s is not None and now - began > timeout_s:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    code = None if timed_out else proc.returncode
    error = None
    if timed_out:
        error = f"timed out after {timeout_s:.0f} s (killed)"
    elif code != 0:
        error = _last_error(log_path) or f"exit code {code}"
    return Measurement(
        step=step,
        command=command,
        returncode=code,
        wall_s=round(wall, 3),
        user_s=round(usage.ru_utime, 3),
        system_s=round(usage.ru_stime, 3),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        peak_tree_rss_mb=round(max(peak_tree, usage.ru_maxrss) / 1024, 1),
        timed_out=timed_out,
        log=str(log_path),
        error=error,
    )
