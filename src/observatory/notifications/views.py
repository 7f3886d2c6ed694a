"""The unsubscribe link of every e-mail: works without signing in (the token is signed)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from ..web.render import error, respond
from .mail import read_token, topics, unsubscribe


@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, signed: str) -> HttpResponse:
    found = read_token(signed)
    if found is None:
        return error(request, 404, "This unsubscribe link is not valid.")
    user_id, topic = found
    done = request.method == "POST"
    if done:  # a GET only asks: mail scanners follow links
        unsubscribe(user_id, topic)
    return respond(request, "notifications/unsubscribe.html",
                   {"topic": topic, "topic_label": topics()[topic], "unsubscribed": done})
