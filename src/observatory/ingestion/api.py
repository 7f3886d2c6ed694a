"""API routes: search over passages, and what was extracted from a document."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from ..accounts.access import can
from ..api import optional_auth
from ..audit.log import record
from ..repository.filters import ReviewFilterForm, visible_reviews
from ..repository.models import Document
from . import data
from .redaction import may_see_unredacted, redact_hits
from .search import MODES, search

router = Router(tags=["search and extracted text"])


@router.get("/search", auth=[optional_auth], url_name="search_passages")
def search_passages(request: HttpRequest, q: str = "", section: str = "", limit: int = 20,
                    offset: int = 0, mode: str = ""):
    """Search over the passages the caller may see. `mode`: keyword, semantic or hybrid
    (default: hybrid when passages have embeddings, else keyword). Filters: any field of the
    reviews page (e.g. `outcome=death`, `region=E12000007`) and `section` (a section kind).
    Confidential passages are only searched, and counted, for roles that may view them."""
    filter_data = request.GET.copy()
    filter_data.pop("q", None)  # the searched text, not the reviews page's title filter
    form = ReviewFilterForm(filter_data)
    reviews = visible_reviews(request.user)
    if form.is_valid():
        reviews = form.filter(reviews)
    limit = max(1, min(limit, 100))
    if mode and mode not in MODES:
        raise HttpError(400, f"mode must be one of {', '.join(MODES)}")
    page = search(request.user, q, reviews=reviews, section_kind=section, limit=limit,
                  offset=max(0, offset), mode=mode or None)
    if q:
        record(request, "view", kind="passage_search",
               detail=f"search '{q[:200]}': {page.total_label}")
    return {"query": page.query, "total": page.total, "more": page.more,
            "offset": page.offset,
            "limit": page.limit, "backend": page.backend, "mode": page.mode,
            "notice": page.notice or None, "results": [h.as_dict() for h in page.hits]}


@router.get("/documents/{pk}/extracted", auth=[optional_auth], url_name="document_extracted")
def document_extracted(request: HttpRequest, pk: int, version: int | None = None):
    """Everything read from a document version (latest by default): job status, sections,
    recommendations with addressees, findings, the drafted dataset with evidence, and
    personal-data flags; each with page, span and producer."""
    document = Document.objects.select_related("review", "kind").filter(pk=pk).first()
    if document is None or not can(request.user, "view", document):
        if document is not None:
            record(request, "view", document, allowed=False)
        raise HttpError(404, "There is no such document.")
    versions = document.versions.all()
    chosen = versions.filter(number=version).first() if version else versions.first()
    record(request, "view", document, detail="extracted data")
    payload = data.document_data(document, chosen,
                                 redacted=not may_see_unredacted(request.user, document))
    for row in payload["dataset"]:
        row["evidence"] = str(row["evidence"])
    return payload


@router.get("/passages/{pk}/similar", auth=[optional_auth], url_name="passage_similar")
def passage_similar(request: HttpRequest, pk: int, limit: int = 10):
    """Passages nearest in meaning to passage `pk` in OTHER reviews, among those the caller
    may see (404 if the caller may not view the passage's document)."""
    from .models import Passage
    from .search import similar

    passage = Passage.objects.select_related("document__kind", "document__review").filter(
        pk=pk).first()
    if passage is None or not can(request.user, "view", passage.document):
        if passage is not None:
            record(request, "view", passage.document, allowed=False,
                   detail=f"similar passages to passage {pk}")
        raise HttpError(404, "There is no such passage.")
    result = similar(request.user, passage, limit=max(1, min(limit, 50)))
    result.hits = redact_hits(request.user, result.hits)
    record(request, "view", passage.document, detail=f"similar passages to passage {pk}")
    return {"passage": pk, "state": result.state, "notice": result.notice or None,
            "results": [h.as_dict() for h in result.hits]}
