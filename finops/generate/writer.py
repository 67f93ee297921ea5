"""Writing files: COPY helpers, manifests, and the bookkeeping behind GenerationSummary."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from finops.generate.engine import Month
from finops.generate.summary import PeriodTotal


@dataclass
class Context:
    """Everything one generate() call shares: connection, settings and what was written."""

    con: duckdb.DuckDBPyConnection
    out_dir: Path
    seed: int
    rows: int
    months: list[Month]
    progress: Callable[[str], None] | None = None
    periods: list[PeriodTotal] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def path(self, *parts: str) -> Path:
        p = self.out_dir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


def copy(ctx: Context, select_sql: str, path: Path, options: str) -> None:
    """COPY a query to a file (the query must ORDER BY so the bytes are reproducible)."""
    target = str(path).replace("'", "''")
    ctx.con.execute(f"COPY ({select_sql}) TO '{target}' ({options})")
    ctx.files.append(path)


PARQUET = "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880"
CSV = "FORMAT csv, DELIMITER ','"
CSV_HEADER = CSV + ", HEADER true"
NDJSON = "FORMAT json"


def copy_csv_gz(ctx: Context, select_sql: str, path: Path, headers: Sequence[str]) -> None:
    """Gzipped CSV whose header may repeat a name in another case (`user:team`, `user:Team`).

    DuckDB column names are case-insensitive, so the rows are written without a header and the
    header goes in as its own gzip member: a valid multi-member gzip file that gzip, zcat, pandas
    and DuckDB read as one. zlib level 1 in Python is several times faster than DuckDB's gzip.
    """
    body = path.with_name(path.name + ".rows")
    ctx.con.execute(f"COPY ({select_sql}) TO '{body}' ({CSV}, HEADER false)")
    with path.open("wb") as out, body.open("rb") as rows:
        out.write(gzip.compress((",".join(headers) + "\n").encode(), mtime=0))
        packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: gzip wrapper, mtime 0
        while chunk := rows.read(1 << 22):
            out.write(packer.compress(chunk))
        out.write(packer.flush())
    body.unlink()
    ctx.files.append(path)


def typed(columns: Sequence[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(name, type, expr) -> (name, CAST(expr AS type))."""
    return [(name, f"CAST({expr} AS {typ})") for name, typ, expr in columns]


def projection(columns: Sequence[tuple[str, str]], from_sql: str) -> str:
    """`SELECT expr AS "name", ... FROM from_sql`, rows in the order of the first table's scan.

    Files must be byte-identical run after run. The generator's connections are single-threaded
    (see `engine.connect`), and there a scan of `lines` (created ORDER BY rk) probing hash joins
    against small lookup tables keeps its order, so the wide output rows never need sorting;
    sorting them was the slowest step of the generator.
    """
    select = ",\n    ".join(f'{expr} AS "{name}"' for name, expr in columns)
    return f"SELECT {select}\nFROM {from_sql}"


def record(
    ctx: Context,
    *,
    source: str,
    export: str,
    billing_account_id: str,
    month: Month,
    currency: str,
    table: str,
    cost_column: str,
    files: Sequence[Path],
) -> PeriodTotal:
    """Count rows and sum the billed cost (exactly, as DECIMAL) of what was just written."""
    n, total = ctx.con.execute(
        f"SELECT count(*), coalesce(sum(CAST({cost_column} AS DECIMAL(38, 10))), 0) FROM {table}"
    ).fetchall()[0]
    period = PeriodTotal(
        source=source,
        export=export,
        billing_account_id=billing_account_id,
        billing_period=month.period,
        currency=currency,
        rows=int(n),
        billed_total=Decimal(total),
        files=tuple(files),
    )
    ctx.periods.append(period)
    ctx.say(f"{source} {month.period}: {int(n):,} rows")
    return period


def write_json(ctx: Context, path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    ctx.files.append(path)
