"""`observatory worker`: django-tasks-db's worker, plus a heartbeat.

django-tasks-db claims jobs safely across processes and machines (``SELECT ... FOR UPDATE
SKIP LOCKED`` on PostgreSQL, docs/architecture.md) but a job whose worker dies stays
RUNNING for ever. So each worker here writes a heartbeat row every lease/4 seconds from a
thread of its own; the scheduler takes back the running jobs of a worker that has gone
silent for the lease (recovery.py)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from .models import WorkerHeartbeat
from .queue import lease

log = logging.getLogger("observatory.worker")


class HeartbeatWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.current_task = ""
        self.stopped = threading.Event()
        self.beats = 0

    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(),
                      "queues": ",".join(self.queue_names)[:200], "last_seen": now,
                      "current_task": self.current_task, "tasks_done": self._run_tasks},
            create_defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(),
                             "queues": ",".join(self.queue_names)[:200], "last_seen": now,
                             "started_at": now, "current_task": self.current_task,
                             "tasks_done": self._run_tasks})
        self.beats += 1

    def _beat_forever(self) -> None:
        interval = max(lease().total_seconds() / 4, 0.2)
        while not self.stopped.wait(interval):
            try:
                close_old_connections()
                self.beat()
            except DatabaseError:  # database away for a moment: the next beat tries again
                log.warning("heartbeat not written", exc_info=True)
        connection.close()

    def run(self) -> None:
        self._wait_for_database()
        thread = threading.Thread(target=self._beat_forever, name="heartbeat", daemon=True)
        thread.start()
        try:
            while True:
                try:
                    super().run()
                    return
                except (OperationalError, InterfaceError):
                    # The database went away (restart, failover). Wait for it rather than
                    # die. The job being run, if any, could not be finished or marked: it
                    # is left to recovery. So from now on this worker has a new id, and the
                    # old one's heartbeat goes stale, which hands that job to a worker.
                    log.warning("database unavailable; waiting", exc_info=True)
                    self.current_task = ""
                    self.worker_id = f"{self.worker_id[:50]}-{get_random_string(6)}"[-64:]
                    self._wait_for_database()
        finally:
            self.stopped.set()
            thread.join(timeout=5)
            # A clean stop says so at once: no job of ours is left to recover.
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _wait_for_database(self, longest: float = 30.0) -> None:
        delay = 0.5
        while self.running:
            try:
                close_old_connections()  # drops a connection that failed, so this reconnects
                self.beat()
                return
            except (OperationalError, InterfaceError):
                time.sleep(delay)
                delay = min(delay * 2, longest)

    def run_task(self, db_task_result: Any) -> None:
        self.current_task = str(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            self.current_task = ""


def run_worker(queues: list[str], *, interval: float = 1.0, batch: bool = False,
               max_tasks: int | None = None, worker_id: str | None = None) -> HeartbeatWorker:
    worker = HeartbeatWorker(
        queue_names=queues, interval=interval, batch=batch, backend_name="default",
        startup_delay=not batch, max_tasks=max_tasks,
        worker_id=worker_id or f"{socket.gethostname()[:40]}-{get_random_string(12)}",
        excluded_queue_names=[])
    worker.configure_signals()
    worker.run()
    return worker
