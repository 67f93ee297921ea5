"""The page model the template renders: sections made of a chart and accessible tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass
class Cell:
    text: str
    value: str | None = None  # exact machine-readable value (data-value), e.g. '1234.56'
    numeric: bool = False
    css: str = ""  # 'up' (cost rose), 'down', 'bad', 'good'
    href: str | None = None  # relative links only
    title: str | None = None  # full text when `text` is shortened


def num(text: str, value: str | None = None, css: str = "") -> Cell:
    return Cell(text, value=value, numeric=True, css=css)


@dataclass
class Table:
    table_id: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    numeric: list[bool] = field(default_factory=list)
    empty: str = "Nothing to show for this month."

    def __post_init__(self) -> None:
        if not self.numeric:
            first = self.rows[0] if self.rows else []
            self.numeric = [c.numeric for c in first] or [False] * len(self.headers)


@dataclass
class Card:
    label: str
    text: str
    value: str | None = None
    detail: str = ""
    card_id: str | None = None
    css: str = ""


@dataclass
class Section:
    section_id: str
    title: str
    intro: str = ""
    chart: Markup | None = None
    chart_caption: str = ""
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    wide_chart: bool = False
