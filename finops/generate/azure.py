"""Azure Cost Management exports (actual cost, daily): one EA enrollment, one MCA billing account.

EA files use the EA column set (PascalCase, `Tags` without outer braces), MCA files the MCA set
(camelCase, `tags` as a JSON object). Rows a reservation (EA) or savings plan (MCA) covers carry
PricingModel Reservation / SavingsPlan and cost 0; the commitment is billed by a monthly Purchase
row. EA also has a Marketplace purchase; MCA a support plan, a rounding adjustment and, in the
restated month, a refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from finops.generate import azure_catalog, company
from finops.generate.columns import EA_COLUMNS, MCA_COLUMNS
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
from finops.generate.writer import CSV_HEADER, Context, copy, projection, record

EXPORTS = {"azure_ea": "acme-ea-actual-cost", "azure_mca": "acme-mca-actual-cost"}

_DEPT_IDS = {t.department: str(100000 + i) for i, t in enumerate(company.TEAMS)}


def commitments(ctx: Context, key: str) -> list[dict[str, Any]]:
    """The reservation (EA, and the EU billing account) or savings plan (MCA) of a billing account."""
    order, leaf = det_uuid(ctx.seed, key, "order"), det_uuid(ctx.seed, key, "benefit")
    if key == "azure_mca":
        return [
            {
                "key": "sp1",
                "kind": "sp",
                "share": 0.5,
                "discount": 0.3,
                "util": 0.95,
                "name": "acme-compute-savings-plan",
                "term_months": "36",
                "order_id": order,
                "order_name": "Compute savings plan, 3 years, hourly commitment",
                "benefit_id": f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{order}/savingsPlans/{leaf}",
                "benefit_leaf": leaf,
                "buyer": "acme-ml-training",
            }
        ]
    buyer = "acme-aks-shared" if key == "azure_ea" else "acme-eu-checkout"
    return [
        {
            "key": "ri1",
            "kind": "ri",
            "share": 0.55,
            "discount": 0.41,
            "util": 0.93,
            "name": "VM_RI_Dsv5_3yr",
            "term_months": "36",
            "order_id": order,
            "order_name": "Reserved VM Instance, Standard_D8s_v5, US East, 3 Years",
            "benefit_id": f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations/{leaf}",
            "benefit_leaf": leaf,
            "buyer": buyer,
        }
    ]


def load_month(
    ctx: Context, ba: company.BillingAccount, month: Month, provider_key: str, overhead: int
) -> int:
    """Resources and daily usage of one Azure billing account: tables res (with `cm`) and use.

    `overhead`: rows the export adds on top of usage (purchases, adjustments, unused commitment).
    """
    spec = UsageSpec(
        seed=ctx.seed,
        ba_key=ba.key,
        month=month,
        n_rows=max(1, month_rows(ctx.rows, ba.row_share, ctx.months, month) - overhead),
        budget=month_budget(ba, ctx.seed, month),
        start_ts=month.ts(),
        hours=month.days * 24,
        team_keys=company.TEAM_KEYS[provider_key],
        env_keys=company.ENV_KEYS[provider_key],
        cc_keys=company.COST_CENTER_KEYS[provider_key],
        product_keys=company.PRODUCT_KEYS[provider_key],
        min_resources=60,
    )
    build_resources(ctx.con, spec)
    cm = commitments(ctx, ba.key)[0]
    flag = "v.sp" if cm["kind"] == "sp" else "v.ri"
    ctx.con.execute(f"""
CREATE OR REPLACE TEMP TABLE res AS
SELECT res.*, CASE WHEN {flag} AND u01(hash(res.h, 'commit')) < {cm["share"]} THEN '{cm["key"]}' END AS cm
FROM res JOIN svc v USING (svc)
""")
    return expand_usage(ctx.con, spec)


def res_az(ctx: Context) -> None:
    """Resource-level strings: resource group, ARM id, meter ids, tags as EA/MCA/FOCUS write them."""
    load_table(
        ctx.con,
        "az_regions",
        [
            {"region": k, "location_name": v[0], "meter_region": v[1], "resource_location": v[2]}
            for k, v in azure_catalog.REGIONS.items()
        ],
    )
    ctx.con.execute("""
CREATE OR REPLACE TEMP TABLE res_az AS
WITH b AS (
    SELECT res.r, res.h, res.account_id, res.region, res.base_team, res.kind, res.env, res.tags,
           v.meter_category, v.meter_subcategory, v.meter_name, v.unit, v.consumed_service, v.product_name,
           v.service_family, v.additional_info, v.focus_service, v.focus_category, v.focus_subcategory,
           v.resource_type, v.fixed, v.rate, v.provider_path,
           CASE WHEN res.kind = 'team' THEN 'rg-' || res.base_team || '-' || res.env
                ELSE 'rg-' || replace(res.account_name, 'acme-', '') END AS resource_group,
           replace(replace(v.name_fmt, '{team}', replace(coalesce(res.base_team, 'shared'), '-', '')),
                   '{n}', CAST(res.r % 997 AS VARCHAR)) AS resource_name,
           rg.location_name, rg.meter_region, rg.resource_location
    FROM res JOIN svc v USING (svc) JOIN az_regions rg ON rg.region = res.region
)
SELECT r, region AS location, location_name, meter_region, resource_location, resource_group, resource_name,
    meter_category, meter_subcategory, meter_name, unit, consumed_service,
    replace(product_name, '{region}', meter_region) AS product_name, service_family,
    additional_info, focus_service, focus_category, focus_subcategory, resource_type, fixed, rate,
    '/subscriptions/' || replace(account_id, '/subscriptions/', '') || '/resourceGroups/' || resource_group
        || '/providers/' || replace(replace(provider_path, '{name}', resource_name), '{team}',
                                    replace(coalesce(base_team, 'shared'), '-', '')) AS resource_id,
    lower(hx(hash(meter_name, meter_category), 8) || '-' || hx(hash(meter_name, 1), 4) || '-'
          || hx(hash(meter_name, 2), 4) || '-' || hx(hash(meter_name, 3), 4) || '-'
          || hx(hash(meter_name, 4), 12)) AS meter_id,
    upper(hx(hash(meter_name, 'pid'), 12)) || '/' || upper(hx(hash(meter_name, 'sku'), 4)) AS product_id,
    upper(hx(hash(meter_name, 'pn'), 3)) || '-' || CAST(hash(meter_name, 'pn2') % 90000 + 10000 AS VARCHAR)
        AS part_number,
    CASE WHEN len(tags) > 0 THEN array_to_string(list_transform(tags,
        lambda t: '"' || t.key || '": "' || t.value || '"'), ',') END AS tags_ea,
    CASE WHEN len(tags) > 0 THEN '{' || array_to_string(list_transform(tags,
        lambda t: to_json(t.key) || ': ' || to_json(t.value)), ', ') || '}' END AS tags_json
FROM b
""")


def _lines(ctx: Context, ba: company.BillingAccount, month: Month) -> None:
    con, m = ctx.con, month
    con.execute("""
CREATE OR REPLACE TEMP TABLE lines AS
SELECT use.rk, use.r, res.account_id AS sub, CAST(use.t0 AS DATE) AS d,
    'Usage' AS charge_type, 'UsageBased' AS frequency,
    CASE WHEN c.kind = 'ri' THEN 'Reservation' WHEN c.kind = 'sp' THEN 'SavingsPlan' ELSE 'OnDemand' END
        AS pricing_model,
    CASE WHEN v.fixed THEN 24.0 ELSE use.cost / v.rate END AS qty,
    CASE WHEN c.key IS NOT NULL THEN 0.0 ELSE use.cost END AS cost,
    use.cost AS payg_cost,
    CASE WHEN c.key IS NOT NULL THEN 0.0 WHEN v.fixed THEN use.cost / 24.0 ELSE v.rate END AS eff_price,
    CASE WHEN v.fixed THEN use.cost / 24.0 ELSE v.rate END AS payg_price,
    CASE WHEN v.fixed THEN use.cost / 24.0 ELSE v.rate END AS unit_price,
    res.cm, CASE WHEN c.key IS NOT NULL THEN money(use.cost * (1 - c.discount)) END AS eff,
    NULL::VARCHAR AS product, NULL::VARCHAR AS meter_category, NULL::VARCHAR AS unit,
    NULL::VARCHAR AS family, NULL::VARCHAR AS publisher_type, NULL::VARCHAR AS publisher_name,
    NULL::VARCHAR AS resource_id, NULL::VARCHAR AS resource_name
FROM use JOIN res USING (r) JOIN svc v ON v.svc = res.svc LEFT JOIN cmt c ON c.key = res.cm
ORDER BY use.rk
""")
    ms = m.ts()

    def extra(seq: int, select: str) -> None:
        con.execute(f"""
INSERT INTO lines BY NAME
SELECT {10**12 + seq * 10**9} + row_number() OVER (ORDER BY sub, d, product) AS rk, * FROM ({select})
""")

    subs = {a.name: a.account_id for a in ba.accounts}
    cm = commitments(ctx, ba.key)[0]
    # the commitment's monthly payment (billing plan: monthly), sized to what it covered
    extra(
        1,
        f"""
SELECT {sql_str(subs[cm["buyer"]])} AS sub, CAST({ms} AS DATE) AS d, 'Purchase' AS charge_type,
    'Recurring' AS frequency, CASE c.kind WHEN 'ri' THEN 'Reservation' ELSE 'SavingsPlan' END AS pricing_model,
    1.0 AS qty, money(sum(CAST(l.eff AS DECIMAL(38, 10)))::DOUBLE / c.util) AS cost,
    money(sum(CAST(l.eff AS DECIMAL(38, 10)))::DOUBLE / c.util) AS payg_cost,
    money(sum(CAST(l.eff AS DECIMAL(38, 10)))::DOUBLE / c.util) AS eff_price,
    money(sum(CAST(l.eff AS DECIMAL(38, 10)))::DOUBLE / c.util) AS payg_price,
    money(sum(CAST(l.eff AS DECIMAL(38, 10)))::DOUBLE / c.util) AS unit_price,
    c.key AS cm, c.order_name AS product, NULL AS meter_category, '1 Month' AS unit,
    'Compute' AS family, 'Microsoft' AS publisher_type, 'Microsoft' AS publisher_name,
    c.benefit_id AS resource_id, c.name AS resource_name
FROM lines l JOIN cmt c ON c.key = l.cm
GROUP BY c.key, c.kind, c.util, c.order_name, c.benefit_id, c.name
""",
    )
    growth = 1.012**m.index
    if ba.key == "azure_ea":
        extra(
            2,
            f"""
SELECT {sql_str(subs["acme-web-prod"])} AS sub, CAST({ms} AS DATE) AS d, 'Purchase' AS charge_type,
    'Recurring' AS frequency, 'OnDemand' AS pricing_model, 1.0 AS qty,
    money({4200.0 * growth}) AS cost, money({4200.0 * growth}) AS payg_cost,
    money({4200.0 * growth}) AS eff_price, money({4200.0 * growth}) AS payg_price,
    money({4200.0 * growth}) AS unit_price, NULL AS cm, 'Datadog Pro - Monthly' AS product,
    'SaaS' AS meter_category, '1 Month' AS unit, 'Management and Governance' AS family,
    'Marketplace' AS publisher_type, 'Datadog' AS publisher_name
""",
        )
    else:
        extra(
            2,
            f"""
SELECT {sql_str(subs["acme-support-tools"])} AS sub, CAST({ms} AS DATE) AS d, 'Purchase' AS charge_type,
    'Recurring' AS frequency, 'OnDemand' AS pricing_model, 1.0 AS qty, 1000.0 AS cost,
    1000.0 AS payg_cost, 1000.0 AS eff_price, 1000.0 AS payg_price, 1000.0 AS unit_price, NULL AS cm,
    'Azure Support - Standard' AS product, 'Azure Support' AS meter_category, '1 Month' AS unit,
    'Other' AS family, 'Microsoft' AS publisher_type, 'Microsoft' AS publisher_name
""",
        )
        rounding = ((det_int(ctx.seed, ba.key, m.index, "rounding") % 200) - 100) / 10000.0
        extra(
            3,
            f"""
SELECT {sql_str(subs["acme-support-tools"])} AS sub, CAST({ms} AS DATE) AS d,
    'RoundingAdjustment' AS charge_type, 'OneTime' AS frequency, 'OnDemand' AS pricing_model, 1.0 AS qty,
    {rounding} AS cost, {rounding} AS payg_cost, 0.0 AS eff_price, 0.0 AS payg_price, 0.0 AS unit_price,
    NULL AS cm, 'Rounding adjustment' AS product, NULL AS meter_category, NULL AS unit,
    'Other' AS family, 'Microsoft' AS publisher_type, 'Microsoft' AS publisher_name
""",
        )
        if m.index == company.RESTATED_MONTH_INDEX:
            extra(
                4,
                f"""
SELECT {sql_str(subs["acme-ml-training"])} AS sub, CAST({m.ts()} AS DATE) + 14 AS d, 'Refund' AS charge_type,
    'OneTime' AS frequency, 'OnDemand' AS pricing_model, 1.0 AS qty,
    money(-0.04 * sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE) AS cost,
    money(-0.04 * sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE) AS payg_cost,
    0.0 AS eff_price, 0.0 AS payg_price, 0.0 AS unit_price, NULL AS cm,
    'Service credit: Virtual Machines SLA' AS product, 'Virtual Machines' AS meter_category, NULL AS unit,
    'Compute' AS family, 'Microsoft' AS publisher_type, 'Microsoft' AS publisher_name
FROM lines WHERE sub = {sql_str(subs["acme-ml-training"])} AND charge_type = 'Usage'
HAVING count(*) > 0
""",
            )


def load_subs(ctx: Context, ba: company.BillingAccount) -> None:
    rows = []
    for i, a in enumerate(ba.accounts):
        team = company.TEAMS_BY_NAME[a.owner_team]
        rows.append(
            {
                "sub": a.account_id,
                "sub_name": a.name,
                "department": team.department,
                "cost_center": team.cost_center,
                "owner_email": f"cloud-admins+{team.name}@acme.example",
                "invoice_section_id": (
                    _DEPT_IDS[team.department]
                    if ba.key == "azure_ea"
                    else f"{upper_code(ctx.seed, team.department)}"
                ),
                "ea_account_name": f"Acme {team.department}",
                "ea_account_id": str(3000000 + i),
            }
        )
    load_table(ctx.con, "subs", rows)


def upper_code(seed: int, name: str) -> str:
    """An MCA-style section id like `XKQ3-PJRL-PJA-PGB`."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    n = det_int(seed, "section", name)
    chars = "".join(alphabet[(n >> (5 * i)) % 32] for i in range(14))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:11]}-{chars[11:14]}"


def generate(ctx: Context, key: str, months: Sequence[Month]) -> None:
    ba = company.BILLING_ACCOUNTS_BY_KEY[key]
    con = ctx.con
    export = EXPORTS[key]
    load_company(con, ba)
    kinds = {a.kind for a in ba.accounts}
    load_services(
        con, azure_catalog.services(kinds, frozenset({"aml"}) if key == "azure_ea" else frozenset())
    )
    load_table(con, "cmt", commitments(ctx, key))
    load_subs(ctx, ba)
    columns = EA_COLUMNS if key == "azure_ea" else MCA_COLUMNS
    for month in months:
        load_month(ctx, ba, month, "azure", overhead=3)
        res_az(ctx)
        _lines(ctx, ba, month)
        fill = {
            "ba_id": sql_str(ba.billing_account_id),
            "ba_name": sql_str(ba.name),
            "profile": sql_str(ba.billing_profile_id),
            "pstart": month.ts(),
            "plast": f"DATE '{month.last_day:%Y-%m-%d}'",
            "invoice": sql_str(f"G{det_int(ctx.seed, key, month.period, 'invoice') % 10**9:09d}"),
        }
        sql = projection(
            [(name, expr.format(**fill)) for name, expr in columns],
            "lines l LEFT JOIN res_az x ON x.r = l.r LEFT JOIN subs s ON s.sub = l.sub "
            "LEFT JOIN cmt c ON c.key = l.cm",
        )
        folder = f"{month.start:%Y%m%d}-{month.last_day:%Y%m%d}"
        path = ctx.path(
            "azure", export, folder, f"{export}_{det_uuid(ctx.seed, export, month.period)}.csv"
        )
        copy(ctx, sql, path, CSV_HEADER)
        record(
            ctx,
            source=key,
            export=export,
            billing_account_id=ba.billing_account_id,
            month=month,
            currency=ba.currency,
            table="lines",
            cost_column="cost",
            files=[path],
        )
