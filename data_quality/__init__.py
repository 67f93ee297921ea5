"""Data quality: Great Expectations 1.x suites over bounded batches of the DuckDB warehouse.

GX 1.x cannot use DuckDB as a SQL data source (IndexError through duckdb-engine, GX issues
#10738 / #11579), so every suite pulls small, bounded batches through the DuckDB client
(read-only) into pandas -- a billing-period slice aggregated to its keys for raw tables, a
mart's own small grain or an aggregate for marts -- and validates them with a pandas data source
in an ephemeral GX context.

  spec.py        Scope, Batch and Suite: what a suite checks and how its batches are read
  suites/        the suites, in code (raw.py for the raw tables, marts.py for the marts)
  runner.py      runs a suite and returns a structured SuiteResult; records it for Data Docs
  data_docs.py   builds the static GX Data Docs site under FINOPS_OUTPUT_DIR/data_docs/

Importing this package does not import Great Expectations (slow to import); runner.py and
data_docs.py do. The Dagster asset checks live in orchestration/defs/data_quality/.
"""

from __future__ import annotations

import os

# GX reads these when it is first imported: no usage analytics, nothing phoning home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
