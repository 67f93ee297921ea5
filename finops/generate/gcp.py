"""GCP Cloud Billing detailed export, as `bq extract` leaves it: one billing account as NDJSON, one
as Parquet, one as a flattened CSV with dotted column names.

Invoice months follow Pacific time, so a month's usage starts at 08:00 (07:00 in summer) UTC.
Compute usage a committed use discount covers gets a COMMITTED_USAGE_DISCOUNT credit for its full
cost and the commitment's daily fee is a separate line; uncovered N2 usage earns sustained use
discounts; the Labs account has promotional credits for the first half of the window. A tax line
per project, a rounding line without a project and, in the restated month, a manual adjustment
complete the invoice.
"""

from __future__ import annotations

from collections.abc import Sequence

from finops.generate import company, gcp_catalog
from finops.generate.columns import GCP_FLAT, GCP_NESTED
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
    pacific_start,
    sql_str,
)
from finops.generate.writer import CSV_HEADER, NDJSON, PARQUET, Context, copy, projection, record

FORMATS = {"gcp_json": "json", "gcp_parquet": "parquet", "gcp_csv": "csv"}
CUD_DISCOUNT = 0.37
CUD_BUYER = {"gcp_parquet": "acme-gke-shared", "gcp_json": "acme-mobile-backend"}

SKU_ID = (
    "upper(hx(hash({sku}, 1), 4) || '-' || hx(hash({sku}, 2), 4) || '-' || hx(hash({sku}, 3), 4))"
)
_CREDIT = "STRUCT(name VARCHAR, amount DOUBLE, full_name VARCHAR, id VARCHAR, type VARCHAR)"
_KV = "STRUCT(key VARCHAR, value VARCHAR)"
_BQ_TS = "strftime({0}, '%Y-%m-%d %H:%M:%S UTC')"


def _projects(ctx: Context, ba: company.BillingAccount) -> None:
    org, folder = "813467295014", str(200000000000 + det_int(0, ba.key, "folder") % 10**11)
    rows = []
    for a in ba.accounts:
        team = company.TEAMS_BY_NAME[a.owner_team]
        labels = [{"key": "env", "value": a.env}]
        if a.kind == "team":
            labels.append({"key": "cost-center", "value": team.cost_center.lower()})
        else:
            labels.append({"key": "managed-by", "value": "terraform"})
        rows.append(
            {
                "project": a.account_id,
                "number": a.number,
                "name": a.name,
                "labels": labels,
                "ancestry": f"/{org}/{folder}/",
                "region": a.region,
            }
        )
    load_table(ctx.con, "projects", rows)


def _res_g(ctx: Context) -> None:
    ctx.con.execute("""
CREATE OR REPLACE TEMP TABLE res_g AS
WITH b AS (
    SELECT res.r, res.h, res.account_id AS project, res.region, res.kind, res.tags, res.base_team,
           v.res_fmt, v.global_fmt, v.machine, v.svc,
           replace(replace(replace(v.res_fmt, '{team}', coalesce(res.base_team, 'shared')), '{n}',
                   CAST(res.r % 997 AS VARCHAR)), '{project}', res.account_id) AS rname
    FROM res JOIN svc v USING (svc)
)
SELECT r, region, region || CASE WHEN pick(hash(h, 'zone'), 3) = 0 THEN '-b' ELSE '-a' END AS zone,
    nullif(rname, '') AS resource_name,
    nullif(replace(replace(replace(replace(replace(replace(global_fmt, '{project}', project), '{zone}',
        region || CASE WHEN pick(hash(h, 'zone'), 3) = 0 THEN '-b' ELSE '-a' END), '{region}', region),
        '{id}', CAST(hash(h, 'gid') % 9000000000000000000 AS VARCHAR)), '{team}', coalesce(base_team, 'shared')),
        '{n}', CAST(r % 997 AS VARCHAR)), '') AS global_name,
    list_concat(tags, CASE WHEN kind = 'k8s' AND machine <> ''
        THEN [{'key': 'goog-k8s-cluster-name', 'value': 'acme-shared-gke'}] ELSE [] END) AS labels,
    CASE WHEN machine <> '' THEN [
        {'key': 'compute.googleapis.com/machine_spec', 'value': machine},
        {'key': 'compute.googleapis.com/cores', 'value': regexp_extract(machine, '(\\d+)$')},
        {'key': 'compute.googleapis.com/memory', 'value': CAST(4096 * CAST(regexp_extract(machine, '(\\d+)$') AS INT) AS VARCHAR)}
    ] ELSE [] END AS system_labels
FROM b
""")


def _lines(
    ctx: Context, ba: company.BillingAccount, month: Month, start_ts: str, hours: int
) -> None:
    con, m = ctx.con, month
    promo = ba.key == "gcp_csv" and m.index < 6
    commit_id = det_uuid(ctx.seed, ba.key, "cud")
    con.execute("""
CREATE OR REPLACE TEMP TABLE u2 AS
SELECT use.rk, use.r, res.account_id AS project, use.t0, use.t1, use.cost, res.cm, res.h,
    v.service, v.service_id, v.sku, v.sku_id, v.unit, v.pricing_unit, v.unit_factor, v.rate, v.sud,
    v.key AS svc_key
FROM use JOIN res USING (r) JOIN svc v ON v.svc = res.svc
""")
    # the commitment covers a day's eligible usage up to its capacity, a little under average
    con.execute("""
CREATE OR REPLACE TEMP TABLE cud_day AS
SELECT floor(avg(s)::DOUBLE * 0.97 * 100) / 100 AS per_day
FROM (SELECT date_trunc('day', t0) AS d, sum(CAST(cost AS DECIMAL(38, 10))) AS s FROM u2
      WHERE cm IS NOT NULL GROUP BY ALL)
""")
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE lines AS
WITH covered AS (
    SELECT u2.* REPLACE (CASE WHEN sum(CAST(cost AS DECIMAL(38, 10))) OVER (
            PARTITION BY date_trunc('day', t0) ORDER BY rk ROWS UNBOUNDED PRECEDING)
            <= (SELECT per_day FROM cud_day) THEN cm END AS cm)
    FROM u2 WHERE cm IS NOT NULL
), u3 AS (SELECT * FROM u2 WHERE cm IS NULL UNION ALL BY NAME SELECT * FROM covered)
SELECT rk, r, project, t0, t1, cost, 'regular' AS cost_type, service, service_id, sku, sku_id, unit, pricing_unit,
    cost / rate AS amount_pu, cost / rate * unit_factor AS amount, rate AS price,
    CASE WHEN service = 'BigQuery' THEN money(cost / 0.95) ELSE cost END AS cost_at_list,
    list_filter([
        CASE WHEN cm IS NOT NULL THEN {{'name': 'Committed use discount: ' || sku, 'amount': -cost,
            'full_name': 'Committed use discount: ' || sku, 'id': 'commitments/{commit_id}',
            'type': 'COMMITTED_USAGE_DISCOUNT'}} END,
        CASE WHEN cm IS NULL AND sud AND u01(hash(h, 'sud')) < 0.6 THEN {{'name': 'Sustained Usage Discount',
            'amount': money(-0.2 * cost), 'full_name': 'Sustained Usage Discount',
            'id': 'sustained_usage_discount', 'type': 'SUSTAINED_USAGE_DISCOUNT'}} END,
        CASE WHEN svc_key = 'run' THEN {{'name': 'Cloud Run free tier', 'amount': -least(cost, 0.5),
            'full_name': 'Free tier: CPU Allocation Time', 'id': 'free_tier', 'type': 'FREE_TIER'}} END,
        CASE WHEN {str(promo).upper()} AND cm IS NULL THEN {{'name': 'Innovators promotional credit', 'amount': money(-0.1 * cost),
            'full_name': 'Innovators promotional credit', 'id': 'promotions/{det_uuid(ctx.seed, ba.key, "promo")}',
            'type': 'PROMOTION'}} END
    ], lambda c: c IS NOT NULL)::{_CREDIT}[] AS credits,
    NULL::STRUCT(id VARCHAR, description VARCHAR, mode VARCHAR, type VARCHAR) AS adjustment,
    NULL::VARCHAR AS resource_name, NULL::VARCHAR AS global_name
FROM u3
ORDER BY rk
""")
    ms = start_ts
    me = f"({start_ts} + INTERVAL {hours} HOUR)"

    def extra(seq: int, select: str) -> None:
        con.execute(f"""
INSERT INTO lines BY NAME
SELECT {10**12 + seq * 10**9} + row_number() OVER (ORDER BY project, t0, sku) AS rk, *,
    {SKU_ID.format(sku="sku")} AS sku_id
FROM ({select})
""")

    empty = f"[]::{_CREDIT}[] AS credits"
    if ba.key in CUD_BUYER:  # the commitment's fee, day by day
        extra(
            1,
            f"""
WITH days AS (SELECT unnest(range({ms}, {me}, INTERVAL 1 DAY)) AS t0)
SELECT {sql_str(CUD_BUYER[ba.key])} AS project, t0, least(t0 + INTERVAL 1 DAY, {me}) AS t1,
    money(c.per_day * (1 - {CUD_DISCOUNT})) AS cost, 'regular' AS cost_type, 'Compute Engine' AS service,
    '{gcp_catalog.SERVICE_IDS["Compute Engine"]}' AS service_id,
    'Commitment v1: N2 Cpu in Americas for 1 Year' AS sku, 'seconds' AS unit, 'hour' AS pricing_unit,
    24.0 AS amount_pu, 86400.0 AS amount, money(c.per_day * (1 - {CUD_DISCOUNT}) / 24) AS price,
    money(c.per_day * (1 - {CUD_DISCOUNT})) AS cost_at_list, {empty},
    'acme-cud-n2-1yr' AS resource_name,
    '//compute.googleapis.com/projects/{CUD_BUYER[ba.key]}/regions/us-central1/commitments/acme-cud-n2-1yr'
        AS global_name
FROM days CROSS JOIN cud_day c WHERE c.per_day IS NOT NULL
""",
        )
    if ba.key == "gcp_parquet" and m.index == company.RESTATED_MONTH_INDEX:
        adj = det_uuid(ctx.seed, ba.key, "adjustment")
        extra(
            2,
            f"""
SELECT project, {ms} + INTERVAL 14 DAY AS t0, {ms} + INTERVAL 15 DAY AS t1,
    money(-0.05 * sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE) AS cost, 'adjustment' AS cost_type,
    'Compute Engine' AS service, '{gcp_catalog.SERVICE_IDS["Compute Engine"]}' AS service_id,
    'Usage credit adjustment' AS sku, NULL AS unit, NULL AS pricing_unit, 0.0 AS amount_pu, 0.0 AS amount,
    0.0 AS price, money(-0.05 * sum(CAST(cost AS DECIMAL(38, 10)))::DOUBLE) AS cost_at_list, {empty},
    {{'id': '{adj}', 'description': 'Billing adjustment: SLA credit for a regional outage',
      'mode': 'MANUAL_ADJUSTMENT', 'type': 'GENERAL_ADJUSTMENT'}} AS adjustment
FROM lines WHERE service = 'Compute Engine' AND cost_type = 'regular'
GROUP BY project ORDER BY sum(CAST(cost AS DECIMAL(38, 10))) DESC, project LIMIT 1
""",
        )
    extra(
        3,
        f"""
SELECT project, {ms} AS t0, {me} AS t1, money(0.04 * s) AS cost, 'tax' AS cost_type,
    'Invoice' AS service, 'Invoice' AS service_id, 'Tax' AS sku, NULL AS unit, NULL AS pricing_unit,
    0.0 AS amount_pu, 0.0 AS amount, 0.0 AS price, money(0.04 * s) AS cost_at_list, {empty}
FROM (SELECT project, sum(CAST(cost AS DECIMAL(38, 10)) + coalesce(CAST(list_sum(list_transform(credits,
          lambda c: c.amount)) AS DECIMAL(38, 10)), 0))::DOUBLE AS s
      FROM lines GROUP BY project HAVING s > 0)
""",
    )
    rounding = ((det_int(ctx.seed, ba.key, m.index, "rounding") % 200) - 100) / 10000.0
    extra(
        4,
        f"""
SELECT NULL AS project, {ms} AS t0, {me} AS t1, {rounding} AS cost, 'rounding_error' AS cost_type,
    'Invoice' AS service, 'Invoice' AS service_id, 'Rounding error' AS sku, NULL AS unit, NULL AS pricing_unit,
    0.0 AS amount_pu, 0.0 AS amount, 0.0 AS price, {rounding} AS cost_at_list, {empty}
""",
    )


def generate(ctx: Context, key: str, months: Sequence[Month]) -> None:
    ba = company.BILLING_ACCOUNTS_BY_KEY[key]
    con, fmt = ctx.con, FORMATS[key]
    load_company(con, ba)
    load_services(con, gcp_catalog.services({a.kind for a in ba.accounts}))
    con.execute(
        "CREATE OR REPLACE TABLE svc AS SELECT *, "
        + SKU_ID.format(sku="sku")
        + " AS sku_id FROM svc"
    )
    _projects(ctx, ba)
    folder = f"billing-export-{ba.billing_account_id}"
    table = f"gcp_billing_export_resource_v1_{ba.billing_account_id.replace('-', '_')}"
    for month in months:
        start_ts, hours = pacific_start(month)
        target = month_rows(ctx.rows, ba.row_share, ctx.months, month)
        spec = UsageSpec(
            seed=ctx.seed,
            ba_key=ba.key,
            month=month,
            n_rows=max(1, target - len(ba.accounts) - 2 - (month.days if key in CUD_BUYER else 0)),
            budget=month_budget(ba, ctx.seed, month),
            start_ts=start_ts,
            hours=hours,
            team_keys=company.TEAM_KEYS["gcp"],
            env_keys=company.ENV_KEYS["gcp"],
            cc_keys=company.COST_CENTER_KEYS["gcp"],
            product_keys=company.PRODUCT_KEYS["gcp"],
            value_case_variants=False,
            min_resources=60,
            anomaly=("bq_analysis", 8, 3, 6, 5.0) if key == "gcp_parquet" else None,
        )
        build_resources(con, spec)
        cud = "TRUE" if key in CUD_BUYER else "FALSE"
        con.execute(f"""
CREATE OR REPLACE TEMP TABLE res AS
SELECT res.*, CASE WHEN {cud} AND v.cud AND u01(hash(res.h, 'commit')) < 0.55 THEN 'cud' END AS cm
FROM res JOIN svc v USING (svc)
""")
        expand_usage(con, spec)
        _res_g(ctx)
        _lines(ctx, ba, month, start_ts, hours)
        nested = _nested_select(ctx, ba, month, parquet=fmt == "parquet")
        name = f"{table}-{month.yyyymm}-000000000000.{fmt}"
        path = ctx.path("gcp", folder, name)
        if fmt == "json":
            copy(ctx, nested, path, NDJSON)
        elif fmt == "parquet":
            copy(ctx, nested, path, PARQUET)
        else:
            flat = ",\n    ".join(f'{expr} AS "{col}"' for col, expr in GCP_FLAT)
            copy(ctx, f"SELECT {flat} FROM ({nested})", path, CSV_HEADER)
        record(
            ctx,
            source=key,
            export=folder,
            billing_account_id=ba.billing_account_id,
            month=month,
            currency=ba.currency,
            table="lines",
            cost_column="cost",
            files=[path],
        )


def _nested_select(ctx: Context, ba: company.BillingAccount, month: Month, parquet: bool) -> str:
    if parquet:
        ts0, ts1 = "CAST(l.t0 AS TIMESTAMPTZ)", "CAST(l.t1 AS TIMESTAMPTZ)"
        ts_export = (
            "CAST(l.t1 + to_minutes(90 + CAST(hash(l.rk, 'x') % 240 AS INT)) AS TIMESTAMPTZ)"
        )
    else:
        ts0, ts1 = _BQ_TS.format("l.t0"), _BQ_TS.format("l.t1")
        ts_export = _BQ_TS.format("l.t1 + to_minutes(90 + CAST(hash(l.rk, 'x') % 240 AS INT))")
    fill = {
        "ba_id": sql_str(ba.billing_account_id),
        "ts0": ts0,
        "ts1": ts1,
        "ts_export": ts_export,
        "invoice_month": sql_str(month.yyyymm),
    }
    return projection(
        [(name, expr.format(**fill)) for name, expr in GCP_NESTED],
        "lines l LEFT JOIN res_g x ON x.r = l.r LEFT JOIN projects p ON p.project = l.project",
    )
