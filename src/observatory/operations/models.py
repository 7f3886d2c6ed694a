"""What the service knows about its own processes. Task rows themselves are the queue
backend's (django-tasks-db); these tables add what it lacks: which workers are alive, and
which request asked for each job (so its log lines can be found together)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker process, refreshed every few seconds while it lives. A RUNNING job
    whose worker has not beaten for the lease time is taken back (recovery.py)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    current_task = models.CharField(max_length=64, blank=True)
    tasks_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid} ({self.queues})"


class TaskOrigin(models.Model):
    """The request (or command) that enqueued a task: its id goes into every log line the
    task writes. Removed with the task's result when results are pruned."""

    task_id = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=64)
    recovered = models.PositiveSmallIntegerField(default=0)  # times taken back from a dead worker

    def __str__(self) -> str:
        return f"{self.task_id} <- {self.request_id}"


class SchedulerRun(models.Model):
    """When each periodic job was last enqueued, so that a restarted scheduler (or a second
    one, by mistake) does not enqueue it again before its interval."""

    name = models.CharField(max_length=64, unique=True)
    last_run = models.DateTimeField()
    last_task = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name
