"""Errors raised by ingestion: each names the file and, where known, the row and column."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A delivery could not be loaded. Nothing of its billing period was changed."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.hint = hint
        self.reason = message
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        text = f"{': '.join([', '.join(where)] if where else [])}{': ' if where else ''}{message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)
