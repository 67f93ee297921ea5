"""Run a suite: read its bounded batches from DuckDB (read-only), validate them with GX, report.

`run_suite` is pure (a connection in, a SuiteResult out); `run_and_record` is what the asset
checks call: it opens the warehouse read-only, runs the suite and records the GX results under
FINOPS_OUTPUT_DIR/data_quality/validations/ for the Data Docs site (data_docs.py).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig

from data_quality.spec import Scope, Suite
from finops.config import Settings
from finops.warehouse import connect_reader, write_lock

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
DATASOURCE = "finops_duckdb_batches"


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that did not hold (or a batch that could not be read)."""

    batch: str
    expectation: str  # e.g. "expect_column_values_to_not_be_null(team)"
    unexpected_count: int | None = None  # rows of the batch (groups, for an aggregated batch)
    element_count: int | None = None
    observed_value: Any = None  # for aggregate expectations (sum, min, column set)
    examples: list[Any] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "batch": self.batch,
            "expectation": self.expectation,
            "unexpected_count": self.unexpected_count,
            "element_count": self.element_count,
            "observed_value": self.observed_value,
            "examples": self.examples,
            "error": self.error,
        }
        return {k: v for k, v in out.items() if v not in (None, [])}


@dataclass
class SuiteResult:
    suite: str
    scope: str
    success: bool
    evaluated: int
    failures: list[FailedExpectation]
    rows: dict[str, int]  # rows validated per batch
    skipped: list[str] = field(default_factory=list)  # batches not run after a failed gate
    # (GX suite, GX validation result) as JSON, per batch: what Data Docs renders
    validations: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        head = f"{self.suite} [{self.scope}]"
        if self.success:
            return f"{head}: {self.evaluated} expectations passed"
        parts = []
        for f in self.failures:
            count = f" ({f.unexpected_count} unexpected)" if f.unexpected_count else ""
            parts.append(f"{f.expectation}{count}")
        return f"{head}: {len(self.failures)} of {self.evaluated} failed: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "scope": self.scope,
            "success": self.success,
            "evaluated": self.evaluated,
            "failures": [f.to_dict() for f in self.failures],
            "rows": self.rows,
            "skipped": self.skipped,
        }


def gx_context() -> AbstractDataContext:
    """An ephemeral GX context (nothing written to disk) without progress bars."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(
    con: duckdb.DuckDBPyConnection, suite: Suite, scope: Scope | None = None
) -> SuiteResult:
    """Validate every batch of `suite` over `scope` (default: the suite's default scope)."""
    scope = suite.resolve(con, scope or Scope())
    source = gx_context().data_sources.add_pandas(DATASOURCE)
    failures: list[FailedExpectation] = []
    rows: dict[str, int] = {}
    validations: list[dict[str, Any]] = []
    evaluated = 0
    batches = suite.build(con, scope)
    skipped: list[str] = []
    for i, batch in enumerate(batches):
        name = f"{suite.name}.{batch.name}"
        try:
            frame = batch.load(con)
        except duckdb.Error as exc:  # e.g. a mart dbt has not built yet, a column gone
            failures.append(
                FailedExpectation(batch.name, "batch can be read", error=_first_line(str(exc)))
            )
            evaluated += 1
            passed = False
        else:
            rows[batch.name] = len(frame)
            gx_suite = gx.ExpectationSuite(name=name, expectations=list(batch.expectations))
            asset = source.add_dataframe_asset(name=name)
            result = (
                asset.add_batch_definition_whole_dataframe("frame")
                .get_batch(batch_parameters={"dataframe": frame})
                .validate(gx_suite, result_format=RESULT_FORMAT)
            )
            evaluated += len(result.results)
            failures += [_failure(batch.name, r) for r in result.results if not r.success]
            validations.append(
                {
                    "batch": batch.name,
                    "suite": gx_suite.to_json_dict(),
                    "result": result.to_json_dict(),
                }
            )
            passed = result.success
        if batch.gate and not passed:
            skipped = [b.name for b in batches[i + 1 :]]
            break
    return SuiteResult(
        suite=suite.name,
        scope=scope.label,
        success=not failures,
        evaluated=evaluated,
        failures=failures,
        rows=rows,
        skipped=skipped,
        validations=validations,
    )


def run_and_record(
    settings: Settings, suite: Suite, scope: Scope | None = None, run_name: str = "manual"
) -> SuiteResult:
    """Run `suite` on the warehouse (read-only) and record its GX results for Data Docs."""
    # DuckDB refuses a read-only open while another process writes the file: queue behind
    # writers on their lock instead of failing.
    with write_lock(settings.duckdb_path):
        con = connect_reader(settings)
        try:
            result = run_suite(con, suite, scope)
        finally:
            con.close()
    record(settings, result, run_name)
    return result


def results_dir(settings: Settings) -> Path:
    return settings.output_dir / "data_quality" / "validations"


def record(settings: Settings, result: SuiteResult, run_name: str = "manual") -> Path:
    """Keep the latest result of each suite as JSON, the input of build_data_docs.

    One file per suite, so the site shows the current state and stays small; the history per
    billing period is in Dagster's asset-check history.
    """
    folder = results_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.suite}.json"
    payload = {
        **result.to_dict(),
        "run_name": run_name,
        "run_time": dt.datetime.now(dt.UTC).isoformat(),
        "validations": result.validations,
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, default=str))
    tmp.replace(path)
    return path


# --- helpers -------------------------------------------------------------------------------------


def _failure(batch: str, r: ExpectationValidationResult) -> FailedExpectation:
    config = r.expectation_config
    kwargs = config.kwargs if config else {}
    target = kwargs.get("column") or ", ".join(kwargs.get("column_list") or [])
    name = config.type if config else "unknown expectation"
    res = r.result or {}
    examples = res.get("partial_unexpected_list") or []
    mismatched = (res.get("details") or {}).get("mismatched") or {}
    if isinstance(mismatched, dict) and mismatched.get("missing"):
        examples = [f"missing column {c}" for c in mismatched["missing"]]
    return FailedExpectation(
        batch=batch,
        expectation=f"{name}({target})" if target else name,
        unexpected_count=_plain(res.get("unexpected_count")),
        element_count=_plain(res.get("element_count")),
        observed_value=None if "details" in res else _plain(res.get("observed_value")),
        examples=[_plain(v) for v in examples],
        error=_exception_message(r.exception_info),
    )


def _exception_message(info: Any) -> str | None:
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return _first_line(str(info.get("exception_message")))
    for value in info.values():  # keyed by metric when several metrics raised
        if isinstance(value, dict) and value.get("raised_exception"):
            return _first_line(str(value.get("exception_message")))
    return None


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar for metadata: numpy -> Python, timestamps -> ISO text."""
    if isinstance(value, dt.datetime | dt.date):  # pandas Timestamp included
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
