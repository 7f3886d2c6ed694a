"""The background queue as the service sees it: depth, failed jobs, worker heartbeats, and
the two things an administrator may do about a job (retry a failed one, cancel one that is
waiting or failed). The rows are django-tasks-db's; only these functions change them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import TaskOrigin, WorkerHeartbeat

# A job given up by an administrator: stored as FAILED (the backend has no other end state)
# with this as its exception, so it leaves the list of failures that need attention.
CANCELLED = "observatory.operations.queue.Cancelled"


class Cancelled(Exception):
    """Marks a job an administrator cancelled."""


def lease() -> timedelta:
    """How long a worker may stay silent before its running job is taken back. Workers beat
    every lease/4 seconds, so a live worker is never mistaken for a dead one."""
    return timedelta(seconds=settings.OBSERVATORY_WORKER_LEASE_SECONDS)


@dataclass
class QueueSummary:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    oldest_ready_seconds: float = 0.0
    workers_alive: int = 0

    def total(self, status: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == status)


def queue_summary() -> QueueSummary:
    """Open work only (waiting, running) plus failures not yet dealt with: finished jobs are
    history, and counting them all would grow with every job ever run."""
    now = timezone.now()
    summary = QueueSummary()
    open_rows = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("queue_name", "status")
    summary.counts = dict(Counter(open_rows))
    for queue in settings.TASKS["default"].get("QUEUES", ["default"]):
        for status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            summary.counts.setdefault((queue, str(status)), 0)
    for queue, n in Counter(failed_jobs().values_list("queue_name", flat=True)).items():
        summary.counts[(queue, "FAILED")] = n
    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list(
        "enqueued_at", flat=True).first()
    summary.oldest_ready_seconds = (now - oldest).total_seconds() if oldest else 0.0
    summary.workers_alive = WorkerHeartbeat.objects.filter(last_seen__gte=now - lease()).count()
    return summary


def failed_jobs():
    return DBTaskResult.objects.failed().exclude(exception_class_path=CANCELLED).order_by(
        "-finished_at")


def waiting_jobs():
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by(
        "-priority", "enqueued_at")


def running_jobs():
    return DBTaskResult.objects.running().order_by("started_at")


def heartbeats() -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for beat in WorkerHeartbeat.objects.all():
        rows.append({"worker": beat.worker_id, "host": beat.hostname, "pid": beat.pid,
                     "queues": beat.queues, "started_at": beat.started_at,
                     "last_seen": beat.last_seen,
                     "seconds_since": round((now - beat.last_seen).total_seconds(), 1),
                     "alive": now - beat.last_seen <= lease(),
                     "current_task": beat.current_task, "tasks_done": beat.tasks_done})
    return rows


def job_row(job: DBTaskResult) -> dict[str, Any]:
    """What the administrators' page shows of a job: its name and timing, never its
    arguments (ids only, but still nothing a reader needs) nor the full traceback."""
    error = job.exception_class_path.rsplit(".", 1)[-1] if job.exception_class_path else ""
    return {"id": str(job.id), "task": job.task_path.rsplit(".", 1)[-1],
            "queue": job.queue_name, "status": job.status, "enqueued_at": job.enqueued_at,
            "started_at": job.started_at, "finished_at": job.finished_at,
            "attempts": len(job.worker_ids), "error": error}


class QueueError(Exception):
    pass


@transaction.atomic
def retry(job_id: str) -> DBTaskResult:
    """Put a failed job back in the queue, as it was enqueued."""
    job = DBTaskResult.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != TaskResultStatus.FAILED:
        raise QueueError("Only a failed job can be retried.")
    job.status = TaskResultStatus.READY
    job.started_at = job.finished_at = None
    job.exception_class_path = job.traceback = ""
    job.save(update_fields=["status", "started_at", "finished_at", "exception_class_path",
                            "traceback"])
    return job


@transaction.atomic
def cancel(job_id: str) -> DBTaskResult:
    """Give up a waiting or failed job. A running one cannot be stopped from here: its
    worker would finish it anyway."""
    job = DBTaskResult.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status not in (TaskResultStatus.READY, TaskResultStatus.FAILED):
        raise QueueError("Only a waiting or failed job can be cancelled.")
    job.status = TaskResultStatus.FAILED
    job.finished_at = timezone.now()
    job.exception_class_path = CANCELLED
    job.traceback = "Cancelled by an administrator."
    job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return job


def origin_of(job_id: str) -> str:
    return TaskOrigin.objects.filter(task_id=str(job_id)).values_list(
        "request_id", flat=True).first() or ""
