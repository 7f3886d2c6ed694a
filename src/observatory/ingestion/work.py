"""What is waiting for people in ingestion, for the home pages: the processing queue,
personal-data flags and drafted dataset values still to decide, and the latest learning
(recommendations and findings of published reviews) as the user may see it. Access: the
caller passes the reviews the user may see or change; text goes through ``document_data``,
so it is redacted exactly as on the document page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count

from ..accounts.access import can
from ..repository.models import Document
from .data import document_data, step_label
from .models import Decision, Extraction, IngestJob, PersonalDataFlag
from .redaction import may_see_unredacted


def ingest_queue(limit: int = 10) -> dict[str, Any]:
    """Jobs waiting or running, and the latest that failed."""
    active = IngestJob.objects.filter(status__in=(IngestJob.QUEUED, IngestJob.RUNNING))
    failed = IngestJob.objects.filter(status=IngestJob.FAILED).order_by("-created_at")
    def row(job: IngestJob) -> dict[str, Any]:
        document = job.version.document
        return {"document": document.title, "review": document.review.reference,
                "url": document.get_absolute_url(), "status": job.get_status_display(),
                "step": step_label(job.step), "message": job.message}
    related = ("version__document__review",)
    return {"waiting": active.count(), "failed": failed.count(),
            "jobs": [row(j) for j in active.select_related(*related).order_by("created_at")
                     [:limit]],
            "failures": [row(j) for j in failed.select_related(*related)[:limit]]}


def _per_document(model: Any, review_ids: Iterable[int] | None, limit: int) -> list[dict]:
    rows = model.objects.filter(status=Decision.SUGGESTED)
    if review_ids is not None:
        rows = rows.filter(version__document__review_id__in=list(review_ids))
    counts = (rows.values("version__document").annotate(n=Count("id"))
              .order_by("-n", "version__document")[:limit])
    documents = Document.objects.select_related("review").in_bulk(
        [c["version__document"] for c in counts])
    return [{"document": documents[c["version__document"]].title,
             "review": documents[c["version__document"]].review.reference,
             "document_id": c["version__document"], "count": c["n"]}
            for c in counts if c["version__document"] in documents]


def flags_to_review(review_ids: Iterable[int] | None = None, limit: int = 10) -> dict[str, Any]:
    """Personal-data flags nobody has decided yet, by document (most first)."""
    rows = PersonalDataFlag.objects.filter(status=Decision.SUGGESTED)
    if review_ids is not None:
        review_ids = list(review_ids)
        rows = rows.filter(version__document__review_id__in=review_ids)
    documents = _per_document(PersonalDataFlag, review_ids, limit)
    for d in documents:
        d["url"] = f"/documents/{d['document_id']}/personal-data/"
    return {"total": rows.count(), "documents": documents}


def values_to_decide(review_ids: Iterable[int] | None = None,
                     limit: int = 10) -> dict[str, Any]:
    """Drafted dataset values nobody has confirmed, corrected or rejected, by document."""
    rows = Extraction.objects.filter(status=Decision.SUGGESTED)
    if review_ids is not None:
        review_ids = list(review_ids)
        rows = rows.filter(review_id__in=review_ids)
    documents = _per_document(Extraction, review_ids, limit)
    for d in documents:
        d["url"] = f"/documents/{d['document_id']}/dataset/"
    return {"total": rows.count(), "documents": documents}


def latest_learning(user: Any, reviews: Iterable[Any], per_review: int = 3) -> list[dict]:
    """For each review (newest first, as given): its published documents' first
    recommendations and findings, as this user may read them (redacted if need be; nothing
    while a version's personal data is still being checked for a role that needs it)."""
    out = []
    for review in reviews:
        recommendations: list[dict] = []
        findings: list[dict] = []
        for document in review.documents.select_related("kind").order_by("pk"):
            if document.confidential or not can(user, "view", document):
                continue
            extracted = document_data(document, document.versions.first(),
                                      redacted=not may_see_unredacted(user, document))
            recommendations += [{"number": r["number"], "text": r["text"],
                                 "addressee": r["addressee_label"], "url": r["url"]}
                                for r in extracted["recommendations"]]
            findings += [{"text": f["text"], "url": f["url"]} for f in extracted["findings"]]
        out.append({"reference": review.reference, "title": review.title,
                    "url": review.get_absolute_url(),
                    "published": review.publication_date,
                    "recommendations": recommendations[:per_review],
                    "recommendation_count": len(recommendations),
                    "findings": findings[:per_review]})
    return out
