"""Refusing access the same way everywhere: audit the attempt, then answer so that an
object the user may not even view looks missing, and anonymous users are asked to sign in
before changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from ..accounts.access import can
from ..audit.log import record
from .render import error

DENIED = "You do not have permission to do that."


@dataclass(frozen=True)
class Refusal:
    status: int  # 404 when the object must look missing, else 403
    needs_login: bool


def refusal_for(request: HttpRequest, obj: Any, action: str, *,
                decided_by: Any = None) -> Refusal | None:
    """None if ``action`` on ``obj`` is allowed; otherwise audit the attempt and say how.
    ``decided_by`` is the object whose permission decides when that is not ``obj`` itself
    (changing what was extracted from a document is a change to its review); the audit
    still names ``obj``."""
    if can(request.user, action, decided_by if decided_by is not None else obj):
        return None
    record(request, action, obj, allowed=False)
    needs_login = action in ("change", "delete") and not request.user.is_authenticated
    visible = action != "view" and can(request.user, "view", obj)
    return Refusal(status=403 if visible else 404, needs_login=needs_login)


def refusal_page(request: HttpRequest, refusal: Refusal, missing: str) -> HttpResponse:
    if refusal.needs_login:
        return redirect_to_login(request.get_full_path())
    return error(request, refusal.status, DENIED if refusal.status == 403 else missing)


def allowed_or_page(request: HttpRequest, obj: Any, action: str, missing: str,
                    *, on: Any = None) -> tuple[Any, HttpResponse | None]:
    """``(obj, None)`` when the user may do ``action``, else ``(None, the page to answer)``.

    A missing object and one the user may not even view answer alike (404, ``missing``).
    ``on`` names what the action is really asked of when that differs from ``obj``, e.g.
    confirming a document's extracted values changes its review: the document must still be
    visible first, so a hidden document never answers 403.
    """
    if obj is None:
        return None, error(request, 404, missing)
    checks = [(action, None)] if on is None else [("view", None), (action, on)]
    for act, decided_by in checks:
        refusal = refusal_for(request, obj, act, decided_by=decided_by)
        if refusal:
            return None, refusal_page(request, refusal, missing)
    return obj, None


def allowed_or_http_error(request: HttpRequest, obj: Any, action: str, missing: str) -> Any:
    """The API's form of ``allowed_or_page``: the object, or ninja's HttpError (404 for what
    may not even be seen, 403 otherwise), the attempt audited."""
    from ninja.errors import HttpError

    refusal = refusal_for(request, obj, action) if obj is not None else None
    if obj is None or refusal:
        status = refusal.status if refusal else 404
        raise HttpError(status, DENIED if status == 403 else missing)
    return obj
