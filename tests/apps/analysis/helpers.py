"""Test data for the analysis: reviews with ingested text, passages and recommendations."""

from __future__ import annotations

from datetime import date

from observatory.ingestion.models import DocumentText, Passage, Recommendation
from observatory.repository.models import Review

from ..conftest import add_document, make_review, term

REC_TEXT = "The police should share information with children's social care promptly."


def with_recommendations(reference: str, agencies: list[str], *, area: str = "E08000025",
                         year: int = 2015, kind: str = "overview_report",
                         confidential: bool = False, **extra) -> Review:
    review = make_review(reference, area=area, **extra)
    Review.objects.filter(pk=review.pk).update(decision_date=date(year, 2, 1),
                                               completion_date=date(year, 11, 1))
    review.refresh_from_db()
    document = add_document(review, kind)
    version = document.versions.first()
    parts, pieces, start = [], [], 0
    for i, code in enumerate(agencies, start=1):
        text = f"{i}. {REC_TEXT} ({code})"
        pieces.append((start, start + len(text), code, text))
        parts.append(text)
        start += len(text) + 2
    body = "\n\n".join(parts)
    DocumentText.objects.create(version=version, text=body, pages=[[1, 0, len(body)]],
                                parser="test", producer="test")
    for i, (s, e, code, text) in enumerate(pieces):
        Passage.objects.create(version=version, document=document, review=review, index=i,
                               page=1, start=s, end=e, producer="test", kind="paragraph",
                               section_kind="recommendations", text=text,
                               confidential=confidential)
        Recommendation.objects.create(version=version, review=review, index=i, page=1,
                                      start=s, end=e, producer="test", number=str(i + 1),
                                      text=text, addressee=term("agency", code),
                                      confidence=0.9, confidential=confidential)
    return review
