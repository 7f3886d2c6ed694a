"""Shared test set-up. Real documents live in ../shared/corpus; tests needing them skip
cleanly when that folder is absent, and fail under CI=true (tests/shared_data.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .shared_data import corpus_path, missing

CORPUS = corpus_path()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        missing(f"real-document corpus not found at {CORPUS}")
    return CORPUS
