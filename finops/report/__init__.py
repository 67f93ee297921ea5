"""The monthly showback report: self-contained HTML pages (plotly inlined) from the marts."""

from finops.report.build import ReportResult, build_from_file, build_reports
from finops.report.data import ReportError

__all__ = ["ReportError", "ReportResult", "build_from_file", "build_reports"]
