"""Passages and documents as evidence other apps link to (the Quality Marker dialogue):
a link is an id, and what a viewer is shown of it is decided here, each time, by the same
rules as the document page. A passage or document the viewer may not see (another area's
confidential document, a version whose personal data is still being checked) comes back
as ``{"visible": False}`` with no title and no text.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ..accounts.access import can
from ..accounts.scopes import rows_q
from ..audit.reads import confidential_read
from ..repository.models import Document
from .models import Passage
from .redaction import may_see_unredacted, ready, redact_field, redactor_for, redactors
from .search import current_only

HIDDEN: dict[str, Any] = {"visible": False}


def _passage_url(p: Passage) -> str:
    return (f"/documents/{p.document_id}/text/?version={p.version.number}&page={p.page}"
            f"#p-{p.index}")


def passage_review_id(passage_id: int) -> int | None:
    """Which review a passage belongs to (to refuse links across reviews)."""
    return Passage.objects.filter(pk=passage_id).values_list("review_id", flat=True).first()


def document_review_id(document_id: int) -> int | None:
    return Document.objects.filter(pk=document_id).values_list("review_id", flat=True).first()


def passage_evidence(user: Any, passage_id: int, *, audit: str = "evidence") -> dict[str, Any]:
    """What ``user`` may be shown of a linked passage."""
    p = (Passage.objects.select_related("document", "document__kind", "version")
         .filter(pk=passage_id).first())
    if p is None or not can(user, "view", p.document):
        return HIDDEN
    redactor = None if may_see_unredacted(user, p.document) else redactor_for(p.version)
    if redactor is not None and not ready(p.version):
        return HIDDEN
    confidential_read(user, [p.document], f"{audit}: passage {p.pk}")
    return {"visible": True, "kind": "passage", "id": p.pk,
            "text": redact_field(p.text, redactor),
            "document": redact_field(p.document.title, redactor),
            "section": redact_field(p.section_title, redactor), "page": p.page,
            "url": _passage_url(p)}


def document_evidence(user: Any, document_id: int) -> dict[str, Any]:
    """What ``user`` may be shown of a linked document: its title and kind, or nothing."""
    d = Document.objects.select_related("kind").filter(pk=document_id).first()
    if d is None or not can(user, "view", d):
        return HIDDEN
    redactor = None if may_see_unredacted(user, d) else redactor_for(d.current_version_id)
    return {"visible": True, "kind": "document", "id": d.pk,
            "document": redact_field(d.title, redactor), "document_kind": d.kind.label,
            "url": d.get_absolute_url()}


def review_passages(user: Any, review_id: int, query: str = "", limit: int = 20
                    ) -> list[dict[str, Any]]:
    """Passages of one review's current versions that ``user`` may see, containing
    ``query`` (all of its words, any case), to pick as evidence."""
    rows = current_only(Passage.objects.filter(rows_q(user), review_id=review_id))
    for word in query.split()[:8]:
        rows = rows.filter(Q(text__icontains=word))
    rows = list(rows.select_related("document", "version").order_by("document_id", "index")
                [:limit * 3])
    unredacted = {d for d in {r.document for r in rows} if may_see_unredacted(user, d)}
    masks = redactors(r.version_id for r in rows if r.document not in unredacted)
    out, shown = [], set()
    for r in rows:
        if r.document not in unredacted and not ready(r.version):
            continue
        redactor = None if r.document in unredacted else masks.get(r.version_id, redactor_for(None))
        text = redact_field(r.text, redactor)
        if query and redactor is not None and not all(w.lower() in text.lower()
                                                      for w in query.split()[:8]):
            continue  # found only inside redacted words: not a hit
        out.append({"id": r.pk, "text": text[:400], "page": r.page,
                    "document": redact_field(r.document.title, redactor),
                    "url": _passage_url(r)})
        shown.add(r.document)
        if len(out) >= limit:
            break
    confidential_read(user, shown, "passages offered as evidence")
    return out
