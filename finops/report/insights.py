"""Sections for the insight marts (budget forecast, anomalies, KPIs, optimization), when present."""

from __future__ import annotations

from finops.report.data import ReportData
from finops.report.model import Section


def sections(data: ReportData, month: str) -> list[Section]:
    return []
