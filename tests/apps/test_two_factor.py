"""Account security (governance point 8): a second factor for roles that see confidential
material, set up once with recovery codes; idle sessions end; the password policy."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory.accounts.twofactor import required
from observatory.cli import main

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    client = Client()  # the real sign-in form, not force_login
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_roles_that_see_confidential_material_need_a_second_factor(users):
    assert {name for name, user in users.items() if required(user)} == {
        "partnership_own", "partnership_other", "analyst", "admin"}


def test_set_up_then_sign_in_with_a_code_or_a_recovery_code_once(users):
    client = _signed_in("analyst")
    response = client.get("/reviews/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/account/two-factor/?next=/reviews/")
    assert client.get("/api/reviews").status_code == 403
    page = client.get("/account/two-factor/")
    assert "two-factor-key" in page.content.decode()
    device = TOTPDevice.objects.get(user=users["analyst"], confirmed=False)
    assert client.post("/account/two-factor/", {"code": "000000"}).status_code == 400
    # A wrong code makes the next try wait (django-otp's throttling); as if it had.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    done = client.post("/account/two-factor/", {"code": _code(device), "next": "/reviews/"})
    codes = done.context["codes"]
    assert len(codes) == 10 and client.get("/reviews/").status_code == 200

    again = _signed_in("analyst")  # a new session asks again; a recovery code works once
    assert again.get("/reviews/").status_code == 302
    assert again.post("/account/two-factor/", {"code": codes[0]}).status_code == 302
    assert again.get("/reviews/").status_code == 200
    third = _signed_in("analyst")
    assert third.post("/account/two-factor/", {"code": codes[0]}).status_code == 400


def test_a_practitioner_signs_in_with_a_password_alone(users):
    assert _signed_in("practitioner").get("/reviews/").status_code == 200


def test_idle_sessions_end_and_weak_passwords_are_refused(db, monkeypatch):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    result = CliRunner().invoke(main, ["users", "create", "newbie", "--role", "researcher",
                                       "--password", "short1"])
    assert result.exit_code != 0 and "password refused" in result.output
