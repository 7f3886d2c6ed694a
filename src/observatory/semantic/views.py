"""Similar passages in other reviews (HTML and JSON), and whether a document's passages
are ready for semantic search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from ..accounts.access import can
from ..audit.log import record
from ..ingestion.models import Passage
from ..ingestion.redaction import (
    may_see_unredacted,
    ready,
    redact_field,
    redact_hits,
    redactor_for,
    withheld,
)
from ..ingestion.search import similar
from ..repository.models import Document
from ..web.params import int_param
from ..web.render import error, respond
from . import services


def _source_text(request: HttpRequest, passage: Passage) -> str:
    if may_see_unredacted(request.user, passage.document):
        return passage.text
    if not ready(passage.version):
        return ""  # flags not decided by a person yet: nothing of it is shown
    return redactor_for(passage.version).piece(passage.text, passage.start)


def _source_field(request: HttpRequest, passage: Passage, value: str) -> str:
    """Another document-derived field of the source passage, by the same rule."""
    if may_see_unredacted(request.user, passage.document):
        return value
    if not ready(passage.version):
        return withheld(value)
    return redact_field(value, redactor_for(passage.version))


def passage_similar(request: HttpRequest, pk: int) -> HttpResponse:
    """Passages nearest in meaning to passage ``pk``, from other reviews, among those the
    user may see. Refused (404, audited) if the user may not view the passage's document."""
    passage = Passage.objects.select_related("document__kind", "document__review", "review",
                                             "version").filter(pk=pk).first()
    if passage is None or not can(request.user, "view", passage.document):
        if passage is not None:
            record(request, "view", passage.document, allowed=False,
                   detail=f"similar passages to passage {pk}")
        return error(request, 404, "There is no such passage.")
    limit = int_param(request.GET, "limit", default=10, minimum=1, maximum=50)
    result = similar(request.user, passage, limit=limit)
    # Same redaction as the API route and search: no personal data for roles that may
    # only see the redacted text.
    result.hits = redact_hits(request.user, result.hits)
    record(request, "view", passage.document, detail=f"similar passages to passage {pk}")
    source: dict[str, Any] = {
        "passage": passage.pk, "review": passage.review.reference,
        "document": passage.document_id,
        "document_title": _source_field(request, passage, passage.document.title),
        "section_title": _source_field(request, passage, passage.section_title),
        "version": passage.version.number, "page": passage.page, "passage_index": passage.index,
        "text": _source_text(request, passage),
        "url": f"/documents/{passage.document_id}/text/?version={passage.version.number}"
               f"&page={passage.page}#p-{passage.index}"}
    payload = {"source": source, "state": result.state, "notice": result.notice or None,
               "results": [h.as_dict() for h in result.hits]}
    return respond(request, "semantic/similar.html", payload,
                   {"hits": result.hits, "object": passage.document})


def document_semantic(request: HttpRequest, pk: int) -> HttpResponse:
    """Is semantic search ready for this document's latest version?"""
    document = Document.objects.select_related("review", "kind").filter(pk=pk).first()
    if document is None or not can(request.user, "view", document):
        if document is not None:
            record(request, "view", document, allowed=False, detail="semantic search status")
        return error(request, 404, "There is no such document.")
    version = document.versions.first()
    payload = {"document": document.pk, "version": version.number if version else None,
               **services.status(version)}
    return respond(request, "semantic/status.html", payload, {"object": document})
