"""The audit log is filterable by person, object, action and date, and exportable as CSV and
XLSX (administrators); bad filter values are errors worded as GOV.UK asks."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from observatory.audit.models import AuditEvent

from .conftest import make_review

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def events(users):
    review = make_review("AUD-1")
    old = AuditEvent.objects.create(username="analyst", role="analyst", action="change",
                                    object_kind="published_review", object_id=str(review.pk),
                                    object_repr="AUD-1 Child 1 (test)")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))
    AuditEvent.objects.create(username="researcher", role="researcher", action="view",
                              allowed=False, object_kind="confidential_document",
                              object_repr="IMR", confidential=True)
    AuditEvent.objects.create(username="analyst", role="analyst", action="view",
                              object_kind="published_review", object_repr="AUD-1 Child 1")
    return review


def _listed(client, **query) -> list[dict]:
    return client.get("/audit/", {**query, "format": "json"}).json()["data"]["events"]


def test_filters_by_person_object_action_and_date(users, events):
    admin = _client(users["admin"])
    assert {e["username"] for e in _listed(admin, person="research")} == {"researcher"}
    assert {e["object"] for e in _listed(admin, object="AUD-1")} == {
        "AUD-1 Child 1 (test)", "AUD-1 Child 1"}
    assert [e["action"] for e in _listed(admin, person="analyst", action="change")] == [
        "change"]
    recent = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert "change" not in {e["action"] for e in _listed(admin, person="analyst",
                                                          date_from=recent)}
    assert [e["object"] for e in _listed(admin, refused="1")] == ["IMR"]


def test_bad_filter_values_are_errors_in_govuk_words(users, events):
    admin = _client(users["admin"])
    page = admin.get("/audit/", {"date_from": "31/02/2025", "action": "dance"})
    assert page.status_code == 400
    body = page.content.decode()
    assert "There is a problem" in body and "<title>Error: Audit log" in body
    assert "&#x27;From&#x27; date must be a real date, like 2025-03-27" in body
    assert "Select an action from the list" in body
    later = admin.get("/audit/", {"date_from": "2025-03-02", "date_to": "2025-03-01"})
    assert "must be the same as or after" in later.content.decode()


def test_export_as_csv_and_xlsx_holds_what_the_page_lists(users, events):
    admin = _client(users["admin"])
    response = admin.get("/audit/", {"person": "analyst", "download": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["username"] for r in rows} == {"analyst"} and len(rows) == 2
    xlsx = admin.get("/audit/", {"action": "view", "download": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["at", "username", "role", "action"]
    assert {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"view"}
    assert AuditEvent.objects.filter(action="download", object_kind="audit_log",
                                     username="admin").exists()


def test_only_those_the_policy_allows_may_export(users, events):
    steering = _client(users["steering"])
    assert steering.get("/audit/").status_code == 200
    assert steering.get("/audit/", {"download": "csv"}).status_code == 403
    assert "Download them" not in steering.get("/audit/").content.decode()
