"""Deciding a review's report's publication state (observatory_core.publication rules).

Who may decide: whoever may change the review (``can(user, 'change', review)``: the
partnership in its own area, analysts, administrators). Each decision is kept
(``PublicationDecision``, never changed) and audited in the hash-chained log. What the state
does is not here: the access rule (``accounts.scopes.report_public_q`` and
``Document.access_kind``) reads it, so a withdrawn or still-embargoed report's documents
vanish from every page, search, drill-down, export and API route at once, while the review's
catalogue record stays public and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from observatory_core.publication import LABELS, WITHDRAWN, PublicationError, is_public, load_rules

from ..accounts.access import can
from ..audit.log import record
from .models import PublicationDecision, Review


class NotAllowed(PermissionError):
    pass


def decide(review: Review, user: Any, state: str, *, until: datetime | None = None,
           reason: str = "", note: str = "", request: Any = None) -> PublicationDecision:
    """Move the review's report to ``state``; raises NotAllowed or PublicationError."""
    if not can(user, "change", review):
        record(request, "change", review, user=user, allowed=False,
               detail=f"publication: {state}")
        raise NotAllowed("You may not decide this report's publication.")
    now = timezone.now()
    with transaction.atomic():
        current = Review.objects.select_for_update().get(pk=review.pk)
        load_rules().check(current.report_status, state, until=until, now=now, reason=reason,
                           note=note)
        until = until if state == "embargoed" else None
        decision = PublicationDecision.objects.create(
            review=current, previous=current.report_status, state=state, embargo_until=until,
            reason=reason if state == WITHDRAWN else "", note=note.strip(),
            decided_by=user if getattr(user, "is_authenticated", False) else None,
            decided_by_name=user.get_username() if getattr(user, "is_authenticated",
                                                           False) else "")
        Review.objects.filter(pk=review.pk).update(report_status=state, embargo_until=until)
        review.report_status, review.embargo_until = state, until
        record(request, "change", review, user=user, detail=(
            f"publication: {current.report_status} -> {state}"
            + (f" until {until.isoformat()}" if until else "")
            + (f" ({reason}: {note.strip()[:300]})" if state == WITHDRAWN else "")))
    return decision


@dataclass(frozen=True)
class Status:
    state: str
    label: str
    public_now: bool
    embargo_until: datetime | None
    retention_due: date | None
    withdrawn_reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "label": self.label, "public_now": self.public_now,
                "embargo_until": self.embargo_until, "retention_due": self.retention_due,
                "withdrawn_reason": self.withdrawn_reason}


def status(review: Review) -> Status:
    """What anyone may read about the report's state (not the decisions' notes)."""
    rules = load_rules()
    reason = ""
    if review.report_status == WITHDRAWN:
        last = review.publication_decisions.filter(state=WITHDRAWN).first()
        found = rules.reasons.get(last.reason) if last else None
        reason = found.label if found else ""
    public = review.is_published and is_public(review.report_status, review.embargo_until,
                                               timezone.now())
    due = (rules.default_retention().due(review.publication_date)
           if review.publication_date else None)
    label = LABELS["published"] if public else LABELS[review.report_status]  # embargo over
    return Status(review.report_status, label, public,
                  review.embargo_until, due, reason)


def history(review: Review) -> list[dict[str, Any]]:
    reasons = load_rules().reasons
    return [{"at": d.decided_at, "from": d.previous, "to": d.state,
             "embargo_until": d.embargo_until,
             "reason": reasons[d.reason].label if d.reason in reasons else "",
             "note": d.note, "by": d.decided_by_name}
            for d in review.publication_decisions.all()]


def due_for_withdrawal(today: date | None = None) -> list[Review]:
    """Published reports whose retention period (the default, e.g. NSPCC's five years) has
    passed: a person withdraws each (reason 'retention'); nothing is taken down unseen."""
    today = today or timezone.localdate()
    period = load_rules().default_retention()
    return [r for r in Review.objects.filter(report_status="published",
                                             publication_date__isnull=False)
            if period.due(r.publication_date) <= today]


__all__ = ["NotAllowed", "PublicationError", "decide", "due_for_withdrawal", "history",
           "status"]
