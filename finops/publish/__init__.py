"""Publish the marts for the people who read them, under FINOPS_OUTPUT_DIR (default `output/`).

    finops_bi.duckdb   every mart + convenience views + _publish_info, comments from the dbt docs
    exports/           Parquet per mart (hive-partitioned by billing_period), CSV per mart and
                       billing period under exports/csv/
    teams/<team>/      each team's rows of every per-team mart (Parquet and CSV, per period)
    dbt_docs/          the dbt docs site, exposures included, as one offline HTML file

Every step replaces its output atomically (finops.publish.atomic): a reader sees the previous
version or the new one, never a mix, and a publish that dies leaves the previous version. The
BI file, exports and team extracts are incremental (finops.publish.state): after a daily dbt
build of a few billing periods only those periods are rewritten, and when no dbt build is newer
than what an output reflects it is left as it is. The steps are separate functions (the Dagster
assets in orchestration/defs/publish call them one by one); `publish` runs them all, as
`finops publish` does. See docs/publish.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from finops.config import DBT_PROJECT_DIR, Settings
from finops.publish.bi import (
    BI_FILE_NAME,
    STORAGE_VERSION,
    BiFile,
    DbtRun,
    find_dbt_run,
    manifest_docs,
    period_incremental_marts,
    publish_bi_file,
    read_live,
)
from finops.publish.dbt_docs import DBT_DOCS_DIR, publish_dbt_docs
from finops.publish.extracts import (
    EXPORTS_DIR,
    TEAMS_DIR,
    ExportSummary,
    TeamSummary,
    publish_exports,
    publish_team_extracts,
    team_column,
    team_folder,
)
from finops.publish.state import CURRENT, FULL, INCREMENTAL, parse_mark, read_state_file

__all__ = [
    "BI_FILE_NAME",
    "DBT_DOCS_DIR",
    "EXPORTS_DIR",
    "STORAGE_VERSION",
    "TEAMS_DIR",
    "BiInputs",
    "PublishResult",
    "bi_inputs",
    "describe",
    "outputs_behind",
    "outputs_lines",
    "publish",
    "publish_bi_file",
    "publish_dbt_docs",
    "publish_exports",
    "publish_team_extracts",
    "team_column",
    "team_folder",
]


@dataclass
class PublishResult:
    bi: BiFile
    exports: ExportSummary
    teams: TeamSummary
    dbt_docs: Path | None
    seconds: dict[str, float] = field(default_factory=dict)


def default_dbt_artifact_dirs() -> list[Path]:
    """Where dbt builds leave run_results.json: dbt_project/target and Dagster's per-run folders."""
    return [DBT_PROJECT_DIR / "target"]


class BiInputs(NamedTuple):
    dbt_run: DbtRun
    docs: dict
    period_marts: set[str]  # marts dbt builds incrementally by billing period


def bi_inputs(dbt_artifacts: Iterable[Path] | None = None) -> BiInputs:
    """The dbt build that made the marts, the marts' docs from its manifest, and which marts
    it builds incrementally by billing period."""
    dbt_run = find_dbt_run(dbt_artifacts or default_dbt_artifact_dirs())
    manifest = None
    if dbt_run.artifacts and (Path(dbt_run.artifacts) / "manifest.json").exists():
        manifest = Path(dbt_run.artifacts) / "manifest.json"
    elif (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    return BiInputs(dbt_run, manifest_docs(manifest), period_incremental_marts(manifest))


def publish(
    settings: Settings,
    *,
    dbt_artifacts: Iterable[Path] | None = None,
    dbt_docs: bool = True,
    dbt_environ: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    full: bool = False,
) -> PublishResult:
    """Every publish step in order: BI file, exports, team extracts, dbt docs.

    Each of the first three rewrites only what the dbt builds since its last publish changed
    (`full` rewrites everything). `dbt_environ`: the environment the marts' dbt build ran with
    (see finops.publish.dbt_docs); None runs dbt in-process like finops.transform.
    """
    say = progress or (lambda _m: None)
    seconds: dict[str, float] = {}

    def timed(name: str, step: Callable[[], object]):
        started = time.monotonic()
        value = step()
        seconds[name] = time.monotonic() - started
        return value

    inputs = bi_inputs(dbt_artifacts)
    bi = timed(
        "bi_file",
        lambda: publish_bi_file(
            settings,
            dbt_run=inputs.dbt_run,
            docs=inputs.docs,
            period_marts=inputs.period_marts,
            full=full,
        ),
    )
    say(f"BI file: {bi.path} ({len(bi.marts)} marts, {describe(bi)}, {seconds['bi_file']:.1f}s)")
    exports = timed("exports", lambda: publish_exports(settings, full=full))
    say(f"exports: {exports.path} ({describe(exports)}, {seconds['exports']:.1f}s)")
    teams = timed("team_extracts", lambda: publish_team_extracts(settings, full=full))
    say(
        f"team extracts: {teams.path} ({len(teams.folders)} teams, {describe(teams)}, "
        f"{seconds['team_extracts']:.1f}s)"
    )
    page = None
    if dbt_docs:
        artifacts = Path(inputs.dbt_run.artifacts) if inputs.dbt_run.artifacts else None
        page = timed(
            "dbt_docs",
            lambda: publish_dbt_docs(settings, dbt_artifacts=artifacts, dbt_environ=dbt_environ),
        )
        say(f"dbt docs: {page} ({seconds['dbt_docs']:.1f}s)")
    return PublishResult(bi, exports, teams, page, seconds)


def describe(result: BiFile | ExportSummary | TeamSummary) -> str:
    """'full', 'incremental: 2025-12' or 'up to date' for progress lines and metadata."""
    if result.mode == INCREMENTAL:
        return f"{INCREMENTAL}: {result.periods}"
    return "up to date" if result.mode == CURRENT else FULL


def outputs_lines(settings: Settings) -> list[str]:
    """Where the published outputs are (for the run/demo summary); only what exists."""
    out = settings.output_dir
    entries = [
        (out / BI_FILE_NAME, "BI file (read-only)"),
        (out / EXPORTS_DIR, "exports (Parquet, CSV)"),
        (out / TEAMS_DIR, "per-team extracts"),
        (out / DBT_DOCS_DIR / "index.html", "dbt docs (exposures)"),
        (out / "reports" / "index.html", "showback report"),
        (out / "data_docs" / "index.html", "data quality docs"),
    ]
    return [f"{label + ':':<25} {path}" for path, label in entries if path.exists()]


def outputs_behind(settings: Settings, built: dt.datetime) -> list[str]:
    """The published outputs that do not reflect the dbt build finished at `built`: missing, or
    their publish mark (finops.publish.state) is older. [] when all three are current."""
    out = settings.output_dir
    live = read_live(out / BI_FILE_NAME)
    behind = []
    if (
        live is None
        or live.source != str(settings.duckdb_path)
        or not live.mark
        or live.mark < built
    ):
        behind.append(BI_FILE_NAME)
    for name in (EXPORTS_DIR, TEAMS_DIR):
        state = read_state_file(out / name)
        mark = parse_mark(state.get("dbt_built_at")) if state else None
        if mark is None or mark < built:
            behind.append(name)
    return behind
