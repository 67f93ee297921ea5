"""Write the showback report: one self-contained HTML file per billing month, plus an index.

    reports/showback-YYYY-MM.html   the month: totals, teams, providers, 12-month trend, top
                                    movers, tag coverage, unit costs, budgets (+ insight marts)
    reports/index.html              every month, linked

Each file inlines plotly.js once (from the installed plotly package) and references nothing
outside itself but its sibling pages: it opens offline, from a file:// URL or a mail attachment.
Files are written beside their final name and renamed into place, so a reader never sees half
a page.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from finops.report import charts, insights, sections
from finops.report.data import Money, ReportData, ReportError, load
from finops.report.model import Card, Cell, Section, Table
from finops.report.money import money, percent, plain, ratio

TEMPLATES = Path(__file__).parent / "templates"
INDEX = "index.html"
WIDE_TABLE_COLUMNS = 6


@dataclass
class ReportResult:
    directory: Path
    index: Path
    pages: dict[str, Path] = field(default_factory=dict)  # month -> file
    currency: str = ""
    sections: dict[str, list[str]] = field(default_factory=dict)  # month -> section ids
    totals: dict[str, Decimal] = field(default_factory=dict)  # month -> effective cost


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _footer(data: ReportData, generated: str) -> list[str]:
    lines = [
        f"Amounts in {data.currency} (the reporting currency), exact to the cent; effective cost "
        "is amortized and includes shared costs. Charts are drawn from the same numbers as the "
        "tables.",
        f"Source: {data.source or 'DuckDB'} (schema {data.schema}). Generated {generated} by "
        "finops-pipeline (`finops report`).",
    ]
    if data.publish_info:
        published = data.publish_info.get("published_at")
        if published is not None:
            lines.append(f"BI file published at {published}.")
    return lines


def month_sections(data: ReportData, month: str) -> list[Section]:
    built = [
        sections.by_team(data, month),
        sections.by_provider(data, month),
        sections.trend(data, month),
        sections.top_movers(data, month),
        sections.budgets(data, month),
        *insights.sections(data, month),
        sections.tag_coverage(data, month),
        sections.unit_costs(data, month),
    ]
    present = [s for s in built if s is not None]
    for section in present:
        # A table wider than six columns gets the full width, its chart above it.
        if any(len(t.headers) > WIDE_TABLE_COLUMNS for t in section.tables):
            section.wide_chart = True
    return present


def index_sections(data: ReportData) -> tuple[list[Card], list[Section]]:
    cur = data.currency
    latest = data.months[-1]
    rows = []
    for month in reversed(data.months):
        m = data.totals[month]
        prev_month = data.previous(month)
        prev = data.totals[prev_month].effective if prev_month else None
        delta = m.effective - prev if prev is not None else None
        css = sections._change_css(delta) if delta is not None else ""
        rows.append(
            [
                Cell(month, href=sections.page_file(month)),
                Cell(money(m.effective, cur), plain(m.effective, cur), numeric=True),
                Cell(money(m.billed, cur), plain(m.billed, cur), numeric=True),
                Cell(
                    money(delta, cur, signed=True) if delta is not None else "n/a",
                    plain(delta, cur) if delta is not None else None,
                    numeric=True,
                    css=css,
                ),
                Cell(percent(ratio(delta, prev), signed=True), numeric=True, css=css),
                Cell(str(len(data.by_team.get(month, {}))), numeric=True),
            ]
        )
    providers = sorted({p for m in data.months for p in data.by_provider.get(m, {})})
    series = [
        (p, [data.by_provider.get(m, {}).get(p, Money()).effective for m in data.months])
        for p in providers
    ]
    totals = [data.totals[m].effective for m in data.months]
    chart = charts.stacked_months(
        "chart-index-trend", "Monthly cost by provider", data.months, series, totals, cur
    )
    cards = [
        Card(
            f"Latest month ({latest})",
            money(data.totals[latest].effective, cur),
            plain(data.totals[latest].effective, cur),
            "effective cost, shared costs included",
            card_id="latest-total",
        ),
        Card(
            "Months reported",
            str(len(data.months)),
            str(len(data.months)),
            f"{data.months[0]} to {latest}",
        ),
    ]
    section = Section(
        "months",
        "Monthly showback reports",
        "One self-contained page per billing month: totals, teams, providers, the 12-month "
        "trend, top movers, budgets, anomalies, optimization, commitments, KPIs, tag coverage "
        "and unit costs (the insight sections when their marts are published). Pick a month.",
        Markup(chart),
        "Stacked columns: monthly cost by provider; line: total",
        [
            Table(
                "table-months",
                f"Billing months ({cur}), newest first",
                ["Month", "Effective cost", "Billed cost", "Change", "Change %", "Teams"],
                rows,
            )
        ],
    )
    return cards, [section]


def build_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    schema: str = "main",
    *,
    source: str = "",
    months: list[str] | None = None,
) -> ReportResult:
    """Render every billing month found (or `months`) and the index into `out_dir`.

    `con` may be read-only; `schema` is `main` for the published BI file and `marts` for the
    pipeline's warehouse.
    """
    data = load(con, schema, source)
    wanted = data.months if not months else sorted(months)
    missing = [m for m in wanted if m not in data.totals]
    if missing:
        raise ReportError(
            f"{source or 'source'}: no cost for billing period(s) {', '.join(missing)} in "
            f"{schema}.team_cost_monthly (months present: {data.months[0]}..{data.months[-1]})."
        )
    env = _environment()
    template = env.get_template("page.html.j2")
    plotly_js = Markup(charts.plotly_js())
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = [{"month": m, "href": sections.page_file(m)} for m in data.months]
    out_dir = Path(out_dir)
    result = ReportResult(out_dir, out_dir / INDEX, currency=data.currency)
    result.totals = {m: data.totals[m].effective for m in wanted}
    for month in wanted:
        page_sections = month_sections(data, month)
        html = template.render(
            title=f"Cloud cost showback {month}",
            heading=f"Cloud cost showback: {month}",
            subheading=(
                f"Every team's cloud cost for billing month {month} in {data.currency}, "
                "from the FinOps marts"
            ),
            nav=nav,
            current=month,
            cards=sections.summary_cards(data, month),
            sections=page_sections,
            footer=_footer(data, generated),
            plotly_js=plotly_js,
        )
        path = out_dir / sections.page_file(month)
        _write_atomic(path, html)
        result.pages[month] = path
        result.sections[month] = [s.section_id for s in page_sections]
    cards, index_body = index_sections(data)
    html = template.render(
        title="Cloud cost showback reports",
        heading="Cloud cost showback",
        subheading=f"Monthly reports, {data.months[0]} to {data.months[-1]}, in {data.currency}",
        nav=nav,
        current="index",
        cards=cards,
        sections=index_body,
        footer=_footer(data, generated),
        plotly_js=plotly_js,
    )
    _write_atomic(result.index, html)
    if not months:
        # A month that left the data (never in practice, but a restated export could) goes too.
        keep = {p.name for p in result.pages.values()}
        for stale in out_dir.glob("showback-*.html"):
            if stale.name not in keep:
                stale.unlink()
    return result


def build_from_file(db_path: Path, out_dir: Path, schema: str = "main", **kwargs) -> ReportResult:
    """Open `db_path` read-only and build the reports (see build_reports)."""
    if not Path(db_path).exists():
        raise ReportError(
            f"{db_path} does not exist: run `finops run` (or `make demo`), which publishes it, "
            "or `finops publish`."
        )
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return build_reports(con, out_dir, schema, source=str(db_path), **kwargs)
    finally:
        con.close()
