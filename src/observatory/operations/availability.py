"""When the database is away (restarting, failing over, unreachable), every page answers
503 "Service unavailable" with a Retry-After, in a page that needs nothing from the database,
instead of a bare 500. Work already queued is safe in the database; nothing is half-done,
because each request's writes are one transaction that failed whole."""

from __future__ import annotations

import logging
from typing import Any

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger("observatory.availability")
MESSAGE = ("The service is unavailable for a moment. Nothing you saved has been lost. "
           "Try again in a minute.")
RETRY_AFTER = "30"
DATABASE_DOWN = (OperationalError, InterfaceError)


def is_database_down(exc: BaseException | None) -> bool:
    # SQLite's "database is locked" is an OperationalError too, but the database is there:
    # that one is a real error, not an outage.
    return isinstance(exc, DATABASE_DOWN) and "locked" not in str(exc).lower()


def unavailable(request: HttpRequest) -> HttpResponse:
    from ..web.render import wants_json

    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"ok": False, "status": 503, "errors": [MESSAGE]}, status=503)
    else:
        # No request context: the usual context processors would ask the database again.
        from django.conf import settings

        page = render_to_string("operations/unavailable.html", {
            "service_name": settings.OBSERVATORY["SERVICE_NAME"], "message": MESSAGE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Catches the outage raised by a view; the one raised by a middleware (loading the
    session or the user) reaches the 500 handler, which asks ``is_database_down`` too."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if is_database_down(exception):
            log.error("database unavailable", exc_info=exception)
            return unavailable(request)
        return None
