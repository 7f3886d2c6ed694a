"""API routes: search over passages, and what was extracted from a document."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError

from ..accounts.access import can
from ..api import MAX_ID, optional_auth, responses
from ..audit.log import record
from ..repository.api import PassageReviewFilters
from ..repository.filters import ReviewFilterForm, visible_reviews
from ..repository.models import Document
from . import data
from .redaction import may_see_unredacted, redact_hits
from .search import search

router = Router(tags=["search and extracted text"])
# Ranking reads the best ``offset + limit`` passages: deeper pages are never looked at and
# would only make the database rank (and the SQL OFFSET reach) without bound.
MAX_SEARCH_OFFSET = 10_000


class HitOut(Schema):
    passage: int
    score: float
    snippet: str
    review: str
    review_title: str
    document: int
    document_title: str
    version: int
    page: int
    passage_index: int
    section_kind: str | None
    section_title: str
    confidential: bool
    url: str


class SearchOut(Schema):
    query: str
    total: int
    more: bool  # the total was capped: more than ``total`` passages match
    has_more: bool  # a next page has results
    next: str | None  # the address of the next page, when there is one
    offset: int
    limit: int
    backend: str
    mode: str
    notice: str | None
    results: list[HitOut]


class ExtractedOut(Schema):
    document: int
    version: int | None
    job: dict[str, Any]
    sections: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    dataset: list[dict[str, Any]]
    personal_data: list[dict[str, Any]]
    redacted: bool | None = None
    checking_personal_data: bool | None = None
    parser: str | None = None
    pages: int | None = None


class SimilarOut(Schema):
    passage: int
    state: str
    notice: str | None
    results: list[HitOut]


def _next_url(request: HttpRequest, offset: int) -> str:
    query = request.GET.copy()
    query["offset"] = str(offset)
    return f"{request.path}?{urlencode(list(query.items()))}"


@router.get("/search", auth=[optional_auth], url_name="search_passages",
            response=responses(SearchOut))
def search_passages(request: HttpRequest, filters: Query[PassageReviewFilters],
                    q: str = Query("", max_length=500), section: str = Query("", max_length=50),
                    limit: int = Query(20, ge=1, le=100),
                    offset: int = Query(0, ge=0, le=MAX_SEARCH_OFFSET),
                    mode: Literal["keyword", "semantic", "hybrid"] | None = None):
    """Search over the passages the caller may see. `mode`: keyword, semantic or hybrid
    (default: hybrid when passages have embeddings, else keyword). Filters: any field of the
    reviews page (e.g. `outcome=death`, `region=E12000007`) and `section` (a section kind).
    Confidential passages are only searched, and counted, for roles that may view them.
    `has_more` says whether the next page (`next`) has results; `more` that the total was
    capped."""
    filter_data = request.GET.copy()
    filter_data.pop("q", None)  # the searched text, not the reviews page's title filter
    form = ReviewFilterForm(filter_data)
    reviews = visible_reviews(request.user)
    if form.is_valid():
        reviews = form.filter(reviews)
    page = search(request.user, q, reviews=reviews, section_kind=section, limit=limit,
                  offset=offset, mode=mode)
    if q:
        record(request, "view", kind="passage_search",
               detail=f"search '{q[:200]}': {page.total_label}")
    has_more = page.has_more and offset + limit <= MAX_SEARCH_OFFSET
    return {"query": page.query, "total": page.total, "more": page.more,
            "has_more": has_more,
            "next": _next_url(request, offset + limit) if has_more else None,
            "offset": page.offset, "limit": page.limit, "backend": page.backend,
            "mode": page.mode, "notice": page.notice or None,
            "results": [h.as_dict() for h in page.hits]}


@router.get("/documents/{pk}/extracted", auth=[optional_auth], url_name="document_extracted",
            response=responses(ExtractedOut, 404))
def document_extracted(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_ID),
                       version: int | None = Query(None, ge=1, le=MAX_ID)):
    """Everything read from a document version (latest by default): job status, sections,
    recommendations with addressees, findings, the drafted dataset with evidence, and
    personal-data flags; each with page, span and producer. 404 for a version that does
    not exist."""
    document = Document.objects.select_related("review", "kind").filter(pk=pk).first()
    if document is None or not can(request.user, "view", document):
        if document is not None:
            record(request, "view", document, allowed=False)
        raise HttpError(404, "There is no such document.")
    versions = document.versions.all()
    chosen = versions.filter(number=version).first() if version else versions.first()
    if version and chosen is None:
        raise HttpError(404, "There is no such version.")
    record(request, "view", document, detail="extracted data")
    payload = data.document_data(document, chosen,
                                 redacted=not may_see_unredacted(request.user, document))
    for row in payload["dataset"]:
        row["evidence"] = str(row["evidence"])
    return payload


@router.get("/passages/{pk}/similar", auth=[optional_auth], url_name="passage_similar",
            response=responses(SimilarOut, 404))
def passage_similar(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_ID),
                    limit: int = Query(10, ge=1, le=50)):
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
    result = similar(request.user, passage, limit=limit)
    result.hits = redact_hits(request.user, result.hits)
    record(request, "view", passage.document, detail=f"similar passages to passage {pk}")
    return {"passage": pk, "state": result.state, "notice": result.notice or None,
            "results": [h.as_dict() for h in result.hits]}
