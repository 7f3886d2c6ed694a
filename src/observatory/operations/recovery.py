"""Taking back the jobs of dead workers (a lease that expires).

A job is RUNNING from the moment a worker claims it. If that worker's heartbeat is older
than the lease (killed, machine lost, frozen), the job is put back in the queue for another
worker, up to MAX_ATTEMPTS claims in all; then it is marked failed so a job that itself
kills its worker (say, a file that exhausts memory) cannot take the workers down one after
another for ever. Tasks are written to be run again safely: each does its writes in one
transaction and starts by checking what is already done (ingestion.services.run_job)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import TaskOrigin, WorkerHeartbeat
from .queue import lease

log = logging.getLogger("observatory.recovery")
MAX_ATTEMPTS = 3
WORKER_LOST = "observatory.operations.recovery.WorkerLost"


class WorkerLost(Exception):
    """The worker running a job stopped sending heartbeats."""


@dataclass(frozen=True)
class Recovered:
    requeued: list[str]
    failed: list[str]
    forgotten_workers: int


def recover_stale_jobs() -> Recovered:
    now = timezone.now()
    cutoff = now - lease()
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff)
                .values_list("worker_id", flat=True))
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        # SKIP LOCKED: a job a worker is finishing right now (row locked while it saves) is
        # left alone, and two schedulers never take back the same job twice.
        for job in DBTaskResult.objects.running().select_for_update(skip_locked=True):
            owner = job.worker_ids[-1] if job.worker_ids else ""
            # A claim younger than the lease by a worker with no heartbeat row yet is given
            # the benefit of the doubt; a known worker that went silent is not.
            if owner in alive or (owner not in known and job.started_at
                                  and job.started_at >= cutoff):
                continue
            if len(job.worker_ids) >= MAX_ATTEMPTS:
                job.status = TaskResultStatus.FAILED
                job.finished_at = now
                job.exception_class_path = WORKER_LOST
                job.traceback = (f"Its worker stopped during each of {len(job.worker_ids)} "
                                 "attempts; not tried again.")
                job.save(update_fields=["status", "finished_at", "exception_class_path",
                                        "traceback"])
                failed.append(str(job.id))
            else:
                job.status = TaskResultStatus.READY
                job.started_at = None
                job.save(update_fields=["status", "started_at"])
                requeued.append(str(job.id))
            TaskOrigin.objects.filter(task_id=str(job.id)).update(recovered=F("recovered") + 1)
    # Heartbeats of workers silent for many leases are only noise on the admin page.
    forgotten, _ = WorkerHeartbeat.objects.filter(last_seen__lt=now - 10 * lease()).delete()
    for job_id in requeued:
        log.warning("job taken back from a silent worker", extra={"job": job_id})
    for job_id in failed:
        log.error("job failed: its worker died on every attempt", extra={"job": job_id})
    return Recovered(requeued, failed, forgotten)

