"""Plotly charts as HTML fragments, without the library (the page inlines plotly.js once).

Figures are plain plotly JSON dicts rendered with `plotly.io.to_html(validate=False)`: the
graph-object validation costs ~0.2 s per chart and we draw ~100 per report. Charts plot floats
(a chart cannot show a cent anyway); every hover label and every table shows the exact Decimal
text, formatted by finops.report.money.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.io as pio
import plotly.offline

from finops.report.money import money

# Colour-blind-safe qualitative palette (Okabe-Ito), readable on white.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]
UP, DOWN = "#D55E00", "#009E73"
CONFIG = {
    "displaylogo": False,  # the logo is a link to the vendor's site: no external URL at all
    "responsive": True,
    "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"],
}


def plotly_js() -> str:
    """The plotly.js bundle shipped inside the plotly package (no CDN)."""
    return plotly.offline.get_plotlyjs()


@functools.cache
def _template() -> dict[str, Any]:
    return pio.templates["plotly_white"].to_plotly_json()


def figure(data: list[dict], title: str, height: int, **layout: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "template": _template(),
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 72, "b": 10},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "colorway": PALETTE,
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        "separators": ".,",
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True},
    }
    for key, value in layout.items():
        if key in ("xaxis", "yaxis"):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return {"data": data, "layout": base}


def to_div(fig: dict[str, Any], div_id: str) -> str:
    return pio.to_html(
        fig,
        config=CONFIG,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        default_width="100%",
        validate=False,
    )


def _floats(values: Sequence[Decimal]) -> list[float]:
    return [float(v) for v in values]


def hbar(
    div_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    currency: str,
    *,
    signed: bool = False,
) -> str:
    """Horizontal bars, one trace per series (e.g. this month vs previous month).

    signed: one series of changes, increases in orange-red and decreases in green."""
    traces = []
    for i, (name, values) in enumerate(series):
        colour = [UP if v > 0 else DOWN for v in values] if signed else PALETTE[i % len(PALETTE)]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": list(labels),
                "x": _floats(values),
                "name": name,
                "marker": {"color": colour},
                "customdata": [money(v, currency, signed=signed) for v in values],
                "hovertemplate": "%{y}: %{customdata}<extra>" + name + "</extra>",
            }
        )
    # at least 22 px per label so plotly never drops labels; 17 px per bar
    height = max(220, 70 + len(labels) * max(22, 17 * len(series)))
    fig = figure(
        traces,
        title,
        height,
        barmode="group",
        showlegend=len(series) > 1,
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": currency}},
    )
    return to_div(fig, div_id)


def stacked_months(
    div_id: str,
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    totals: Sequence[Decimal],
    currency: str,
    *,
    highlight: str | None = None,
) -> str:
    """Stacked monthly columns (one trace per provider or team) with the total as a line."""
    traces = [
        {
            "type": "bar",
            "x": list(months),
            "y": _floats(values),
            "name": name,
            "customdata": [money(v, currency) for v in values],
            "hovertemplate": "%{x}: %{customdata}<extra>" + name + "</extra>",
        }
        for name, values in series
    ]
    traces.append(
        {
            "type": "scatter",
            "x": list(months),
            "y": _floats(totals),
            "name": "total",
            "mode": "lines+markers",
            "line": {"color": "#000000", "width": 2},
            "customdata": [money(v, currency) for v in totals],
            "hovertemplate": "%{x}: %{customdata}<extra>total</extra>",
        }
    )
    shapes = []
    if highlight in months:
        i = list(months).index(highlight)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": i - 0.5,
                "x1": i + 0.5,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#999999",
                "opacity": 0.15,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    fig = figure(
        traces,
        title,
        380,
        barmode="stack",
        shapes=shapes,
        xaxis={"type": "category"},
        yaxis={"title": {"text": currency}},
    )
    return to_div(fig, div_id)


def pct_bars(
    div_id: str, title: str, labels: Sequence[str], ratios: Sequence[float], threshold: float
) -> str:
    """Percent bars (0..100 %) with a threshold line, e.g. tag coverage per account."""
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": list(labels),
        "x": [r * 100 for r in ratios],
        "marker": {"color": [UP if r < threshold else PALETTE[0] for r in ratios]},
        "hovertemplate": "%{y}: %{x:.1f} %<extra></extra>",
    }
    line = {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": threshold * 100,
        "x1": threshold * 100,
        "y0": 0,
        "y1": 1,
        "line": {"dash": "dash", "color": "#555555"},
    }
    fig = figure(
        [trace],
        title,
        max(220, 70 + 24 * len(labels)),
        shapes=[line],
        showlegend=False,
        yaxis={"autorange": "reversed"},
        xaxis={"range": [0, 100], "ticksuffix": " %"},
    )
    return to_div(fig, div_id)


def pct_change_bars(
    div_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
) -> str:
    """Grouped horizontal bars of percentage changes (e.g. unit cost vs the previous month)."""
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "y": list(labels),
            "x": list(values),
            "name": name,
            "hovertemplate": "%{y}: %{x:+.1f} %<extra>" + name + "</extra>",
        }
        for name, values in series
    ]
    fig = figure(
        traces,
        title,
        max(260, 70 + 14 * len(labels) * max(1, len(series))),
        barmode="group",
        yaxis={"autorange": "reversed"},
        xaxis={"ticksuffix": " %"},
    )
    return to_div(fig, div_id)
