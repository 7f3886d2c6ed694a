"""Home, controlled lists and the audit log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse

from observatory_core.access import allowed
from observatory_core.citations import plain

from ..accounts.access import role_of
from ..audit.log import record
from ..audit.models import AuditEvent
from ..repository.filters import visible_reviews
from ..vocabularies.models import Vocabulary
from .render import error, respond
from .work import work_for


def home(request: HttpRequest) -> HttpResponse:
    """Each role's own work first (web/work.py), then the latest learning."""
    reviews = visible_reviews(request.user)
    by_outcome = list(reviews.values("outcome__label").annotate(n=Count("id")).order_by("-n"))
    data = {
        "reviews": reviews.count(),
        "by_outcome": {row["outcome__label"] or "Not known": row["n"] for row in by_outcome},
        **work_for(request.user),
    }
    return respond(request, "web/home.html", data)


def vocabulary_list(request: HttpRequest) -> HttpResponse:
    vocabularies = Vocabulary.objects.prefetch_related("terms")
    data = {"vocabularies": [
        {"key": v.key, "label": v.label, "source": plain(v.source), "multiple": v.multiple,
         "terms": [{"code": t.code, "label": t.label, "active": t.active,
                    "description": plain(t.description)} for t in v.terms.all()]}
        for v in vocabularies]}
    return respond(request, "web/vocabulary_list.html", data)


def audit_list(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    if not allowed(role, "audit_log", "view"):
        record(request, "view", kind="audit_log", allowed=False)
        return error(request, 403 if request.user.is_authenticated else 404,
                     "The audit log is only for administrators and the steering group.")
    events = AuditEvent.objects.all()
    if request.GET.get("confidential") == "1":
        events = events.filter(confidential=True)
    if request.GET.get("refused") == "1":
        events = events.filter(allowed=False)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    data = {"count": page.paginator.count, "events": [
        {"at": e.at, "username": e.username, "role": e.role, "action": e.action,
         "allowed": e.allowed, "object_kind": e.object_kind, "object_id": e.object_id,
         "object": e.object_repr, "confidential": e.confidential, "channel": e.channel,
         "path": e.path} for e in page.object_list]}
    return respond(request, "web/audit_list.html", data, {"page_obj": page})
