"""`observatory audit prune`: removes only what the retention rules name, once it has
expired; keeps refusals, confidential reads and changes; a dry run changes nothing; the
pruning itself is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from observatory.audit.models import AuditEvent
from observatory.cli import main

pytestmark = pytest.mark.django_db


def _event(days_old: int, **fields) -> AuditEvent:
    values = {"role": "public", "action": "view", "allowed": True,
              "object_kind": "published_review", "confidential": False, **fields}
    event = AuditEvent.objects.create(**values)
    AuditEvent.objects.filter(pk=event.pk).update(at=timezone.now() - timedelta(days=days_old))
    return event


@pytest.fixture
def events():
    return {
        "old public read": _event(200),
        "recent public read": _event(10),
        "old public refusal": _event(200, allowed=False),
        "old confidential read": _event(200, role="analyst", object_kind="confidential_document",
                                        confidential=True),
        "old change": _event(2000, role="analyst", action="change"),
        "old analyst read": _event(1000, role="analyst"),
        "recent analyst read": _event(100, role="analyst"),
    }


def _left(events) -> set[str]:
    kept = set(AuditEvent.objects.values_list("pk", flat=True))
    return {name for name, event in events.items() if event.pk in kept}


def test_dry_run_counts_and_changes_nothing(events, monkeypatch):
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    before = AuditEvent.objects.count()
    result = CliRunner().invoke(main, ["audit", "prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "material (kept 90 days): would remove 1" in result.output
    assert "In all: would remove 2 events" in result.output
    assert AuditEvent.objects.count() == before


def test_prune_removes_only_expired_routine_reads_and_records_itself(events, monkeypatch):
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    result = CliRunner().invoke(main, ["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert _left(events) == {"recent public read", "old public refusal",
                             "old confidential read", "old change", "recent analyst read"}
    note = AuditEvent.objects.filter(object_kind="audit_log", action="delete").get()
    assert "anonymous reads of published material: 1 removed" in note.detail
    # running again removes nothing more
    again = CliRunner().invoke(main, ["audit", "prune"])
    assert "In all: removed 0 events" in again.output


def test_single_events_still_cannot_be_deleted(events):
    with pytest.raises(PermissionError):
        events["old public read"].delete()
