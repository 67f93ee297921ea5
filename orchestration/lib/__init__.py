"""Helpers shared by the Dagster definitions (pure functions, unit-testable without Dagster runs)."""
