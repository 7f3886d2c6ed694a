"""The audit log's hash chain: `observatory audit verify` passes on an untouched log and
after retention pruning, and fails naming the first event altered, deleted or added in the
database behind the application's back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.db import connection
from django.utils import timezone

from observatory.audit.log import record
from observatory.audit.models import AuditEvent
from observatory.cli import main

pytestmark = pytest.mark.django_db


def _verify(monkeypatch):
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    return CliRunner().invoke(main, ["audit", "verify"])


@pytest.fixture
def events():
    return [record(None, "view", kind="published_review", detail=f"event {n}",
                   channel="cli") for n in range(4)]


def test_each_event_follows_the_one_before(events):
    first, second = events[0], events[1]
    assert second.previous_digest == first.digest and second.seq == first.seq + 1


def test_verify_passes_on_an_untouched_log(events, monkeypatch):
    result = _verify(monkeypatch)
    assert result.exit_code == 0, result.output
    assert "intact: 4 events checked" in result.output


def test_verify_names_the_event_altered_in_the_database(events, monkeypatch):
    target = events[2]
    with connection.cursor() as cursor:  # as an intruder would: SQL, not the model
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET detail = %s WHERE id = %s",
                       ["nothing to see", target.pk])
    result = _verify(monkeypatch)
    assert result.exit_code == 1
    assert f"event {target.pk}" in result.output
    assert "changed after it was written" in result.output


def test_verify_fails_when_an_event_is_deleted_or_the_last_removed(events, monkeypatch):
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    result = _verify(monkeypatch)
    assert result.exit_code == 1 and "position 2 is missing" in result.output
    AuditEvent.objects.filter(pk__in=[e.pk for e in events[1:]]).delete()
    result = _verify(monkeypatch)
    assert result.exit_code == 1 and "removed from its end" in result.output


def test_retention_pruning_keeps_the_chain_verifiable(events, monkeypatch):
    old = AuditEvent.objects.create(at=timezone.now() - timedelta(days=400), role="public",
                                    action="view", object_kind="published_review")
    record(None, "view", kind="published_review", channel="cli")
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    assert CliRunner().invoke(main, ["audit", "prune"]).exit_code == 0
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    result = _verify(monkeypatch)
    assert result.exit_code == 0, result.output


def test_a_person_sees_their_own_access_history_and_nobody_elses(client, users):
    researcher, analyst = users["researcher"], users["analyst"]
    record(None, "view", kind="published_review", user=researcher, detail="mine",
           channel="cli")
    record(None, "download", kind="published_review", user=analyst, detail="theirs",
           channel="cli")
    assert client.get("/account/history/").status_code == 302  # sign in first
    client.force_login(researcher)
    body = client.get("/account/history/?format=json").json()["data"]
    assert {e["username"] for e in body["events"]} == {"researcher"}
    assert "view" in {e["action"] for e in body["events"]}
    assert "download" not in {e["action"] for e in body["events"]}
    assert "Your access history" in client.get("/account/history/").content.decode()
