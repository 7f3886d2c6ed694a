"""Error pages in the service's own style (and as JSON for API clients). None of them shows
anything about the request: with DEBUG off, a failure never echoes data back."""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse, HttpResponseServerError, JsonResponse

from .render import error, wants_json

log = logging.getLogger(__name__)

SERVER_ERROR = ("Sorry, there is a problem with the service. Try again later; if it keeps "
                "happening, tell your administrator.")


def not_found(request, exception=None):
    return error(request, 404, "There is nothing at this address.")


def forbidden(request, exception=None):
    return error(request, 403, "You do not have permission to see this.")


def bad_request(request, exception=None):
    return error(request, 400, "The request could not be understood.")


def server_error(request) -> HttpResponse:
    from ..operations.availability import is_database_down, unavailable

    if is_database_down(sys.exc_info()[1]):  # raised by a middleware (session, user)
        return unavailable(request)
    if wants_json(request):
        return JsonResponse({"ok": False, "status": 500, "errors": [SERVER_ERROR]}, status=500)
    try:
        return error(request, 500, SERVER_ERROR)
    except Exception:  # the page itself failed (e.g. the database is down): plain text
        log.exception("error page failed to render")
        return HttpResponseServerError(SERVER_ERROR, content_type="text/plain; charset=utf-8")
