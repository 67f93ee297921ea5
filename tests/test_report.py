"""The showback report: built from the published BI file, opened in headless Chromium.

The year_warehouse fixture (12 generated months) is published to a BI file in a temporary
output folder with finops.publish, and the report is built from that file (schema `main`),
as the Dagster asset does. Expected totals come from a different mart (fct_allocated_cost)
than the one the report reads (team_cost_monthly), rounded by DuckDB.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from finops.report import ReportError, build_from_file, build_reports
from finops.report.charts import plotly_js
from finops.report.money import money, percent, plain, unit_money
from tests.browser import chromium

MONTH = "2025-05"  # the month of the generator's SageMaker runaway; has a previous month
PLOTLY_BANNER = re.compile(r"\* plotly\.js v\d+\.\d+\.\d+")


class Links(HTMLParser):
    """Every src/href attribute outside script text, and script tags with a src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            if values.get(name) is not None:
                self.urls.append((tag, name, values[name] or ""))
        if values.get("id"):
            self.ids[values["id"]] = values


@functools.cache
def parse(path: Path) -> Links:
    """The page's tags and attributes; the inlined plotly.js bundle is cut out first (it is
    script text, never markup, and 4.8 MB of it per page makes the parser slow)."""
    html = path.read_text(encoding="utf-8")
    parser = Links()
    parser.feed(html.replace(plotly_js(), "", 1))
    return parser


@pytest.fixture(scope="module")
def published(year_warehouse, tmp_path_factory) -> Path:
    """The year's marts published as the BI file, in an output folder of this module's own."""
    from finops.publish import publish_bi_file

    out = tmp_path_factory.mktemp("report_output")
    settings = dataclasses.replace(year_warehouse.settings, output_dir=out)
    return publish_bi_file(settings).path


@pytest.fixture(scope="module")
def report(published):
    return build_from_file(published, published.parent / "reports", schema="main")


@pytest.fixture(scope="module")
def expected(year_warehouse) -> dict[str, tuple[Decimal, Decimal]]:
    """month -> (effective, billed) in the reporting currency, rounded to the cent by DuckDB."""
    rows = year_warehouse.query(
        """
        select billing_period,
               round(sum(effective_cost_reporting), 2),
               round(sum(billed_cost_reporting), 2)
        from marts.fct_allocated_cost
        group by billing_period
        order by billing_period
        """
    )
    return {month: (effective, billed) for month, effective, billed in rows}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def usd(amount: Decimal) -> str:
    """The expected display text, formatted independently of finops.report.money."""
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def test_money_is_formatted_exactly_to_the_cent() -> None:
    assert money(Decimal("1234567.894999999999"), "USD") == "$1,234,567.89"
    assert money(Decimal("0.005"), "USD") == "$0.01"  # half-up, not banker's rounding
    assert money(Decimal("-12.345"), "USD", signed=True) == "-$12.35"
    assert money(Decimal("5"), "USD", signed=True) == "+$5.00"
    assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert money(Decimal("1234.5"), "JPY") == "¥1,235"  # no minor unit
    assert money(Decimal("1.2345"), "KWD") == "1.235 KWD"  # three decimals, no symbol known
    assert plain(Decimal("980668.182680596778"), "USD") == "980668.18"
    # 0.1 + 0.2 summed as DECIMAL is exactly 0.3 and displays so; floats are refused outright.
    assert money(Decimal("0.1") + Decimal("0.2"), "USD") == "$0.30"
    with pytest.raises(TypeError, match="Decimal, not float"):
        money(0.1 + 0.2, "USD")  # type: ignore[arg-type]
    assert percent(Decimal("0.0595")) == "6.0 %"
    assert percent(None) == "n/a"
    assert unit_money(Decimal("0.012345"), "USD") == "$0.0123"


@pytest.mark.slow
def test_every_month_page_and_index_are_written(report, expected) -> None:
    assert sorted(report.pages) == sorted(expected)
    assert report.currency == "USD"
    for month, page in report.pages.items():
        assert page.name == f"showback-{month}.html" and page.parent.name == "reports"
    # The planted month has every core section (a previous month, budgets, tags, unit costs).
    assert report.sections[MONTH] == [
        "teams",
        "providers",
        "trend",
        "movers",
        "budgets",
        *[s for s in report.sections[MONTH] if s.startswith("insight-")],
        "tags",
        "unit-costs",
    ]
    # The first month has no previous month: no top movers, the rest is there.
    assert "movers" not in report.sections["2025-01"]


@pytest.mark.slow
def test_displayed_totals_equal_the_marts_to_the_cent(report, expected) -> None:
    for month, (effective, billed) in expected.items():
        ids = parse(report.pages[month]).ids
        assert ids["month-total"]["data-value"] == str(effective), month
        assert ids["month-billed"]["data-value"] == str(billed), month
        text = report.pages[month].read_text(encoding="utf-8")
        assert f'id="month-total" data-value="{effective}">{usd(effective)}</p>' in text, month


@pytest.mark.slow
def test_pages_are_self_contained_with_plotly_inlined_once(report) -> None:
    for page in [*report.pages.values(), report.index]:
        html = page.read_text(encoding="utf-8")
        assert len(PLOTLY_BANNER.findall(html)) == 1, f"{page}: plotly.js must be inlined once"
        assert "<script src" not in html and "<link" not in html, page
        for tag, attribute, url in parse(page).urls:
            # Only fragment links and sibling pages: no scheme, no host, no CDN.
            assert re.fullmatch(r"#[\w-]+|showback-\d{4}-\d{2}\.html|index\.html", url), (
                f"{page}: <{tag} {attribute}={url!r}> is not a local link"
            )


@pytest.mark.slow
def test_index_links_every_month(report, expected) -> None:
    links = parse(report.index)
    hrefs = {url for tag, _, url in links.urls if tag == "a"}
    for month in expected:
        assert f"showback-{month}.html" in hrefs
        assert (report.index.parent / f"showback-{month}.html").exists()
    table = report.index.read_text(encoding="utf-8").split('id="table-months"', 1)[1]
    for month in expected:
        assert f'<a href="showback-{month}.html">{month}</a>' in table


@pytest.mark.slow
def test_month_page_renders_in_headless_chromium(report, expected, browser) -> None:
    page = browser.open(report.pages[MONTH])
    assert page.errors == [], f"console errors: {page.errors}"
    assert page.requests == [page.url], f"the page requested more than itself: {page.requests}"
    driver = browser.driver
    charts = driver.execute_script(
        """
        return [...document.querySelectorAll('div.plotly-graph-div')].map(div => ({
            id: div.id,
            svgs: div.querySelectorAll('svg.main-svg').length,
            marks: div.querySelectorAll('g.trace, g.point, path.point').length,
        }));
        """
    )
    ids = [c["id"] for c in charts]
    assert {
        "chart-teams",
        "chart-providers",
        "chart-trend",
        "chart-movers",
        "chart-budgets",
        "chart-tag-coverage",
        "chart-unit-costs",
    } <= set(ids)
    for chart in charts:
        assert chart["svgs"] >= 1 and chart["marks"] >= 1, f"chart not drawn: {chart}"
    effective, _billed = expected[MONTH]
    assert driver.find_element("id", "month-total").text == usd(effective)
    total_row = driver.execute_script(
        "return [...document.querySelectorAll('#table-teams tr.total td')].map(td => td.innerText)"
    )
    assert total_row[1] == usd(effective)  # department is empty, then the effective total
    external = driver.execute_script(
        """
        return [...document.querySelectorAll('[src], [href]')]
            .map(e => e.getAttribute('src') || e.getAttribute('href'))
            .filter(u => /^(https?:)?\\/\\//i.test(u));
        """
    )
    assert external == []


@pytest.mark.slow
def test_report_from_the_pipeline_warehouse_matches_the_bi_file(
    year_warehouse, report, expected, tmp_path
) -> None:
    con = duckdb.connect(str(year_warehouse.settings.duckdb_path), read_only=True)
    try:
        direct = build_reports(con, tmp_path, "marts", months=[MONTH])
    finally:
        con.close()
    assert list(direct.pages) == [MONTH]
    assert direct.totals[MONTH] == report.totals[MONTH]
    month_total = parse(direct.pages[MONTH]).ids["month-total"]["data-value"]
    assert month_total == str(expected[MONTH][0])


def test_hand_computed_month_sums_before_rounding(tmp_path) -> None:
    """Three teams whose costs each round down, but whose sum rounds up: the page shows the
    exact sum rounded once (300.01), not the sum of rounded amounts (300.00)."""
    con = duckdb.connect()
    con.execute("create schema s")
    con.execute(
        """
        create table s.team_cost_monthly as
        select * from (values
            ('2025-01', 'alpha', 'Eng', 'AWS', 150.000::decimal(38, 12), 150.000, 160.000, 10.0, 'USD'),
            ('2025-01', 'beta', 'Eng', 'AWS', 100.000, 100.000, 100.000, 0.0, 'USD'),
            ('2025-02', 'alpha', 'Eng', 'AWS', 100.004, 90.000, 110.000, 20.004, 'USD'),
            ('2025-02', 'beta', 'Eng', 'Google Cloud', 200.003, 210.000, 200.003, 0.0, 'USD'),
            ('2025-02', 'gamma', 'Ops', 'AWS', 0.003, 0.003, 0.003, 0.0, 'USD')
        ) as t(billing_period, team, department, provider, effective_cost, billed_cost,
               list_cost, shared_effective_cost, reporting_currency)
        """
    )
    result = build_reports(con, tmp_path, "s")
    assert result.sections["2025-02"] == ["teams", "providers", "trend", "movers"]
    assert result.totals == {"2025-01": Decimal("250.000"), "2025-02": Decimal("300.010")}
    page = result.pages["2025-02"]
    ids = parse(page).ids
    html = page.read_text(encoding="utf-8")
    assert ids["month-total"]["data-value"] == "300.01"
    assert ">$300.01</p>" in html
    assert ids["month-billed"]["data-value"] == "300.00"  # 90 + 210 + 0.003
    assert ids["month-change"]["data-value"] == "50.01"  # 300.010 - 250.000
    assert "+20.0 % (from $250.00)" in html  # 50.01 / 250
    assert ids["month-savings"]["data-value"] == "10.00"  # list 310.006 - effective 300.010
    # Team table: beta rose by 100.003 (+100.0 %), alpha fell by 49.996 (-33.3 %).
    teams = html.split('id="table-teams"', 1)[1].split("</table>", 1)[0]
    assert 'data-value="200.00">$200.00</td>' in teams  # beta
    assert 'data-value="100.00">+$100.00</td>' in teams
    assert 'data-value="-50.00">-$50.00</td>' in teams  # alpha: -49.996 rounds to -50.00
    assert ">-33.3 %</td>" in teams
    assert 'data-value="20.00">$20.00</td>' in teams  # alpha's shared part
    # Providers: AWS 100.007 (alpha + gamma), Google Cloud 200.003.
    providers = html.split('id="table-providers"', 1)[1].split("</table>", 1)[0]
    assert 'data-value="100.01">$100.01</td>' in providers
    # The first month has no previous month: no movers, change n/a.
    assert "movers" not in result.sections["2025-01"]
    assert "month-change" not in parse(result.pages["2025-01"]).ids


def test_missing_mart_names_the_table_and_what_to_do(tmp_path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(ReportError, match=r"main\.team_cost_monthly not found.*finops run"):
        build_from_file(db, tmp_path / "reports")
    with pytest.raises(ReportError, match="does not exist"):
        build_from_file(tmp_path / "nope.duckdb", tmp_path / "reports")


@pytest.mark.slow
def test_dagster_asset_writes_the_report(published, expected, tmp_path, monkeypatch) -> None:
    import dagster as dg

    from orchestration.defs.report.assets import showback_report
    from orchestration.lib.resources import FinopsSettings

    # Lineage: the BI file, and the marts the dbt exposure showback_report names.
    deps = {key.to_user_string() for key in showback_report.dependency_keys}
    assert {"bi/finops_bi_duckdb", "marts/team_cost_monthly", "marts/tag_coverage"} <= deps
    out = tmp_path / "output"
    out.mkdir()
    shutil.copy(published, out / published.name)
    monkeypatch.setenv("FINOPS_OUTPUT_DIR", str(out))
    result = dg.materialize([showback_report], resources={"finops": FinopsSettings()})
    assert result.success
    [event] = result.get_asset_materialization_events()
    assert event.asset_key == dg.AssetKey(["bi", "showback_report"])
    metadata = event.materialization.metadata
    latest = max(expected)
    assert metadata["months"].value == len(expected)
    assert metadata["latest_total"].value == usd(expected[latest][0])
    assert (out / "reports" / "index.html").exists()
    assert (out / "reports" / f"showback-{latest}.html").exists()
