"""Load deliveries into raw tables: read, check and replace the period in one transaction.

"Bad input loses nothing": a delivery is read in one pass, cast and checked row by row (row-level
cast errors, billing account and period, currency codes, impossible rows) on its way into the raw
table, inside a transaction that also deletes the (source, billing account, billing period) units
it replaces and records the ledger entry. The first bad row aborts the statement and the
transaction is rolled back, so `raw` is as before; only then is the delivery staged in a
temporary table to name that row (staging every delivery first wrote each row twice).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from finops.ingest.columns import Column, project, quote_literal
from finops.ingest.currencies import ISO_4217
from finops.ingest.errors import IngestError
from finops.ingest.landing import (
    Delivery,
    delivery_key,
    list_files,
    scan_manifests,
    sha256_file,
    under_any,
)
from finops.ingest.readers import OpenedFile, file_kind, open_file
from finops.ingest.sources import SOURCES, Source, raw_table_ddl, recognize

Progress = Callable[[str], None]


@dataclass
class LoadResult:
    source: str
    period: str
    status: str  # loaded | unchanged | failed
    accounts: list[str] = field(default_factory=list)
    rows: int = 0
    billed_cost: Decimal = Decimal(0)
    files: list[str] = field(default_factory=list)
    message: str = ""


class IngestFailed(Exception):
    """One or more deliveries failed; the others were loaded. Carries every result."""

    def __init__(self, results: list[LoadResult]) -> None:
        self.results = results
        failed = [r for r in results if r.status == "failed"]
        lines = [f"{len(failed)} deliver{'y' if len(failed) == 1 else 'ies'} failed to load:"]
        lines += [f"  - {r.source} {r.period}: {r.message}" for r in failed]
        lines.append(
            "Previously loaded data for those periods is unchanged; fix the files and rerun."
        )
        super().__init__("\n".join(lines))


# --- indexing plain files ----------------------------------------------------------------------


@dataclass
class IndexedFile:
    path: Path
    sha256: str
    source: str | None
    periods: dict[str, list[str]]  # period -> accounts
    mtime_ns: int
    error: str | None = None


def _needed_columns(source: Source, *exprs: str) -> list[Column]:
    text = " ".join(exprs)
    return [c for c in source.columns if f"r.{c.name}" in text]


def _select_sql(source: Source, opened: OpenedFile, columns: list[Column], rel: str) -> str:
    """One file as staged rows: the raw columns, `_error` (the first value that did not parse),
    `_row_number`, `_source_file`, `_billing_account_id` and `_billing_period`."""
    proj = project(columns, opened.fields)
    if proj.missing_required:
        raise IngestError(
            "required column missing: " + ", ".join(proj.missing_required),
            file=opened.path,
            column=proj.missing_required[0],
            hint=f"a {source.name} delivery must carry it",
        )
    inputs = list(proj.inputs)
    extras: list[str] = []  # extra columns computed from the delivered fields (legacy CUR maps)
    if source.extra_selects is not None:
        for select in source.extra_selects(opened.fields):
            expr, _, alias = select.rpartition(" as ")
            inputs.append(f"{expr} as {alias}")
            extras.append(alias)
    inner = f"select {', '.join([*inputs, '_row_number'])} from {opened.from_sql}"
    mid = f"select {', '.join([*proj.selects, *extras, '_row_number'])} from ({inner})"
    outer = (
        f"select {', '.join([*proj.columns, *extras])}, {proj.error_expr()} as _error, "
        f"_row_number, {quote_literal(rel)} as _source_file from ({mid})"
    )
    return (
        f"select r.*, cast({source.account_expr} as varchar) as _billing_account_id, "
        f"{source.period_expr} as _billing_period from ({outer}) r"
    )


def index_file(
    con: duckdb.DuckDBPyConnection, folder: str, path: Path, landing_dir: Path
) -> IndexedFile:
    """Recognize a plain file's source and the (period, accounts) it holds; cached by stat."""
    stat = path.stat()
    rel = str(path.relative_to(landing_dir))
    cached = con.execute(
        "select sha256, source, periods from ingest.landing_files "
        "where path = ? and size = ? and mtime_ns = ?",
        [rel, stat.st_size, stat.st_mtime_ns],
    ).fetchone()
    if cached and cached[2] is not None:
        return IndexedFile(path, cached[0], cached[1], json.loads(cached[2]), stat.st_mtime_ns)
    digest = sha256_file(path)
    opened = open_file(con, path)
    source = recognize(folder, list(opened.fields))
    periods: dict[str, list[str]] = {}
    if source is not None:
        cols = _needed_columns(source, source.account_expr, source.period_expr)
        sql = _select_sql(source, opened, cols, rel)
        try:
            rows = con.execute(
                f"select _billing_period, _billing_account_id, min(_row_number) "
                f"from ({sql}) group by all order by 3"
            ).fetchall()
        except duckdb.Error as exc:
            raise _read_failure(
                exc, path, "the file looks truncated or corrupt; re-download or re-export it"
            ) from None
        if not rows:
            raise IngestError(
                "the file has no data rows",
                file=path,
                hint="an export with a header only; re-export it",
            )
        for period, account, first_row in rows:
            if period is None or account is None:
                what = "billing period" if period is None else "billing account"
                raise IngestError(f"cannot tell the {what} of this row", file=path, row=first_row)
            periods.setdefault(period, []).append(account)
    con.execute(
        "insert or replace into ingest.landing_files values (?, ?, ?, ?, ?, ?, now())",
        [
            rel,
            stat.st_size,
            stat.st_mtime_ns,
            digest,
            source.name if source else None,
            json.dumps(periods),
        ],
    )
    return IndexedFile(path, digest, source.name if source else None, periods, stat.st_mtime_ns)


def _hash_cached(con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path) -> str:
    stat = path.stat()
    rel = str(path.relative_to(landing_dir))
    cached = con.execute(
        "select sha256 from ingest.landing_files where path = ? and size = ? and mtime_ns = ?",
        [rel, stat.st_size, stat.st_mtime_ns],
    ).fetchone()
    if cached:
        return cached[0]
    digest = sha256_file(path)
    con.execute(
        "insert or replace into ingest.landing_files values (?, ?, ?, ?, null, null, now())",
        [rel, stat.st_size, stat.st_mtime_ns, digest],
    )
    return digest


# --- finding deliveries ------------------------------------------------------------------------


@dataclass
class Discovery:
    deliveries: list[Delivery]
    # (period or "?", error): manifests and plain files that could not even be indexed
    file_errors: list[tuple[str, IngestError]]


def discover(con: duckdb.DuckDBPyConnection, source: Source, landing_dir: Path) -> Discovery:
    files = list_files(landing_dir, source.folder)
    manifests = scan_manifests(landing_dir, source.folder, files)
    managed = [d for scan in manifests.values() for d in scan.managed_dirs]
    deliveries: list[Delivery] = []
    errors: list[tuple[str, IngestError]] = []
    if source.manifest:
        deliveries += manifests[source.manifest].deliveries
        errors += manifests[source.manifest].errors
    candidates: dict[tuple[str, str], list[IndexedFile]] = {}
    for path in files:
        kind = file_kind(path)
        if kind == "manifest" or under_any(path, managed):
            continue
        try:
            indexed = index_file(con, source.folder, path, landing_dir)
        except IngestError as exc:
            errors.append(("?", exc))
            continue
        if indexed.source is None:
            names = ", ".join(s.name for s in SOURCES.values() if s.folder == source.folder)
            errors.append(
                (
                    "?",
                    IngestError(
                        f"unknown file format: its columns match none of the {source.folder}/ "
                        f"sources ({names})",
                        file=path,
                        hint="see docs/landing-formats.md for the expected columns",
                    ),
                )
            )
            continue
        if indexed.source != source.name:
            continue
        for period, accounts in indexed.periods.items():
            for account in accounts:
                candidates.setdefault((period, account), []).append(indexed)
    deliveries += _newest_plain_deliveries(source, candidates)
    return Discovery(deliveries, errors)


def _newest_plain_deliveries(
    source: Source, candidates: dict[tuple[str, str], list[IndexedFile]]
) -> list[Delivery]:
    """Per (period, account): the newest delivery (files sharing a delivery key) wins."""
    chosen: dict[tuple[str, str], set[str]] = {}  # (period, delivery key) -> accounts
    files_of: dict[tuple[str, str], dict[Path, str]] = {}
    for (period, account), indexed_files in candidates.items():
        by_key: dict[str, list[IndexedFile]] = {}
        for f in indexed_files:
            by_key.setdefault(delivery_key(f.path), []).append(f)
        newest = max(by_key, key=lambda k: (max(f.mtime_ns for f in by_key[k]), k))
        chosen.setdefault((period, newest), set()).add(account)
        files_of[(period, newest)] = {f.path: f.sha256 for f in by_key[newest]}
    out = []
    for (period, key), accounts in sorted(chosen.items()):
        hashes = files_of[(period, key)]
        out.append(
            Delivery(
                source=source.name,
                period=period,
                files=sorted(hashes),
                delivery_id=f"files:{Path(key).name}",
                accounts=accounts,
                kind="plain",
                file_hashes=hashes,
            )
        )
    return out


# --- loading one delivery ----------------------------------------------------------------------


def ensure_raw_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(raw_table_ddl(source))


def _latest_fingerprints(
    con: duckdb.DuckDBPyConnection, source: str, period: str
) -> dict[str, str]:
    rows = con.execute(
        """
        select billing_account_id, arg_max(fingerprint, loaded_at)
        from ingest.ledger
        where source = ? and billing_period = ? and status = 'loaded'
        group by billing_account_id
        """,
        [source, period],
    ).fetchall()
    return {a: f for a, f in rows}


def _refuse_superseded(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    delivery: Delivery,
    fingerprint: str,
    latest: dict[str, str],
    landing_dir: Path,
) -> None:
    """An older delivery must never overwrite a newer one: a delivery that was loaded before
    and has since been replaced (an old manifest or file re-landed, or touched) is refused."""
    replaced = con.execute(
        """
        select billing_account_id, max(loaded_at)
        from ingest.ledger
        where source = ? and billing_period = ? and status = 'loaded' and fingerprint = ?
        group by 1 order by 1
        """,
        [source.name, delivery.period, fingerprint],
    ).fetchall()
    for account, loaded_at in replaced:
        if latest.get(account) not in (None, fingerprint):
            raise IngestError(
                f"delivery {delivery.delivery_id} of billing account {account} was loaded on "
                f"{loaded_at:%Y-%m-%d %H:%M} UTC and has since been replaced by a newer one; "
                "refusing to go back to it",
                file=delivery.manifest or ", ".join(_rel(p, landing_dir) for p in delivery.files),
                hint="remove the stale copy from the landing folder; if the provider really "
                "restated back, re-export it so it arrives as a new delivery",
            )


def _rel(path: Path, landing_dir: Path) -> str:
    return str(path.relative_to(landing_dir))


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CSV_WIDTH = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CSV_FILE = re.compile(r"^\s*file = (.+)$", re.MULTILINE)


def _read_failure(exc: duckdb.Error, file: Path | str, hint: str) -> IngestError:
    """A reader error as an IngestError; a CSV row of the wrong width names its row."""
    text = str(exc)
    line, width = _CSV_LINE.search(text), _CSV_WIDTH.search(text)
    if line:
        named = _CSV_FILE.search(text)
        if width:
            reason = (
                f"has {width[2]} fields but the header has {width[1]}: a shifted column "
                "(a value with an unquoted comma, or a field missing)"
            )
        else:  # DuckDB's reason follows the "Original Line" line
            lines = text.splitlines()
            reason = next(
                (lines[i + 1] for i, x in enumerate(lines[:-1]) if x.startswith("Original Line")),
                lines[0],
            ).strip()
        return IngestError(
            f"the row (line {line[1]} of the file) {reason}",
            file=named[1].strip() if named else file,
            row=int(line[1]) - 1,
            hint="re-export the file as UTF-8"
            if "unicode" in reason.lower()
            else "fix the quoting or re-export the file",
        )
    return IngestError(f"cannot be read: {text.splitlines()[0]}", file=file, hint=hint)


def _split_error(text: str) -> tuple[str | None, str]:
    column, _, message = text.partition("\t")
    return (column, message) if message else (None, text)


def delivery_unchanged(
    con: duckdb.DuckDBPyConnection, source: Source, delivery: Delivery, landing_dir: Path
) -> tuple[bool, str, dict[str, str]]:
    """(unchanged, fingerprint, latest fingerprint per account) of one delivery: unchanged when
    every billing account it states was last loaded from exactly these files (by SHA-256)."""
    for path in delivery.files:
        if path not in delivery.file_hashes:
            delivery.file_hashes[path] = _hash_cached(con, path, landing_dir)
    fingerprint = delivery.fingerprint(landing_dir)
    latest = _latest_fingerprints(con, source.name, delivery.period)
    unchanged = bool(delivery.accounts) and all(
        latest.get(a) == fingerprint for a in delivery.accounts
    )
    return unchanged, fingerprint, latest


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    delivery: Delivery,
    landing_dir: Path,
) -> LoadResult:
    unchanged, fingerprint, latest = delivery_unchanged(con, source, delivery, landing_dir)
    rel_files = [str(p.relative_to(landing_dir)) for p in delivery.files]
    if unchanged:
        return LoadResult(
            source.name, delivery.period, "unchanged", sorted(delivery.accounts), files=rel_files
        )
    _refuse_superseded(con, source, delivery, fingerprint, latest, landing_dir)
    if not delivery.files:
        where = delivery.manifest or landing_dir / source.folder
        raise IngestError(
            "the manifest lists no data files",
            file=where,
            hint="wait for the provider's next refresh",
        )

    selects = []
    for path in delivery.files:
        opened = open_file(con, path)
        selects.append(
            _select_sql(source, opened, source.columns, str(path.relative_to(landing_dir)))
        )
    staged = " union all by name ".join(selects)
    load_id = str(uuid.uuid4())
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    table = source.qualified_table
    guard, guard_params = _guard(source, delivery)
    con.execute("begin transaction")
    open_transaction = True
    try:
        # One pass: every delivered row is read, cast and checked on its way into the raw
        # table; the first row that fails a check aborts the statement (and the transaction).
        try:
            con.execute(
                f"insert into {table} by name select * exclude (_error), ? as _load_id, "
                f"?::timestamp as _loaded_at from ({staged}) where {guard}",
                [load_id, loaded_at, *guard_params],
            )
        except duckdb.Error as exc:
            if _write_failure(exc):
                raise
            con.execute("rollback")
            open_transaction = False
            if _GUARD_FAILED in str(exc):
                _explain_bad_rows(con, source, delivery, landing_dir, staged)
            raise _read_failure(
                exc,
                ", ".join(rel_files),
                "a file looks truncated or corrupt; re-download or re-export it",
            ) from None
        units = con.execute(
            f"select _source_file, _billing_account_id, _billing_period, count(*) "
            f"from {table} where _load_id = ? group by all",
            [load_id],
        ).fetchall()
        _check_every_file_has_rows({u[0] for u in units}, delivery, landing_dir)
        accounts = delivery.accounts or {a for _, a, p, _ in units if p == delivery.period}
        accounts_list = sorted(accounts)
        scope = "_billing_period = ? and list_contains(?, _billing_account_id)"
        # The period's previous rows for these accounts go; rows of other periods or accounts
        # that the files also hold are not part of this delivery.
        con.execute(
            f"delete from {table} where {scope} and _load_id <> ?",
            [delivery.period, accounts_list, load_id],
        )
        if any(p != delivery.period or a not in accounts for _, a, p, _ in units):
            con.execute(
                f"delete from {table} where _load_id = ? and not ({scope})",
                [load_id, delivery.period, accounts_list],
            )
        currency = source.currency_expr.replace("r.", "") if source.currency_expr else None
        currencies = (
            f"string_agg(distinct {currency}, ',' order by {currency})" if currency else "null"
        )
        billed = source.billed_cost_expr.replace("r.", "")
        files_json = json.dumps(
            [
                {"path": str(p.relative_to(landing_dir)), "sha256": delivery.file_hashes[p]}
                for p in delivery.files
            ]
        )
        con.execute(
            f"""
            insert into ingest.ledger
            select ?, ?, _billing_account_id, _billing_period, ?, ?, ?::json, count(*),
                   coalesce(sum({billed}), 0), {currencies},
                   ?, 'loaded', null
            from {table} where _load_id = ?
            group by _billing_account_id, _billing_period
            """,
            [
                load_id,
                source.name,
                delivery.delivery_id,
                fingerprint,
                files_json,
                loaded_at,
                load_id,
            ],
        )
        rows, total = con.execute(
            "select coalesce(sum(row_count), 0), coalesce(sum(billed_cost), 0) "
            "from ingest.ledger where load_id = ?",
            [load_id],
        ).fetchone()
        con.execute("commit")
        open_transaction = False
    except BaseException:
        if open_transaction:
            _rollback(con)
        raise
    return LoadResult(
        source.name, delivery.period, "loaded", accounts_list, int(rows), Decimal(total), rel_files
    )


# Raised (via DuckDB's error()) by the load when a row fails a check; the checks are then rerun
# over a stage of the delivery to name the first bad row.
_GUARD_FAILED = "finops: a delivered row failed a check"


def _guard(source: Source, delivery: Delivery) -> tuple[str, list[object]]:
    """A filter over the staged rows that is true for a good row and raises for a bad one:
    the same checks as `_validate_stage`, in one expression."""
    bad = [
        "_error is not null",
        "_billing_account_id is null",
        "_billing_period is null",
    ]
    params: list[object] = []
    if source.currency_expr:
        currency = source.currency_expr.replace("r.", "")
        bad.append(f"not list_contains(?, upper(trim({currency})))")
        params.append(sorted(ISO_4217))
    bad += [condition for condition, _, _ in source.row_checks]
    if delivery.kind != "plain":
        bad.append("_billing_period <> ?")
        params.append(delivery.period)
    # A NULL condition counts as false, as it would in a WHERE clause of its own.
    conditions = " or ".join(f"coalesce({c}, false)" for c in bad)
    return (
        f"case when {conditions} then error({quote_literal(_GUARD_FAILED)}) else true end",
        params,
    )


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failure; a connection DuckDB invalidated (disk full) has nothing to
    roll back, and the original error is the one to report."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def _explain_bad_rows(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    delivery: Delivery,
    landing_dir: Path,
    staged: str,
) -> None:
    """Stage the delivery and name its first bad row (raises IngestError)."""
    try:
        con.execute("create or replace temp table _stage as " + staged)
        _validate_stage(con, source, delivery, landing_dir)
    finally:
        con.execute("drop table if exists _stage")


def _check_every_file_has_rows(counted: set[str], delivery: Delivery, landing_dir: Path) -> None:
    for path in delivery.files:
        if str(path.relative_to(landing_dir)) not in counted:
            raise IngestError(
                "the file has no data rows",
                file=path,
                hint="an export with a header only; re-export it",
            )


def _validate_stage(
    con: duckdb.DuckDBPyConnection, source: Source, delivery: Delivery, landing_dir: Path
) -> None:
    def file_path(rel: str) -> Path:
        return landing_dir / rel

    per_file = con.execute("select _source_file, count(*) from _stage group by 1").fetchall()
    _check_every_file_has_rows({f for f, _ in per_file}, delivery, landing_dir)
    bad = con.execute(
        "select _source_file, _row_number, _error from _stage where _error is not null "
        "order by _source_file, _row_number limit 1"
    ).fetchone()
    if bad:
        column, message = _split_error(bad[2])
        extra = con.execute("select count(*) from _stage where _error is not null").fetchone()[0]
        more = f" ({extra - 1} more bad rows)" if extra > 1 else ""
        raise IngestError(message + more, file=file_path(bad[0]), row=bad[1], column=column)
    missing = con.execute(
        "select _source_file, _row_number, _billing_account_id is null "
        "from _stage where _billing_account_id is null or _billing_period is null "
        "order by _source_file, _row_number limit 1"
    ).fetchone()
    if missing:
        what = "billing account" if missing[2] else "billing period"
        raise IngestError(
            f"cannot tell the {what} of this row", file=file_path(missing[0]), row=missing[1]
        )
    if source.currency_expr:
        currency = source.currency_expr.replace("r.", "")
        bad_currency = con.execute(
            f"select _source_file, min(_row_number), {currency} from _stage "
            f"where not list_contains(?, upper(trim({currency}))) group by 1, 3 order by 1, 2 limit 1",
            [sorted(ISO_4217)],
        ).fetchone()
        if bad_currency:
            raise IngestError(
                f"unknown currency code {bad_currency[2]!r}; expected an ISO 4217 code such as USD",
                file=file_path(bad_currency[0]),
                row=bad_currency[1],
                column=currency,
            )
    for condition, column, message in source.row_checks:
        impossible = con.execute(
            f"select _source_file, _row_number from _stage where {condition} order by 1, 2 limit 1"
        ).fetchone()
        if impossible:
            raise IngestError(
                message,
                file=file_path(impossible[0]),
                row=impossible[1],
                column=column,
                hint="the delivery looks corrupt or hand-edited; re-export it",
            )
    if delivery.kind != "plain":
        other = con.execute(
            "select _source_file, min(_row_number), _billing_period from _stage "
            "where _billing_period <> ? group by 1, 3 order by 1, 2 limit 1",
            [delivery.period],
        ).fetchone()
        if other:
            raise IngestError(
                f"row belongs to billing period {other[2]}, but the manifest is for "
                f"{delivery.period}",
                file=file_path(other[0]),
                row=other[1],
            )


# --- public entry points -----------------------------------------------------------------------


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    landing_dir: Path,
    periods: list[str] | None = None,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Load the current deliveries of one source (optionally only some periods)."""
    source = SOURCES[source_name]
    ensure_raw_table(con, source)
    found = discover(con, source, landing_dir)
    results: list[LoadResult] = []
    wanted = set(periods) if periods is not None else None
    for delivery in sorted(found.deliveries, key=lambda d: (d.period, d.delivery_id)):
        if wanted is not None and delivery.period not in wanted:
            continue
        try:
            result = load_delivery(con, source, delivery, landing_dir)
        except IngestError as exc:
            result = LoadResult(
                source.name,
                delivery.period,
                "failed",
                sorted(delivery.accounts or []),
                message=str(exc),
            )
            _record_failure(con, result)
        except duckdb.Error as exc:
            if _write_failure(exc):
                # Disk full, file size limit, I/O error: the uncommitted delivery is gone (DuckDB
                # may have invalidated the connection). Nothing more can be written: stop here.
                results.append(
                    LoadResult(
                        source.name,
                        delivery.period,
                        "failed",
                        sorted(delivery.accounts or []),
                        message=_unwritable(exc),
                    )
                )
                raise IngestFailed(results) from None
            result = LoadResult(
                source.name,
                delivery.period,
                "failed",
                sorted(delivery.accounts or []),
                message=f"{', '.join(map(str, delivery.files))}: {exc}",
            )
            _record_failure(con, result)
        results.append(result)
        if progress:
            progress(_describe(result))
    for period, exc in found.file_errors:
        if wanted is not None and period != "?" and period not in wanted:
            continue
        result = LoadResult(source.name, period, "failed", message=str(exc))
        _record_failure(con, result)
        results.append(result)
        if progress:
            progress(_describe(result))
    return results


def _write_failure(exc: duckdb.Error) -> bool:
    """The warehouse could not be written: DuckDB invalidated the database, or a commit (its
    write-ahead log) or a write of new rows failed."""
    text = str(exc)
    return isinstance(exc, duckdb.FatalException) or any(
        marker in text for marker in ("Failed to commit", "Could not write file")
    )


def _unwritable(exc: duckdb.Error) -> str:
    text = str(exc)
    original = re.search(r'Original error: "(.*)"', text)
    reason = original[1] if original else text.splitlines()[0]
    return (
        f"the warehouse could not be written ({reason}); it keeps its last committed state. "
        "Free disk space (or raise the file size limit), then rerun"
    )


def _record_failure(con: duckdb.DuckDBPyConnection, result: LoadResult) -> None:
    con.execute("drop table if exists _stage")
    con.execute(
        "insert into ingest.ledger (load_id, source, billing_period, loaded_at, status, message) "
        "values (?, ?, ?, ?, 'failed', ?)",
        [
            str(uuid.uuid4()),
            result.source,
            result.period,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            result.message,
        ],
    )


def _describe(result: LoadResult) -> str:
    if result.status == "loaded":
        billed = (
            "" if result.source == "business_metrics" else f", billed {result.billed_cost:,.2f}"
        )
        return (
            f"{result.source} {result.period}: loaded {result.rows:,} rows{billed} "
            f"({len(result.files)} file(s))"
        )
    if result.status == "unchanged":
        return f"{result.source} {result.period}: unchanged, skipped"
    return f"{result.source} {result.period}: FAILED {result.message}"


def available_periods(
    con: duckdb.DuckDBPyConnection, source_name: str, landing_dir: Path
) -> list[str]:
    source = SOURCES[source_name]
    found = discover(con, source, landing_dir)
    return sorted({d.period for d in found.deliveries})
