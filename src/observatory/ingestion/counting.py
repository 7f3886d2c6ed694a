"""Which recommendations count, stored on each row (``Recommendation.counted_as`` and
``same_as``) by the rule of ``observatory_core.counting``; the one filter analysis uses.

- ``link_recommendations(review_id)``: works the review's rows out again; run after each
  processing run, when a person chooses a document's current version and when a person
  changes whether a document's items are the review's recommendations.
- ``review_recommendations()`` / ``agency_recommendations()``: the filters for the
  review's own recommendations and for the agencies' own (IMRs), current versions only.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from observatory_core.counting import Doc, Item, classify

from ..repository.models import Document
from ..repository.services import in_current_versions
from .models import Recommendation

# The sentence every table that counts recommendations carries (docs/analysis.md).
RULE_NOTE = ("Recommendations are counted once per review, from each document's current "
             "version: a review's recommendations are those of its overview report (or its "
             "single report); repeats in the executive summary or elsewhere are the same "
             "recommendation and are not counted again; recommendations in agencies' own "
             "reports (IMRs) are counted separately as the agencies' own, and inspection "
             "findings are not counted as a review's recommendations.")
OLD = "old"  # counted_as of rows of a version that is not current


def document_role(document: Document) -> str:
    """What a document's items are: a person's choice, else its kind's (data)."""
    return document.recommendations_role or str(
        document.kind.attributes.get("recommendations", "review"))


def review_recommendations() -> Q:
    """The review's own recommendations: counted once, current versions only."""
    return in_current_versions() & Q(counted_as="review")


def agency_recommendations() -> Q:
    """Recommendations in agencies' own reports (IMRs), counted apart from the review's."""
    return in_current_versions() & Q(counted_as="agency")


@transaction.atomic
def link_recommendations(review_id: int) -> None:
    documents = list(Document.objects.filter(review_id=review_id).select_related("kind"))
    current = {d.current_version_id for d in documents if d.current_version_id}
    rows = list(Recommendation.objects.filter(review_id=review_id).order_by("version_id",
                                                                           "index"))
    by_version: dict[int, list[Recommendation]] = {}
    for row in rows:
        by_version.setdefault(row.version_id, []).append(row)
    docs = [Doc(d.pk, document_role(d), (d.kind.order, d.pk), tuple(
        Item(r.pk, r.text) for r in by_version.get(d.current_version_id or 0, [])))
        for d in documents]
    decided = classify(docs)
    changed = []
    for row in rows:
        counted_as, same_as = decided.get(row.pk, (OLD, None)) if row.version_id in current \
            else (OLD, None)
        if (row.counted_as, row.same_as_id) != (counted_as, same_as):
            row.counted_as, row.same_as_id = counted_as, same_as
            changed.append(row)
    Recommendation.objects.bulk_update(changed, ["counted_as", "same_as"], batch_size=500)


def relink_document(sender: Any, document: Document, **kwargs: Any) -> None:
    """Receiver of the repository's signals: the document's review is worked out again."""
    link_recommendations(document.review_id)
