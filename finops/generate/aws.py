"""AWS: CUR 2.0 (Data Exports, Parquet) for Acme's payer, legacy CUR (CSV gzip) for Parcelly.

Line items of a month are built in a narrow temp table `lines` (one row per CUR line) and then
projected onto the provider's columns:

* usage rows from the engine; rows of resources a commitment covers become
  SavingsPlanCoveredUsage (plus a SavingsPlanNegation line each) or DiscountedUsage;
* SavingsPlanRecurringFee lines per Savings Plan and day: the hourly commitment sits a little
  under the average day's eligible spend, so busy days run out of it (the rest stays on demand)
  and quiet days leave some unused; a SavingsPlanUpfrontFee when a plan is bought; an RIFee line
  per reservation and month with the unused parts filled in. Fee lines carry the ARN as resource;
* support Fee, EdpDiscount (CUR 2.0 payer only), Tax, Credit and, in the restated month's final
  delivery, a Refund.

Month RESTATED_MONTH_INDEX is delivered twice: an estimated execution (costs a little off, no
refund, no invoice id) and the final one; the manifest lists only the final one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finops.generate import aws_catalog, company, plants
from finops.generate.columns import CUR2_COLUMNS, LEGACY_COLUMNS, LEGACY_HEADER
from finops.generate.engine import (
    Month,
    UsageSpec,
    build_resources,
    det_int,
    det_uuid,
    expand_usage,
    load_company,
    load_services,
    load_table,
    month_budget,
    month_rows,
    sql_str,
)
from finops.generate.writer import (
    PARQUET,
    Context,
    copy,
    copy_csv_gz,
    projection,
    record,
    typed,
    write_json,
)

BUCKET = "acme-billing"
CUR2_PREFIX, CUR2_EXPORT = "cur2", "acme-cur2"
LEGACY_PREFIX, LEGACY_REPORT = "cur", "acme-legacy-cur"

EDP_RATE = 0.06
EXTRA_RK = 10**13

# ------------------------------------------------------------------------------ CUR 2.0 schema
_USAGE_LIKE = "('Usage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'DiscountedUsage')"
_NET = f"CASE WHEN l.lt IN {_USAGE_LIKE} THEN {1 - EDP_RATE} WHEN l.lt = 'EdpDiscount' THEN 0.0 ELSE 1.0 END"

# Rates are strings in CUR 2.0. Formatting a double per row is slow, and a usage line's rate is
# the resource's rate, so usage lines take the string prepared per resource (res_x).
RATE_STRINGS = {
    "rate_str": "CASE WHEN l.r IS NULL THEN CAST(CAST(l.rate AS DECIMAL(24, 10)) AS VARCHAR) "
    "WHEN l.lt = 'DiscountedUsage' THEN '0.0' ELSE x.rate_str END",
    "net_rate_str": f"CASE WHEN l.r IS NULL THEN CAST(CAST(l.rate * {_NET} AS DECIMAL(24, 10)) AS VARCHAR) "
    "WHEN l.lt = 'DiscountedUsage' THEN '0.0' ELSE x.net_rate_str END",
    "od_rate_str": "CASE WHEN l.r IS NULL OR l.lt = 'SavingsPlanNegation' "
    "THEN CAST(CAST(coalesce(l.od_rate, 0.0) AS DECIMAL(24, 10)) AS VARCHAR) ELSE x.rate_str END",
}

CUR2_MANIFEST_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "TIMESTAMP": "timestamp",
    "MAP(VARCHAR, VARCHAR)": "map<string,string>",
    "MAP(VARCHAR, DOUBLE)": "map<string,double>",
}


# ------------------------------------------------------------------------------------ generation
def _commitments(ctx: Context, ba: company.BillingAccount, legacy: bool) -> list[dict[str, Any]]:
    first = ctx.months[0].start
    owner = next(a for a in ba.accounts if a.kind == "team")
    out = []
    for cm in aws_catalog.commitments(ba.key):
        years = int(cm["term"][0])
        ym = first.year * 12 + first.month - 1 - cm["started_months_before"]
        start = f"{ym // 12:04d}-{ym % 12 + 1:02d}-01T00:00:00.000Z"
        end = f"{ym // 12 + years:04d}-{ym % 12 + 1:02d}-01T00:00:00.000Z"
        uid = det_uuid(ctx.seed, ba.key, cm["key"])
        if cm["kind"] == "sp":
            arn = f"arn:aws:savingsplans::{ba.billing_account_id}:savingsplan/{uid}"
        elif legacy:
            arn = f"arn:aws:ec2:eu-central-1:{owner.account_id}:reserved-instances/{uid}"
        else:
            arn = f"arn:aws:rds:us-east-1:{owner.account_id}:ri:acme-rds-ri-{uid[:8]}"
        out.append(
            {
                **cm,
                "arn": arn,
                "start_time": start,
                "end_time": end,
                "term_years": years,
                "subscription_id": str(det_int(ctx.seed, ba.key, cm["key"], "sub") % 10**10),
                "owner_acct": ba.billing_account_id if cm["kind"] == "sp" else owner.account_id,
                "from_month": max(0, -cm["started_months_before"]),
            }
        )
    return out


def _overhead(ctx: Context, ba: company.BillingAccount, month: Month) -> int:
    """Rows the month adds on top of usage (negations, fees, EDP, tax), to keep the row target."""
    combos, covered = ctx.con.execute(
        "SELECT count(DISTINCT (account_id, product_code)), "
        "coalesce(sum(len) FILTER (WHERE cm LIKE 'sp%'), 0) FROM res JOIN svc USING (svc)"
    ).fetchall()[0]
    per_combo = 1 if ba.key == "aws_cur" else 2  # tax (+ EDP)
    # about a quarter of Savings-Plan-eligible rows end up over the daily commitment (no negation)
    return int(combos) * per_combo + int(0.75 * covered) + 2 * month.days + 10


def _spec(
    ctx: Context, ba: company.BillingAccount, month: Month, n_rows: int, budget: float
) -> UsageSpec:
    return UsageSpec(
        seed=ctx.seed,
        ba_key=ba.key,
        month=month,
        n_rows=n_rows,
        budget=budget,
        start_ts=month.ts(),
        hours=month.days * 24,
        team_keys=company.TEAM_KEYS["aws"],
        env_keys=company.ENV_KEYS["aws"],
        cc_keys=company.COST_CENTER_KEYS["aws"],
        product_keys=company.PRODUCT_KEYS["aws"],
        min_resources=250 if ba.key == "aws_cur2" else 80,
        anomaly=("sagemaker", 4, 9, 15, 4.0) if ba.key == "aws_cur2" else None,
    )


def _resources(ctx: Context, ba: company.BillingAccount, spec: UsageSpec) -> None:
    """Draw the month's resources and decide which commitment (if any) covers each."""
    month = spec.month
    build_resources(ctx.con, spec)
    # which commitment covers a resource (resource-level, so a covered instance stays covered)
    sp_cases = " ".join(
        f"WHEN v.sp AND {month.index} >= {c['from_month']} AND uc < {c['_hi']} THEN '{c['key']}'"
        for c in _sp_bands(ctx, ba)
    )
    ri = next((c for c in _commitments(ctx, ba, ba.key == "aws_cur") if c["kind"] == "ri"), None)
    ri_case = f"WHEN v.ri AND uc < {ri['share']} THEN '{ri['key']}'" if ri else ""
    ctx.con.execute(
        f"""
CREATE OR REPLACE TEMP TABLE res AS
SELECT res.*, CASE {ri_case} {sp_cases} END AS cm
FROM (SELECT *, u01(hash(h, 'commit')) AS uc FROM res) res JOIN svc v USING (svc)
"""
        if (sp_cases or ri_case)
        else "CREATE OR REPLACE TEMP TABLE res AS SELECT *, NULL::VARCHAR AS cm FROM res"
    )


def _sp_bands(ctx: Context, ba: company.BillingAccount) -> list[dict[str, Any]]:
    lo, out = 0.0, []
    for c in _commitments(ctx, ba, ba.key == "aws_cur"):
        if c["kind"] == "sp":
            lo += c["share"]
            out.append({**c, "_hi": lo})
    return out


def _res_x(ctx: Context, ba: company.BillingAccount) -> None:
    """Resource-level strings (ids, usage types, descriptions, tags) for the projection."""
    regions = [
        {"region": k, "prefix": v[0], "region_name": v[1], "az": v[2]}
        for k, v in aws_catalog.REGIONS.items()
    ]
    load_table(ctx.con, "aws_regions", regions)
    ctx.con.execute(
        """
CREATE OR REPLACE TEMP TABLE res_x AS
WITH b AS (
    SELECT res.r, res.h, res.account_id, res.account_name, res.region, res.fixed, res.gran, res.norm,
           CASE WHEN res.fixed THEN res.norm / (CASE res.gran WHEN 'H' THEN 1.0 ELSE 24.0 END) ELSE v.rate END
               AS unit_rate,
           res.tags, res.base_team, res.team, res.kind, v.product_code, v.operation, v.unit, v.family,
           v.rate, v.usage_fmt, v.desc_fmt, v.res_fmt, v.key AS svc_key,
           CASE WHEN len(v.itypes) > 0 THEN list_element(v.itypes, 1 + pick(hash(res.h, 'itype'), len(v.itypes))) END AS itype,
           rg.prefix, rg.region_name, rg.az, t.department
    FROM res JOIN svc v USING (svc) JOIN aws_regions rg ON rg.region = res.region
    LEFT JOIN teams t ON t.team = res.base_team
)
SELECT r, region, region_name, az, fixed, gran, product_code, operation, unit, family, itype, department,
    CASE WHEN product_code = 'AWSDataTransfer' AND usage_fmt LIKE 'USE1-%' THEN usage_fmt
         ELSE prefix || replace(usage_fmt, '{itype}', coalesce(itype, '')) END AS usage_type,
    replace(replace(desc_fmt, '{itype}', coalesce(itype, '')), '{rate}', printf('%.4f', norm)) AS descr,
    nullif(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(res_fmt,
        '{region}', region), '{acct}', account_id), '{team}', coalesce(base_team, 'shared')),
        '{n}', CAST(r % 997 AS VARCHAR)), '{h8}', hx(hash(h, 'id'), 8)), '{h13}', upper(hx(hash(h, 'id'), 13))),
        '{h16}', hx(hash(h, 'id'), 16)), '{h17}', hx(hash(h, 'id'), 15) || hx(hash(h, 'id2'), 2)),
        '{h32}', hx(hash(h, 'id'), 16) || hx(hash(h, 'id2'), 16)),
        '{uuid}', hx(hash(h, 'u1'), 8) || '-' || hx(hash(h, 'u2'), 4) || '-4' || hx(hash(h, 'u3'), 3) || '-a'
                  || hx(hash(h, 'u4'), 3) || '-' || hx(hash(h, 'u5'), 12)), '') AS resource_id,
    upper(hx(hash(product_code, usage_fmt, coalesce(itype, ''), region), 16)) AS sku,
    upper(hx(hash(product_code, usage_fmt, coalesce(itype, ''), region), 16)) || '.JRTCKXETXF.6YS6EN2CT7'
        AS rate_code,
    CAST(hash(product_code, usage_fmt, coalesce(itype, ''), region) % 9000000000 + 1000000000 AS VARCHAR)
        AS rate_id,
    CAST(CAST(unit_rate AS DECIMAL(24, 10)) AS VARCHAR) AS rate_str,
    CAST(CAST(unit_rate * __NET__ AS DECIMAL(24, 10)) AS VARCHAR) AS net_rate_str,
    coalesce(p.product_name, product_code) AS product_name,
    MAP {'product_name': coalesce(p.product_name, product_code), 'region': region} AS product_map,
    CASE WHEN department IS NOT NULL THEN MAP {'business_unit': department}
         ELSE MAP {}::MAP(VARCHAR, VARCHAR) END AS cost_category,
    map_from_entries(list_concat(
        list_transform(tags, lambda t: {'key': 'user_' || t.key, 'value': t.value}),
        CASE WHEN fixed AND u01(hash(h, 'creator')) < 0.35
             THEN [{'key': 'aws_createdBy', 'value': 'AssumedRole:AROA4QWERTY7EXAMPLE:terraform'}] ELSE [] END
    )) AS tags_map,
    CASE WHEN fixed AND u01(hash(h, 'creator')) < 0.35 THEN 'AssumedRole:AROA4QWERTY7EXAMPLE:terraform' END AS created_by,
    list_filter(tags, lambda t: t.key = 'team')[1].value AS tag_team,
    list_filter(tags, lambda t: t.key = 'Team')[1].value AS tag_Team,
    list_filter(tags, lambda t: t.key = 'owner-team')[1].value AS tag_owner_team,
    list_filter(tags, lambda t: t.key = 'environment')[1].value AS tag_environment,
    list_filter(tags, lambda t: t.key = 'cost-center')[1].value AS tag_cost_center,
    list_filter(tags, lambda t: t.key = 'product')[1].value AS tag_product
FROM b LEFT JOIN aws_products p ON p.pcode = b.product_code
""".replace("__NET__", str(1 - EDP_RATE))
    )
    if ba.key == "aws_cur2":
        _plant_res_x(ctx)


def _plant_res_x(ctx: Context) -> None:
    """Resource rows (negative r) of the planted opportunities (finops/generate/plants.py)."""
    region = "us-east-1"
    rows = [
        {
            "r": -(i + 1),
            "region": region,
            "region_name": aws_catalog.REGIONS[region][1],
            "az": aws_catalog.REGIONS[region][2],
            "fixed": p.kind == "previous_generation",
            "gran": "D",
            "product_code": p.product_code,
            "operation": p.operation,
            "unit": p.unit,
            "family": p.family,
            "itype": p.itype,
            "usage_type": p.usage_type,
            "descr": p.description,
            "resource_id": p.resource_id,
            "product_name": aws_catalog.PRODUCT_NAMES.get(p.product_code, p.product_code),
            "rate": p.daily_cost / 24,
        }
        for i, p in enumerate(plants.PLANTS)
    ]
    load_table(ctx.con, "plant_x", rows)
    ctx.con.execute(
        """
INSERT INTO res_x BY NAME
SELECT r, region, region_name, az, fixed, gran, product_code, operation, unit, family, itype,
    usage_type, descr, resource_id, product_name,
    upper(hx(hash(product_code, usage_type, region), 16)) AS sku,
    CAST(CAST(rate AS DECIMAL(24, 10)) AS VARCHAR) AS rate_str,
    CAST(CAST(rate * __NET__ AS DECIMAL(24, 10)) AS VARCHAR) AS net_rate_str,
    MAP {'product_name': product_name, 'region': region} AS product_map,
    MAP {}::MAP(VARCHAR, VARCHAR) AS cost_category,
    MAP {}::MAP(VARCHAR, VARCHAR) AS tags_map
FROM plant_x
""".replace("__NET__", str(1 - EDP_RATE))
    )


def _plant_lines(ctx: Context, month: Month) -> None:
    """One Usage line per planted resource and day of the month (before fees, EDP and tax)."""
    values = ", ".join(
        f"({-(i + 1)}, {sql_str(p.account_id)}, {plants.daily_cost(p, month.index)!r}, "
        f"{p.daily_amount * (plants.daily_cost(p, month.index) if p.kind == 'storage_growth' else 1)!r}, "
        f"{sql_str(p.product_code)})"
        for i, p in enumerate(plants.PLANTS)
    )
    ctx.con.execute(f"""
INSERT INTO lines BY NAME
SELECT {EXTRA_RK} + 1000 * (-p.r) + row_number() OVER (PARTITION BY p.r ORDER BY days.d) AS rk,
    p.r, p.acct, 'Usage' AS lt, 'Anniversary' AS bill_type, days.d AS t0, days.d + INTERVAL 1 DAY AS t1,
    p.amount, p.cost, p.cost AS od_cost, p.cost / 24 AS od_rate, p.cost / 24 AS rate, NULL AS cm,
    NULL::DOUBLE AS eff, p.pcode
FROM (VALUES {values}) p(r, acct, cost, amount, pcode)
CROSS JOIN (SELECT unnest(range({month.ts()}, {month.end_ts()}, INTERVAL 1 DAY)) AS d) days
""")


def _lines(ctx: Context, ba: company.BillingAccount, month: Month, estimated: bool) -> None:
    """Build temp table `lines` for one delivery (estimated or final) of the month."""
    con, m = ctx.con, month
    legacy = ba.key == "aws_cur"
    perturb = (
        f"money(use.cost * (1 + 0.03 * (u01(hash({ctx.seed}, 'estimate', use.rk)) - 0.5)))"
        if estimated
        else "use.cost"
    )
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE u2 AS
WITH u AS (
    SELECT use.rk, use.r, use.t0, use.t1, {perturb} AS od, res.account_id AS acct, res.cm,
           CASE WHEN res.fixed THEN res.norm / (CASE res.gran WHEN 'H' THEN 1.0 ELSE 24.0 END) ELSE v.rate END
               AS unit_rate,
           v.product_code AS pcode
    FROM use JOIN res USING (r) JOIN svc v ON v.svc = res.svc
)
SELECT u.*, c.discount, CASE WHEN u.cm IS NOT NULL THEN money(od * (1 - c.discount)) END AS eff,
    od / unit_rate AS amount
FROM u LEFT JOIN cmt c ON c.key = u.cm
""")
    # A Savings Plan's hourly commitment sits a little under the average day's eligible spend: on
    # busy days it runs out (the rest of the day's usage stays on demand), on quiet days part of
    # it goes unused.
    con.execute("""
CREATE OR REPLACE TEMP TABLE sp_commit AS
SELECT cm, floor(avg(s)::DOUBLE * 0.97 / 24.0 * 1000) / 1000 AS per_hour
FROM (SELECT cm, date_trunc('day', t0) AS d, sum(CAST(eff AS DECIMAL(38, 10))) AS s
      FROM u2 WHERE cm LIKE 'sp%' GROUP BY ALL)
GROUP BY cm
""")
    con.execute("""
CREATE OR REPLACE TEMP TABLE lines AS
WITH sp AS (
    SELECT u2.* REPLACE (CASE WHEN sum(CAST(eff AS DECIMAL(38, 10))) OVER (
            PARTITION BY u2.cm, date_trunc('day', t0) ORDER BY rk ROWS UNBOUNDED PRECEDING)
            <= c.per_hour * 24 THEN u2.cm END AS cm)
    FROM u2 JOIN sp_commit c ON c.cm = u2.cm
), u3 AS (
    SELECT * FROM u2 WHERE cm IS NULL OR cm NOT LIKE 'sp%'
    UNION ALL BY NAME
    SELECT * FROM sp
)
SELECT 2 * rk AS rk, r, acct,
    CASE WHEN cm LIKE 'sp%' THEN 'SavingsPlanCoveredUsage' WHEN cm LIKE 'ri%' THEN 'DiscountedUsage'
         ELSE 'Usage' END AS lt,
    'Anniversary' AS bill_type, t0, t1, amount,
    CASE WHEN cm LIKE 'ri%' THEN 0.0 ELSE od END AS cost,
    od AS od_cost, unit_rate AS od_rate,
    CASE WHEN cm LIKE 'ri%' THEN 0.0 ELSE unit_rate END AS rate,
    cm, CASE WHEN cm IS NOT NULL THEN eff END AS eff,
    NULL::DOUBLE AS f1, NULL::DOUBLE AS f2, NULL::DOUBLE AS f3, NULL::DOUBLE AS f4,
    pcode, NULL::VARCHAR AS utype, NULL::VARCHAR AS op, NULL::VARCHAR AS descr, NULL::VARCHAR AS tax_type,
    NULL::VARCHAR AS resource_id
FROM u3
ORDER BY rk
""")
    if ba.key == "aws_cur2":
        _plant_lines(ctx, m)
    ms, me = m.ts(), m.end_ts()
    payer = sql_str(ba.billing_account_id)
    util = 0.9 + 0.07 * ((det_int(ctx.seed, ba.key, m.index, "util") % 1000) / 1000.0)

    def extra(seq: int, select: str) -> None:
        con.execute(f"""
INSERT INTO lines BY NAME
SELECT {EXTRA_RK + seq * 1_000_000_000} + row_number() OVER (ORDER BY acct, pcode, t0, cm) AS rk, *
FROM ({select})
""")

    # Savings Plans: a negation line per covered line, a recurring fee per plan and day
    con.execute("""
INSERT INTO lines BY NAME
SELECT rk + 1 AS rk, r, acct, 'SavingsPlanNegation' AS lt, bill_type, t0, t1, amount, -cost AS cost,
       0.0 AS od_cost, 0.0 AS od_rate, rate, cm, pcode
FROM lines WHERE lt = 'SavingsPlanCoveredUsage'
""")
    extra(
        1,
        f"""
WITH daily AS (
    SELECT cm, date_trunc('day', t0) AS d, sum(CAST(eff AS DECIMAL(38, 10))) AS used
    FROM lines WHERE lt = 'SavingsPlanCoveredUsage' GROUP BY ALL
), hourly AS (SELECT * FROM sp_commit),
days AS (SELECT unnest(range({ms}, {me}, INTERVAL 1 DAY)) AS d)
SELECT NULL::BIGINT AS r, {payer} AS acct, 'SavingsPlanRecurringFee' AS lt, 'Anniversary' AS bill_type,
    days.d AS t0, days.d + INTERVAL 1 DAY AS t1, 24.0 AS amount,
    money(h.per_hour * 24 * (1 - c.upfront_share)) AS cost, 0.0 AS od_cost, 0.0 AS od_rate,
    money(h.per_hour * (1 - c.upfront_share)) AS rate, h.cm, NULL::DOUBLE AS eff,
    money(h.per_hour * 24) AS f1, money(coalesce(daily.used, 0)::DOUBLE) AS f2,
    money(h.per_hour * 24 * c.upfront_share) AS f3, money(h.per_hour * 24 * (1 - c.upfront_share)) AS f4,
    'ComputeSavingsPlans' AS pcode,
    CASE c.offering WHEN 'ComputeSavingsPlans' THEN 'ComputeSP:' ELSE 'EC2SP:' END
        || c.term || replace(c.payment, ' ', '') AS utype,
    NULL AS op,
    c.term[1] || ' year ' || c.payment || ' ' || CASE c.offering WHEN 'ComputeSavingsPlans'
        THEN 'Compute Savings Plan' ELSE 'EC2 Instance Savings Plan' END AS descr,
    NULL AS tax_type, c.arn AS resource_id
FROM hourly h JOIN cmt c ON c.key = h.cm CROSS JOIN days LEFT JOIN daily ON daily.cm = h.cm AND daily.d = days.d
""",
    )
    # the partial-upfront plan bought during the window: its upfront fee, in its first month
    extra(
        2,
        f"""
SELECT NULL::BIGINT AS r, {payer} AS acct, 'SavingsPlanUpfrontFee' AS lt, 'Purchase' AS bill_type,
    {ms} AS t0, {ms} + INTERVAL 1 HOUR AS t1, 1.0 AS amount,
    money(f.f1 * 365 * c.term_years * c.upfront_share) AS cost, 0.0 AS od_cost, 0.0 AS od_rate,
    0.0 AS rate, c.key AS cm, NULL::DOUBLE AS eff, NULL::DOUBLE AS f1, NULL::DOUBLE AS f2,
    NULL::DOUBLE AS f3, NULL::DOUBLE AS f4, 'ComputeSavingsPlans' AS pcode,
    'EC2SP:' || c.term || replace(c.payment, ' ', '') AS utype, NULL AS op,
    'Savings Plan upfront fee' AS descr, NULL AS tax_type, c.arn AS resource_id
FROM cmt c JOIN (SELECT cm, max(f1) AS f1 FROM lines WHERE lt = 'SavingsPlanRecurringFee' GROUP BY cm) f
    ON f.cm = c.key
WHERE c.kind = 'sp' AND c.from_month = {m.index} AND c.from_month > 0
""",
    )
    # Reserved instances: one RIFee line per reservation and month, unused parts filled in
    extra(
        3,
        f"""
WITH used AS (
    SELECT cm, sum(CAST(eff AS DECIMAL(38, 10)))::DOUBLE AS used, sum(amount) AS hrs,
           any_value(pcode ORDER BY rk) AS pcode
    FROM lines WHERE lt = 'DiscountedUsage' GROUP BY cm
)
SELECT NULL::BIGINT AS r, c.owner_acct AS acct, 'RIFee' AS lt, 'Anniversary' AS bill_type,
    {ms} AS t0, {me} AS t1, round(u.hrs / {util}, 0) AS amount,
    money(u.used / {util} * (1 - c.upfront_share)) AS cost, 0.0 AS od_cost, 0.0 AS od_rate,
    money(u.used / {util} * (1 - c.upfront_share) / round(u.hrs / {util}, 0)) AS rate, c.key AS cm,
    NULL::DOUBLE AS eff,
    money(u.used / {util} * c.upfront_share) AS f1,
    money((u.used / {util} - u.used) * c.upfront_share) AS f2,
    money((u.used / {util} - u.used) * (1 - c.upfront_share)) AS f3,
    round(u.hrs / {util}, 0) - u.hrs AS f4,
    u.pcode, CASE u.pcode WHEN 'AmazonRDS' THEN 'HeavyUsage:db.r6g.xlarge' ELSE 'EUC1-HeavyUsage:m5.xlarge' END AS utype,
    CASE u.pcode WHEN 'AmazonRDS' THEN 'CreateDBInstance:0014' ELSE 'RunInstances' END AS op,
    'Reserved instance fee: ' || c.payment || ', ' || c.term AS descr, NULL AS tax_type, c.arn AS resource_id
FROM used u JOIN cmt c ON c.key = u.cm
""",
    )
    # support fee on the payer, a share of the month's charges
    support = ("AWSSupportBusiness", 0.07) if legacy else ("AWSSupportEnterprise", 0.03)
    extra(
        4,
        f"""
SELECT NULL::BIGINT AS r, {payer} AS acct, 'Fee' AS lt, 'Anniversary' AS bill_type, {ms} AS t0, {me} AS t1,
    1.0 AS amount, money({support[1]} * sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE) AS cost,
    NULL::DOUBLE AS od_cost, NULL::DOUBLE AS od_rate, NULL::DOUBLE AS rate, NULL AS cm, NULL::DOUBLE AS eff,
    NULL::DOUBLE AS f1, NULL::DOUBLE AS f2, NULL::DOUBLE AS f3, NULL::DOUBLE AS f4,
    '{support[0]}' AS pcode, 'Dollar' AS utype, NULL AS op,
    '{aws_catalog.PRODUCT_NAMES[support[0]]} fee' AS descr, NULL AS tax_type, NULL AS resource_id
FROM lines
""",
    )
    if not legacy:  # the enterprise discount program discount, per account and product
        extra(
            5,
            f"""
SELECT NULL::BIGINT AS r, acct, 'EdpDiscount' AS lt, 'Anniversary' AS bill_type, {ms} AS t0, {me} AS t1,
    0.0 AS amount, money(-{EDP_RATE} * s) AS cost, NULL::DOUBLE AS od_cost, NULL::DOUBLE AS od_rate,
    NULL::DOUBLE AS rate, NULL AS cm, NULL::DOUBLE AS eff, NULL::DOUBLE AS f1, NULL::DOUBLE AS f2,
    NULL::DOUBLE AS f3, NULL::DOUBLE AS f4, pcode, NULL AS utype, NULL AS op,
    'Enterprise Discount Program discount' AS descr, NULL AS tax_type, NULL AS resource_id
FROM (SELECT acct, pcode, sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE AS s FROM lines
      WHERE lt IN ('Usage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'SavingsPlanRecurringFee', 'RIFee')
      GROUP BY ALL HAVING s > 0)
""",
        )
    tax_rate, tax_type = (0.19, "VAT") if legacy else (0.05, "USSalesTax")
    extra(
        6,
        f"""
SELECT NULL::BIGINT AS r, acct, 'Tax' AS lt, 'Anniversary' AS bill_type, {ms} AS t0, {me} AS t1,
    1.0 AS amount, money({tax_rate} * s) AS cost, NULL::DOUBLE AS od_cost, NULL::DOUBLE AS od_rate,
    NULL::DOUBLE AS rate, NULL AS cm, NULL::DOUBLE AS eff, NULL::DOUBLE AS f1, NULL::DOUBLE AS f2,
    NULL::DOUBLE AS f3, NULL::DOUBLE AS f4, pcode, 'Tax:' || pcode AS utype, NULL AS op,
    'Tax for product code ' || pcode AS descr, '{tax_type}' AS tax_type, NULL AS resource_id
FROM (SELECT acct, pcode, sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE AS s FROM lines GROUP BY ALL HAVING s > 0)
""",
    )
    # credits (a migration programme and a promotion) and, in the restated month, a refund
    credits = [
        ("Credit", "AmazonEC2", 0.12, "AWS Migration Acceleration Program credit", "Anniversary")
    ]
    if not estimated and m.index == company.RESTATED_MONTH_INDEX:
        credits.append(
            (
                "Refund",
                "AmazonRDS" if not legacy else "AmazonEC2",
                0.05,
                "Refund: service credit for availability SLA breach",
                "Refund",
            )
        )
    targets = _credit_accounts(ba)
    for i, (lt, pcode, share, descr, bill_type) in enumerate(credits):
        acct = sql_str(targets[i % len(targets)])
        extra(
            7 + i,
            f"""
SELECT NULL::BIGINT AS r, acct, '{lt}' AS lt, '{bill_type}' AS bill_type, {ms} AS t0, {me} AS t1,
    0.0 AS amount, money(-{share} * s) AS cost, NULL::DOUBLE AS od_cost, NULL::DOUBLE AS od_rate,
    NULL::DOUBLE AS rate, NULL AS cm, NULL::DOUBLE AS eff, NULL::DOUBLE AS f1, NULL::DOUBLE AS f2,
    NULL::DOUBLE AS f3, NULL::DOUBLE AS f4, pcode, NULL AS utype, NULL AS op, '{descr}' AS descr,
    NULL AS tax_type, NULL AS resource_id
FROM (SELECT acct, pcode, sum(CAST(od_cost AS DECIMAL(38, 10)))::DOUBLE AS s FROM lines
      WHERE lt IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage') AND acct = {acct} AND pcode = '{pcode}'
      GROUP BY ALL HAVING s > 0)
""",
        )
    con.execute("UPDATE lines SET rate = coalesce(rate, 0.0), od_cost = coalesce(od_cost, 0.0)")


def _credit_accounts(ba: company.BillingAccount) -> list[str]:
    names = (
        ("acme-data-platform-prod", "acme-payments-prod")
        if ba.key == "aws_cur2"
        else ("parcelly-prod",)
    )
    return [a.account_id for a in ba.accounts if a.name in names]


def _projection(
    ctx: Context,
    ba: company.BillingAccount,
    month: Month,
    exec_id: str,
    final: bool,
    columns: list[tuple[str, str]],
) -> str:
    invoice = (
        sql_str(str(det_int(ctx.seed, ba.key, month.period, "invoice") % 10**10).zfill(10))
        if final
        else "NULL"
    )
    legacy = ba.key == "aws_cur"
    entity = sql_str("Amazon Web Services EMEA SARL" if legacy else "Amazon Web Services, Inc.")
    fill = {
        "pstart": month.ts(),
        "pend": month.end_ts(),
        "invoice": invoice,
        "payer": sql_str(ba.billing_account_id),
        "payer_name": sql_str(ba.name),
        "exec_h": sql_str(exec_id),
        "hours": str(month.days * 24),
        "legal": entity,
        "invoicing_entity": entity,
        "net": str(1 - EDP_RATE),
        **RATE_STRINGS,
    }
    return projection(
        [(name, expr.format(**fill)) for name, expr in columns],
        """lines l
LEFT JOIN res_x x ON x.r = l.r
LEFT JOIN cmt c ON c.key = l.cm
LEFT JOIN acc_all a ON a.account_id = l.acct
LEFT JOIN aws_products p ON p.pcode = l.pcode""",
    )


def generate(ctx: Context, key: str, months: Sequence[Month]) -> None:
    """Write some months of one AWS billing account (key 'aws_cur2' or 'aws_cur')."""
    ba = company.BILLING_ACCOUNTS_BY_KEY[key]
    legacy = key == "aws_cur"
    con = ctx.con
    load_company(con, ba)
    load_services(con, aws_catalog.services(legacy))
    load_table(con, "cmt", _commitments(ctx, ba, legacy))
    load_table(
        con, "acc_all", [{"account_id": a.account_id, "account_name": a.name} for a in ba.accounts]
    )
    load_table(
        con,
        "aws_products",
        [{"pcode": k, "product_name": v} for k, v in aws_catalog.PRODUCT_NAMES.items()],
    )
    con.execute(
        "CREATE OR REPLACE TABLE aws_products AS SELECT *, "
        "MAP {'product_name': product_name, 'region': ''} AS product_map FROM aws_products"
    )
    if legacy:  # positional names: DuckDB would rename user:Team next to user:team
        cols = [(f"c{i}", expr) for i, (_, _, _, expr) in enumerate(LEGACY_COLUMNS)]
    else:
        cols = typed(CUR2_COLUMNS)
    for month in months:
        target = month_rows(ctx.rows, ba.row_share, ctx.months, month)
        budget = month_budget(ba, ctx.seed, month)
        _resources(ctx, ba, _spec(ctx, ba, month, target, budget))
        spec = _spec(ctx, ba, month, max(target // 4, target - _overhead(ctx, ba, month)), budget)
        _resources(ctx, ba, spec)
        expand_usage(ctx.con, spec)
        _res_x(ctx, ba)
        restated = month.index == company.RESTATED_MONTH_INDEX
        for estimated in (True, False) if restated else (False,):
            exec_id = det_uuid(ctx.seed, key, month.period, "estimated" if estimated else "final")
            _lines(ctx, ba, month, estimated)
            sql = _projection(ctx, ba, month, exec_id, not estimated, cols)
            path = _write(ctx, ba, month, exec_id, sql)
            if not estimated:
                record(
                    ctx,
                    source=key,
                    export=LEGACY_REPORT if legacy else CUR2_EXPORT,
                    billing_account_id=ba.billing_account_id,
                    month=month,
                    currency=ba.currency,
                    table="lines",
                    cost_column="cost",
                    files=[path],
                )
                _manifest(ctx, ba, month, exec_id, path)


def _write(ctx: Context, ba: company.BillingAccount, month: Month, exec_id: str, sql: str) -> Path:
    if ba.key == "aws_cur":
        folder = f"{month.start:%Y%m%d}-{month.end:%Y%m%d}"
        path = ctx.path(
            "aws", LEGACY_PREFIX, LEGACY_REPORT, folder, exec_id, f"{LEGACY_REPORT}-00001.csv.gz"
        )
        copy_csv_gz(ctx, sql, path, LEGACY_HEADER)
    else:
        path = ctx.path(
            "aws",
            CUR2_PREFIX,
            CUR2_EXPORT,
            "data",
            f"BILLING_PERIOD={month.period}",
            exec_id,
            f"{CUR2_EXPORT}-00001.snappy.parquet",
        )
        copy(ctx, sql, path, PARQUET)
    return path


def _manifest(
    ctx: Context, ba: company.BillingAccount, month: Month, exec_id: str, data_file: Path
) -> None:
    key = data_file.relative_to(ctx.out_dir / "aws").as_posix()
    if ba.key == "aws_cur":
        folder = f"{month.start:%Y%m%d}-{month.end:%Y%m%d}"
        payload = {
            "assemblyId": exec_id,
            "account": ba.billing_account_id,
            "columns": [{"category": c, "name": n, "type": t} for c, n, t, _ in LEGACY_COLUMNS],
            "charset": "UTF-8",
            "compression": "GZIP",
            "contentType": "text/csv",
            "reportId": det_uuid(ctx.seed, ba.key, "report-id").replace("-", ""),
            "reportName": LEGACY_REPORT,
            "billingPeriod": {
                "start": f"{month.start:%Y%m%d}T000000.000Z",
                "end": f"{month.end:%Y%m%d}T000000.000Z",
            },
            "bucket": BUCKET,
            "reportKeys": [key],
            "additionalArtifactKeys": [],
        }
        path = ctx.path(
            "aws", LEGACY_PREFIX, LEGACY_REPORT, folder, f"{LEGACY_REPORT}-Manifest.json"
        )
    else:
        payload = {
            "executionId": exec_id,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{ba.billing_account_id}:export/"
            f"{CUR2_EXPORT}-{det_uuid(ctx.seed, ba.key, 'export')}",
            "exportName": CUR2_EXPORT,
            "billingPeriod": {
                "start": f"{month.start:%Y-%m-%d}T00:00:00Z",
                "end": f"{month.end:%Y-%m-%d}T00:00:00Z",
            },
            "columns": [{"name": n, "type": CUR2_MANIFEST_TYPES[t]} for n, t, _ in CUR2_COLUMNS],
            "dataFiles": [f"s3://{BUCKET}/{key}"],
        }
        path = ctx.path(
            "aws",
            CUR2_PREFIX,
            CUR2_EXPORT,
            "metadata",
            f"BILLING_PERIOD={month.period}",
            f"{CUR2_EXPORT}-Manifest.json",
        )
    write_json(ctx, path, payload)
