"""Where the shared real-document folders are, and what a test does when one is absent.

Outside CI a missing ``../shared/corpus`` (or ``../shared/seeds``) skips the tests that need
it, with the reason. With ``CI=true`` it fails them: a CI run that silently skipped every
real-document test would report green having checked nothing (issue 11, item 6) — the same
rule the tesseract, Chromium and PostgreSQL tests follow."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    return Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))


def seeds_path() -> Path:
    return Path(os.environ.get("OBSERVATORY_SEEDS", ROOT.parent / "shared" / "seeds"))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``; under CI=true fail instead."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: real-document tests must run, not skip)",
                    pytrace=False)
    pytest.skip(reason)
