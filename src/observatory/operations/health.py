"""``/healthz`` (liveness) and ``/readyz`` (readiness) for load balancers and monitors.

Neither needs signing in, so neither says anything a stranger should not know: no host
names, paths, versions or error texts; only check names, ``ok``/``failed`` and counts.
``/healthz`` answers 200 while the process can answer at all (it touches nothing else), so a
supervisor restarts only a process that is really stuck. ``/readyz`` answers 503 when the
database or the document storage cannot be used, so the proxy sends requests elsewhere; a
queue without live workers makes it ``degraded`` (still 200: pages work, background work
waits) because taking every web process out for a worker problem would only make it worse."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("observatory.health")
DOCUMENT_STORAGES = ("published", "confidential")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("readiness: database check failed", exc_info=True)
        return False


def check_storage() -> bool:
    """Each document store takes a small file and gives it back (then it is removed)."""
    for alias in DOCUMENT_STORAGES:
        store = storages[alias]
        name = f".readyz/{uuid.uuid4().hex}"
        try:
            saved = store.save(name, ContentFile(b"ready"))
            try:
                with store.open(saved, "rb") as handle:
                    if handle.read() != b"ready":
                        return False
            finally:
                store.delete(saved)
        except Exception:
            log.warning("readiness: storage check failed", extra={"storage": alias},
                        exc_info=True)
            return False
    return True


def uses_workers() -> bool:
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, object] = {"database": "ok" if check_database() else "failed",
                                 "storage": "ok" if check_storage() else "failed"}
    ready = checks["database"] == "ok" and checks["storage"] == "ok"
    degraded = False
    if checks["database"] == "ok" and uses_workers():
        from .queue import queue_summary

        summary = queue_summary()
        checks["queue"] = {"waiting": summary.total("READY"), "running": summary.total("RUNNING"),
                           "failed": summary.total("FAILED"),
                           "oldest_waiting_seconds": round(summary.oldest_ready_seconds)}
        checks["workers"] = {"alive": summary.workers_alive}
        degraded = summary.workers_alive == 0
    status = "not ready" if not ready else ("degraded" if degraded else "ready")
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)
