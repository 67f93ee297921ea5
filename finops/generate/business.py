"""Daily business metrics per team and product: the drivers for unit costs.

`business/business_metrics_YYYY-MM.csv` with `date,team,product,metric_name,metric_value`; metrics
requests, active_customers and orders for every team x product x day. Volumes grow over the year,
dip at weekends, and follow the reorg (the split team's products move to the two new teams).
"""

from __future__ import annotations

from finops.generate import company
from finops.generate.engine import load_table
from finops.generate.writer import CSV_HEADER, Context, copy

METRICS = {  # metric: (base daily volume, weekend factor)
    "requests": (2_000_000.0, 0.7),
    "active_customers": (40_000.0, 0.85),
    "orders": (6_000.0, 1.1),
}


def _team_products(before_reorg: bool) -> list[dict[str, object]]:
    rows = []
    for t in company.TEAMS:
        active = t.active_until_reorg if before_reorg else t.active_from_reorg
        if active:
            for p in t.products:
                rows.append({"team": t.name, "product": p, "before": before_reorg})
    return rows


def generate(ctx: Context) -> int:
    con = ctx.con
    load_table(con, "team_products", _team_products(True) + _team_products(False))
    load_table(
        con,
        "metrics",
        [{"metric_name": k, "base": v[0], "weekend": v[1]} for k, v in METRICS.items()],
    )
    total = 0
    for month in ctx.months:
        before = month.index < company.REORG_MONTH_INDEX
        sql = f"""
SELECT strftime(d, '%Y-%m-%d') AS date, tp.team, tp.product, m.metric_name,
    round(m.base * (0.2 + 1.6 * u01(hash({ctx.seed}, tp.team, tp.product, m.metric_name)))
          * pow(1.015, {month.index} + dayofmonth(d) / 31.0)
          * CASE WHEN dayofweek(d) IN (0, 6) THEN m.weekend ELSE 1.0 END
          * (0.93 + 0.14 * u01(hash({ctx.seed}, tp.team, tp.product, m.metric_name, d))))::BIGINT AS metric_value
FROM (SELECT unnest(range(DATE '{month.start}', DATE '{month.end}', INTERVAL 1 DAY))::DATE AS d) days
CROSS JOIN team_products tp CROSS JOIN metrics m
WHERE tp.before = {str(before).upper()}
ORDER BY date, tp.team, tp.product, m.metric_name"""
        path = ctx.path("business", f"business_metrics_{month.period}.csv")
        copy(ctx, sql, path, CSV_HEADER)
        n = con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchall()[0][0]
        total += int(n)
        ctx.say(f"business {month.period}: {int(n):,} rows")
    return total
