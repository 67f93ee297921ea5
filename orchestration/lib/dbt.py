"""The dbt project as Dagster sees it: where it is, and a manifest that is never stale."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import uuid
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT

DBT_SOURCES = ("models", "macros", "tests", "snapshots")


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


class FinopsDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, told the dbt version instead of asking `dbt --version`.

    dagster-dbt runs `dbt --version` in a subprocess once per process to learn the version; on
    2 cores that start-up (dbt's imports) cost 3-4 s of every `finops run`. The executable is the
    one installed beside this Python (`dbt_executable`), so its version is this dbt-core's.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)


def dbt_env(duckdb_path: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    if duckdb_path is not None:
        env["FINOPS_DUCKDB_PATH"] = str(duckdb_path)
    return env


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def partial_parse_store(duckdb_path: Path) -> Path:
    """Where dbt's partial-parse state of the builds on this warehouse is kept between runs.

    dbt re-parses the whole project (several seconds) unless target/partial_parse.msgpack was
    written with the same profile, and the profile renders the warehouse path and settings: so
    the state is kept per warehouse, beside it (a copy of the warehouse folder keeps it; a
    missing or foreign state only costs one full parse).
    """
    return duckdb_path.parent / f".{duckdb_path.name}.{PARTIAL_PARSE_FILE}"


def restore_partial_parse(duckdb_path: Path, target_path: Path) -> bool:
    """Put the warehouse's partial-parse state into a new dbt target folder (before dbt runs;
    dagster-dbt then leaves it alone: it only copies its own when the file is missing)."""
    state = partial_parse_store(duckdb_path)
    target_path.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(state, target_path / PARTIAL_PARSE_FILE)
    except FileNotFoundError:
        return False
    return True


def save_partial_parse(duckdb_path: Path, target_path: Path) -> bool:
    """Keep the partial-parse state a dbt invocation wrote for the next build on the warehouse.

    Written to a temporary file and renamed over the old one, so a concurrent reader (another
    process building a copy of the same folder) sees the old or the new state, never half.
    """
    written = target_path / PARTIAL_PARSE_FILE
    if not written.exists():
        return False
    state = partial_parse_store(duckdb_path)
    temporary = state.with_name(f"{state.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.copyfile(written, temporary)
        os.replace(temporary, state)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _newest_source_mtime() -> float:
    newest = (DBT_PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    folders = [DBT_PROJECT_DIR / d for d in DBT_SOURCES] + [PROJECT_ROOT / "seeds"]
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest(project: DbtProject) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files.

    `dagster dev` would do this through prepare_if_dev(); `finops run`, the tests and a
    deployed code server load the definitions without it, so do it here (a few seconds).
    """
    manifest = project.manifest_path
    if _is_fresh(manifest):
        return manifest
    # Several processes (pytest workers, a code server and `finops run`) may load the definitions
    # at once: one parses, the others wait and then find a fresh manifest.
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_fresh(manifest):
            _parse(manifest)
    return manifest


def _is_fresh(manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime()


def _parse(manifest: Path) -> None:
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--profiles-dir",
            str(PROJECT_ROOT),
            "--project-dir",
            str(DBT_PROJECT_DIR),
        ],
        env=dbt_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not manifest.exists():
        raise RuntimeError(
            "dbt parse failed; fix the dbt project and retry:\n"
            + (result.stdout + result.stderr).strip()[-3000:]
        )


def finops_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=PROJECT_ROOT)
    ensure_manifest(project)
    return project
