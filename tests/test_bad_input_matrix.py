"""Bad input, one class a row, across every source: a clear error that names the file (and the
row and column where there is one) with the period left exactly as before, or a documented repair
whose result is asserted to the cent.

Each case starts from a good, loaded baseline of its source (built once per module and copied),
lands one bad delivery for the same billing period and ingests again. "Exactly as before" is
checked on every raw table (row count, billed total and a digest of every row) and on the
ledger's loaded entries; a failed load only appends a `failed` ledger row.
Documented in docs/reliability.md.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops.config import Settings
from finops.ingest import SOURCES, IngestFailed, ingest
from tests import builders as b
from tests.warehouses import make_settings

T0 = 1_736_000_000  # modification time of every baseline file (2025-01-04)

# --- small writers for the formats tests/builders.py does not cover ------------------------------

FOCUS_HEADER = [
    "BilledCost",
    "EffectiveCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ConsumedQuantity",
    "ProviderName",
    "ServiceName",
    "ResourceName",
    "Tags",
]


def focus_row(
    cost: str,
    start: str = "2025-01-05T00:00:00Z",
    name: str = "vm-1",
    period_start: str = "2025-01-01T00:00:00Z",
    quantity: str = "1",
) -> list[str]:
    return [
        cost,
        cost,
        "focus-acct-1",
        "USD",
        period_start,
        "2025-02-01T00:00:00Z",
        "Usage",
        start,
        "2025-01-05T01:00:00Z",
        quantity,
        "Oracle",
        "Compute",
        name,
        '{"team": "search"}',
    ]


GCP_CSV_HEADER = [
    "billing_account_id",
    "service.description",
    "usage_start_time",
    "project.id",
    "labels",
    "cost",
    "currency",
    "usage.amount",
    "invoice.month",
    "cost_type",
]


def gcp_csv_row(cost: str, start: str = "2025-01-05 00:00:00 UTC", amount: str = "1") -> list[str]:
    return [
        "03AAAA-BBBBBB-CCCCCC",
        "Compute Engine",
        start,
        "lab-proj",
        '[{"key":"team","value":"ml"}]',
        cost,
        "USD",
        amount,
        "202501",
        "regular",
    ]


def write_gcp_parquet(path: Path, records: list[dict]) -> Path:
    source = b.write_ndjson(path.with_suffix(".tmp.json"), records)
    con = duckdb.connect()
    con.execute(f"copy (select * from read_json('{source}')) to '{path}' (format parquet)")
    con.close()
    source.unlink()
    return path


def landed(path: Path, mtime: int) -> Path:
    b.set_mtime(path, mtime)
    return path


# --- baselines: one good, loaded January per source ---------------------------------------------

EA_DIR = "azure/ea-export/20250101-20250131"
MCA_DIR = "azure/mca-export/20250101-20250131"
CUR2_FILE = "aws/cur2/acme-cur2/data/BILLING_PERIOD=2025-01/{}/acme-cur2-00001.snappy.parquet"


def base_cur2(landing: Path) -> None:
    b.write_cur2_delivery(landing / "aws", "2025-01", "exec-1", ["10.00", "20.50"])


def base_cur(landing: Path) -> None:
    rows = [b.legacy_row(1, "4.00", team="search"), b.legacy_row(2, "6.25")]
    b.write_legacy_delivery(landing / "aws", "2025-01", "asm-1", rows)


def base_ea(landing: Path) -> None:
    path = b.write_csv(landing / EA_DIR / "ea-export_aaaa.csv", b.EA_HEADER, [b.ea_row("7.00")])
    landed(path, T0)


def base_mca(landing: Path) -> None:
    path = b.write_csv(landing / MCA_DIR / "mca-export_aaaa.csv", b.MCA_HEADER, [b.mca_row("9.00")])
    landed(path, T0)


def base_gcp_ndjson(landing: Path) -> None:
    path = b.write_ndjson(landing / "gcp/main/billing-000000000000.json", [b.gcp_record(2.5)])
    landed(path, T0)


def base_gcp_parquet(landing: Path) -> None:
    rec = b.gcp_record(4.0, account="02AAAA-BBBBBB-CCCCCC")
    landed(write_gcp_parquet(landing / "gcp/sub/billing-000000000000.parquet", [rec]), T0)


def base_gcp_csv(landing: Path) -> None:
    path = b.write_csv(landing / "gcp/lab/export_aaaa.csv", GCP_CSV_HEADER, [gcp_csv_row("0.75")])
    landed(path, T0)


def base_focus(landing: Path) -> None:
    path = b.write_csv(landing / "focus/oci/focus_aaaa.csv", FOCUS_HEADER, [focus_row("3.00")])
    landed(path, T0)


BASELINES: dict[str, Callable[[Path], None]] = {
    "aws_cur2": base_cur2,
    "aws_cur": base_cur,
    "azure_ea": base_ea,
    "azure_mca": base_mca,
    "gcp_ndjson": base_gcp_ndjson,
    "gcp_parquet": base_gcp_parquet,
    "gcp_csv": base_gcp_csv,
    "focus": base_focus,
}


# --- what "exactly as before" means ----------------------------------------------------------------


def state(settings: Settings) -> dict[str, object]:
    """Every raw table (rows, billed total, digest of all rows) and the ledger's loaded entries."""
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        out: dict[str, object] = {}
        for source in SOURCES.values():
            billed = source.billed_cost_expr.replace("r.", "")
            out[source.table] = con.execute(
                f"select count(*), sum({billed}), "
                f"md5(coalesce(string_agg(t::varchar, '|' order by _source_file, _row_number), '')) "
                f"from {source.qualified_table} t"
            ).fetchone()
        out["ledger"] = con.execute(
            "select load_id, source, billing_account_id, billing_period, fingerprint, row_count, "
            "billed_cost, billing_currency from ingest.ledger where status = 'loaded' order by all"
        ).fetchall()
        return out
    finally:
        con.close()


def q(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@dataclass(frozen=True)
class Case:
    id: str
    base: str  # key of BASELINES
    land: Callable[[Path], object]  # lands the bad delivery under the landing folder
    error: tuple[str, ...] = ()  # substrings of the error; empty = the delivery is accepted
    check: Callable[[Settings], None] | None = None  # for accepted cases: the exact result

    def __str__(self) -> str:
        return self.id


# --- the bad deliveries --------------------------------------------------------------------------


def cur2_restatement(costs: list[str] | None = None, sql: str | None = None) -> Callable:
    def land(landing: Path) -> Path:
        return b.write_cur2_delivery(
            landing / "aws", "2025-01", "exec-2", costs or ["1.00"], rows_sql=sql
        )

    return land


def cur2_sql(replace: str, by: str, costs: list[str] | None = None) -> str:
    sql = b.cur2_rows_sql("2025-01", costs or ["1.0", "2.0"])
    assert replace in sql
    return sql.replace(replace, by)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def land_truncated_gzip(landing: Path) -> None:
    rows = [b.legacy_row(i, f"{i}.00") for i in range(2000)]
    truncate(b.write_legacy_delivery(landing / "aws", "2025-01", "asm-2", rows))


def land_truncated_parquet(landing: Path) -> None:
    records = [b.gcp_record(float(i), account="02AAAA-BBBBBB-CCCCCC") for i in range(500)]
    path = write_gcp_parquet(landing / "gcp/sub/billing-000000000000.parquet", records)
    truncate(landed(path, T0 + 100))


def ea_csv(name: str, text: str, mtime: int = T0 + 100) -> Callable[[Path], Path]:
    def land(landing: Path) -> Path:
        path = landing / EA_DIR / name
        path.write_text(text, encoding="utf-8")
        return landed(path, mtime)

    return land


def ea_lines(*rows: list[object], header: list[str] | None = None) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header or b.EA_HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def shifted_column_text() -> str:
    # A meter name with a comma written without quotes: every later column shifts by one.
    good = ",".join(map(str, b.ea_row("1.00", tags="none")))
    bad = good.replace(",D4s v5,", ",D4s v5, Low Priority,")
    quote = ",".join(map(str, b.ea_row("1.00", tags="none"))).replace(",none,", ',x"y,')
    return "\n".join([",".join(b.EA_HEADER), good, bad, quote]) + "\n"


def stray_quote_text() -> str:
    # A lone double quote inside an unquoted field: the rest of the file would be one value.
    good = ",".join(map(str, b.ea_row("1.00", tags="none")))
    return "\n".join([",".join(b.EA_HEADER), good, good.replace(",none,", ',"team": x,')]) + "\n"


def mca_semicolons(landing: Path) -> None:
    path = landing / MCA_DIR / "mca-export_bbbb.csv"
    rows = [b.MCA_HEADER, b.mca_row("5.00")]
    path.write_text("\n".join(";".join(map(str, r)) for r in rows) + "\n")
    landed(path, T0 + 100)


def focus_file(name: str, rows: list[list[str]], header: list[str] | None = None, **kw) -> Callable:
    def land(landing: Path) -> Path:
        path = b.write_csv(landing / "focus/oci" / name, header or FOCUS_HEADER, rows)
        if kw.get("encoding"):
            path.write_bytes(path.read_text().encode(kw["encoding"]))
        if kw.get("bom"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        return landed(path, T0 + 100)

    return land


def gcp_ndjson(records: list[dict], name: str = "billing-000000000000.json") -> Callable:
    def land(landing: Path) -> Path:
        return landed(b.write_ndjson(landing / "gcp/main" / name, records), T0 + 100)

    return land


def gcp_record_without(key: str) -> dict:
    record = b.gcp_record(1.0)
    del record[key]
    return record


def gcp_record_with(path: str, value: object) -> dict:
    record = b.gcp_record(1.0)
    *parents, leaf = path.split(".")
    node = record
    for parent in parents:
        node = node[parent]
    node[leaf] = value
    return record


def gcp_csv(rows: list[list[str]], header: list[str] | None = None) -> Callable:
    def land(landing: Path) -> Path:
        path = b.write_csv(landing / "gcp/lab/export_bbbb.csv", header or GCP_CSV_HEADER, rows)
        return landed(path, T0 + 100)

    return land


def legacy(rows: list[list[object]]) -> Callable:
    def land(landing: Path) -> Path:
        return b.write_legacy_delivery(landing / "aws", "2025-01", "asm-2", rows)

    return land


def legacy_row_with(column: str, value: str, **kw) -> list[object]:
    row = b.legacy_row(9, "1.00", **kw)
    row[b.LEGACY_HEADER.index(column)] = value
    return row


def manifest_listing_missing_file(landing: Path) -> None:
    path = b.write_legacy_delivery(landing / "aws", "2025-01", "asm-2", [b.legacy_row(1, "1.00")])
    path.unlink()


def manifest_without_data_files(landing: Path) -> None:
    b.write_cur2_delivery(landing / "aws", "2025-01", "exec-2", ["1.00"])
    manifest = (
        landing / "aws/cur2/acme-cur2/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json"
    )
    data = json.loads(manifest.read_text())
    data["dataFiles"] = []
    manifest.write_text(json.dumps(data))


def same_gcp_delivery_twice(landing: Path) -> None:
    # the same export synced again into a second folder, and the first copy touched
    source = landing / "gcp/main/billing-000000000000.json"
    copy = landing / "gcp/main-resync/billing-000000000000.json"
    copy.parent.mkdir(parents=True)
    shutil.copy2(source, copy)
    landed(copy, T0 + 100)
    source.touch()


def older_azure_file_after_newer(landing: Path) -> None:
    # the newer cumulative export (9 + 5) is loaded first; then an older one (9 only) arrives,
    # its modification time preserved by the sync
    newer = b.write_csv(
        landing / EA_DIR / "ea-export_cccc.csv",
        b.EA_HEADER,
        [b.ea_row("7.00"), b.ea_row("5.00", day="01/09/2025")],
    )
    landed(newer, T0 + 200)


# --- checks of accepted deliveries -----------------------------------------------------------------


def totals_are(table: str, cost: str, expected: dict[str, tuple[int, str]]) -> Callable:
    def check(settings: Settings) -> None:
        rows = q(
            settings, f"select _billing_period, count(*), sum({cost}) from raw.{table} group by 1"
        )
        assert {p: (n, s) for p, n, s in rows} == {
            p: (n, Decimal(s)) for p, (n, s) in expected.items()
        }

    return check


def focus_values(sql: str, expected: list[tuple]) -> Callable:
    def check(settings: Settings) -> None:
        assert q(settings, sql) == expected

    return check


def all_of(*checks: Callable) -> Callable:
    def check(settings: Settings) -> None:
        for c in checks:
            c(settings)

    return check


FOCUS_TOTAL = "select count(*), sum(billed_cost) from raw.focus_cost_and_usage"

CASES = [
    # --- truncated and corrupt files ---
    Case(
        "aws_cur-truncated-gzip",
        "aws_cur",
        land_truncated_gzip,
        ("acme-legacy-00001.csv.gz", "truncated or corrupt"),
    ),
    Case(
        "aws_cur2-truncated-parquet",
        "aws_cur2",
        lambda landing: truncate(cur2_restatement(["1.00"] * 300)(landing)),
        ("acme-cur2-00001.snappy.parquet", "truncated or corrupt"),
    ),
    Case(
        "gcp_parquet-truncated",
        "gcp_parquet",
        land_truncated_parquet,
        ("billing-000000000000.parquet", "truncated or corrupt"),
    ),
    # --- CSV layout ---
    Case(
        "azure_ea-shifted-column",
        "azure_ea",
        ea_csv("ea-export_bbbb.csv", shifted_column_text()),
        ("ea-export_bbbb.csv", "row 2", "has 19 fields but the header has 18", "shifted column"),
    ),
    Case(
        "azure_ea-stray-quote",
        "azure_ea",
        ea_csv("ea-export_bbbb.csv", stray_quote_text()),
        ("ea-export_bbbb.csv", "row 2", "line 3 of the file", "unterminated quote"),
    ),
    Case(
        "azure_mca-wrong-delimiter",
        "azure_mca",
        mca_semicolons,
        ("mca-export_bbbb.csv", "unknown file format"),
    ),
    Case(
        "focus-utf8-bom-accepted",
        "focus",
        focus_file("focus_bbbb.csv", [focus_row("3.00"), focus_row("1.50")], bom=True),
        check=focus_values(FOCUS_TOTAL, [(2, Decimal("4.50"))]),
    ),
    Case(
        "focus-latin1",
        "focus",
        focus_file(
            "focus_bbbb.csv",
            [focus_row("3.00"), focus_row("3.00", name="café-1")],
            encoding="latin-1",
        ),
        ("focus_bbbb.csv", "row 2", "not utf-8 encoded", "re-export the file as UTF-8"),
    ),
    Case(
        "focus-latin1-header",
        "focus",
        focus_file(
            "focus_bbbb.csv",
            [focus_row("3.00")],
            header=[*FOCUS_HEADER[:-1], "Étiquettes"],
            encoding="latin-1",
        ),
        ("focus_bbbb.csv", "cannot read the header", "not UTF-8"),
    ),
    Case(
        "azure_ea-duplicate-header-column",
        "azure_ea",
        ea_csv(
            "ea-export_bbbb.csv",
            ea_lines([*b.ea_row("1.00"), "2.00"], header=[*b.EA_HEADER, "CostInBillingCurrency"]),
        ),
        ("ea-export_bbbb.csv", "duplicate column 'CostInBillingCurrency'"),
    ),
    Case(
        "gcp_csv-header-repeated-in-body",
        "gcp_csv",
        gcp_csv([gcp_csv_row("1.00"), GCP_CSV_HEADER, gcp_csv_row("2.00")]),
        ("export_bbbb.csv", "row 2", "cannot tell the billing period of this row"),
    ),
    # --- columns ---
    Case(
        "gcp_ndjson-missing-required-column",
        "gcp_ndjson",
        gcp_ndjson([gcp_record_without("currency")]),
        ("billing-000000000000.json", "required column missing: currency"),
    ),
    Case(
        "focus-extra-unknown-columns-accepted",
        "focus",
        focus_file(
            "focus_bbbb.csv",
            [[*focus_row("2.25"), "x", "y"]],
            header=[*FOCUS_HEADER, "x_CustomerField", "Unrelated Column"],
        ),
        check=focus_values(FOCUS_TOTAL, [(1, Decimal("2.25"))]),
    ),
    # --- values that do not parse ---
    Case(
        "aws_cur-unparseable-timestamp",
        "aws_cur",
        legacy([b.legacy_row(1, "1.00"), legacy_row_with("lineItem/UsageStartDate", "yesterday")]),
        ("row 2", "column 'lineItem/UsageStartDate'", "expected timestamp, got yesterday"),
    ),
    Case(
        "gcp_ndjson-unparseable-number",
        "gcp_ndjson",
        gcp_ndjson([b.gcp_record(1.0), gcp_record_with("usage.amount", "lots")]),
        ("billing-000000000000.json", "row 2", "column 'usage.amount'", "got lots"),
    ),
    Case(
        "aws_cur2-nan-cost",
        "aws_cur2",
        cur2_restatement(sql=cur2_sql("cost::double", "'nan'::double")),
        ("row 1", "column 'line_item_unblended_cost'", "got nan"),
    ),
    Case(
        "aws_cur2-infinity-cost",
        "aws_cur2",
        cur2_restatement(
            sql=cur2_sql("cost::double", "case when i = 1 then 'inf'::double else cost end")
        ),
        ("row 2", "column 'line_item_unblended_cost'", "got inf"),
    ),
    Case(
        "focus-nan-text-cost",
        "focus",
        focus_file("focus_bbbb.csv", [focus_row("NaN")]),
        ("focus_bbbb.csv", "row 1", "column 'BilledCost'", "got NaN"),
    ),
    Case(
        "azure_mca-empty-cost",
        "azure_mca",
        lambda landing: landed(
            b.write_csv(
                landing / MCA_DIR / "mca-export_bbbb.csv",
                b.MCA_HEADER,
                [b.mca_row("1.00"), b.mca_row("")],
            ),
            T0 + 100,
        ),
        ("row 2", "column 'costInBillingCurrency'", "a value is required"),
    ),
    Case(
        "azure_ea-thousands-separator",
        "azure_ea",
        ea_csv("ea-export_bbbb.csv", ea_lines(b.ea_row("1,234.56"))),
        ("row 1", "column 'CostInBillingCurrency'", "got 1,234.56"),
    ),
    # --- values that parse but cannot be true ---
    Case(
        "aws_cur-negative-usage-on-usage-line",
        "aws_cur",
        legacy([b.legacy_row(1, "1.00"), legacy_row_with("lineItem/UsageAmount", "-3")]),
        ("row 2", "column 'line_item_usage_amount'", "negative usage quantity"),
    ),
    Case(
        "gcp_csv-negative-usage-on-regular-cost",
        "gcp_csv",
        gcp_csv([gcp_csv_row("1.00", amount="-2")]),
        ("export_bbbb.csv", "row 1", "column 'usage_amount'", "negative usage quantity"),
    ),
    Case(
        "focus-negative-usage-with-positive-cost",
        "focus",
        focus_file("focus_bbbb.csv", [focus_row("2.00", quantity="-1")]),
        ("row 1", "column 'consumed_quantity'", "negative usage quantity with a positive cost"),
    ),
    Case(
        "focus-negative-usage-correction-accepted",  # Microsoft's usage corrections (FOCUS sample)
        "focus",
        focus_file("focus_bbbb.csv", [focus_row("3.00"), focus_row("-0.15", quantity="-1")]),
        check=focus_values(FOCUS_TOTAL, [(2, Decimal("2.85"))]),
    ),
    Case(
        "gcp_ndjson-label-key-twice-with-two-values",
        "gcp_ndjson",
        gcp_ndjson(
            [
                gcp_record_with(
                    "labels", [{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]
                )
            ]
        ),
        ("billing-000000000000.json", "row 1", "column 'labels'", "label key appears twice"),
    ),
    Case(
        "gcp_ndjson-label-repeated-identically-accepted",
        "gcp_ndjson",
        gcp_ndjson(
            [
                gcp_record_with(
                    "labels", [{"key": "team", "value": "a"}, {"key": "team", "value": "a"}]
                )
            ]
        ),
        check=totals_are("gcp_billing_export", "cost", {"2025-01": (1, "1.00")}),
    ),
    Case(
        "aws_cur2-unknown-currency",
        "aws_cur2",
        cur2_restatement(sql=b.cur2_rows_sql("2025-01", ["1.0"], currency="XYZ")),
        ("row 1", "unknown currency code 'XYZ'"),
    ),
    # --- dates and periods ---
    Case(
        "azure_ea-usage-date-outside-the-billing-period-accepted",
        "azure_ea",
        ea_csv(
            "ea-export_bbbb.csv", ea_lines(b.ea_row("7.00"), b.ea_row("2.00", day="02/03/2025"))
        ),
        # the provider's billing period decides, not the usage date (late usage is billed later)
        check=totals_are(
            "azure_cost_details", "cost_in_billing_currency", {"2025-01": (2, "9.00")}
        ),
    ),
    Case(
        "focus-timestamps-without-zone-and-with-offset-accepted",
        "focus",
        focus_file(
            "focus_bbbb.csv",
            [
                focus_row("1.00", start="2025-01-05 00:00:00"),
                focus_row("2.00", start="2025-01-05T02:00:00+02:00"),
                focus_row("3.00", start="2025-01-04T19:00:00-05:00"),
            ],
        ),
        check=focus_values(
            "select distinct charge_period_start::varchar from raw.focus_cost_and_usage",
            [("2025-01-05 00:00:00",)],
        ),
    ),
    Case(
        "aws_cur-delivery-mixing-two-months",
        "aws_cur",
        legacy([b.legacy_row(1, "1.00"), b.legacy_row(2, "1.00", period="2025-02")]),
        ("row 2", "billing period 2025-02", "manifest is for 2025-01"),
    ),
    Case(
        "gcp_ndjson-file-spanning-two-invoice-months-accepted",
        "gcp_ndjson",
        gcp_ndjson([b.gcp_record(1.25), b.gcp_record(2.0, month="202502")]),
        # each invoice month is its own unit: January replaced, February added
        check=totals_are(
            "gcp_billing_export", "cost", {"2025-01": (1, "1.25"), "2025-02": (1, "2.00")}
        ),
    ),
    Case(
        "aws_cur2-two-currencies-in-one-account-month-accepted",
        "aws_cur2",
        cur2_restatement(
            sql=cur2_sql(
                "'USD' as line_item_currency_code",
                "case when i = 0 then 'USD' else 'EUR' end as line_item_currency_code",
                ["1.00", "2.00"],
            )
        ),
        # kept apart per currency; the ledger lists both (reconciliation is per currency)
        check=focus_values(
            "select row_count, billed_cost, billing_currency from ingest.ledger "
            "where source = 'aws_cur2' and status = 'loaded' order by loaded_at desc limit 1",
            [(2, Decimal("3.00"), "EUR,USD")],
        ),
    ),
    # --- manifests and deliveries ---
    Case(
        "aws_cur-manifest-lists-a-missing-file",
        "aws_cur",
        manifest_listing_missing_file,
        ("acme-legacy-Manifest.json", "not in the landing folder"),
    ),
    Case(
        "aws_cur2-manifest-with-no-data-files",
        "aws_cur2",
        manifest_without_data_files,
        ("acme-cur2-Manifest.json", "lists no data files"),
    ),
    Case(
        "gcp_ndjson-same-delivery-twice-accepted",
        "gcp_ndjson",
        same_gcp_delivery_twice,
        check=totals_are("gcp_billing_export", "cost", {"2025-01": (1, "2.50")}),  # never 5.00
    ),
    Case(
        "azure_ea-older-delivery-after-newer-is-ignored",
        "azure_ea",
        older_azure_file_after_newer,
        check=totals_are(
            "azure_cost_details", "cost_in_billing_currency", {"2025-01": (2, "12.00")}
        ),
    ),
]


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each source's good January, ingested once; cases copy it."""
    out = {}
    for name, write in BASELINES.items():
        root = tmp_path_factory.mktemp(f"baseline_{name}")
        settings = make_settings(root)
        write(settings.landing_dir)
        results = ingest(settings)
        assert {r.status for r in results} == {"loaded"}, results
        out[name] = root
    return out


def copy_baseline(baselines: dict[str, Path], name: str, tmp_path: Path) -> Settings:
    root = tmp_path / "w"
    shutil.copytree(baselines[name], root)  # copy2: modification times kept
    return make_settings(root)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input(case: Case, baselines: dict[str, Path], tmp_path: Path) -> None:
    settings = copy_baseline(baselines, case.base, tmp_path)
    before = state(settings)
    case.land(settings.landing_dir)
    if case.error:
        with pytest.raises(IngestFailed) as caught:
            ingest(settings)
        message = str(caught.value)
        for needle in case.error:
            assert needle in message, f"{needle!r} not in: {message}"
        assert state(settings) == before
        failed = q(settings, "select count(*) from ingest.ledger where status = 'failed'")
        assert failed[0][0] >= 1
    else:
        results = ingest(settings)
        assert all(r.status != "failed" for r in results), results
        assert case.check is not None
        case.check(settings)


# --- older deliveries must never overwrite newer ones ---------------------------------------------


def test_superseded_cur2_execution_returning_is_refused(
    baselines: dict[str, Path], tmp_path: Path
) -> None:
    settings = copy_baseline(baselines, "aws_cur2", tmp_path)
    cur2_restatement(["1.00", "2.00", "0.25"])(settings.landing_dir)
    ingest(settings)  # exec-2 replaces exec-1
    newer = state(settings)
    assert newer["aws_cur2_line_items"][:2] == (3, Decimal("3.25"))

    root = settings.landing_dir / "aws/cur2/acme-cur2"
    manifest = root / "metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json"
    data = json.loads(manifest.read_text())
    data["executionId"] = "exec-1"
    data["dataFiles"] = ["s3://acme-billing/" + CUR2_FILE.format("exec-1")]
    manifest.write_text(json.dumps(data))

    with pytest.raises(IngestFailed) as caught:
        ingest(settings)
    assert "acme-cur2-Manifest.json" in str(caught.value)
    assert "delivery exec-1 of billing account 111111111111 was loaded" in str(caught.value)
    assert "replaced by a newer one; refusing to go back to it" in str(caught.value)
    assert state(settings) == newer


def test_superseded_azure_export_touched_is_refused(
    baselines: dict[str, Path], tmp_path: Path
) -> None:
    settings = copy_baseline(baselines, "azure_ea", tmp_path)
    older_azure_file_after_newer(settings.landing_dir)
    ingest(settings)
    newer = state(settings)
    assert newer["azure_cost_details"][:2] == (2, Decimal("12.00"))
    (settings.landing_dir / EA_DIR / "ea-export_aaaa.csv").touch()  # the old file looks newest
    with pytest.raises(IngestFailed, match=r"ea-export_aaaa\.csv.*refusing to go back to it"):
        ingest(settings)
    assert state(settings) == newer


# --- a machine whose local time zone is not UTC ----------------------------------------------------


def test_timestamps_without_zone_are_utc_on_any_machine(tmp_path: Path) -> None:
    """Ingestion in a process whose local time zone is Tokyo stores the same UTC timestamps."""
    import os
    import subprocess
    import sys

    settings = make_settings(tmp_path)
    focus_file(
        "focus_bbbb.csv",
        [focus_row("1.00", start="2025-01-05 00:00:00", period_start="2025-01-01 00:00:00")],
    )(settings.landing_dir)
    code = (
        "from finops.ingest import ingest; from tests.warehouses import make_settings; "
        f"import pathlib; ingest(make_settings(pathlib.Path({str(tmp_path)!r})))"
    )
    env = {**os.environ, "TZ": "Asia/Tokyo"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=Path(__file__).parents[1])
    assert q(
        settings,
        "select _billing_period, charge_period_start::varchar, billing_period_start::varchar "
        "from raw.focus_cost_and_usage",
    ) == [("2025-01", "2025-01-05 00:00:00", "2025-01-01 00:00:00")]


def test_gzip_truncated_mid_body_in_plain_source(
    baselines: dict[str, Path], tmp_path: Path
) -> None:
    """A gzip cut off mid-stream (an interrupted sync) in a source without manifests."""
    settings = copy_baseline(baselines, "azure_ea", tmp_path)
    before = state(settings)
    body = ea_lines(*[b.ea_row(f"{i}.00") for i in range(3000)]).encode()
    path = settings.landing_dir / EA_DIR / "ea-export_bbbb.csv.gz"
    path.write_bytes(gzip.compress(body)[: len(gzip.compress(body)) * 2 // 3])
    landed(path, T0 + 100)
    with pytest.raises(IngestFailed, match=r"ea-export_bbbb\.csv\.gz.*truncated or corrupt"):
        ingest(settings)
    assert state(settings) == before
