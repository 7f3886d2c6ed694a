"""Drill-down: the reviews behind a number, and the highlighted passages behind each. One
function for the page and the API, so suppression (a small total is not listed for roles
that see suppressed tables) and access to evidence are the same on both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from observatory_core.stats import load_rule

from ..audit.log import record
from ..repository.models import Review
from . import sources
from .tables import REGISTRY, Scope

PAGE_SIZE = 25
# A filter naming a document-derived field whose evidence explains a review's presence.
EVIDENCE_FIELDS = {"abuse_category": "abuse_categories", "agency": "agencies",
                   "family_characteristic": "family_characteristics",
                   "outcome": "outcome", "review_type": "review_type"}


@dataclass
class DrillDown:
    data: dict[str, Any]  # what the page shows and the JSON carries
    page: Page
    items: list[tuple[Review, list]]
    confidential: int  # confidential evidence items shown (to audit)


def _evidence(user: Any, scope: Scope, kind: str, ids: list[int]) -> list:
    if not ids:
        return []
    if kind == "recommendations" or scope.filters.get("rec_agency"):
        return sources.recommendation_evidence(user, ids, scope.filters.get("rec_agency"))
    if scope.filters.get("theme"):
        return sources.coded_evidence(user, ids, scope.filters["theme"])
    for key, fname in EVIDENCE_FIELDS.items():
        if scope.filters.get(key):
            return sources.extraction_evidence(user, ids, fname, scope.filters[key])
    return []


def drill(user: Any, scope: Scope, name: str, page_number: Any, *,
          page_size: int = PAGE_SIZE) -> DrillDown:
    """One page of the reviews in ``scope`` with the evidence the user may see, for table
    ``name`` (any string; an unknown one drills into reviews). ``page_number`` out of range
    gives the nearest page (Paginator.get_page)."""
    definition = REGISTRY.get(name)
    reviews = scope.reviews.order_by("reference")
    total = reviews.count()
    suppressed = bool(scope.public and load_rule().is_small(total))
    page = Paginator(reviews if not suppressed else Review.objects.none(),
                     page_size).get_page(page_number)
    items = list(page.object_list)
    found = _evidence(user, scope, definition.evidence if definition else "reviews",
                      [r.pk for r in items])
    evidence: dict[int, list] = {}
    for item in found:
        evidence.setdefault(item.review_id, []).append(item)
    data = {"filters": scope.filters, "suppressed_output": scope.public,
            "suppression_rule": load_rule().describe(), "table": name,
            "count": None if suppressed else total, "suppressed": suppressed,
            "page": page.number, "pages": page.paginator.num_pages,
            "reviews": [{"reference": r.reference, "title": r.title,
                         "url": r.get_absolute_url(),
                         "evidence": [e.__dict__ for e in evidence.get(r.pk, [])]}
                        for r in items]}
    return DrillDown(data, page, [(r, evidence.get(r.pk, [])) for r in items],
                     sum(1 for e in found if e.confidential))


def audit_drilldown(request: HttpRequest, found: DrillDown) -> None:
    if found.confidential:
        record(request, "view", kind="confidential_document",
               detail=f"analysis drill-down evidence: {found.confidential} confidential items")
