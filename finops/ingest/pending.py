"""What a run would load, without loading it: the no-op check of `finops run`.

A delivery is pending when its files' content (SHA-256, cached by path, size and mtime) differs
from the latest load of its billing accounts in `ingest.ledger`: exactly the test ingestion uses
to skip unchanged deliveries (`loader.delivery_unchanged`). Files that cannot even be indexed are
pending too: a run must report them. Nothing is read beyond file stats for files already hashed.
"""

from __future__ import annotations

from finops.config import Settings
from finops.ingest.loader import delivery_unchanged, discover, ensure_raw_table
from finops.ingest.sources import SOURCES
from finops.warehouse import connect_writer


def pending_deliveries(settings: Settings, periods: list[str] | None = None) -> list[str]:
    """'<source> <period>: <why>' for every delivery a run of `periods` would load or reject."""
    wanted = set(periods) if periods is not None else None
    pending: list[str] = []
    with connect_writer(settings) as con:  # the hash cache is written; raw data is not
        for source in SOURCES.values():
            ensure_raw_table(con, source)
            found = discover(con, source, settings.landing_dir)
            for period, exc in found.file_errors:
                if wanted is None or period == "?" or period in wanted:
                    pending.append(f"{source.name} {period}: {exc}")
            for delivery in found.deliveries:
                if wanted is not None and delivery.period not in wanted:
                    continue
                if not delivery_unchanged(con, source, delivery, settings.landing_dir)[0]:
                    pending.append(f"{source.name} {delivery.period}: new or changed delivery")
    return pending
