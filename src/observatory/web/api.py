"""API routes for controlled lists and the audit log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from observatory_core.access import allowed

from ..accounts.access import role_of
from ..api import optional_auth, responses
from ..audit.display import shown
from ..audit.log import record
from ..audit.models import AuditEvent
from ..vocabularies.models import Vocabulary

router = Router(tags=["reference"])
MAX_OFFSET = 10_000_000  # past any audit log; keeps OFFSET within the database's integers


class TermOut(Schema):
    code: str
    label: str
    active: bool
    attributes: dict[str, Any]


class VocabularyOut(Schema):
    key: str
    label: str
    source: str
    multiple: bool
    terms: list[TermOut]


class AuditEventOut(Schema):
    at: str
    username: str
    role: str
    action: str
    allowed: bool
    object_kind: str
    object_id: str
    object: str
    confidential: bool
    channel: str


@router.get("/lists", auth=optional_auth, response=responses(list[VocabularyOut]),
            summary="Controlled lists with their sources")
def list_vocabularies(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"key": v.key, "label": v.label, "source": v.source, "multiple": v.multiple,
         "terms": [{"code": t.code, "label": t.label, "active": t.active,
                    "attributes": t.attributes} for t in v.terms.all()]}
        for v in Vocabulary.objects.prefetch_related("terms")
    ]


@router.get("/audit", auth=optional_auth, tags=["governance"],
            response=responses(list[AuditEventOut], 403),
            summary="Audit events, newest first (administrators and steering group)")
def list_audit(request: HttpRequest, limit: int = Query(100, ge=1, le=1000),
               offset: int = Query(0, ge=0, le=MAX_OFFSET),
               confidential: bool | None = None) -> list[dict[str, Any]]:
    if not allowed(role_of(request.user), "audit_log", "view"):
        record(request, "view", kind="audit_log", allowed=False)
        raise HttpError(403, "The audit log is only for administrators and the steering group.")
    events = AuditEvent.objects.all()
    if confidential is not None:
        events = events.filter(confidential=confidential)
    # Names as the reader may see them (audit/display.py); the API never gave the address.
    rows = shown(events[offset:offset + limit], request.user)
    return [{**{k: v for k, v in row.items() if k != "path"}, "at": row["at"].isoformat()}
            for row in rows]
