"""finops-pipeline: cloud billing exports -> DuckDB -> FOCUS-conformed, team-attributed marts."""

__version__ = "0.1.0"
