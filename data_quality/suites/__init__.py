"""The suites, defined in code: raw tables (raw.py) and marts (marts.py)."""

from __future__ import annotations

from data_quality.spec import Suite
from data_quality.suites import marts, raw

SUITES: list[Suite] = [*raw.SUITES, *marts.SUITES]


def get_suite(name: str) -> Suite:
    """A suite by its GX name, e.g. `raw.aws_cur2_line_items.billing_integrity`."""
    for suite in SUITES:
        if suite.name == name:
            return suite
    raise KeyError(f"no suite {name!r}; choose from {[s.name for s in SUITES]}")
