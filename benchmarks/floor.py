"""The floor: what DuckDB alone needs for the core answer, to compare the pipeline against.

    python -m benchmarks.floor LANDING_DIR OUT.parquet

Reads every raw billing file under LANDING_DIR once (AWS CUR 2.0 Parquet, legacy CUR CSV gzip,
Azure EA/MCA CSV, GCP NDJSON / Parquet / CSV, FOCUS CSV), parses the team tag of every row and
writes one Parquet file: billing period x team -> effective cost. No validation, no lineage, no
ledger, no amortization of Azure purchases, no shared-cost split, no currency conversion: a bare
scan-and-aggregate, the lower bound for any pipeline that must at least read everything once.
Prints the aggregate's row count and total as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

# AWS: the amortized (effective) cost of a line, as CUR defines it; fees that are amortized
# into usage lines count 0.
AWS_EFFECTIVE = """
    case {type}
        when 'SavingsPlanCoveredUsage' then {sp_effective}
        when 'DiscountedUsage' then {ri_effective}
        when 'SavingsPlanNegation' then 0
        when 'SavingsPlanRecurringFee' then 0
        when 'SavingsPlanUpfrontFee' then 0
        when 'RIFee' then 0
        else {unblended}
    end
"""


def _files(landing: Path, folder: str, suffix: str) -> list[str]:
    return sorted(
        str(p)
        for p in (landing / folder).rglob(f"*{suffix}")
        if p.is_file() and not p.name.startswith(".")
    )


def _csv(files: list[str]) -> str:
    listed = ", ".join(f"'{f}'" for f in files)
    return f"read_csv([{listed}], header = true, all_varchar = true, union_by_name = true)"


def floor_sql(landing: Path) -> str:
    parts: list[str] = []
    cur2 = _files(landing, "aws/cur2", ".parquet")
    if cur2:
        listed = ", ".join(f"'{f}'" for f in cur2)
        effective = AWS_EFFECTIVE.format(
            type="line_item_line_item_type",
            sp_effective="savings_plan_savings_plan_effective_cost",
            ri_effective="reservation_effective_cost",
            unblended="line_item_unblended_cost",
        )
        parts.append(
            f"""
            select strftime(bill_billing_period_start_date, '%Y-%m') as billing_period,
                   lower(trim(coalesce(resource_tags['user_team'], resource_tags['user:team'])))
                       as team,
                   cast({effective} as decimal(38, 12)) as effective_cost
            from read_parquet([{listed}])
            """
        )
    legacy = _files(landing, "aws/cur", ".csv.gz")
    if legacy:
        # read_csv keeps the first of two headers that differ only by case (user:Team /
        # user:team) and renames the other; both are team tags here, first non-empty wins.
        effective = AWS_EFFECTIVE.format(
            type='"lineItem/LineItemType"',
            sp_effective='try_cast("savingsPlan/SavingsPlanEffectiveCost" as decimal(38, 12))',
            ri_effective='try_cast("reservation/EffectiveCost" as decimal(38, 12))',
            unblended='try_cast("lineItem/UnblendedCost" as decimal(38, 12))',
        )
        parts.append(
            f"""
            select strftime(try_cast("bill/BillingPeriodStartDate" as timestamp), '%Y-%m'),
                   lower(trim(coalesce(*columns('^resourceTags/user:[Tt]eam')))),
                   cast({effective} as decimal(38, 12))
            from {_csv(legacy)}
            """
        )
    ea = [f for f in _files(landing, "azure", ".csv") if "-ea-" in f or "/ea" in f]
    mca = [f for f in _files(landing, "azure", ".csv") if f not in ea]
    if ea:
        parts.append(
            f"""
            select strftime(strptime("BillingPeriodStartDate", '%m/%d/%Y'), '%Y-%m'),
                   -- EA writes the tags object without its braces
                   lower(trim(json_extract_string('{{' || "Tags" || '}}', '$.team'))),
                   try_cast("CostInBillingCurrency" as decimal(38, 12))
            from {_csv(ea)}
            """
        )
    if mca:
        parts.append(
            f"""
            select strftime(strptime("billingPeriodStartDate", '%m/%d/%Y'), '%Y-%m'),
                   lower(trim(json_extract_string("tags", '$.team'))),
                   try_cast("costInBillingCurrency" as decimal(38, 12))
            from {_csv(mca)}
            """
        )
    gcp_label = "lower(trim(list_filter(labels, lambda l: l.key = 'team')[1].value))"
    gcp_cost = (
        "cast(cost as decimal(38, 12)) + "
        "coalesce(cast(list_sum(list_transform(credits, lambda c: c.amount)) as decimal(38, 12)), 0)"
    )
    gcp_parquet = _files(landing, "gcp", ".parquet")
    if gcp_parquet:
        listed = ", ".join(f"'{f}'" for f in gcp_parquet)
        parts.append(
            f"""
            select substr(invoice.month, 1, 4) || '-' || substr(invoice.month, 5, 2),
                   {gcp_label}, {gcp_cost}
            from read_parquet([{listed}])
            """
        )
    gcp_json = _files(landing, "gcp", ".json")
    if gcp_json:
        listed = ", ".join(f"'{f}'" for f in gcp_json)
        parts.append(
            f"""
            select substr(invoice.month, 1, 4) || '-' || substr(invoice.month, 5, 2),
                   {gcp_label}, {gcp_cost}
            from read_json([{listed}], format = 'newline_delimited')
            """
        )
    gcp_csv = _files(landing, "gcp", ".csv")
    if gcp_csv:
        labels = """from_json("labels", '[{"key": "VARCHAR", "value": "VARCHAR"}]')"""
        credits = """from_json("credits", '[{"amount": "DOUBLE"}]')"""
        parts.append(
            f"""
            select substr("invoice.month", 1, 4) || '-' || substr("invoice.month", 5, 2),
                   lower(trim(list_filter({labels}, lambda l: l.key = 'team')[1].value)),
                   cast("cost" as decimal(38, 12))
                   + coalesce(cast(list_sum(list_transform({credits}, lambda c: c.amount))
                       as decimal(38, 12)), 0)
            from {_csv(gcp_csv)}
            """
        )
    focus = _files(landing, "focus", ".csv")
    if focus:
        parts.append(
            f"""
            select strftime(try_cast("BillingPeriodStart" as timestamp), '%Y-%m'),
                   lower(trim(coalesce(json_extract_string("Tags", '$.team'),
                                       json_extract_string("Tags", '$." team"')))),
                   try_cast("EffectiveCost" as decimal(38, 12))
            from {_csv(focus)}
            """
        )
    if not parts:
        raise SystemExit(f"no billing files under {landing}")
    unioned = "\nunion all\n".join(parts)
    return f"""
        select billing_period, coalesce(team, 'untagged') as team, sum(effective_cost) as effective_cost,
               count(*) as line_items
        from ({unioned}) as lines (billing_period, team, effective_cost)
        group by all
    """


def main(argv: list[str]) -> int:
    landing, out = Path(argv[0]), Path(argv[1])
    con = duckdb.connect()
    con.execute(f"set threads = {int(argv[2]) if len(argv) > 2 else 2}")
    con.execute("copy (" + floor_sql(landing) + f") to '{out}' (format parquet)")
    rows, total, lines = con.execute(
        f"select count(*), sum(effective_cost), sum(line_items) from read_parquet('{out}')"
    ).fetchone()
    print(json.dumps({"groups": rows, "effective_cost": str(total), "line_items": lines}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
