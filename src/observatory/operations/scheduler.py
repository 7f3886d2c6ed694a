"""`observatory scheduler`: enqueues the periodic tasks of schedule.toml when they are due,
and takes back the jobs of dead workers on every tick.

A small loop rather than a scheduling package: there are a few daily jobs, and the state
that matters (when each last ran) is a database row, so a restarted scheduler, or a second
one started by mistake on another machine, never enqueues a job twice in its interval (the
row is locked while it is checked and updated)."""

from __future__ import annotations

import logging
import signal
import threading
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any

from django.db import close_old_connections, transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import SchedulerRun
from .recovery import recover_stale_jobs

log = logging.getLogger("observatory.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    every: timedelta
    why: str


def load_schedule(text: str | None = None) -> tuple[list[Job], float]:
    """The jobs of schedule.toml, its shape checked (observatory_core.datafiles)."""
    from observatory_core.datafiles import ScheduleFile, shape_problems

    if text is None:
        text = (resources.files("observatory_core") / "data" / "schedule.toml").read_text()
    data = tomllib.loads(text)
    problems = shape_problems(ScheduleFile, data)
    if problems:
        raise ValueError("schedule.toml: " + "; ".join(problems))
    jobs = [Job(name, spec["task"], timedelta(seconds=spec["every"]), spec["why"])
            for name, spec in data.get("jobs", {}).items()]
    return jobs, float(data.get("settings", {}).get("tick", 15))


def enqueue_due(jobs: list[Job], now: Any = None) -> list[str]:
    """Enqueue each job whose interval has passed; returns their names."""
    now = now or timezone.now()
    started = []
    for job in jobs:
        with transaction.atomic():
            row, created = SchedulerRun.objects.select_for_update().get_or_create(
                name=job.name, defaults={"last_run": now})
            if not created and row.last_run + job.every > now:
                continue
            result = import_string(job.task).enqueue()
            row.last_run = now
            row.last_task = str(result.id)[:64]
            row.save(update_fields=["last_run", "last_task"])
        started.append(job.name)
        log.info("periodic task enqueued", extra={"job": job.name, "task_id": str(result.id)})
    return started


def tick(jobs: list[Job]) -> None:
    close_old_connections()
    recovered = recover_stale_jobs()
    if recovered.requeued or recovered.failed:
        log.warning("recovery", extra={"requeued": len(recovered.requeued),
                                       "failed": len(recovered.failed)})
    enqueue_due(jobs)


def run(*, once: bool = False, tick_seconds: float | None = None) -> None:
    jobs, default_tick = load_schedule()
    interval = tick_seconds if tick_seconds is not None else default_tick
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler started", extra={"jobs": [j.name for j in jobs], "tick": interval})
    while not stop.is_set():
        try:
            tick(jobs)
        except DatabaseError:  # database away: try again next tick, do not die
            log.warning("scheduler tick failed; retrying", exc_info=True)
        if once:
            return
        stop.wait(interval)
