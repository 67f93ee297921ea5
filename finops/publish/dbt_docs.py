"""The dbt docs site (models, columns, tests, exposures and lineage) as one offline HTML file.

`dbt docs generate --static --no-compile` writes a self-contained static_index.html (manifest
and catalog embedded). It is built in `<warehouse folder>/dbt_docs/`, from the manifest and
partial-parse state of the dbt build that made the marts when known, and published as
`<FINOPS_OUTPUT_DIR>/dbt_docs/index.html`. The catalog reads the warehouse, and dbt-duckdb
opens it read-write, so the step holds the warehouse write lock.

dbt reuses the build's partial-parse state only when the profile renders the same (the
environment variables profiles.yml reads). A build run by Dagster's dbt resource sees the
process environment (`orchestration.lib.dbt.dbt_env`), one run by `finops.transform.run_dbt`
(the tests) sees `dbt_environment(settings)`; pass the build's environment as `dbt_environ`
and dbt runs as a subprocess with it, else in-process through run_dbt. A mismatch costs a full
parse (~20 s on two busy cores) instead of ~2 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from finops.publish import atomic
from finops.transform import run_dbt
from finops.warehouse import write_lock

DBT_DOCS_DIR = "dbt_docs"


def dbt_docs_workdir(settings: Settings) -> Path:
    return settings.duckdb_path.parent / "dbt_docs"


def _dbt(settings: Settings, args: list[str], environ: Mapping[str, str] | None) -> None:
    if environ is None:
        run_dbt(settings, args)
        return
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), *args, "--project-dir", str(DBT_PROJECT_DIR)]
    result = subprocess.run(
        [*command, "--profiles-dir", str(PROJECT_ROOT)],
        env={**environ, "FINOPS_DUCKDB_PATH": str(settings.duckdb_path), "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`dbt {' '.join(args)}` failed:\n" + (result.stdout + result.stderr).strip()[-3000:]
        )


def build_dbt_docs(
    settings: Settings,
    workdir: Path | None = None,
    dbt_artifacts: Path | None = None,
    dbt_environ: Mapping[str, str] | None = None,
) -> Path:
    """Run `dbt docs generate --static` against the warehouse; returns static_index.html.

    `dbt_artifacts` is the target folder of the dbt build that made the marts: its manifest
    (compiled SQL included) is the one the page embeds, and its partial-parse state spares a
    full parse. Without it, `dbt parse` writes a fresh manifest first.
    """
    workdir = workdir or dbt_docs_workdir(settings)
    target = workdir / "target"
    target.mkdir(parents=True, exist_ok=True)
    paths = ["--target-path", str(target), "--log-path", str(workdir / "logs")]
    build_manifest = dbt_artifacts / "manifest.json" if dbt_artifacts else None
    if build_manifest is not None and build_manifest.exists():
        shutil.copyfile(build_manifest, target / "manifest.json")
        state = dbt_artifacts / "partial_parse.msgpack"
        if state.exists():
            shutil.copyfile(state, target / "partial_parse.msgpack")
    else:
        _dbt(settings, ["parse", *paths, "--quiet"], dbt_environ)
    # `--no-compile`: the catalog needs no compiled models, and it leaves target/manifest.json
    # (which --static embeds) as written above.
    with write_lock(settings.duckdb_path):
        _dbt(
            settings,
            ["docs", "generate", "--static", "--no-compile", *paths, "--quiet"],
            dbt_environ,
        )
    page = target / "static_index.html"
    if not page.exists():
        raise FileNotFoundError(f"dbt docs generate --static wrote no {page}; see {workdir}/logs")
    return page


FINGERPRINT_FILE = ".project_fingerprint"


def docs_current(settings: Settings) -> bool:
    """The published site was built from the dbt project as it is now (same fingerprint)."""
    from finops.transform import project_fingerprint

    folder = settings.output_dir / DBT_DOCS_DIR
    stamp = folder / FINGERPRINT_FILE
    return (
        (folder / "index.html").exists()
        and stamp.exists()
        and stamp.read_text().strip() == project_fingerprint()
    )


def publish_dbt_docs(
    settings: Settings,
    workdir: Path | None = None,
    dbt_artifacts: Path | None = None,
    dbt_environ: Mapping[str, str] | None = None,
) -> Path:
    """Build the docs and swap `<output>/dbt_docs/index.html` in atomically; returns its path.

    The site describes the project (models, columns, tests, exposures, lineage, column types):
    the project's fingerprint is kept beside it, so a run can skip the rebuild (~10 s, a dbt
    start-up) while the project is unchanged (`docs_current`).
    """
    from finops.transform import project_fingerprint

    fingerprint = project_fingerprint()
    page = build_dbt_docs(settings, workdir, dbt_artifacts, dbt_environ)
    folder = settings.output_dir / DBT_DOCS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "index.html"
    with atomic.publish_lock(settings.output_dir):
        atomic.remove_leftovers(folder, final.name)
        tmp = atomic.temp_path(final)
        try:
            shutil.copyfile(page, tmp)
            atomic.replace_file(tmp, final)
        except BaseException:
            atomic.remove_tree(tmp)
            raise
        stamp = folder / FINGERPRINT_FILE
        stamp_tmp = stamp.with_name(stamp.name + ".tmp")
        stamp_tmp.write_text(fingerprint + "\n")
        stamp_tmp.replace(stamp)
    return final
