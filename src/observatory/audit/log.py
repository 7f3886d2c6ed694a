"""Writing audit events from views, the API and the CLI."""

from __future__ import annotations

from typing import Any

from ..accounts.access import kind_of, role_of
from .models import AuditEvent
from .reads import mark_recorded


def _client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(request: Any, action: str, obj: Any = None, *, allowed: bool = True,
           user: Any = None, kind: str | None = None, detail: str = "",
           channel: str | None = None) -> AuditEvent:
    user = user if user is not None else getattr(request, "user", None)
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    kind = kind or (kind_of(obj) if obj is not None else "")
    if channel is None:
        path = getattr(request, "path", "") if request is not None else ""
        channel = "api" if path.startswith("/api/") else ("web" if request is not None else "cli")
    event = AuditEvent.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        role=role_of(user),
        action=action,
        allowed=allowed,
        object_kind=kind,
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        confidential=kind == "confidential_document",
        channel=channel,
        path=(getattr(request, "get_full_path", lambda: "")() if request is not None else "")[:500],
        ip_address=_client_ip(request),
        detail=detail,
    )
    if allowed and event.confidential and action in ("view", "download"):
        mark_recorded(request, event.object_id)  # ``reads.confidential_read``: not twice
    return event


def refused_input(request: Any, action: str, obj: Any = None, *, name: str, reason: str,
                  user: Any = None, kind: str | None = None,
                  channel: str | None = None) -> AuditEvent:
    """A refused upload or import: who tried, with which file, and why it was refused.
    Written outside the transaction that was rolled back, so the refusal is kept."""
    return record(request, action, obj, allowed=False, user=user, kind=kind,
                  detail=f"refused {name}: {reason}"[:2000], channel=channel)
