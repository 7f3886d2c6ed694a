"""Shared test set-up. Real documents live in ../shared/corpus; tests needing them skip
cleanly when that folder is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real-document corpus not found at {CORPUS}")
    return CORPUS
