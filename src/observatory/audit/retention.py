"""Applying the audit retention rules (``observatory_core.retention``): remove the events a
rule says have expired, in one transaction, and leave an audit event saying so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from observatory_core.retention import RetentionPolicy, RetentionRule, load_retention

from .log import record
from .models import AuditEvent, RemovedLink


@dataclass(frozen=True)
class Pruned:
    rule: RetentionRule
    count: int


def expired(rule: RetentionRule, now: datetime) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(
        at__lt=rule.cutoff(now), role__in=rule.roles, action__in=rule.actions,
        allowed=rule.allowed, confidential=rule.confidential)
    if rule.object_kinds:
        events = events.filter(object_kind__in=rule.object_kinds)
    return events


def prune(*, now: datetime | None = None, dry_run: bool = False,
          policy: RetentionPolicy | None = None) -> list[Pruned]:
    policy = policy or load_retention()
    now = now or timezone.now()
    with transaction.atomic():
        results = []
        for rule in policy.rules:
            events = expired(rule, now)
            count = events.count()
            if count and not dry_run:
                # Each removed event leaves its link in the hash chain (not its content), so
                # `observatory audit verify` still passes; a row deleted any other way fails.
                RemovedLink.objects.bulk_create(
                    RemovedLink(seq=seq, previous_digest=previous, digest=digest,
                                rule=rule.name[:100])
                    for seq, previous, digest in events.exclude(seq=None).values_list(
                        "seq", "previous_digest", "digest"))
                # QuerySet.delete, not AuditEvent.delete (which refuses): only this path,
                # driven by the rules file, may remove audit events.
                events.delete()
            results.append(Pruned(rule, count))
        if not dry_run:
            record(None, "delete", kind="audit_log", channel="cli", detail="retention: " + (
                "; ".join(f"{p.rule.name}: {p.count} removed" for p in results)
                or "no rules"))
    return results
