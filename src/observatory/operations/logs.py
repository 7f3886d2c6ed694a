"""Structured logs: one JSON object per line, with the request id that caused it.

A request gets an id (the proxy's ``X-Request-ID`` when it is a plausible one, else a new
one); it is answered in the ``X-Request-ID`` header, set on every log line written while the
request runs, stored with each task the request enqueues (``TaskOrigin``) and set again
while a worker runs that task, so one search finds the request and all its background work.
Log lines carry no request data beyond method, route and status: never query strings,
form values or document text (docs/security.md)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

# Ids from a proxy are accepted only in this shape, so a client cannot put arbitrary text
# (or a second log line) into the logs through the header.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def new_id() -> str:
    return uuid.uuid4().hex


def accepted_id(header: str | None) -> str:
    return header if header and _SAFE_ID.match(header) else new_id()


class ContextFilter(logging.Filter):
    """Puts the current request and task ids on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.task_id = task_id.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "task_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            value = getattr(record, key, "") or {"request_id": request_id,
                                                  "task_id": task_id}[key].get()
            if value:
                entry[key] = value
        # Extra fields given as logging's ``extra=`` (route, status, duration...). Objects
        # are left out: Django adds the request itself, whose text has the query string.
        entry.update({k: v for k, v in vars(record).items()
                      if k not in _STANDARD and not k.startswith("_")
                      and isinstance(v, str | int | float | bool | list | type(None))})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


access_log = logging.getLogger("observatory.requests")


class RequestIdMiddleware:
    """First in the chain: every later line of the request carries its id; its route,
    status and time are logged once and counted for Prometheus."""

    def __init__(self, get_response: Any) -> None:
        from .metrics import observe_request

        self.get_response = get_response
        self.observe = observe_request

    def __call__(self, request: Any) -> Any:
        rid = accepted_id(request.headers.get(HEADER))
        request.request_id = rid
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            seconds = time.perf_counter() - started
            route = route_of(getattr(request, "resolver_match", None))
            self.observe(request.method, route, response.status_code, seconds)
            access_log.info("request", extra={
                "method": request.method, "route": route, "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1)})
            return response
        finally:
            request_id.reset(token)


def route_of(match: Any) -> str:
    """The URL pattern (``reviews/<int:pk>/``), never the path itself: no ids or search
    words in logs or metric labels, and a bounded number of values."""
    if match is None:
        return "unmatched"
    route = getattr(match, "route", None)
    return "/" + str(route) if route is not None else "/" + (match.view_name or "unmatched")
