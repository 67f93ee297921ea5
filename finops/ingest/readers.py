"""Open one delivered file as a DuckDB relation of flat, named fields.

CSV is read as text (every value cast later, so a bad value is reported, not guessed); Parquet
keeps its types, with struct fields flattened to dotted names and lists turned into JSON text;
newline-delimited JSON is read line by line as JSON objects and flattened the same way. Maps
(CUR 2.0 `resource_tags`) stay maps.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from finops.ingest.columns import quote_ident, quote_literal
from finops.ingest.errors import IngestError

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.gzip", ".tsv")
PARQUET_SUFFIXES = (".parquet",)
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
MANIFEST_SUFFIX = "-manifest.json"

# Values that mean "no value" in the exports we read (the FOCUS sample writes NULL).
NULL_STRINGS = ["", "NULL", "null"]


def file_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(MANIFEST_SUFFIX) or name == "manifest.json":
        return "manifest"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(JSON_SUFFIXES):
        return "json"
    return None


@dataclass
class OpenedFile:
    path: Path
    kind: str
    from_sql: str  # FROM clause (with the row number as `_row_number`)
    fields: dict[str, str]  # delivered (flattened) field name -> SQL expression


def _sql_path(path: Path) -> str:
    return quote_literal(str(path))


def read_csv_header(path: Path) -> list[str]:
    """The header row, parsed by us: DuckDB would rename case-variant duplicates, and AWS tag
    columns such as `resourceTags/user:team` and `resourceTags/user:Team` are distinct."""
    opener = gzip.open if path.name.lower().endswith((".gz", ".gzip")) else open
    try:
        # Only the header's bytes are decoded here (a bad byte in a data row is reported by
        # row later); a quoted name may hold a newline, so read on until the quotes balance.
        with opener(path, "rb") as handle:
            raw = handle.readline()
            while raw.count(b'"') % 2 and (more := handle.readline()):
                raw += more
        header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")), None)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(
            f"cannot read the header: {exc}",
            file=path,
            hint="the file looks truncated or corrupt, or is not UTF-8; re-download or re-export it",
        ) from None
    if not header or not any(h.strip() for h in header):
        raise IngestError("the file has no header row", file=path)
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise IngestError(
                f"duplicate column {name!r} (positions {seen[name] + 1} and {i + 1})",
                file=path,
                column=name,
            )
        seen[name] = i
    return header


def _csv_from(path: Path, width: int) -> str:
    nulls = "[" + ", ".join(quote_literal(s) for s in NULL_STRINGS) + "]"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (
        f"read_csv({_sql_path(path)}, header = false, skip = 1, columns = {columns}, "
        f"delim = ',', quote = '\"', escape = '\"', nullstr = {nulls}, strict_mode = true, "
        f"null_padding = false, encoding = 'utf-8', auto_detect = false)"
    )


def _flatten_type(prefix: str, expr: str, duck_type: str, out: dict[str, str]) -> None:
    """Struct fields become `a.b`; lists become JSON text; everything else stays as typed."""
    if duck_type.endswith("]"):
        out[prefix] = f"to_json({expr})::varchar"
    else:
        out[prefix] = expr


def _expand(
    con: duckdb.DuckDBPyConnection, from_sql: str, name: str, expr: str, out: dict[str, str]
) -> None:
    duck_type = con.execute(f"select typeof({expr}) from {from_sql} limit 1").fetchone()
    type_name = duck_type[0] if duck_type else "VARCHAR"
    if type_name.startswith("STRUCT(") and not type_name.endswith("]"):
        keys = con.execute(
            f"select unnest(struct_keys(v)) from (select {expr} as v from {from_sql} limit 1)"
        ).fetchall()
        for (key,) in keys:
            _expand(con, from_sql, f"{name}.{key}", f"{expr}.{quote_ident(key)}", out)
        return
    _flatten_type(name, expr, type_name, out)


def _describe(con: duckdb.DuckDBPyConnection, from_sql: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"describe select * from {from_sql}").fetchall()]


def _json_keys(path: Path, sample_lines: int = 200) -> list[str]:
    """Flattened keys of the first lines of an NDJSON file (BigQuery omits null fields)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    keys: dict[str, None] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            keys.setdefault(prefix, None)

    with opener(path, "rt", encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i >= sample_lines:
                break
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise IngestError(
                    f"line is not valid JSON ({exc.msg})", file=path, row=i + 1
                ) from None
            if not isinstance(record, dict):
                raise IngestError("each line must be a JSON object", file=path, row=i + 1)
            walk("", record)
    return list(keys)


def open_file(con: duckdb.DuckDBPyConnection, path: Path) -> OpenedFile:
    """Describe a delivered file; raise IngestError naming it when it cannot be read."""
    kind = file_kind(path)
    if kind not in ("csv", "parquet", "json"):
        raise IngestError(
            "unknown file type; expected .csv[.gz], .parquet or newline-delimited .json",
            file=path,
        )
    if path.stat().st_size == 0:
        raise IngestError("the file is empty (0 bytes)", file=path, hint="re-export it")
    try:
        if kind == "csv":
            header = read_csv_header(path)
            base = _csv_from(path, len(header))
            from_sql = f"(select row_number() over () as _row_number, * from {base})"
            fields = {name: f"c{i}" for i, name in enumerate(header)}
        elif kind == "parquet":
            base = f"read_parquet({_sql_path(path)}, file_row_number = true)"
            from_sql = f"(select file_row_number + 1 as _row_number, * exclude (file_row_number) from {base})"
            fields = {}
            for name, type_name in _describe(con, base):
                if name == "file_row_number":
                    continue
                if type_name.startswith("STRUCT(") and not type_name.endswith("]"):
                    _expand(con, from_sql, name, quote_ident(name), fields)
                else:
                    _flatten_type(name, quote_ident(name), type_name, fields)
        else:
            # One json_extract_string with a list of paths parses each line once (one call per
            # path would parse it once per field).
            base = f"read_ndjson_objects({_sql_path(path)})"
            keys = _json_keys(path)
            paths = [quote_literal("$." + ".".join(f'"{p}"' for p in k.split("."))) for k in keys]
            from_sql = (
                f"(select row_number() over () as _row_number, "
                f"json_extract_string(json, [{', '.join(paths)}]) as _json_values from {base})"
            )
            fields = {key: f"_json_values[{i + 1}]" for i, key in enumerate(keys)}
    except IngestError:
        raise
    except duckdb.Error as exc:
        raise IngestError(
            f"cannot be read as {kind}: {_first_line(exc)}",
            file=path,
            hint="the file looks truncated or corrupt; re-download or re-export it",
        ) from None
    if not fields:
        raise IngestError("the file has no columns", file=path)
    return OpenedFile(path=path, kind=kind, from_sql=from_sql, fields=fields)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
