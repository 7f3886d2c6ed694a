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


def second_factor_given(client: Any, user: Any) -> None:
    """Mark ``client``'s session as having given the second factor, as the two-factor page
    does after a right code (a confirmed authenticator for the user, named in the session).
    For tests that sign in with ``force_login``; the rule itself is tested through the page
    (tests/apps/test_two_factor.py) and the browser sign-in (tests/browser/conftest.login)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from observatory.accounts.twofactor import required

    if not required(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def force_login_with_second_factor(monkeypatch: Any) -> None:
    """``Client.force_login`` that also gives the second factor (see above)."""
    from django.test import Client

    original = Client.force_login

    def force_login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        second_factor_given(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
