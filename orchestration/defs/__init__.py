"""One folder per integration; each exposes `defs` (a dagster.Definitions)."""
