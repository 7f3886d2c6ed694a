"""Set-up shared by the database tests (tests/apps) and the browser tests (tests/browser).
Kept out of tests/conftest.py so the framework-free core tests never import Django."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any


def isolated_storage(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Point the three document storages at this test's own folders for its duration. The
    browser tests' live server runs in a thread of this process, so it sees them too."""
    storages = dict(settings.STORAGES)
    for alias in ("default", "published", "confidential"):
        area = "confidential" if alias == "confidential" else "published"
        storages[alias] = {**storages[alias], "OPTIONS": {"location": tmp_path / area}}
    settings.STORAGES = storages
    from django.core.files.storage import storages as handler

    handler._storages = {}
    handler._backends = None
    yield
    handler._storages = {}
    handler._backends = None


def check_expected_database() -> None:
    """`make test` runs the database tests twice; the second run must really be PostgreSQL."""
    if os.environ.get("OBSERVATORY_EXPECT_POSTGRES") == "1":
        from django.db import connection

        assert connection.vendor == "postgresql", "expected the PostgreSQL test run"
