"""The periodic tasks the scheduler enqueues (observatory_core/data/schedule.toml)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

RESULTS_KEPT_DAYS = 14
FAILED_KEPT_DAYS = 30


@task()
def apply_audit_retention() -> str:
    from ..audit.retention import prune

    results = prune()
    return "; ".join(f"{p.rule.name}: {p.count}" for p in results) or "no rules"


@task()
def clear_expired_sessions() -> int:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@task()
def prune_task_results() -> int:
    """Finished jobs past their keeping time, with the note of the request that made them."""
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .models import TaskOrigin

    now = timezone.now()
    old = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL,
          finished_at__lt=now - timedelta(days=RESULTS_KEPT_DAYS))
        | Q(status=TaskResultStatus.FAILED,
            finished_at__lt=now - timedelta(days=FAILED_KEPT_DAYS)))
    ids = [str(pk) for pk in old.values_list("pk", flat=True)]
    TaskOrigin.objects.filter(task_id__in=ids).delete()
    deleted, _ = DBTaskResult.objects.filter(pk__in=ids).delete()
    return deleted
