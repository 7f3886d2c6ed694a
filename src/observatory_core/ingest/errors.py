"""The one error type ingestion raises for bad input."""

from __future__ import annotations


class IngestError(ValueError):
    """A file cannot be ingested; ``str()`` is 'FILE: reason' in words a user can act on."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
