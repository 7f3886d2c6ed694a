"""The administrators' page about background work: what is waiting, running and failed,
which workers are alive, and retry/cancel for a job. Also /metrics for Prometheus."""

from __future__ import annotations

import hmac
import os

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ..accounts.access import can
from ..audit.log import record
from ..web.render import error, respond
from ..web.work import Kind
from . import queue

KIND = "service_operations"
SHOWN = 50


def _refused(request: HttpRequest, action: str) -> HttpResponse | None:
    if can(request.user, action, Kind(KIND)):
        return None
    record(request, action, kind=KIND, allowed=False)
    return error(request, 403 if request.user.is_authenticated else 404,
                 "This page is only for administrators.")


@never_cache
@require_safe
def service_status(request: HttpRequest) -> HttpResponse:
    refused = _refused(request, "view")
    if refused:
        return refused
    summary = queue.queue_summary()
    data = {
        "waiting": summary.total("READY"), "running": summary.total("RUNNING"),
        "failed": summary.total("FAILED"),
        "oldest_waiting_seconds": round(summary.oldest_ready_seconds),
        "workers_alive": summary.workers_alive,
        "workers": queue.heartbeats(),
        "running_jobs": [queue.job_row(j) for j in queue.running_jobs()[:SHOWN]],
        "waiting_jobs": [queue.job_row(j) for j in queue.waiting_jobs()[:SHOWN]],
        "failed_jobs": [queue.job_row(j) for j in queue.failed_jobs()[:SHOWN]],
    }
    return respond(request, "operations/status.html", data, {"shown": SHOWN})


def _act(request: HttpRequest, job: str, action, done: str) -> HttpResponse:
    refused = _refused(request, "change")
    if refused:
        return refused
    try:
        changed = action(str(job))
    except queue.QueueError as exc:
        record(request, "change", kind=KIND, allowed=False, detail=f"job {job}: {exc}")
        return error(request, 409, str(exc))
    record(request, "change", kind=KIND, detail=f"{done} job {changed.id} "
           f"({changed.task_path.rsplit('.', 1)[-1]})")
    if request.headers.get("Accept", "").startswith("application/json") or \
            request.GET.get("format") == "json":
        return respond(request, "operations/status.html", {"job": queue.job_row(changed)})
    messages.success(request, f"Job {done}.")
    return redirect("service-status")


@require_POST
def retry_job(request: HttpRequest, job: str) -> HttpResponse:
    return _act(request, job, queue.retry, "put back in the queue")


@require_POST
def cancel_job(request: HttpRequest, job: str) -> HttpResponse:
    return _act(request, job, queue.cancel, "cancelled")


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape target. Counts and timings only. When OBSERVATORY_METRICS_TOKEN
    is set, a scraper must send it as a bearer token (for a /metrics reachable beyond the
    private network); docs/deployment.md."""
    token = os.environ.get("OBSERVATORY_METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Not found", status=404, content_type="text/plain")
    from .metrics import exposition

    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
