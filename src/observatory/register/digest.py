"""The weekly digest to action owners and partnership business managers, by e-mail through
the notifications app. It says how many actions are overdue, due soon or waiting to be
verified and links to the service; it never quotes a recommendation or action (no
confidential text leaves the service by e-mail).

Scheduling: ``schedule_next`` queues ``send_weekly_digest`` for the next Monday morning
(Django Tasks ``run_after``); the task sends, then queues the following week's. The worker
(``observatory worker``) and ``observatory setup`` call ``schedule_next``, which does nothing
when a digest is already waiting, so there is one a week whatever restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..accounts.scopes import plans_q
from ..notifications import send
from .models import Action

TOPIC = "weekly_digest"
SOON = timedelta(days=14)
SEND_AT = time(7, 0)  # Monday, before the working day


@dataclass(frozen=True)
class Digest:
    overdue: int
    due_soon: int
    awaiting_verification: int
    claimed_without_evidence: int

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.awaiting_verification
                    or self.claimed_without_evidence)


def digest_for(user: Any, today: date) -> Digest:
    """Counts for one person: actions they own, and, for a partnership user, the
    verification work of their own area's plans."""
    owned = Action.objects.filter(owner=user, status__in=("open", "in_progress"))
    area = Action.objects.filter(plans_q(user, "change", "plan__review__"))
    waiting = area.filter(status="completed")
    return Digest(
        overdue=owned.filter(due_date__lt=today).count(),
        due_soon=owned.filter(due_date__gte=today, due_date__lte=today + SOON).count(),
        awaiting_verification=waiting.filter(evidence__isnull=False).distinct().count(),
        claimed_without_evidence=waiting.filter(evidence__isnull=True).count())


def body(digest: Digest) -> str:
    url = settings.OBSERVATORY_BASE_URL + reverse("register-dashboard")
    lines = ["Your action plans this week:", ""]
    lines.append(f"- actions you lead that are overdue: {digest.overdue}")
    lines.append(f"- actions you lead due in the next two weeks: {digest.due_soon}")
    lines.append(f"- completions waiting for the partnership to verify: "
                 f"{digest.awaiting_verification}")
    lines.append(f"- completions claimed without evidence: {digest.claimed_without_evidence}")
    lines += ["", f"See them (sign in first): {url}"]
    return "\n".join(lines)


def recipients() -> list[User]:
    owners = Q(owned_actions__status__in=("open", "in_progress", "completed"))
    managers = Q(profile__role="partnership", profile__local_authority__isnull=False)
    return list(User.objects.filter(owners | managers, is_active=True)
                .exclude(email="").distinct().order_by("pk"))


def send_digests(today: date | None = None) -> int:
    """Send this week's digest to everyone with something in it; returns how many sent."""
    today = today or timezone.localdate()
    sent = 0
    for user in recipients():
        digest = digest_for(user, today)
        if digest.empty:
            continue
        sent += send(user, TOPIC, "Your action plans this week", body(digest))
    return sent


def next_monday(now: datetime) -> datetime:
    days = (7 - now.weekday()) % 7 or 7
    day = (now + timedelta(days=days)).date()
    return timezone.make_aware(datetime.combine(day, SEND_AT))


def schedule_next(now: datetime | None = None) -> bool:
    """Queue the next weekly digest unless one is waiting (or the backend cannot defer)."""
    from .tasks import send_weekly_digest

    backend = send_weekly_digest.get_backend()
    if not getattr(backend, "supports_defer", False):
        return False
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another deferring backend: trust the caller to call once
        DBTaskResult = None
    if DBTaskResult is not None and DBTaskResult.objects.filter(
            task_path=send_weekly_digest.module_path, status="READY").exists():
        return False
    send_weekly_digest.using(run_after=next_monday(now or timezone.now())).enqueue()
    return True
