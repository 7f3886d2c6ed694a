"""Configurable limits that keep a hostile or huge file from exhausting the machine."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100 * 1024 * 1024  # same default as OBSERVATORY_MAX_UPLOAD_BYTES
    max_pages: int = 2000
    # A PDF whose first ``blank_probe`` pages are all without text, and which has more than
    # ``max_blank_pages`` pages in all, is refused quickly rather than read page by page.
    max_blank_pages: int = 500
    blank_probe: int = 50
    # DOCX: total uncompressed size of the zip members, and the largest compression ratio.
    max_docx_uncompressed: int = 300 * 1024 * 1024
    max_docx_ratio: int = 200
    max_docx_members: int = 5000
    max_text_chars: int = 20_000_000

    @classmethod
    def from_env(cls) -> Limits:
        return cls(
            max_bytes=_env_int("OBSERVATORY_MAX_UPLOAD_BYTES", cls.max_bytes),
            max_pages=_env_int("OBSERVATORY_MAX_PAGES", cls.max_pages),
        )


DEFAULT_LIMITS = Limits()
