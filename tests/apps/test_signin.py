"""Sign-in throttling and audit (security finding: 30 wrong passwords, then the right one
worked at once, by the form and by HTTP Basic, and nothing was audited).

After AXES_FAILURE_LIMIT failures for one username from one address, that username is
refused there, even with the right password, until the cool-off has passed; by the sign-in
form and by HTTP Basic on the API alike. Unknown and real usernames get the same answers.
Every sign-in, sign-out and failure is an audit event.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from observatory.audit.models import AuditEvent

from .conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def _form(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _basic(client: Client, username: str, password: str):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return client.get("/api/reviews", HTTP_AUTHORIZATION=f"Basic {token}")


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _expire_cool_off() -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))


def _body(response, username: str) -> str:
    # the page repeats nothing typed but the username; take it (and the per-response CSRF
    # token and script nonce) out to compare the rest
    text = response.content.decode().replace(username, "USERNAME")
    text = re.sub(r'nonce="[^"]*"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def test_form_locks_out_after_the_limit_even_with_the_right_password(db):
    make_user("analyst")
    client = Client()
    for _ in range(LIMIT - 1):
        assert _form(client, "analyst", "wrong").status_code == 200
    locked = _form(client, "analyst", "wrong")
    assert locked.status_code == 429 and "Too many failed attempts" in locked.content.decode()
    assert locked["Retry-After"] == str(15 * 60)
    right = _form(client, "analyst", PASSWORD)
    assert right.status_code == 429 and not _signed_in(client)
    # another user from the same address is not affected
    make_user("researcher")
    assert _form(client, "researcher", PASSWORD).status_code == 302


def test_form_unlocks_after_the_cool_off(db):
    make_user("analyst")
    client = Client()
    for _ in range(LIMIT):
        _form(client, "analyst", "wrong")
    assert _form(client, "analyst", PASSWORD).status_code == 429
    _expire_cool_off()
    assert _form(client, "analyst", PASSWORD).status_code == 302 and _signed_in(client)


def test_basic_auth_locks_out_and_unlocks(db):
    make_user("analyst")
    client = Client()
    for _ in range(LIMIT - 1):
        assert _basic(client, "analyst", "wrong").status_code == 401
    locked = _basic(client, "analyst", "wrong")
    assert locked.status_code == 429 and "Too many failed attempts" in locked.json()["errors"][0]
    assert _basic(client, "analyst", PASSWORD).status_code == 429
    _expire_cool_off()
    assert _basic(client, "analyst", PASSWORD).status_code == 200


def test_form_and_basic_count_together(db):
    make_user("analyst")
    client = Client()
    for _ in range(LIMIT):
        _basic(client, "analyst", "wrong")
    assert _form(client, "analyst", PASSWORD).status_code == 429


def test_unknown_user_and_wrong_password_get_the_same_answers(db):
    make_user("analyst")
    real, ghost = Client(), Client()
    for attempt in range(LIMIT + 1):
        a, b = _form(real, "analyst", "wrong"), _form(ghost, "nobody-here", "wrong")
        assert a.status_code == b.status_code, attempt
        assert _body(a, "analyst") == _body(b, "nobody-here"), attempt
        x, y = _basic(real, "analyst", "wrong"), _basic(ghost, "nobody-here", "wrong")
        assert (x.status_code, x.content) == (y.status_code, y.content), attempt


def test_sign_in_sign_out_and_failures_are_audited(db):
    make_user("analyst")
    client = Client()
    _form(client, "analyst", "wrong")
    _basic(client, "analyst", "also-wrong")
    _form(client, "analyst", PASSWORD)
    client.post("/accounts/logout/")
    events = list(AuditEvent.objects.filter(object_kind="user_account").order_by("id")
                  .values_list("action", "allowed", "username", "channel"))
    assert events == [("login", False, "", "web"), ("login", False, "", "api"),
                      ("login", True, "analyst", "web"), ("logout", True, "analyst", "web")]
    failure = AuditEvent.objects.filter(allowed=False, object_kind="user_account").first()
    assert "'analyst'" in failure.detail and "wrong" not in failure.detail.split("'")[1]
    assert PASSWORD not in "".join(AuditEvent.objects.values_list("detail", flat=True))
    for _ in range(LIMIT):
        _form(client, "analyst", "wrong")
    assert AuditEvent.objects.filter(allowed=False, detail__contains="locked out").exists()
