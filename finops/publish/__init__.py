"""Publish the marts for the people who read them, under FINOPS_OUTPUT_DIR (default `output/`).

    finops_bi.duckdb   every mart + convenience views + _publish_info, comments from the dbt docs
    exports/           Parquet per mart (hive-partitioned by billing_period) and one CSV per mart
    teams/<team>/      each team's rows of every per-team mart (Parquet and CSV)
    dbt_docs/          the dbt docs site, exposures included, as one offline HTML file

Every step replaces its output atomically (finops.publish.atomic): a reader sees the previous
version or the new one, never a mix, and a publish that dies leaves the previous version. The
steps are separate functions (the Dagster assets in orchestration/defs/publish call them one by
one); `publish` runs them all, as `finops publish` does. See docs/publish.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from finops.config import DBT_PROJECT_DIR, Settings
from finops.publish.bi import (
    BI_FILE_NAME,
    STORAGE_VERSION,
    BiFile,
    DbtRun,
    find_dbt_run,
    manifest_docs,
    publish_bi_file,
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

__all__ = [
    "BI_FILE_NAME",
    "DBT_DOCS_DIR",
    "EXPORTS_DIR",
    "STORAGE_VERSION",
    "TEAMS_DIR",
    "PublishResult",
    "bi_inputs",
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


def bi_inputs(dbt_artifacts: Iterable[Path] | None = None) -> tuple[DbtRun, dict]:
    """The dbt build that made the marts, and the marts' docs from its manifest."""
    dbt_run = find_dbt_run(dbt_artifacts or default_dbt_artifact_dirs())
    manifest = None
    if dbt_run.artifacts and (Path(dbt_run.artifacts) / "manifest.json").exists():
        manifest = Path(dbt_run.artifacts) / "manifest.json"
    elif (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    return dbt_run, manifest_docs(manifest)


def publish(
    settings: Settings,
    *,
    dbt_artifacts: Iterable[Path] | None = None,
    dbt_docs: bool = True,
    dbt_environ: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> PublishResult:
    """Every publish step in order: BI file, exports, team extracts, dbt docs.

    `dbt_environ`: the environment the marts' dbt build ran with (see finops.publish.dbt_docs);
    None runs dbt in-process like finops.transform.
    """
    say = progress or (lambda _m: None)
    seconds: dict[str, float] = {}

    def timed(name: str, step: Callable[[], object]):
        started = time.monotonic()
        value = step()
        seconds[name] = time.monotonic() - started
        return value

    dbt_run, docs = bi_inputs(dbt_artifacts)
    bi = timed("bi_file", lambda: publish_bi_file(settings, dbt_run=dbt_run, docs=docs))
    say(f"BI file: {bi.path} ({len(bi.marts)} marts, {seconds['bi_file']:.1f}s)")
    exports = timed("exports", lambda: publish_exports(settings))
    say(f"exports: {exports.path} ({seconds['exports']:.1f}s)")
    teams = timed("team_extracts", lambda: publish_team_extracts(settings))
    say(
        f"team extracts: {teams.path} ({len(teams.folders)} teams, {seconds['team_extracts']:.1f}s)"
    )
    page = None
    if dbt_docs:
        artifacts = Path(dbt_run.artifacts) if dbt_run.artifacts else None
        page = timed(
            "dbt_docs",
            lambda: publish_dbt_docs(settings, dbt_artifacts=artifacts, dbt_environ=dbt_environ),
        )
        say(f"dbt docs: {page} ({seconds['dbt_docs']:.1f}s)")
    return PublishResult(bi, exports, teams, page, seconds)


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
