"""Making research grants directly (for access tests that need one without the journey)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.utils import timezone

from observatory.research.grants import freeze
from observatory.research.models import Application, Grant


def make_grant(holder, decider, *, areas: list[str], years: tuple[int, int],
               kinds: list[str] = (), ends: date | None = None, revoked: bool = False,
               members=(), fields: list[str] = ("outcome", "decision_date", "summary"),
               coarsen: str = "month") -> Grant:
    today = timezone.localdate()
    ends = ends or today + timedelta(days=90)
    application = Application.objects.create(
        applicant=holder, title="Test project", purpose="p", public_benefit="b",
        questions="q", areas=list(areas), year_from=years[0], year_to=years[1],
        fields=list(fields), document_kinds=list(kinds), data_protection_basis="basis",
        starts=min(today, ends) - timedelta(days=30), ends=max(ends, today),
        terms_accepted=True, status=Application.Status.APPROVED)
    application.members.set(members)
    grant = Grant(
        application=application, starts=min(today, ends) - timedelta(days=30), ends=ends,
        decided_by=decider, coarsen_dates=coarsen, key=secrets.token_hex(32),
        revoked_at=timezone.now() if revoked else None, revoked_by=decider if revoked else None)
    freeze(grant)
    grant.save()
    return grant
