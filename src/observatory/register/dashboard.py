"""What is slipping, for everyone the user may see: overdue actions, completion claimed
without evidence, recommendations with no actions, and claims waiting to be verified."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q

from ..accounts.scopes import plans_q
from .models import Action, Evidence, RegisterEntry, StatusChange
from .present import action_row

LIMIT = 50  # rows listed per panel; the counts are complete
TODO = ("open", "in_progress")


def _listed(qs, today: date) -> list[dict[str, Any]]:
    return [{**action_row(a, today), "review": a.plan.review.reference,
             "area": a.plan.review.local_authority.name}
            for a in qs.select_related("plan__review__local_authority", "lead_agency",
                                       "owner")[:LIMIT]]


def build(user: Any, today: date) -> dict[str, Any]:
    actions = Action.objects.filter(plans_q(user, "view", "plan__review__"))
    overdue = actions.filter(status__in=TODO, due_date__lt=today).order_by("due_date", "pk")
    has_evidence = Exists(Evidence.objects.filter(action=OuterRef("pk")))
    unevidenced = actions.filter(status="completed").filter(~has_evidence).order_by("pk")
    claimed_at = StatusChange.objects.filter(action=OuterRef("pk"), to_status="completed")
    backlog = (actions.filter(status="completed").annotate(
        claimed=Max("history__at", filter=Q(history__to_status="completed")))
        .filter(Exists(claimed_at)).order_by("claimed", "pk"))
    entries = (RegisterEntry.objects.filter(plans_q(user, "view"), state=RegisterEntry.ACTIVE)
               .annotate(n=Count("actions")).filter(n=0)
               .select_related("review__local_authority").order_by("review__reference", "pk"))
    by_status = dict(actions.values_list("status").annotate(n=Count("pk")).order_by())
    waiting = []
    for a in backlog.select_related("plan__review__local_authority", "lead_agency",
                                    "owner")[:LIMIT]:
        row = {**action_row(a, today), "review": a.plan.review.reference,
               "area": a.plan.review.local_authority.name, "claimed_at": a.claimed,
               "days_waiting": (today - a.claimed.date()).days if a.claimed else None}
        waiting.append(row)
    return {
        "as_of": today,
        "counts": {"actions": actions.count(), "overdue": overdue.count(),
                   "claimed_without_evidence": unevidenced.count(),
                   "recommendations_without_actions": entries.count(),
                   "awaiting_verification": backlog.count(), "by_status": by_status},
        "overdue": _listed(overdue, today),
        "claimed_without_evidence": _listed(unevidenced, today),
        "awaiting_verification": waiting,
        "recommendations_without_actions": [
            {"id": e.pk, "number": e.number, "text": e.text[:200],
             "review": e.review.reference, "area": e.review.local_authority.name,
             "url": e.get_absolute_url()} for e in entries[:LIMIT]],
    }
