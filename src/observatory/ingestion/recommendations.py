"""Machine-split recommendations as other apps read them (the register of recommendations,
issue 14): plain rows with their version, page and span, never ingestion's tables.

The review's own and the agencies' own recommendations of current versions are offered
(``counting.review_recommendations`` / ``agency_recommendations``); repeats and superseded
versions are not. Callers decide access (the register is for those who may change the
review, who see the text unredacted, see ``redaction.may_see_unredacted``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from .counting import agency_recommendations, review_recommendations
from .models import Recommendation


@dataclass(frozen=True)
class SplitRecommendation:
    id: int
    review_id: int
    document_id: int
    document_title: str
    version_id: int
    version_number: int
    page: int
    start: int
    end: int
    number: str
    text: str
    addressee_id: int | None
    addressee_label: str
    confidential: bool
    counted_as: str


def _rows(qs) -> list[SplitRecommendation]:
    qs = qs.select_related("version__document", "addressee").order_by(
        "version__document_id", "index")
    return [SplitRecommendation(
        id=r.pk, review_id=r.review_id, document_id=r.version.document_id,
        document_title=r.version.document.title, version_id=r.version_id,
        version_number=r.version.number, page=r.page, start=r.start, end=r.end,
        number=r.number, text=r.text, addressee_id=r.addressee_id,
        addressee_label=r.addressee.label if r.addressee else r.addressee_text,
        confidential=r.confidential, counted_as=r.counted_as) for r in qs]


def split_recommendations(review_id: int) -> list[SplitRecommendation]:
    """The recommendations the machine split from the review's current documents."""
    rule = review_recommendations() | agency_recommendations()
    return _rows(Recommendation.objects.filter(Q(review_id=review_id) & rule))


def split_recommendation(recommendation_id: int) -> SplitRecommendation | None:
    rows = _rows(Recommendation.objects.filter(pk=recommendation_id))
    return rows[0] if rows else None
