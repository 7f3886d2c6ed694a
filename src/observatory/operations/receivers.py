"""Task signals: remember which request enqueued a task, and while a worker runs it, put
that request's id (and the task's) on every log line; count each job's duration."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.dispatch import receiver
from django_tasks_db.compat import task_enqueued, task_finished, task_started

from . import logs

log = logging.getLogger("observatory.tasks")
_saved = threading.local()


def _is_database_backend(sender: Any) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    # The backends send their class or an instance, depending on the signal.
    kind = sender if isinstance(sender, type) else type(sender)
    return issubclass(kind, DatabaseBackend)


@receiver(task_enqueued)
def remember_origin(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Only where the task runs elsewhere later: an immediate backend runs it right here,
    # inside the request's own context.
    if not _is_database_backend(sender):
        return
    from .models import TaskOrigin

    rid = logs.request_id.get() or f"cli-{logs.new_id()}"
    TaskOrigin.objects.get_or_create(task_id=str(task_result.id),
                                     defaults={"request_id": rid[:64]})


@receiver(task_started)
def enter_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from .models import TaskOrigin

    stack = getattr(_saved, "stack", None) or []
    stack.append((logs.request_id.get(), logs.task_id.get()))
    _saved.stack = stack
    rid = logs.request_id.get()
    if _is_database_backend(sender):
        rid = TaskOrigin.objects.filter(task_id=str(task_result.id)).values_list(
            "request_id", flat=True).first() or rid
    logs.request_id.set(rid)
    logs.task_id.set(str(task_result.id))
    log.info("task started", extra={"task": task_result.task.name,
                                    "attempt": len(task_result.worker_ids or [])})


@receiver(task_finished)
def leave_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from .metrics import observe_job

    seconds = 0.0
    if task_result.started_at and task_result.finished_at:
        seconds = (task_result.finished_at - task_result.started_at).total_seconds()
    status = str(getattr(task_result.status, "value", task_result.status))
    observe_job(task_result.task.name, status, seconds)
    log.info("task finished", extra={"task": task_result.task.name, "status": status,
                                     "duration_s": round(seconds, 3)})
    stack = getattr(_saved, "stack", None) or [("", "")]
    previous_request, previous_task = stack.pop() if stack else ("", "")
    logs.request_id.set(previous_request)
    logs.task_id.set(previous_task)
