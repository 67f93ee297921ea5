"""Sections for the insight and optimization marts, each drawn only when its mart is present.

    cost_anomalies              -> Cost anomalies (team x service series, grouped per anomaly)
    optimization_opportunities  -> Optimization opportunities (by type, then the largest)
    commitment_coverage         -> Commitment coverage and utilization per provider
    finops_kpis                 -> FinOps KPIs with the crawl / walk / run targets

budget_vs_actual (forecast and status) feeds the budget section (finops.report.sections).
Columns are those documented in dbt_project/models/marts/{insights,optimization}/*.yml; a mart
without the columns a section needs is skipped rather than guessed at.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from finops.report import charts
from finops.report.data import ZERO, ReportData
from finops.report.model import Cell, Section, Table, num
from finops.report.money import money, percent, plain, ratio, unit_money

TOP = 15
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
KPI_LABELS = {
    "allocated_to_owner_pct": "Cost allocated to an owner",
    "tag_coverage_pct": "Tag coverage",
    "effective_savings_rate": "Effective savings rate",
    "commitment_coverage_pct": "Commitment coverage",
    "commitment_utilization_pct": "Commitment utilization",
    "forecast_variance_pct": "Forecast variance",
    "anomaly_count": "Anomalies",
    "anomaly_impact": "Anomaly impact",
    "anomaly_impact_pct": "Anomaly impact, share of cost",
    "unit_cost": "Unit cost",
}


def sections(data: ReportData, month: str) -> list[Section]:
    built = [
        anomalies(data, month),
        opportunities(data, month),
        commitments(data, month),
        kpis(data, month),
    ]
    return [s for s in built if s is not None]


def _money(amount: Decimal | None, cur: str, **kwargs: Any) -> Cell:
    amount = amount if amount is not None else ZERO
    return num(money(amount, cur, **kwargs), plain(amount, cur))


def anomalies(data: ReportData, month: str) -> Section | None:
    needed = ("anomaly_id", "scope", "charge_date", "team", "impact", "severity", "first_seen_date")
    if not data.has("cost_anomalies", *needed):
        return None
    cur = data.currency
    days = [r for r in data.rows("cost_anomalies", month) if r["scope"] == "team_service"]
    grouped: dict[str, dict[str, Any]] = {}
    for r in days:
        a = grouped.setdefault(
            r["anomaly_id"],
            {
                "first": r["first_seen_date"],
                "team": r["team"],
                "provider": r.get("provider") or "",
                "service": r.get("service_name") or "",
                "owner": r.get("owner_email") or "",
                "days": 0,
                "actual": ZERO,
                "expected": ZERO,
                "impact": ZERO,
                "severity": "low",
            },
        )
        a["days"] += 1
        a["actual"] += r.get("actual_cost") or ZERO
        a["expected"] += r.get("expected_cost") or ZERO
        a["impact"] += r["impact"] or ZERO
        if SEVERITY_ORDER.get(r["severity"], 3) < SEVERITY_ORDER.get(a["severity"], 3):
            a["severity"] = r["severity"]
    ordered = sorted(grouped.values(), key=lambda a: (-a["impact"], str(a["first"]), a["team"]))
    total_impact = sum((a["impact"] for a in ordered), ZERO)
    rows = [
        [
            Cell(f"{a['service']} ({a['provider']})"),
            Cell(a["team"]),
            Cell(str(a["first"])),
            num(str(a["days"])),
            _money(a["expected"], cur),
            _money(a["actual"], cur),
            num(money(a["impact"], cur, signed=True), plain(a["impact"], cur), "up"),
            Cell(a["severity"], css="bad" if a["severity"] == "high" else ""),
            Cell(a["owner"]),
        ]
        for a in ordered[:TOP]
    ]
    top = ordered[:10]
    chart = None
    if top:
        chart = Markup(
            charts.hbar(
                "chart-anomalies",
                "Unexpected cost per anomaly",
                [f"{a['service']} / {a['team']} ({a['first']})" for a in top],
                [("impact", [a["impact"] for a in top])],
                cur,
            )
        )
    return Section(
        "insight-anomalies",
        "Cost anomalies",
        f"{len(ordered)} anomalies in {month} (team x service series, consecutive anomalous "
        f"days counted once), {money(total_impact, cur)} of unexpected cost in total. Impact is "
        "actual minus expected (the trailing median), summed over the anomaly's days in the "
        "month; the method and thresholds are in docs/insights.md.",
        chart,
        "Bars: unexpected cost of the largest anomalies",
        [
            Table(
                "table-anomalies",
                f"The {min(TOP, len(ordered)) or ''} largest anomalies, {month} ({cur})".replace(
                    "The  ", "The "
                ),
                [
                    "Service",
                    "Team",
                    "First seen",
                    "Days",
                    "Expected",
                    "Actual",
                    "Impact",
                    "Severity",
                    "Notify",
                ],
                rows,
                empty="No anomaly this month.",
            )
        ],
    )


def opportunities(data: ReportData, month: str) -> Section | None:
    needed = ("opportunity_type", "team", "scope", "evidence", "estimated_monthly_saving")
    if not data.has("optimization_opportunities", *needed):
        return None
    cur = data.currency
    found = data.rows("optimization_opportunities", month)
    by_type: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    counts: dict[str, int] = defaultdict(int)
    for r in found:
        by_type[r["opportunity_type"]][0] += r["estimated_monthly_saving"] or ZERO
        by_type[r["opportunity_type"]][1] += r.get("basis_cost") or ZERO
        counts[r["opportunity_type"]] += 1
    types = sorted(by_type, key=lambda t: (-by_type[t][0], t))
    summary = [
        [
            Cell(t.replace("_", " ")),
            num(str(counts[t])),
            _money(by_type[t][1], cur),
            _money(by_type[t][0], cur),
        ]
        for t in types
    ]
    largest = sorted(
        found,
        key=lambda r: (-(r["estimated_monthly_saving"] or ZERO), r["opportunity_type"], r["scope"]),
    )[:TOP]
    detail = []
    for r in largest:
        scope = r["scope"] or ""
        short = scope if len(scope) <= 40 else scope[:39] + "…"
        detail.append(
            [
                Cell(r["opportunity_type"].replace("_", " ")),
                Cell(r["team"]),
                Cell(short, title=scope if short != scope else None),
                Cell(r["evidence"]),
                _money(r["estimated_monthly_saving"], cur),
            ]
        )
    chart = None
    if types:
        chart = Markup(
            charts.hbar(
                "chart-opportunities",
                "Estimated monthly saving by type",
                [t.replace("_", " ") for t in types],
                [("saving", [by_type[t][0] for t in types])],
                cur,
            )
        )
    return Section(
        "insight-optimization",
        "Optimization opportunities",
        "What could be saved per month, estimated from billing data alone (methods in "
        "docs/optimization.md). Estimates of different types overlap (an old-generation "
        "instance may also be commitment-eligible), so the types do not add up to one figure.",
        chart,
        "Bars: estimated monthly saving per opportunity type",
        [
            Table(
                "table-opportunities-by-type",
                f"Opportunities by type, {month} ({cur})",
                ["Type", "Count", "Cost concerned", "Estimated saving / month"],
                summary,
                empty="No opportunity found this month.",
            ),
            Table(
                "table-opportunities",
                f"The largest opportunities, {month} ({cur})",
                ["Type", "Owner", "Scope", "Evidence", "Saving / month"],
                detail,
                empty="No opportunity found this month.",
            ),
        ],
        wide_chart=True,
    )


def commitments(data: ReportData, month: str) -> Section | None:
    needed = (
        "provider",
        "on_demand_cost",
        "on_demand_list_cost",
        "covered_cost",
        "covered_list_cost",
        "commitment_cost",
        "unused_commitment_cost",
    )
    if not data.has("commitment_coverage", *needed):
        return None
    cur = data.currency
    keys = [c for c in needed if c != "provider"]
    if data.has("commitment_coverage", "commitment_savings"):
        keys.append("commitment_savings")
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for r in data.rows("commitment_coverage", month):
        for k in keys:
            sums[r["provider"]][k] += r.get(k) or ZERO
    if not sums:
        return None
    total: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in sums.values():
        for k in keys:
            total[k] += s[k]

    def row(label: str, s: dict[str, Decimal], css: str = "") -> list[Cell]:
        # Ratios recomputed from the sums (the mart says so: never average percentages).
        coverage = ratio(s["covered_list_cost"], s["covered_list_cost"] + s["on_demand_list_cost"])
        utilization = ratio(s["covered_cost"], s["commitment_cost"])
        return [
            Cell(label, css=css),
            _money(s["on_demand_cost"], cur),
            _money(s["covered_cost"], cur),
            _money(s["unused_commitment_cost"], cur),
            num(percent(coverage)),
            num(percent(utilization)),
            _money(s.get("commitment_savings"), cur) if "commitment_savings" in keys else num(""),
        ]

    providers = sorted(sums, key=lambda p: (-sums[p]["commitment_cost"], p))
    rows = [row(p, sums[p]) for p in providers]
    rows.append(row("Total", total, css="total"))
    chart = Markup(
        charts.hbar(
            "chart-commitments",
            "Commitment-covered vs on-demand cost",
            providers,
            [
                ("covered", [sums[p]["covered_cost"] for p in providers]),
                ("on demand", [sums[p]["on_demand_cost"] for p in providers]),
                ("unused commitment", [sums[p]["unused_commitment_cost"] for p in providers]),
            ],
            cur,
        )
    )
    return Section(
        "insight-commitments",
        "Commitment coverage",
        "Savings Plans, reservations and committed-use discounts: coverage is the share of "
        "eligible usage (at on-demand prices) a commitment covered; utilization the share of "
        "commitment spend that covered usage; savings are net of the unused part.",
        chart,
        "Bars: covered, on-demand and unused commitment cost per provider",
        [
            Table(
                "table-commitments",
                f"Commitment coverage, {month} ({cur})",
                [
                    "Provider",
                    "On demand",
                    "Covered",
                    "Unused commitment",
                    "Coverage",
                    "Utilization",
                    "Saved (net)",
                ],
                rows,
            )
        ],
    )


def _kpi_value(r: dict[str, Any], value_key: str, cur: str) -> str:
    unit = (r.get("unit") or "").lower()
    value = r.get(value_key)
    if value is None:
        return "n/a"
    if unit == "ratio":
        return percent(value)
    if unit == "count":
        return f"{Decimal(str(value)):,.0f}"
    if unit == "currency":
        # The numerator is the exact DECIMAL amount; value is its double copy.
        exact = r.get("numerator") if value_key == "value" else Decimal(str(value))
        return money(exact if exact is not None else Decimal(str(value)), cur)
    if unit.startswith("currency per"):
        return unit_money(Decimal(str(value)), cur)
    return f"{value:,.4g}"


def kpis(data: ReportData, month: str) -> Section | None:
    if not data.has("finops_kpis", "kpi", "value", "unit"):
        return None
    cur = data.currency
    found = sorted(
        data.rows("finops_kpis", month), key=lambda r: (r["kpi"], r.get("breakdown") or "")
    )
    if not found:
        return None
    rows = []
    for r in found:
        breakdown = r.get("breakdown")
        unit = r.get("unit") or ""
        if r["kpi"] == "unit_cost" and unit.startswith("currency per"):
            label = "Unit cost " + unit.removeprefix("currency ")
        else:
            label = KPI_LABELS.get(r["kpi"], r["kpi"].replace("_", " "))
            if breakdown and breakdown != "total":
                label += f" ({breakdown})"
        maturity = r.get("maturity") or ""
        targets = " / ".join(
            str(r.get(k) or "-") for k in ("target_crawl", "target_walk", "target_run")
        )
        rows.append(
            [
                Cell(label),
                num(_kpi_value(r, "value", cur)),
                num(_kpi_value(r, "previous_value", cur)),
                num(percent(r.get("change_pct"), signed=True)),
                Cell(targets if targets != "- / - / -" else ""),
                Cell(maturity.replace("_", " "), css="bad" if maturity == "below_crawl" else ""),
            ]
        )
    closed = found[0].get("is_closed")
    return Section(
        "insight-kpis",
        "FinOps KPIs",
        "Company-wide KPIs with the FinOps Foundation's crawl / walk / run sample targets "
        "(seeds/finops_kpi_targets.csv) and the maturity reached"
        + ("." if closed in (True, None) else "; this month is still open (month to date)."),
        None,
        "",
        [
            Table(
                "table-kpis",
                f"FinOps KPIs, {month}",
                [
                    "KPI",
                    "Value",
                    "Previous month",
                    "Change",
                    "Targets crawl / walk / run",
                    "Maturity",
                ],
                rows,
            )
        ],
    )
