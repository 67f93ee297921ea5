"""Insights: the cost-anomaly asset check (new anomalies since the last run, and their alerts)."""
