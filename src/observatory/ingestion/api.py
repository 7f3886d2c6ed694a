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
from .search import search

router = Router(tags=["search and extracted text"])


@router.get("/search", auth=[optional_auth], url_name="search_passages")
def search_passages(request: HttpRequest, q: str = "", section: str = "", limit: int = 20,
                    offset: int = 0):
    """Full-text search over the passages the caller may see. Filters: any field of the
    reviews page (e.g. `outcome=death`, `region=E12000007`) and `section` (a section kind).
    Confidential passages are only searched for roles that may view them."""
    filter_data = request.GET.copy()
    filter_data.pop("q", None)  # the searched text, not the reviews page's title filter
    form = ReviewFilterForm(filter_data)
    reviews = visible_reviews(request.user)
    if form.is_valid():
        reviews = form.filter(reviews)
    limit = max(1, min(limit, 100))
    page = search(request.user, q, reviews=reviews, section_kind=section, limit=limit,
                  offset=max(0, offset))
    if q:
        record(request, "view", kind="passage_search", detail=f"search '{q[:200]}': {page.total}")
    return {"query": page.query, "total": page.total, "offset": page.offset,
            "limit": page.limit, "backend": page.backend,
            "results": [h.as_dict() for h in page.hits]}


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
    payload = data.document_data(document, chosen)
    for row in payload["dataset"]:
        row["evidence"] = str(row["evidence"])
    return payload
