"""The audit log as a reader may see it: the same confidentiality as the objects it names.

The log is shown to the steering group as well as administrators. An event keeps what it
recorded (the audit is never edited), but the list shows:

- the name of an object (a confidential IMR's title, an unpublished review's reference and
  title) only to readers who may view that object now (``can``); others see what kind of
  thing it was ("confidential document") without its name, id or address;
- the address of someone else's request without its query string unless the reader is an
  administrator: the query string holds people's search terms and filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from observatory_core.access import EVERYWHERE, reach

from ..accounts.access import can, role_of
from .models import AuditEvent

REVIEW_KINDS = {"published_review", "unpublished_review"}
DOCUMENT_KINDS = {"published_document", "unpublished_document", "confidential_document"}
LABELS = {"published_review": "published review", "unpublished_review": "unpublished review",
          "published_document": "published document",
          "unpublished_document": "unpublished document",
          "confidential_document": "confidential document"}


def _objects(events: list[AuditEvent]) -> dict[tuple[str, str], Any]:
    """The reviews and documents the events name, in two queries."""
    from ..repository.models import Document, Review

    ids = {"review": set(), "document": set()}
    for e in events:
        group = ("review" if e.object_kind in REVIEW_KINDS
                 else "document" if e.object_kind in DOCUMENT_KINDS else "")
        if group and e.object_id.isdigit():
            ids[group].add(int(e.object_id))
    found: dict[tuple[str, str], Any] = {}
    for review in Review.objects.filter(pk__in=ids["review"]):
        found[("review", str(review.pk))] = review
    for document in Document.objects.filter(pk__in=ids["document"]).select_related(
            "kind", "review"):
        found[("document", str(document.pk))] = document
    return found


def _may_see_name(viewer: Any, event: AuditEvent, objects: dict) -> bool:
    kind = event.object_kind
    if kind not in REVIEW_KINDS | DOCUMENT_KINDS or not event.object_id:
        return True
    obj = objects.get(("review" if kind in REVIEW_KINDS else "document", event.object_id))
    if obj is not None:
        return can(viewer, "view", obj)
    # Deleted since: only roles that see every object of that kind see its name.
    return reach(role_of(viewer), kind, "view") == EVERYWHERE


def hidden_kinds(viewer: Any) -> frozenset[str]:
    """Kinds of object some of whose names the viewer may not see (for filters that search
    the log by name: they must not match those, or a count would reveal a title)."""
    role = role_of(viewer)
    return frozenset(kind for kind in REVIEW_KINDS | DOCUMENT_KINDS
                     if reach(role, kind, "view") != EVERYWHERE)


def shown(events: Iterable[AuditEvent], viewer: Any) -> list[dict[str, Any]]:
    """The events as ``viewer`` may read them (HTML, JSON and the API use this)."""
    from ..ingestion.redaction import visible_titles  # here: ingestion imports audit

    events = list(events)
    objects = _objects(events)
    # A document's name is its title as the viewer may see it (redacted, or withheld before
    # the redaction review): the title typed at upload often names the child.
    titles = visible_titles(viewer, [o for (group, _), o in objects.items()
                                     if group == "document"])
    admin = role_of(viewer) == "admin"
    own_id = getattr(viewer, "pk", None)
    out = []
    for e in events:
        named = _may_see_name(viewer, e, objects)
        path = e.path
        if not named:
            path = ""
        elif not admin and e.user_id != own_id:
            path = path.split("?", 1)[0]
        out.append({"at": e.at, "username": e.username, "role": e.role, "action": e.action,
                    "allowed": e.allowed, "object_kind": e.object_kind,
                    "object_id": e.object_id if named else "",
                    "object": _name(e, objects, titles) if named
                    else LABELS.get(e.object_kind, ""),
                    "confidential": e.confidential, "channel": e.channel, "path": path})
    return out


def _name(event: AuditEvent, objects: dict, titles: dict[int, str]) -> str:
    document = objects.get(("document", event.object_id)) \
        if event.object_kind in DOCUMENT_KINDS else None
    return titles.get(document.pk, event.object_repr) if document else event.object_repr
