"""GX Data Docs: a static HTML site with the latest result of every suite.

Each check run records its GX results as JSON (runner.record); `build_data_docs` loads them into
an ephemeral context and renders the site to FINOPS_OUTPUT_DIR/data_docs/ (index.html). Building
needs no network. GX's pages take their CSS/JS from public CDNs (styling, and the index's
sortable table, which is filled by JavaScript), so the index also gets a plain HTML summary
table linking every validation page: offline, the site still reads.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResultSchema,
)
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from data_quality.runner import gx_context, results_dir
from finops.config import Settings
from finops.warehouse import write_lock

SITE_NAME = "finops_data_docs"
log = logging.getLogger(__name__)


def data_docs_dir(settings: Settings) -> Path:
    return settings.output_dir / "data_docs"


def build_data_docs(settings: Settings) -> Path:
    """Rebuild the Data Docs site from the recorded results; returns the index.html path."""
    site = data_docs_dir(settings)
    records = _records(results_dir(settings))
    # Checks may finish in parallel processes: one rebuild at a time (lock file beside the site).
    with write_lock(site):
        if site.exists():
            shutil.rmtree(site)  # generated from the records: no stale pages survive
        site.mkdir(parents=True)
        _render(site, records)
        index = site / "index.html"
        page = index.read_text()
        index.write_text(page.replace("</body>", _summary_html(site, records) + "</body>", 1))
    return index


def _records(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            log.warning("skipping unreadable data-quality record %s: %s", path, exc)
    return records


def _render(site: Path, records: list[dict[str, Any]]) -> None:
    context = gx_context()
    context.add_data_docs_site(
        site_name=SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    schema = ExpectationSuiteValidationResultSchema()
    for record in records:
        run_id = RunIdentifier(
            run_name=record.get("run_name") or "manual",
            run_time=dt.datetime.fromisoformat(record["run_time"]),
        )
        for validation in record.get("validations", []):
            suite = context.suites.add(gx.ExpectationSuite(**validation["suite"]))
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                run_id=run_id,
                batch_identifier=record["scope"],
            )
            context.validation_results_store.set(key, schema.load(validation["result"]))
    context.build_data_docs(site_names=[SITE_NAME])


def _summary_html(site: Path, records: list[dict[str, Any]]) -> str:
    """A plain table of the latest results with links to the validation pages (no JavaScript)."""
    rows = []
    for record in records:
        links = []
        for validation in record.get("validations", []):
            folder = site.joinpath("validations", *validation["suite"]["name"].split("."))
            for page in sorted(folder.rglob("*.html"))[:1]:
                href = html.escape(page.relative_to(site).as_posix())
                links.append(f'<a href="{href}">{html.escape(validation["batch"])}</a>')
        failures = "<br>".join(
            html.escape(
                f"{f['batch']}: {f['expectation']} "
                f"{f.get('unexpected_count', f.get('observed_value', f.get('error', '')))}"
            )
            for f in record.get("failures", [])
        )
        status = "passed" if record.get("success") else "FAILED"
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{cell}</td>"
                for cell in (
                    html.escape(record["suite"]),
                    html.escape(record["scope"]),
                    status,
                    failures,
                    " ".join(links),
                    html.escape(record["run_time"][:19]),
                )
            )
            + "</tr>"
        )
    header = "".join(
        f"<th>{h}</th>"
        for h in ("suite", "scope", "status", "failed expectations", "pages", "run (UTC)")
    )
    return (
        '<div class="container-fluid pl-5 pr-5 pb-4"><h4>Latest results (static summary)</h4>'
        f'<table class="table table-sm"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>\n"
    )
