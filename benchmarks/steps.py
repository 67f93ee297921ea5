"""Benchmark steps that are not a plain `finops` command, each run in its own process.

    python -m benchmarks.steps aws-cur-ours LANDING WAREHOUSE OUT.parquet WORKDIR
    python -m benchmarks.steps aws-cur-bare CUR_FOLDER OUT.parquet

aws-cur-ours: this project's ingest + FOCUS normalization of the AWS legacy CUR files under
LANDING (the same files the peer converts): `ingest` of source aws_cur (stage, validate, replace,
ledger) into a fresh warehouse, the dbt staging and conformed models of AWS, and the FOCUS rows
written to Parquet (the peer writes Parquet too). Prints rows in and rows out as JSON.

aws-cur-bare: the reference for both: one DuckDB statement reading every legacy CUR CSV under
CUR_FOLDER (all columns as text, by name) into one Parquet file, no typing, no checks, no
FOCUS mapping. What the engine alone needs to touch those bytes once; prints the rows as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from finops.config import Settings
from finops.ingest import ingest
from finops.transform import run_dbt


def aws_cur_ours(landing: Path, warehouse: Path, out: Path, workdir: Path) -> dict:
    base = Settings.from_env()
    settings = Settings(
        landing_dir=landing,
        duckdb_path=warehouse,
        output_dir=workdir / "output",
        first_billing_period="2000-01",
        duckdb_threads=base.duckdb_threads,
        duckdb_memory_limit=base.duckdb_memory_limit,
    )
    results = ingest(settings, ["aws_cur"])
    rows_in = sum(r.rows for r in results if r.status == "loaded")
    run_dbt(
        settings,
        [
            "run",
            "--select",
            "stg_aws_cur__line_items stg_aws_cur2__line_items int_cost__aws_conformed",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
    )
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"set threads = {settings.duckdb_threads}")
        con.execute(
            f"copy (select * from intermediate.int_cost__aws_conformed) to '{out}' (format parquet)"
        )
        rows_out = con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    finally:
        con.close()
    return {"rows_in": rows_in, "rows_out": rows_out}


def aws_cur_bare(folder: Path, out: Path) -> dict:
    con = duckdb.connect()
    try:
        con.execute(f"set threads = {Settings.from_env().duckdb_threads}")
        files = sorted(str(p) for p in folder.rglob("*.csv.gz"))
        con.execute(
            "copy (select * from read_csv(?, union_by_name = true, all_varchar = true)) "
            f"to '{out}' (format parquet)",
            [files],
        )
        rows = con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]
    finally:
        con.close()
    return {"files": len(files), "rows": rows}


def main(argv: list[str]) -> int:
    if argv[:1] == ["aws-cur-bare"] and len(argv) == 3:
        print(json.dumps(aws_cur_bare(Path(argv[1]), Path(argv[2]))))
        return 0
    if not argv or argv[0] != "aws-cur-ours" or len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    report = aws_cur_ours(Path(argv[1]), Path(argv[2]), Path(argv[3]), Path(argv[4]))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
