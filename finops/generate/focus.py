"""A Microsoft FOCUS 1.2 export (CSV) for Acme's EU billing account, billed in EUR.

Same Azure meters as the cost-details exports, mapped onto the 57 FOCUS 1.2 columns in spec order.
A VM reservation shows the FOCUS way: a monthly Purchase row (billed, effective cost 0), covered
usage with BilledCost 0 and the amortized EffectiveCost (CommitmentDiscountStatus Used), and one
Unused row per day for what the reservation did not cover, so that per CommitmentDiscountId the
Usage rows' EffectiveCost equals the Purchase rows' BilledCost.
"""

from __future__ import annotations

from collections.abc import Sequence

from finops.generate import azure, azure_catalog, company
from finops.generate.columns import FOCUS_COLUMNS
from finops.generate.engine import (
    Month,
    det_int,
    det_uuid,
    load_company,
    load_services,
    load_table,
    sql_str,
)
from finops.generate.writer import CSV_HEADER, Context, copy, projection, record

EXPORT = "acme-eu-focus-cost"
USD_PER_EUR = 1.08

_UNITS = {
    "1 Hour": "Hours",
    "1 GB/Month": "GB-Month",
    "1 GB": "GB",
    "1/Month": "Units/Month",
    "10K": "10K Units",
    "100/Hour": "100 Units/Hour",
    "1/Day": "Units/Day",
    "1 Month": "Months",
}


def _lines(ctx: Context, ba: company.BillingAccount, month: Month) -> None:
    """Temp table `lines` in FOCUS terms: billed / effective / list / contracted cost per row."""
    con, m = ctx.con, month
    disc = 0.05  # negotiated discount off list
    con.execute("""
CREATE OR REPLACE TEMP TABLE u2 AS
SELECT use.rk, use.r, res.account_id AS sub, use.t0, use.t1, use.cost, res.cm,
    CASE WHEN v.fixed THEN 24.0 ELSE use.cost / v.rate END AS qty,
    CASE WHEN v.fixed THEN use.cost / 24.0 ELSE v.rate END AS price,
    CASE WHEN res.cm IS NOT NULL THEN money(use.cost * (1 - c.discount)) END AS eff
FROM use JOIN res USING (r) JOIN svc v ON v.svc = res.svc LEFT JOIN cmt c ON c.key = res.cm
""")
    # the reservation covers a day's eligible usage up to its daily capacity, a little under average
    con.execute("""
CREATE OR REPLACE TEMP TABLE ri_day AS
SELECT cm, floor(avg(s)::DOUBLE * 0.97 * 100) / 100 AS per_day
FROM (SELECT cm, date_trunc('day', t0) AS d, sum(CAST(eff AS DECIMAL(38, 10))) AS s
      FROM u2 WHERE cm IS NOT NULL GROUP BY ALL)
GROUP BY cm
""")
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE lines AS
WITH covered AS (
    SELECT u2.* REPLACE (CASE WHEN sum(CAST(eff AS DECIMAL(38, 10))) OVER (
            PARTITION BY u2.cm, date_trunc('day', t0) ORDER BY rk ROWS UNBOUNDED PRECEDING)
            <= d.per_day THEN u2.cm END AS cm)
    FROM u2 JOIN ri_day d ON d.cm = u2.cm
), u3 AS (
    SELECT * FROM u2 WHERE cm IS NULL UNION ALL BY NAME SELECT * FROM covered
)
SELECT rk, r, sub, t0, t1, 'Usage' AS category, 'Usage-Based' AS frequency, cm,
    CASE WHEN cm IS NOT NULL THEN 'Used' END AS status,
    CASE WHEN cm IS NOT NULL THEN 'Committed' ELSE 'Standard' END AS pricing_category,
    qty, CASE WHEN cm IS NOT NULL THEN 0.0 ELSE cost END AS billed,
    CASE WHEN cm IS NOT NULL THEN eff ELSE cost END AS effective,
    cost AS contracted, price AS contracted_price,
    money(cost / {1 - disc}) AS list, money(price / {1 - disc}) AS list_price,
    NULL::VARCHAR AS descr, NULL::VARCHAR AS unit, NULL::VARCHAR AS service_name,
    NULL::VARCHAR AS service_category, NULL::VARCHAR AS service_subcategory,
    NULL::VARCHAR AS resource_id, NULL::VARCHAR AS resource_name, NULL::VARCHAR AS resource_type
FROM u3
ORDER BY rk
""")
    ms, me = m.ts(), m.end_ts()
    buyer = next(a.account_id for a in ba.accounts if a.name == "acme-eu-checkout")

    def extra(seq: int, select: str) -> None:
        con.execute(f"""
INSERT INTO lines BY NAME
SELECT {10**12 + seq * 10**9} + row_number() OVER (ORDER BY t0, cm) AS rk, * FROM ({select})
""")

    common = (
        "c.benefit_id AS resource_id, c.name AS resource_name, 'Reservation' AS resource_type, "
        f"{sql_str(buyer)} AS sub, 'Virtual Machines' AS service_name, 'Compute' AS service_category, "
        "'Virtual Machines' AS service_subcategory"
    )
    # monthly reservation payment: billed now, effective 0 (the usage rows carry it)
    extra(
        1,
        f"""
SELECT {ms} AS t0, {me} AS t1, 'Purchase' AS category, 'Recurring' AS frequency, d.cm, NULL AS status,
    'Standard' AS pricing_category, 1.0 AS qty, money(d.per_day * {m.days}) AS billed, 0.0 AS effective,
    money(d.per_day * {m.days}) AS contracted, money(d.per_day * {m.days}) AS contracted_price,
    money(d.per_day * {m.days}) AS list, money(d.per_day * {m.days}) AS list_price,
    c.order_name AS descr, 'Months' AS unit, {common}
FROM ri_day d JOIN cmt c ON c.key = d.cm
""",
    )
    # what the reservation did not cover, day by day
    extra(
        2,
        f"""
WITH days AS (SELECT unnest(range({ms}, {me}, INTERVAL 1 DAY)) AS t0),
used AS (SELECT cm, date_trunc('day', t0) AS t0, sum(CAST(effective AS DECIMAL(38, 10)))::DOUBLE AS used
         FROM lines WHERE status = 'Used' GROUP BY ALL)
SELECT days.t0, days.t0 + INTERVAL 1 DAY AS t1, 'Usage' AS category, 'Usage-Based' AS frequency, d.cm,
    'Unused' AS status, 'Committed' AS pricing_category, 0.0 AS qty, 0.0 AS billed,
    money(d.per_day - coalesce(used.used, 0)) AS effective, 0.0 AS contracted, 0.0 AS contracted_price,
    0.0 AS list, 0.0 AS list_price, 'Unused reservation: ' || c.name AS descr, 'Hours' AS unit, {common}
FROM ri_day d JOIN cmt c ON c.key = d.cm CROSS JOIN days
LEFT JOIN used ON used.cm = d.cm AND used.t0 = days.t0
""",
    )
    support = round(900.0 * 1.012**m.index, 2)
    extra(
        3,
        f"""
SELECT {ms} AS t0, {me} AS t1, 'Purchase' AS category, 'Recurring' AS frequency, NULL AS cm, NULL AS status,
    'Standard' AS pricing_category, 1.0 AS qty, {support} AS billed, {support} AS effective,
    {support} AS contracted, {support} AS contracted_price, {support} AS list, {support} AS list_price,
    'Azure Support - Standard' AS descr, 'Months' AS unit, {sql_str(buyer)} AS sub,
    'Support' AS service_name, 'Other' AS service_category, 'Other (Other)' AS service_subcategory
""",
    )
    rounding = ((det_int(ctx.seed, ba.key, m.index, "rounding") % 200) - 100) / 10000.0
    extra(
        4,
        f"""
SELECT {me} - INTERVAL 1 DAY AS t0, {me} AS t1, 'Adjustment' AS category, 'One-Time' AS frequency,
    NULL AS cm, NULL AS status, NULL AS pricing_category, 0.0 AS qty, {rounding} AS billed,
    {rounding} AS effective, {rounding} AS contracted, 0.0 AS contracted_price, {rounding} AS list,
    0.0 AS list_price, 'Rounding adjustment' AS descr, NULL AS unit, NULL AS sub,
    'Azure' AS service_name, 'Other' AS service_category, 'Other (Other)' AS service_subcategory
""",
    )
    if m.index == company.RESTATED_MONTH_INDEX:
        extra(
            5,
            f"""
SELECT {ms} + INTERVAL 20 DAY AS t0, {ms} + INTERVAL 21 DAY AS t1, 'Credit' AS category,
    'One-Time' AS frequency, NULL AS cm, NULL AS status, NULL AS pricing_category, 0.0 AS qty,
    money(-0.1 * s) AS billed, money(-0.1 * s) AS effective, money(-0.1 * s) AS contracted,
    0.0 AS contracted_price, money(-0.1 * s) AS list, 0.0 AS list_price,
    'Service level agreement credit: Azure SQL Database' AS descr, NULL AS unit, sub,
    'Azure SQL Database' AS service_name, 'Databases' AS service_category,
    'Relational Databases' AS service_subcategory
FROM (SELECT l.sub, sum(CAST(l.billed AS DECIMAL(38, 10)))::DOUBLE AS s FROM lines l JOIN res_az x USING (r)
      WHERE x.focus_service = 'Azure SQL Database' GROUP BY l.sub ORDER BY s DESC, l.sub LIMIT 1)
""",
        )


def generate(ctx: Context, months: Sequence[Month]) -> None:
    ba = company.BILLING_ACCOUNTS_BY_KEY["focus"]
    con = ctx.con
    load_company(con, ba)
    load_services(con, azure_catalog.services({"team", "network"}, frozenset({"aml"})))
    load_table(con, "cmt", azure.commitments(ctx, "focus"))
    azure.load_subs(ctx, ba)
    load_table(con, "focus_units", [{"unit": k, "focus_unit": v} for k, v in _UNITS.items()])
    for month in months:
        azure.load_month(ctx, ba, month, "focus", overhead=month.days + 4)
        azure.res_az(ctx)
        _lines(ctx, ba, month)
        fill = {
            "ba_id": sql_str(ba.billing_account_id),
            "ba_name": sql_str(ba.name),
            "usd_per_eur": str(USD_PER_EUR),
            "pstart": month.ts(),
            "pend": month.end_ts(),
            "invoice": sql_str(
                f"E{det_int(ctx.seed, 'focus', month.period, 'invoice') % 10**9:09d}"
            ),
        }
        sql = projection(
            [(name, expr.format(**fill)) for name, expr in FOCUS_COLUMNS],
            "lines l LEFT JOIN res_az x ON x.r = l.r LEFT JOIN subs s ON s.sub = l.sub "
            "LEFT JOIN cmt c ON c.key = l.cm LEFT JOIN focus_units u ON u.unit = coalesce(x.unit, l.unit)",
        )
        folder = f"{month.start:%Y%m%d}-{month.last_day:%Y%m%d}"
        run = det_uuid(ctx.seed, EXPORT, month.period)
        path = ctx.path("focus", EXPORT, folder, run, "part_0_0001.csv")
        copy(ctx, sql, path, CSV_HEADER)
        record(
            ctx,
            source="focus",
            export=EXPORT,
            billing_account_id=ba.billing_account_id,
            month=month,
            currency=ba.currency,
            table="lines",
            cost_column="billed",
            files=[path],
        )
