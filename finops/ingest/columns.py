"""Column specs and the SQL that casts a delivered file into a raw table, row errors included.

Every delivered file is read through one SELECT that, per column, casts the delivered value with
`try_cast` and records the first value that did not parse (`_error`), so a bad row is reported by
file, row and column in the same pass that stages the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COST = "decimal(38, 12)"  # money: exact, 12 decimals cover every provider's precision
QTY = "decimal(38, 12)"

_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")


def snake_case(name: str) -> str:
    """`lineItem/UnblendedCost` -> `line_item_unblended_cost`, `BilledCost` -> `billed_cost`."""
    name = name.strip().replace("/", "_").replace(".", "_").replace(" ", "_").replace("-", "_")
    name = _CAMEL_2.sub(r"\1_\2", name)
    name = _CAMEL_1.sub(r"\1_\2", name)
    return re.sub(r"_+", "_", name).lower().strip("_")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Column:
    """One raw-table column: its type, whether a delivery must carry it, and its other names."""

    name: str
    type: str = "varchar"
    required: bool = False
    aliases: tuple[str, ...] = ()
    # A SQL expression over `{col}` (the delivered column) replacing the plain cast.
    parse: str | None = None
    not_null: bool = False  # a present column whose values may not be empty

    def match_keys(self) -> set[str]:
        return {self.name, *(snake_case(a) for a in self.aliases)}


def timestamp_expr(col: str) -> str:
    """ISO 8601 with or without `T`/`Z`/offset, or BigQuery's `... UTC`, as a UTC timestamp."""
    return f"(try_cast({col} as timestamptz) at time zone 'UTC')"


def date_expr(col: str) -> str:
    """ISO dates, US `MM/DD/YYYY` dates (Azure) and timestamps, as a DATE."""
    text = f"trim(cast({col} as varchar))"
    return (
        f"coalesce(try_cast({text} as date), try_strptime({text}, '%m/%d/%Y')::date, "
        f"cast({timestamp_expr(col)} as date))"
    )


@dataclass
class Projection:
    """What reading one file produces, as three stacked selects so each delivered value is
    extracted once and each cast computed once (the row error reuses the cast's result):

    - `inputs` (over the file's FROM): the delivered fields used, as `_f0, _f1, ...`;
    - `selects` (over the inputs): each raw column, cast and named, plus the `_f*` the error
      checks need;
    - `error_checks` (over the selects): the first value that did not parse, per column.
    """

    inputs: list[str] = field(default_factory=list)
    selects: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # quoted raw column names, in spec order
    error_checks: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def error_expr(self) -> str:
        if not self.error_checks:
            return "null::varchar"
        return "coalesce(" + ", ".join(self.error_checks) + ")"


def match_columns(spec: list[Column], delivered: list[str] | dict[str, str]) -> dict[str, str]:
    """Map raw column name -> delivered column name (matched case- and style-insensitively)."""
    by_key: dict[str, str] = {}
    for name in delivered:
        by_key.setdefault(snake_case(name), name)
    mapping: dict[str, str] = {}
    for column in spec:
        for key in [column.name, *(snake_case(a) for a in column.aliases)]:
            if key in by_key:
                mapping[column.name] = by_key[key]
                break
    return mapping


def cast_expr(column: Column, delivered_sql: str) -> str:
    if column.parse:
        return column.parse.format(col=delivered_sql)
    if column.type == "timestamp":
        return timestamp_expr(delivered_sql)
    if column.type == "date":
        return date_expr(delivered_sql)
    if column.type in (COST, QTY) or column.type.startswith("decimal"):
        # Trim: CSV writers pad numbers; an empty string means "no value".
        return f"try_cast(nullif(trim(cast({delivered_sql} as varchar)), '') as {column.type})"
    if column.type == "varchar":
        return f"nullif(cast({delivered_sql} as varchar), '')"
    return f"try_cast({delivered_sql} as {column.type})"


def project(spec: list[Column], fields: dict[str, str]) -> Projection:
    """Build the stacked selects for a file whose delivered fields are `fields` (name -> SQL)."""
    mapping = match_columns(spec, list(fields))
    out = Projection()
    used = set(mapping.values())
    out.ignored = [c for c in fields if c not in used]
    passed: list[str] = []  # the `_f*` the error checks read
    for column in spec:
        name = quote_ident(column.name)
        out.columns.append(name)
        source_name = mapping.get(column.name)
        if source_name is None:
            if column.required:
                out.missing_required.append(column.name)
            out.selects.append(f"null::{column.type} as {name}")
            continue
        src = f"_f{len(out.inputs)}"
        out.inputs.append(f"{fields[source_name]} as {src}")
        out.selects.append(f"{cast_expr(column, src)} as {name}")
        raw_text = f"nullif(trim(cast({src} as varchar)), '')"
        label = quote_literal(source_name)
        checked = False
        if column.type != "varchar" or column.parse:
            expected = quote_literal(f"expected {column.type}, got ")
            # the cast came out empty although a value was delivered
            out.error_checks.append(
                f"case when {name} is null and {raw_text} is not null then "
                f"{label} || chr(9) || {expected} || {raw_text} end"
            )
            checked = True
        if column.not_null:
            out.error_checks.append(
                f"case when {raw_text} is null then {label} || chr(9) || 'a value is required' end"
            )
            checked = True
        if checked:
            passed.append(src)
    out.selects += passed
    return out
