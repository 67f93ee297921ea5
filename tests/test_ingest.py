"""Ingestion: every source and layout, idempotence, restatements, and bad input losing nothing."""

from __future__ import annotations

import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from finops.config import Settings
from finops.ingest import IngestFailed, ingest
from tests import builders as b
from tests.conftest import query


def totals(settings: Settings, table: str, cost: str) -> dict[str, tuple[int, Decimal]]:
    rows = query(
        settings, f"select _billing_period, count(*), sum({cost}) from raw.{table} group by 1"
    )
    return {p: (n, s) for p, n, s in rows}


def ledger_rows(settings: Settings) -> list[tuple]:
    return query(settings, "select * from ingest.ledger order by loaded_at, billing_account_id")


# --- the real FOCUS sample -----------------------------------------------------------------------


def test_focus_sample_ingests_with_exact_totals(settings: Settings, focus_sample: Path) -> None:
    target = settings.landing_dir / "focus" / "finops-foundation" / focus_sample.name
    target.parent.mkdir(parents=True)
    shutil.copy(focus_sample, target)

    results = ingest(settings)

    assert {(r.period, r.status) for r in results} == {("2024-09", "loaded"), ("2024-10", "loaded")}
    # Hand-checked against the CSV with Python's decimal module: 1,000 rows in total.
    assert query(
        settings,
        "select count(*), sum(billed_cost), sum(effective_cost) from raw.focus_cost_and_usage",
    ) == [(1000, Decimal("20.520226728990"), Decimal("14.976514185860"))]
    by_provider = dict(
        query(settings, "select provider_name, count(*) from raw.focus_cost_and_usage group by 1")
    )
    assert by_provider == {"AWS": 942, "Microsoft": 51, "Oracle": 7}
    # NULL literals became SQL NULL, timestamps without T/Z parsed, the odd Oracle row kept its month.
    assert query(
        settings, "select count(*) from raw.focus_cost_and_usage where availability_zone = 'NULL'"
    ) == [(0,)]
    assert (
        query(
            settings,
            "select min(charge_period_start), max(_billing_period) from raw.focus_cost_and_usage",
        )[0][1]
        == "2024-10"
    )
    # the tag key with a leading space (" org", 23 rows) is kept verbatim for the tag normalizer
    assert query(
        settings,
        """select count(*) from raw.focus_cost_and_usage
           where list_contains(json_keys(tags::json), ' org')""",
    ) == [(23,)]


def test_reingesting_the_same_delivery_changes_nothing(
    settings: Settings, focus_sample: Path
) -> None:
    target = settings.landing_dir / "focus" / focus_sample.name
    target.parent.mkdir(parents=True)
    shutil.copy(focus_sample, target)
    ingest(settings)
    before_raw = query(
        settings, "select _load_id, count(*) from raw.focus_cost_and_usage group by 1 order by 1"
    )
    before_ledger = ledger_rows(settings)

    again = ingest(settings)
    target.touch()  # a new modification time alone is not a new delivery
    once_more = ingest(settings)

    assert {r.status for r in again + once_more} == {"unchanged"}
    assert (
        query(
            settings,
            "select _load_id, count(*) from raw.focus_cost_and_usage group by 1 order by 1",
        )
        == before_raw
    )
    assert ledger_rows(settings) == before_ledger


# --- AWS CUR 2.0 with manifests ------------------------------------------------------------------


def test_cur2_restatement_replaces_the_period_exactly(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["10.00", "20.50"])
    b.write_cur2_delivery(aws, "2025-02", "exec-1", ["5.25"])
    ingest(settings)
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-01": (2, Decimal("30.50")),
        "2025-02": (1, Decimal("5.25")),
    }

    # January is restated: a new execution with three lines; the old execution's file stays on disk.
    old_file = (
        aws / "cur2/acme-cur2/data/BILLING_PERIOD=2025-01/exec-1/acme-cur2-00001.snappy.parquet"
    )
    b.write_cur2_delivery(aws, "2025-01", "exec-2", ["10.00", "20.00", "-1.25"])
    assert old_file.exists()
    results = ingest(settings)

    assert {(r.period, r.status) for r in results} == {
        ("2025-01", "loaded"),
        ("2025-02", "unchanged"),
    }
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-01": (3, Decimal("28.75")),  # 10.00 + 20.00 - 1.25, never 30.50 + 28.75
        "2025-02": (1, Decimal("5.25")),
    }
    assert query(
        settings,
        "select distinct _source_file from raw.aws_cur2_line_items "
        "where _billing_period = '2025-01'",
    ) == [("aws/cur2/acme-cur2/data/BILLING_PERIOD=2025-01/exec-2/acme-cur2-00001.snappy.parquet",)]
    # the tag map survives as a map
    assert query(
        settings, "select resource_tags['user_team'] from raw.aws_cur2_line_items limit 1"
    ) == [("payments",)]


def test_cur2_ledger_records_each_load(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-03", "exec-9", ["1.10", "2.20"])
    ingest(settings)
    rows = query(
        settings,
        "select source, billing_account_id, billing_period, delivery_id, row_count, "
        "billed_cost, billing_currency, status, json_array_length(files) "
        "from ingest.ledger",
    )
    assert rows == [
        ("aws_cur2", b.PAYER, "2025-03", "exec-9", 2, Decimal("3.30"), "USD", "loaded", 1)
    ]


def test_restatements_leave_no_wal_and_compact_only_when_deleted_rows_pile_up(
    settings: Settings,
) -> None:
    def stored_and_live() -> tuple[int, int]:
        return query(
            settings,
            "select estimated_size, (select count(*) from raw.aws_cur2_line_items) "
            "from duckdb_tables() where table_name = 'aws_cur2_line_items'",
        )[0]

    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["1.00"] * 10)
    b.write_cur2_delivery(aws, "2025-02", "exec-1", ["2.00"] * 30)
    ingest(settings)
    assert stored_and_live() == (40, 40)

    # January restated: 10 of the 50 stored rows are deleted (20 %), which a checkpoint does not
    # rewrite the table for; the data is whole and checkpointed (no write-ahead log left).
    b.write_cur2_delivery(aws, "2025-01", "exec-2", ["1.50"] * 10)
    ingest(settings)
    assert stored_and_live() == (50, 40)
    assert not settings.duckdb_path.with_name(settings.duckdb_path.name + ".wal").exists()
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-01": (10, Decimal("15.00")),
        "2025-02": (30, Decimal("60.00")),
    }

    # February restated too: 40 of 80 stored rows deleted (over 25 %): the checkpoint compacts.
    b.write_cur2_delivery(aws, "2025-02", "exec-2", ["2.50"] * 30)
    ingest(settings)
    assert stored_and_live() == (40, 40)
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-01": (10, Decimal("15.00")),
        "2025-02": (30, Decimal("75.00")),
    }


def test_cur2_file_without_manifest_is_read_as_a_plain_delivery(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-04", "exec-1", ["7.00"], write_manifest=False)
    ingest(settings)
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-04": (1, Decimal("7.00"))
    }


# --- AWS legacy CUR ------------------------------------------------------------------------------


def test_legacy_cur_reads_manifest_assembly_and_collapses_tags(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_legacy_delivery(aws, "2025-01", "asm-1", [b.legacy_row(1, "4.00", team="search")])
    b.write_legacy_delivery(
        aws,
        "2025-01",
        "asm-2",
        [
            b.legacy_row(1, "4.00", team="search"),
            b.legacy_row(2, "0.0000001234", team_upper="Payments "),
        ],
    )
    ingest(settings)
    assert totals(settings, "aws_cur_line_items", "line_item_unblended_cost") == {
        "2025-01": (2, Decimal("4.000000123400"))
    }
    tags = query(
        settings,
        "select line_item_resource_id, resource_tags, product['vcpu'] is null "
        "from raw.aws_cur_line_items order by 1",
    )
    assert tags == [
        ("bucket-1", {"user:team": "search"}, True),
        ("bucket-2", {"user:Team": "Payments "}, True),
    ]
    assert query(
        settings,
        "select product_product_name, line_item_usage_start_date::varchar "
        "from raw.aws_cur_line_items limit 1",
    ) == [("Amazon Simple Storage Service", "2025-01-03 00:00:00")]


# --- Azure ---------------------------------------------------------------------------------------


def test_azure_ea_and_mca_land_in_one_table(settings: Settings) -> None:
    azure = settings.landing_dir / "azure"
    b.write_csv(
        azure / "ea-export/20250101-20250131/ea-export_1.csv",
        b.EA_HEADER,
        [b.ea_row("12.34"), b.ea_row("0.66", day="01/31/2025")],
    )
    b.write_csv(
        azure / "mca-export/20250101-20250131/mca-export_1.csv", b.MCA_HEADER, [b.mca_row("100.00")]
    )
    ingest(settings)
    rows = query(
        settings,
        """
        select billing_account_id, _billing_period, count(*), sum(cost_in_billing_currency),
               min(date)::varchar, max(tags), max(resource_group_name), max(billing_currency)
        from raw.azure_cost_details group by 1, 2 order by 1""",
    )
    assert rows == [
        (
            "8000001",
            "2025-01",
            2,
            Decimal("13.00"),
            "2025-01-05",
            '"team": "search","env": "prod"',
            "rg-search",
            "USD",
        ),
        (
            "acme-mca-1:billing",
            "2025-01",
            1,
            Decimal("100.00"),
            "2025-01-07",
            '{"Team": "ml"}',
            "rg-ml",
            "USD",
        ),
    ]


def test_azure_newest_month_to_date_file_wins(settings: Settings) -> None:
    folder = settings.landing_dir / "azure" / "ea-export" / "20250101-20250131"
    first = b.write_csv(folder / "ea-export_aaaa.csv", b.EA_HEADER, [b.ea_row("10.00")])
    b.set_mtime(first, 1_736_000_000)
    ingest(settings)
    second = b.write_csv(
        folder / "ea-export_bbbb.csv",
        b.EA_HEADER,
        [b.ea_row("10.00"), b.ea_row("5.00", day="01/09/2025")],
    )
    b.set_mtime(second, 1_736_100_000)
    ingest(settings)
    assert totals(settings, "azure_cost_details", "cost_in_billing_currency") == {
        "2025-01": (2, Decimal("15.00"))  # the cumulative newer file, not 10 + 15
    }


# --- GCP -----------------------------------------------------------------------------------------


def test_gcp_ndjson_parquet_and_flat_csv_agree(settings: Settings) -> None:
    gcp = settings.landing_dir / "gcp"
    credit = [
        {
            "name": "Sustained usage discount",
            "amount": -0.5,
            "full_name": "SUD",
            "id": "sud",
            "type": "SUSTAINED_USAGE_DISCOUNT",
        }
    ]
    # Three billing accounts, one per format, same shape of record.
    b.write_ndjson(
        gcp / "main/billing-000000000000.json", [b.gcp_record(2.5, credit), b.gcp_record(1.25)]
    )
    parquet_src = b.write_ndjson(
        Path(str(gcp) + "-tmp") / "x.json",
        [b.gcp_record(4.0, credit, account="02AAAA-BBBBBB-CCCCCC")],
    )
    (gcp / "sub").mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_json('{parquet_src}')) to "
        f"'{gcp / 'sub/billing-000000000000.parquet'}' (format parquet)"
    )
    shutil.rmtree(parquet_src.parent)
    flat_header = [
        "billing_account_id",
        "service.id",
        "service.description",
        "sku.id",
        "sku.description",
        "usage_start_time",
        "usage_end_time",
        "project.id",
        "labels",
        "cost",
        "currency",
        "credits",
        "invoice.month",
        "cost_type",
    ]
    b.write_csv(
        gcp / "lab/export.csv",
        flat_header,
        [
            [
                "03AAAA-BBBBBB-CCCCCC",
                "6F81",
                "Compute Engine",
                "2E27",
                "N2",
                "2025-01-05 00:00:00 UTC",
                "2025-01-05 01:00:00 UTC",
                "lab-proj",
                '[{"key":"team","value":"ml"}]',
                "0.75",
                "USD",
                "[]",
                "202501",
                "regular",
            ]
        ],
    )
    ingest(settings)
    rows = query(
        settings,
        """
        select billing_account_id, count(*), sum(cost), max(service_description),
               max(json_extract_string(labels, '$[0].value')),
               sum(coalesce(json_array_length(credits), 0)), min(usage_start_time)::varchar
        from raw.gcp_billing_export group by 1 order by 1""",
    )
    assert rows == [
        (
            "01AAAA-BBBBBB-CCCCCC",
            2,
            Decimal("3.75"),
            "Compute Engine",
            "search",
            1,
            "2025-01-05 00:00:00",
        ),
        (
            "02AAAA-BBBBBB-CCCCCC",
            1,
            Decimal("4.00"),
            "Compute Engine",
            "search",
            1,
            "2025-01-05 00:00:00",
        ),
        (
            "03AAAA-BBBBBB-CCCCCC",
            1,
            Decimal("0.75"),
            "Compute Engine",
            "ml",
            0,
            "2025-01-05 00:00:00",
        ),
    ]


# --- business metrics ------------------------------------------------------------------------------


def test_business_metrics(settings: Settings) -> None:
    b.write_csv(
        settings.landing_dir / "business" / "metrics-2025-01.csv",
        ["date", "team", "product", "metric_name", "metric_value"],
        [
            ["2025-01-01", "search", "web", "requests", "1200"],
            ["2025-01-02", "search", "web", "requests", "800.5"],
        ],
    )
    ingest(settings)
    assert query(
        settings, "select _billing_period, sum(metric_value) from raw.business_metrics group by 1"
    ) == [("2025-01", Decimal("2000.500000"))]


# --- bad input: a clear error naming the file, and nothing lost ------------------------------------


@pytest.fixture
def loaded_good_january(settings: Settings) -> Settings:
    """A good January is loaded first; every bad-input test must leave it exactly as it was."""
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["10.00", "20.50"])
    ingest(settings)
    return settings


GOOD_JANUARY = {"2025-01": (2, Decimal("30.50"))}


def restate_january_with(
    settings: Settings, rows_sql: str | None = None, costs: list[str] | None = None
) -> Path:
    return b.write_cur2_delivery(
        settings.landing_dir / "aws", "2025-01", "exec-2", costs or ["1.00"], rows_sql=rows_sql
    )


def assert_fails_and_keeps_january(settings: Settings, *needles: str) -> str:
    with pytest.raises(IngestFailed) as caught:
        ingest(settings)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in error: {message}"
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == GOOD_JANUARY
    assert query(settings, "select count(*) from ingest.ledger where status = 'failed'")[0][0] >= 1
    return message


def test_truncated_parquet(loaded_good_january: Settings) -> None:
    data = restate_january_with(loaded_good_january)
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    assert_fails_and_keeps_january(
        loaded_good_january, "acme-cur2-00001.snappy.parquet", "truncated or corrupt"
    )


def test_non_numeric_cost_names_row_and_column(loaded_good_january: Settings) -> None:
    sql = b.cur2_rows_sql("2025-01", ["1.0", "2.0", "3.0"]).replace(
        "cost::double as line_item_unblended_cost",
        "case when i = 1 then 'twelve' else cost::varchar end as line_item_unblended_cost",
    )
    restate_january_with(loaded_good_january, rows_sql=sql)
    assert_fails_and_keeps_january(
        loaded_good_january, "row 2", "'line_item_unblended_cost'", "got twelve"
    )


def test_unknown_currency(loaded_good_january: Settings) -> None:
    sql = b.cur2_rows_sql("2025-01", ["1.0"], currency="XYZ")
    restate_january_with(loaded_good_january, rows_sql=sql)
    assert_fails_and_keeps_january(loaded_good_january, "unknown currency code 'XYZ'", "row 1")


def test_missing_required_column(loaded_good_january: Settings) -> None:
    sql = f"select * exclude (line_item_usage_account_id) from ({b.cur2_rows_sql('2025-01', ['1.0'])})"
    restate_january_with(loaded_good_january, rows_sql=sql)
    assert_fails_and_keeps_january(
        loaded_good_january, "required column missing", "line_item_usage_account_id"
    )


def test_manifest_listing_a_missing_file(loaded_good_january: Settings) -> None:
    data = restate_january_with(loaded_good_january)
    data.unlink()
    assert_fails_and_keeps_january(
        loaded_good_january, "not in the landing folder", "Manifest.json"
    )


def test_rows_outside_the_manifest_period(loaded_good_january: Settings) -> None:
    sql = b.cur2_rows_sql("2025-02", ["1.0"])
    restate_january_with(loaded_good_january, rows_sql=sql)
    assert_fails_and_keeps_january(
        loaded_good_january, "billing period 2025-02", "manifest is for 2025-01"
    )


def test_bad_csv_inputs_fail_only_their_own_file(settings: Settings) -> None:
    azure = settings.landing_dir / "azure"
    good = b.write_csv(azure / "ea/20250101-20250131/ea_good.csv", b.EA_HEADER, [b.ea_row("7.00")])
    ingest(settings)
    before = totals(settings, "azure_cost_details", "cost_in_billing_currency")
    assert before == {"2025-01": (1, Decimal("7.00"))}

    cases = {
        "empty.csv": (b"", "the file is empty"),
        "header_only.csv": (",".join(b.EA_HEADER).encode() + b"\n", "no data rows"),
        "unknown.csv": (b"foo,bar\n1,2\n", "unknown file format"),
        "truncated.csv.gz": (
            gzip.compress(("\n".join([",".join(b.EA_HEADER)] * 50)).encode())[:60],
            "truncated or corrupt",
        ),
    }
    many_rows = [",".join(map(str, b.ea_row(f"{i}.00"))) for i in range(3000)]
    body = gzip.compress(("\n".join([",".join(b.EA_HEADER), *many_rows]) + "\n").encode())
    cases["truncated_body.csv.gz"] = (body[: len(body) * 2 // 3], "truncated or corrupt")
    for name, (content, needle) in cases.items():
        bad = azure / "other" / name
        bad.parent.mkdir(parents=True, exist_ok=True)
        bad.write_bytes(content)
        with pytest.raises(IngestFailed) as caught:
            ingest(settings)
        assert name in str(caught.value) and needle in str(caught.value), str(caught.value)
        assert totals(settings, "azure_cost_details", "cost_in_billing_currency") == before
        bad.unlink()
    assert good.exists()


def test_bad_cost_in_csv_names_file_row_and_column(settings: Settings) -> None:
    azure = settings.landing_dir / "azure"
    b.write_csv(
        azure / "ea/20250101-20250131/ea.csv",
        b.EA_HEADER,
        [b.ea_row("1.00"), b.ea_row("1.00"), b.ea_row("N/A")],
    )
    with pytest.raises(IngestFailed) as caught:
        ingest(settings)
    assert (
        "ea.csv, row 3, column 'CostInBillingCurrency': expected decimal(38, 12), got N/A"
        in str(caught.value)
    )
    assert query(settings, "select count(*) from raw.azure_cost_details") == [(0,)]


def test_symlink_out_of_landing_is_refused(settings: Settings, tmp_path: Path) -> None:
    outside = b.write_csv(tmp_path / "elsewhere.csv", b.EA_HEADER, [b.ea_row("1.00")])
    (settings.landing_dir / "azure").mkdir()
    (settings.landing_dir / "azure" / "link.csv").symlink_to(outside)
    with pytest.raises(Exception, match="outside the landing folder"):
        ingest(settings)


def test_a_failed_source_does_not_block_other_periods(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["1.00"])
    bad = b.write_cur2_delivery(aws, "2025-02", "exec-1", ["2.00"])
    bad.write_bytes(b"not parquet at all")
    results = ingest(settings, raise_on_failure=False)
    assert {(r.period, r.status) for r in results} == {("2025-01", "loaded"), ("2025-02", "failed")}
    assert totals(settings, "aws_cur2_line_items", "line_item_unblended_cost") == {
        "2025-01": (1, Decimal("1.00"))
    }
