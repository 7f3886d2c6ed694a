"""Signing in and out: the audit events, and the answer to a locked-out sign-in.

Throttling itself is django-axes (settings: AXES_*); it counts failures of the sign-in
form, the admin's and HTTP Basic on the API alike, because all three go through
``django.contrib.auth.authenticate`` with the request. Every sign-in, sign-out and failed
attempt is an audit event ("login"/"logout"; a failure is a refused "login").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from ..audit.log import record


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return (f"Too many failed attempts to sign in. Wait {minutes} minutes, then try again "
            "with the right username and password.")


def locked_out(request: HttpRequest, response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What a locked-out sign-in gets: the same for every username, known or not (429,
    with Retry-After). JSON on the API, the sign-in page with the message on the web."""
    retry = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        # the API's error envelope (observatory/api.py ErrorOut)
        answer: HttpResponse = JsonResponse(
            {"ok": False, "status": 429, "errors": [lockout_message()]}, status=429)
    else:
        from django.contrib.auth.forms import AuthenticationForm

        answer = TemplateResponse(request, "registration/login.html",
                                  {"form": AuthenticationForm(request), "locked": True,
                                   "lockout_message": lockout_message(),
                                   "next": request.POST.get("next", "")}, status=429)
        answer.render()
    answer["Retry-After"] = retry
    return answer


def _channel(request: Any) -> str | None:
    return None if request is not None else "cli"


@receiver(user_logged_in, dispatch_uid="audit-sign-in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(request, "login", user, user=user, kind="user_account", detail="signed in",
           channel=_channel(request))


@receiver(user_logged_out, dispatch_uid="audit-sign-out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(request, "logout", user, user=user, kind="user_account", detail="signed out",
               channel=_channel(request))


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failure")
def _sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                    **kwargs: Any) -> None:
    """A refused sign-in, with the username as typed (the password never: Django has
    already masked it). Whether that user exists is not recorded either, so the log reads
    the same for both, as the person signing in saw."""
    attempted = str(credentials.get("username", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    record(request, "login", None, allowed=False, kind="user_account",
           detail=("refused: locked out after too many failures" if locked
                   else "refused: wrong username or password")
           + (f" for '{attempted}'" if attempted else ""),
           channel=_channel(request))
