"""The sections of a month's showback page, each a chart beside the table of its numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from markupsafe import Markup

from finops.report import charts
from finops.report.data import ZERO, Money, ReportData
from finops.report.model import Card, Cell, Section, Table, num
from finops.report.money import money, percent, plain, ratio, unit_money

TOP_MOVERS = 10
WORST_ACCOUNTS = 15
WORST_RESOURCES = 10
TAG_COVERAGE_TARGET = 0.80  # dbt var tag_coverage_warn_below's default
TREND_MONTHS = 12


def page_file(month: str) -> str:
    return f"showback-{month}.html"


def _change_css(delta: Decimal) -> str:
    # Cost going up is shown in red, going down in green (text says it too: +/- sign).
    return "up" if delta > 0 else ("down" if delta < 0 else "")


def _money_cells(amount: Decimal, cur: str, *, signed: bool = False, css: str = "") -> Cell:
    return num(money(amount, cur, signed=signed), plain(amount, cur), css)


def _change_cells(now: Decimal, before: Decimal | None, cur: str) -> list[Cell]:
    if before is None:
        return [num("n/a"), num("n/a")]
    delta = now - before
    css = _change_css(delta)
    return [
        num(money(delta, cur, signed=True), plain(delta, cur), css),
        num(percent(ratio(delta, before), signed=True), css=css),
    ]


def trend_window(data: ReportData, month: str) -> list[str]:
    end = data.months.index(month) + 1
    return data.months[max(0, end - TREND_MONTHS) : end]


def summary_cards(data: ReportData, month: str) -> list[Card]:
    cur = data.currency
    now = data.totals[month]
    prev_month = data.previous(month)
    cards = [
        Card(
            "Total cost (effective, amortized)",
            money(now.effective, cur),
            plain(now.effective, cur),
            f"{month}, {cur}, shared costs included",
            card_id="month-total",
        ),
        Card(
            "Billed cost (invoice view)",
            money(now.billed, cur),
            plain(now.billed, cur),
            "what the providers invoiced, before amortization",
            card_id="month-billed",
        ),
    ]
    if prev_month:
        before = data.totals[prev_month].effective
        delta = now.effective - before
        cards.append(
            Card(
                f"Change vs {prev_month}",
                money(delta, cur, signed=True),
                plain(delta, cur),
                f"{percent(ratio(delta, before), signed=True)} (from {money(before, cur)})",
                card_id="month-change",
                css=_change_css(delta),
            )
        )
    else:
        cards.append(Card("Change vs previous month", "n/a", None, "first month in the data"))
    savings = now.list - now.effective
    cards.append(
        Card(
            "Saved vs list price",
            money(savings, cur),
            plain(savings, cur),
            f"{percent(ratio(savings, now.list))} of list cost {money(now.list, cur)}",
            card_id="month-savings",
        )
    )
    budgets = [r for r in data.rows("team_budget_monthly", month) if r.get("budget") is not None]
    if budgets:
        over = [r for r in budgets if r.get("is_over_budget")]
        cards.append(
            Card(
                "Teams over budget",
                f"{len(over)} of {len(budgets)}",
                str(len(over)),
                "teams with a budget this month",
                card_id="month-over-budget",
                css="bad" if over else "good",
            )
        )
    return cards


def by_team(data: ReportData, month: str) -> Section:
    cur = data.currency
    teams = data.by_team.get(month, {})
    prev_month = data.previous(month)
    before = data.by_team.get(prev_month, {}) if prev_month else {}
    total = data.totals[month]
    order = sorted(teams, key=lambda t: (-teams[t].effective, t))
    rows = []
    for team in order:
        m = teams[team]
        prev = before.get(team, Money()).effective if prev_month else None
        rows.append(
            [
                Cell(team),
                Cell(data.departments.get(team, "")),
                _money_cells(m.effective, cur),
                _money_cells(m.shared, cur),
                _money_cells(m.billed, cur),
                *_change_cells(m.effective, prev, cur),
                num(percent(ratio(m.effective, total.effective))),
            ]
        )
    prev_total = data.totals[prev_month].effective if prev_month else None
    rows.append(
        [
            Cell("Total", css="total"),
            Cell(""),
            _money_cells(total.effective, cur),
            _money_cells(total.shared, cur),
            _money_cells(total.billed, cur),
            *_change_cells(total.effective, prev_total, cur),
            num("100.0 %"),
        ]
    )
    series = [(month, [teams[t].effective for t in order])]
    if prev_month:
        series.append((prev_month, [before.get(t, Money()).effective for t in order]))
    return Section(
        "teams",
        "Cost by team",
        "Effective (amortized) cost per team in the reporting currency, shared costs included "
        "(the shared column is the part received from shared-cost rules). 'unallocated' is "
        "cost no rule could attribute.",
        Markup(charts.hbar("chart-teams", "Cost by team", order, series, cur)),
        "Bars: cost per team this month and the previous month",
        [
            Table(
                "table-teams",
                f"Cost by team, {month} ({cur})",
                [
                    "Team",
                    "Department",
                    "Effective cost",
                    "of which shared",
                    "Billed cost",
                    f"Change vs {prev_month}" if prev_month else "Change",
                    "Change %",
                    "Share",
                ],
                rows,
            )
        ],
    )


def by_provider(data: ReportData, month: str) -> Section:
    cur = data.currency
    providers = data.by_provider.get(month, {})
    prev_month = data.previous(month)
    before = data.by_provider.get(prev_month, {}) if prev_month else {}
    total = data.totals[month]
    order = sorted(providers, key=lambda p: (-providers[p].effective, p))
    rows = []
    for provider in order:
        m = providers[provider]
        prev = before.get(provider, Money()).effective if prev_month else None
        rows.append(
            [
                Cell(provider),
                _money_cells(m.effective, cur),
                _money_cells(m.billed, cur),
                _money_cells(m.list - m.effective, cur),
                *_change_cells(m.effective, prev, cur),
                num(percent(ratio(m.effective, total.effective))),
            ]
        )
    series = [(month, [providers[p].effective for p in order])]
    if prev_month:
        series.append((prev_month, [before.get(p, Money()).effective for p in order]))
    return Section(
        "providers",
        "Cost by provider",
        "Effective and billed cost per cloud provider; savings are list (on-demand) cost minus "
        "effective cost: what discounts and commitments saved.",
        Markup(charts.hbar("chart-providers", "Cost by provider", order, series, cur)),
        "Bars: cost per provider this month and the previous month",
        [
            Table(
                "table-providers",
                f"Cost by provider, {month} ({cur})",
                [
                    "Provider",
                    "Effective cost",
                    "Billed cost",
                    "Saved vs list",
                    "Change",
                    "Change %",
                    "Share",
                ],
                rows,
            )
        ],
    )


def trend(data: ReportData, month: str) -> Section:
    cur = data.currency
    window = trend_window(data, month)
    providers = sorted({p for m in window for p in data.by_provider.get(m, {})})
    series = [
        (p, [data.by_provider.get(m, {}).get(p, Money()).effective for m in window])
        for p in providers
    ]
    totals = [data.totals[m].effective for m in window]
    rows = []
    for i, m in enumerate(window):
        prev = data.totals[data.previous(m)].effective if data.previous(m) else None
        rows.append(
            [
                Cell(m, href=page_file(m), css=""),
                *[
                    _money_cells(data.by_provider.get(m, {}).get(p, Money()).effective, cur)
                    for p in providers
                ],
                _money_cells(totals[i], cur),
                _money_cells(data.totals[m].billed, cur),
                *_change_cells(totals[i], prev, cur),
            ]
        )
    return Section(
        "trend",
        f"Trend over {len(window)} months",
        f"Effective cost per month up to {month}, stacked by provider; the line is the total. "
        "Each month links to its own report.",
        Markup(
            charts.stacked_months(
                "chart-trend",
                "Monthly cost by provider",
                window,
                series,
                totals,
                cur,
                highlight=month,
            )
        ),
        "Stacked columns: monthly cost by provider; line: total",
        [
            Table(
                "table-trend",
                f"Monthly cost, {window[0]} to {window[-1]} ({cur})",
                ["Month", *providers, "Total effective", "Total billed", "Change", "Change %"],
                rows,
            )
        ],
    )


def _movers(
    now: dict[Any, Decimal], before: dict[Any, Decimal]
) -> list[tuple[Any, Decimal, Decimal, Decimal]]:
    keys = set(now) | set(before)
    moves = [(k, now.get(k, ZERO), before.get(k, ZERO)) for k in keys]
    moves = [(k, n, b, n - b) for k, n, b in moves if n != b]
    moves.sort(key=lambda x: (-abs(x[3]), str(x[0])))
    return moves[:TOP_MOVERS]


def top_movers(data: ReportData, month: str) -> Section | None:
    prev_month = data.previous(month)
    if not prev_month:
        return None
    cur = data.currency
    teams = _movers(
        {t: m.effective for t, m in data.by_team.get(month, {}).items()},
        {t: m.effective for t, m in data.by_team.get(prev_month, {}).items()},
    )
    services = _movers(data.by_service.get(month, {}), data.by_service.get(prev_month, {}))

    def rows(moves, label) -> list[list[Cell]]:
        return [
            [
                Cell(label(k)),
                _money_cells(b, cur),
                _money_cells(n, cur),
                *_change_cells(n, b if b else None, cur),
            ]
            for k, n, b, _ in moves
        ]

    tables = [
        Table(
            "table-movers-teams",
            f"Teams with the biggest change, {prev_month} to {month} ({cur})",
            ["Team", prev_month, month, "Change", "Change %"],
            rows(teams, str),
        )
    ]
    labels = [f"team {k}" for k, *_ in teams]
    values = [d for *_, d in teams]
    if data.by_service:
        tables.append(
            Table(
                "table-movers-services",
                f"Services with the biggest change, {prev_month} to {month} ({cur})",
                ["Service", prev_month, month, "Change", "Change %"],
                rows(services, lambda k: f"{k[1]} ({k[0]})"),
            )
        )
        labels += [f"{k[1]} ({k[0]})" for k, *_ in services]
        values += [d for *_, d in services]
    return Section(
        "movers",
        "Top movers",
        f"The {TOP_MOVERS} teams and the {TOP_MOVERS} services whose effective cost changed "
        f"most in absolute terms from {prev_month} to {month} (increase in red, decrease in green).",
        Markup(
            charts.hbar(
                "chart-movers",
                f"Biggest changes vs {prev_month}",
                labels,
                [("change", values)],
                cur,
                signed=True,
            )
        ),
        "Bars: change in cost per team and per service",
        tables,
    )


def _short(text: str | None, width: int = 28) -> tuple[str, str | None]:
    if text is None:
        return "", None
    return (text, None) if len(text) <= width else (text[: width - 1] + "…", text)


def tag_coverage(data: ReportData, month: str) -> Section | None:
    if not data.has("tag_coverage", "tagged_pct", "taggable_cost", "untagged_cost"):
        return None
    accounts = data.rows("tag_coverage", month)
    names = {
        (r["provider"], r["billing_account_id"], r["sub_account_id"]): r.get("sub_account_name")
        for r in data.rows("untagged_spend", month)
        if r.get("scope") == "account"
    }
    taggable = [r for r in accounts if (r["taggable_cost"] or ZERO) > 0]
    taggable.sort(
        key=lambda r: (
            r["tagged_pct"] if r["tagged_pct"] is not None else 1.0,
            -(r["untagged_cost"] or ZERO),
        )
    )

    def account_label(r: dict) -> str:
        name = names.get((r["provider"], r["billing_account_id"], r["sub_account_id"]))
        sub = r["sub_account_id"] or "(no sub account)"
        return f"{name} ({sub})" if name and name != sub else sub

    # Coverage over all accounts, per billing currency (amounts are in the billing currency).
    overall: dict[str, list[Decimal]] = {}
    for r in taggable:
        acc = overall.setdefault(r["billing_currency"], [ZERO, ZERO])
        acc[0] += r["tagged_cost"] or ZERO
        acc[1] += r["taggable_cost"] or ZERO
    overall_text = "; ".join(
        f"{percent(ratio(t, total))} of {money(total, c)} taggable ({c}-billed accounts)"
        for c, (t, total) in sorted(overall.items())
    )
    rows = []
    for r in taggable:
        billing, billing_title = _short(r["billing_account_id"], 22)
        label, label_title = _short(account_label(r), 40)
        pct = r["tagged_pct"]
        c = r["billing_currency"]
        rows.append(
            [
                Cell(label, title=label_title),
                Cell(r["provider"]),
                Cell(billing, title=billing_title),
                num(
                    percent(pct), css="bad" if pct is not None and pct < TAG_COVERAGE_TARGET else ""
                ),
                _money_cells(r["untagged_cost"] or ZERO, c),
                _money_cells(r["invalid_team_tag_cost"] or ZERO, c),
                _money_cells(r["taggable_cost"], c),
                num(percent(r.get("allocated_pct"))),
            ]
        )
    # Chart: untagged cost per account in the reporting currency (untagged_spend, scope
    # 'account'), the biggest first; the coverage ratio alone would draw empty bars at 0 %.
    untagged_accounts = sorted(
        (r for r in data.rows("untagged_spend", month) if r.get("scope") == "account"),
        key=lambda r: (-(r["effective_cost_reporting"] or ZERO), r["sub_account_id"] or ""),
    )[:WORST_ACCOUNTS]
    chart = None
    if untagged_accounts:
        chart = Markup(
            charts.hbar(
                "chart-tag-coverage",
                f"Untagged cost, {len(untagged_accounts)} largest accounts",
                [
                    f"{(r.get('sub_account_name') or r['sub_account_id'] or '')[:36]} ({r['provider']})"
                    for r in untagged_accounts
                ],
                [("untagged", [r["effective_cost_reporting"] or ZERO for r in untagged_accounts])],
                data.currency,
            )
        )
    elif taggable:
        worst = taggable[:WORST_ACCOUNTS]
        chart = Markup(
            charts.pct_bars(
                "chart-tag-coverage",
                f"Tag coverage, {len(worst)} worst accounts",
                [f"{account_label(r)[:40]} ({r['provider']})" for r in worst],
                [r["tagged_pct"] or 0.0 for r in worst],
                TAG_COVERAGE_TARGET,
            )
        )
    tables = [
        Table(
            "table-tag-coverage",
            f"Tag coverage by account, {month}, worst first (amounts in the billing currency)",
            [
                "Account",
                "Provider",
                "Billing account",
                "Tagged",
                "Untagged cost",
                "Invalid team tag",
                "Taggable cost",
                "Allocated",
            ],
            rows,
        )
    ]
    resources = [r for r in data.rows("untagged_spend", month) if r.get("scope") == "resource"]
    resources.sort(key=lambda r: (-(r["effective_cost_reporting"] or ZERO), r["resource_id"] or ""))
    cur = data.currency
    offenders = []
    for r in resources[:WORST_RESOURCES]:
        resource, resource_title = _short(r["resource_id"], 48)
        owner = r.get("likely_owner") or "unallocated"
        method = r.get("likely_owner_method") or ""
        offenders.append(
            [
                Cell(resource, title=resource_title),
                Cell(r.get("service_name") or ""),
                Cell(
                    f"{r['provider']} {r.get('sub_account_name') or r.get('sub_account_id') or ''}"
                ),
                Cell(f"{owner} ({method})" if method else owner),
                Cell(r.get("team_tag_value") or ""),
                _money_cells(r["effective_cost_reporting"] or ZERO, cur),
            ]
        )
    if data.has("untagged_spend"):
        tables.append(
            Table(
                "table-untagged-resources",
                f"Worst offenders: the {WORST_RESOURCES} untagged resources with the most cost, {month} ({cur})",
                [
                    "Resource",
                    "Service",
                    "Account",
                    "Cost went to",
                    "Team tag value",
                    "Effective cost",
                ],
                offenders,
            )
        )
    return Section(
        "tags",
        "Tag coverage",
        "Share of taggable cost (usage with a resource id) whose resource carries a valid team "
        f"tag, per account, dollar-weighted. Below {percent(TAG_COVERAGE_TARGET, digits=0)} "
        f"is marked. Overall: {overall_text or 'nothing taggable'}. Untagged cost still reaches "
        "a team through virtual-tag rules or the account owner ('Cost went to').",
        chart,
        "Bars: untagged cost per account, reporting currency"
        if untagged_accounts
        else f"Bars: tagged share of the worst accounts; dashed line: the "
        f"{percent(TAG_COVERAGE_TARGET, digits=0)} target",
        tables,
    )


def _unit_costs(data: ReportData) -> dict[tuple[str, str, str], tuple[Decimal | None, str]]:
    """(month, team, metric) -> (exact team cost per unit, unit label)."""
    out: dict[tuple[str, str, str], tuple[Decimal | None, str]] = {}
    for r in data.rows("unit_cost_monthly"):
        key = (r["billing_period"], r["team"], r["metric_name"])
        value = r.get("team_metric_value")
        cost = r.get("team_effective_cost")
        per_unit = None
        if value and cost is not None:
            per_unit = Decimal(cost) * Decimal(r.get("unit_scale") or 1) / Decimal(value)
        out[key] = (per_unit, r.get("unit_label") or f"per {r['metric_name']}")
    return out


def unit_costs(data: ReportData, month: str) -> Section | None:
    if not data.has(
        "unit_cost_monthly", "team_effective_cost", "team_metric_value", "unit_scale", "metric_name"
    ):
        return None
    cur = data.currency
    units = _unit_costs(data)
    prev_month = data.previous(month)
    metrics = sorted({k[2] for k in units if k[0] == month})
    teams = sorted({k[1] for k in units if k[0] == month})
    if not metrics:
        return None
    labels = {k[2]: v[1] for k, v in units.items()}
    rows = []
    changes: dict[str, list[float | None]] = {m: [] for m in metrics}  # None: no bar
    for team in teams:
        row = [Cell(team)]
        for metric in metrics:
            now, _ = units.get((month, team, metric), (None, ""))
            before, _ = (
                units.get((prev_month, team, metric), (None, "")) if prev_month else (None, "")
            )
            change = ratio(now - before, before) if now is not None and before else None
            row.append(
                num(unit_money(now, cur), plain(now, cur, digits=6) if now is not None else None)
            )
            row.append(
                num(
                    percent(change, signed=True),
                    css=_change_css(change) if change is not None else "",
                )
            )
            changes[metric].append(float(change * 100) if change is not None else None)
        rows.append(row)
    headers = ["Team"]
    for metric in metrics:
        headers += [f"{metric} ({labels[metric]})", "Change %"]
    chart = None
    if prev_month:
        chart = Markup(
            charts.pct_change_bars(
                "chart-unit-costs",
                f"Cost per unit, change vs {prev_month}",
                teams,
                [(m, changes[m]) for m in metrics],
            )
        )
    return Section(
        "unit-costs",
        "Unit costs",
        "Each team's effective cost per unit of its business metrics (requests, orders, active "
        "customers, as defined in seeds/metric_definitions.csv) and the change vs the previous "
        "month. A unit cost that rises while the metric grows is the one to look at.",
        chart,
        f"Bars: change of cost per unit vs {prev_month}, per team and metric" if prev_month else "",
        [Table("table-unit-costs", f"Cost per unit, {month} ({cur})", headers, rows)],
    )


def budgets(data: ReportData, month: str) -> Section | None:
    """Budget vs actual: from budget_vs_actual (with forecast) when present, else team_budget_monthly."""
    if data.has("budget_vs_actual", *FORECAST_COLUMNS):
        return budgets_with_forecast(data, month)
    if not data.has("team_budget_monthly", "budget", "effective_cost"):
        return None
    cur = data.currency
    rows_in = [r for r in data.rows("team_budget_monthly", month) if r.get("budget") is not None]
    if not rows_in:
        return None
    rows_in.sort(key=lambda r: (-(r.get("budget_used_pct") or 0.0), r["team"]))
    rows = []
    for r in rows_in:
        over = bool(r.get("is_over_budget"))
        remaining = r.get("budget_remaining")
        if remaining is None:
            remaining = r["budget"] - (r["effective_cost"] or ZERO)
        rows.append(
            [
                Cell(r["team"]),
                _money_cells(r["budget"], cur),
                _money_cells(r["effective_cost"] or ZERO, cur),
                _money_cells(remaining, cur, signed=True, css="bad" if over else ""),
                num(percent(r.get("budget_used_pct")), css="bad" if over else ""),
                Cell("over budget" if over else "within budget", css="bad" if over else "good"),
            ]
        )
    total_budget = sum((r["budget"] for r in rows_in), ZERO)
    total_actual = sum((r["effective_cost"] or ZERO for r in rows_in), ZERO)
    rows.append(
        [
            Cell("Total (teams with a budget)", css="total"),
            _money_cells(total_budget, cur),
            _money_cells(total_actual, cur),
            _money_cells(total_budget - total_actual, cur, signed=True),
            num(percent(ratio(total_actual, total_budget))),
            Cell(""),
        ]
    )
    teams = [r["team"] for r in rows_in]
    return Section(
        "budgets",
        "Budget vs actual",
        "Teams with a budget (seeds/budgets.csv) against their effective cost, worst first. "
        "Remaining is budget minus actual (negative when over).",
        Markup(
            charts.hbar(
                "chart-budgets",
                "Budget vs actual",
                teams,
                [
                    ("actual", [r["effective_cost"] or ZERO for r in rows_in]),
                    ("budget", [r["budget"] for r in rows_in]),
                ],
                cur,
            )
        ),
        "Bars: actual effective cost and budget per team",
        [
            Table(
                "table-budgets",
                f"Budget vs actual, {month} ({cur})",
                ["Team", "Budget", "Actual", "Remaining", "Used", "Status"],
                rows,
            )
        ],
    )


FORECAST_COLUMNS = ("budget", "actual_cost", "forecast_cost", "status", "team")
STATUS_TEXT = {"over": "over budget", "at_risk": "at risk", "on_track": "on track"}


def budgets_with_forecast(data: ReportData, month: str) -> Section | None:
    """Budget vs actual and the month-end forecast, from budget_vs_actual (insights)."""
    cur = data.currency
    rows_in = [r for r in data.rows("budget_vs_actual", month) if r.get("budget") is not None]
    if not rows_in:
        return None
    closed = all(r.get("is_closed") for r in rows_in)
    rows_in.sort(
        key=lambda r: (
            {"over": 0, "at_risk": 1}.get(r["status"], 2),
            -(ratio(r["forecast_cost"] or r["actual_cost"] or ZERO, r["budget"]) or ZERO),
            r["team"],
        )
    )
    backtest = closed and data.has("budget_vs_actual", "forecast_variance_pct")
    rows = []
    for r in rows_in:
        status = r["status"]
        bad = status in ("over", "at_risk")
        forecast = r["forecast_cost"]
        variance = r.get("budget_variance")
        if variance is None and forecast is not None:
            variance = forecast - r["budget"]
        row = [
            Cell(r["team"]),
            _money_cells(r["budget"], cur),
            _money_cells(r["actual_cost"] or ZERO, cur),
        ]
        if not closed:
            row.append(_money_cells(forecast, cur) if forecast is not None else num("n/a"))
        row += [
            _money_cells(variance, cur, signed=True, css="bad" if bad else "")
            if variance is not None
            else num("n/a"),
            num(percent(ratio(r["actual_cost"] or ZERO, r["budget"])), css="bad" if bad else ""),
            Cell(STATUS_TEXT.get(status, status), css="bad" if bad else "good"),
        ]
        if backtest:
            row.append(num(percent(r.get("forecast_variance_pct"), signed=True)))
        rows.append(row)
    headers = ["Team", "Budget", "Actual"]
    if not closed:
        headers.append("Forecast (month end)")
    headers += ["Variance vs budget", "Used", "Status"]
    if backtest:
        headers.append("Mid-month forecast error")
    series = [("actual", [r["actual_cost"] or ZERO for r in rows_in])]
    if not closed:
        series.append(("forecast", [r["forecast_cost"] or ZERO for r in rows_in]))
    series.append(("budget", [r["budget"] for r in rows_in]))
    as_of = rows_in[0].get("as_of_date")
    intro = (
        "Teams with a budget (seeds/budgets.csv) against their effective cost, over budget and "
        "at risk first. "
        + (
            "The month is closed: variance is actual minus budget; the forecast error is how "
            "far the forecast made mid-month was from the actual."
            if closed
            else f"The month is open: data up to {as_of}; the forecast is the run rate of the "
            "recent days by weekday (docs/insights.md) and the variance is forecast minus budget."
        )
    )
    return Section(
        "budgets",
        "Budget vs actual" + ("" if closed else " and forecast"),
        intro,
        Markup(
            charts.hbar(
                "chart-budgets", "Budget vs actual", [r["team"] for r in rows_in], series, cur
            )
        ),
        "Bars: actual, forecast (open month) and budget per team",
        [Table("table-budgets", f"Budget vs actual, {month} ({cur})", headers, rows)],
    )
