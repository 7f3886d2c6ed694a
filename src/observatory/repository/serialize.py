"""Reviews and documents as plain data, for JSON pages, the API and exports."""

from __future__ import annotations

from typing import Any

from observatory_core.dataset import FIELDS

from .models import Document, Review


def review_row(review: Review) -> dict[str, Any]:
    """The minimum dataset as codes (the form exports and imports use)."""
    row: dict[str, Any] = {}
    for spec in FIELDS:
        value = getattr(review, spec.name)
        if spec.kind == "code":
            row[spec.name] = value.code if value else None
        elif spec.kind == "codes":
            row[spec.name] = sorted(t.code for t in value.all())
        elif spec.kind == "place":
            row[spec.name] = value.gss_code
        else:
            row[spec.name] = value
    row["region"] = review.local_authority.region_name
    row["age_band"] = review.age_band.code if review.age_band else None
    row["timeliness_months"] = review.timeliness_months
    row["published"] = review.is_published
    return row


def review_summary(review: Review) -> dict[str, Any]:
    return {
        "reference": review.reference,
        "title": review.title,
        "local_authority": review.local_authority.name,
        "region": review.local_authority.region_name,
        "review_type": review.review_type.label if review.review_type else None,
        "outcome": review.outcome.label if review.outcome else None,
        "age_band": review.age_band.label if review.age_band else None,
        "incident_date": review.incident_date,
        "publication_date": review.publication_date,
        "published": review.is_published,
        "fictional": review.fictional,
        "url": review.get_absolute_url(),
    }


def document_data(document: Document) -> dict[str, Any]:
    current = document.current
    return {
        "id": document.pk,
        "title": document.title,
        "kind": document.kind.code,
        "kind_label": document.kind.label,
        "confidential": document.confidential,
        "review": document.review.reference,
        "url": document.get_absolute_url(),
        # The version that counts in tables, search and exports (repository.services).
        "current_version": current.number if current else None,
        "current_chosen": document.current_chosen,
        "recommendations_role": document.recommendations_role,
        "recommendations_role_label": document.get_recommendations_role_display(),
        "versions": [
            {"number": v.number, "current": current is not None and v.pk == current.pk,
             "sha256": v.sha256, "size": v.size,
             "filename": v.original_filename, "media_type": v.media_type,
             "uploaded_at": v.uploaded_at,
             "download_url": f"{document.get_absolute_url()}download/?version={v.number}"}
            for v in document.versions.all()
        ],
    }
