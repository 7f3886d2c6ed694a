"""API routes for reviews, documents and the dataset import/export."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import create_model

from observatory_core.dataset import FIELDS
from observatory_core.filetypes import FileRejected
from observatory_core.tabular import record_to_row, write_csv, write_xlsx

from ..accounts.access import areas_of, can, may_create_reviews, role_of
from ..accounts.scopes import documents_q
from ..api import MAX_ID, WRITE_AUTH, file_response, optional_auth, responses
from ..audit.log import record, refused_input
from ..ingestion.redaction import as_seen
from ..vocabularies.models import Term
from ..web.access import allowed_or_http_error
from .dataset_io import import_dataset
from .filters import MAX_AGE_MONTHS, ReviewFilterForm, visible_reviews
from .models import Document, Review
from .serialize import document_data, review_row, review_summary
from .services import store_version

router = Router(tags=["reviews"])


class ReviewSummaryOut(Schema):
    reference: str
    title: str
    local_authority: str
    region: str
    review_type: str | None
    outcome: str | None
    age_band: str | None
    incident_date: date | None
    publication_date: date | None
    published: bool
    fictional: bool
    url: str


class ReviewListOut(Schema):
    count: int
    reviews: list[ReviewSummaryOut]


MAX_OFFSET = 1_000_000  # far past any catalogue; keeps OFFSET within the database's integers
YES_NO = Literal["yes", "no", "unknown"]


def _review_filter_fields(*, with_q: bool) -> dict[str, Any]:
    """The reviews page's filters (``ReviewFilterForm``) as declared query parameters, made
    from the same dataset fields, so the schema and the form cannot drift apart. Codes of
    controlled lists are strings (administrators may add codes; GET /api/lists has them)."""
    fields: dict[str, Any] = {
        "region": (str | None, Field(None, max_length=20,
                                     description="ONS region code, e.g. E12000007")),
        "age_band": (str | None, Field(None, max_length=50,
                                       description="A code of the 'age_band' list")),
        "child_age_months_min": (int | None, Field(None, ge=0, le=MAX_AGE_MONTHS)),
        "child_age_months_max": (int | None, Field(None, ge=0, le=MAX_AGE_MONTHS)),
    }
    if with_q:
        fields["q"] = (str | None, Field(None, max_length=200, description=(
            "Reference, title or summary contains")))
    for spec in FIELDS:
        if spec.kind in ("code", "codes"):
            fields[spec.name] = (str | None, Field(None, max_length=50, description=(
                f"A code of the '{spec.vocabulary}' list")))
        elif spec.kind == "bool":
            fields[spec.name] = (YES_NO | None, Field(None, description=spec.label))
        elif spec.kind == "date":
            for end in ("from", "to"):
                fields[f"{spec.name}_{end}"] = (date | None, Field(None, description=(
                    f"{spec.label} {end} (inclusive)")))
        elif spec.kind == "place":
            fields[spec.name] = (str | None, Field(None, max_length=20, description=(
                "ONS code of the local area, e.g. E08000025")))
    return fields


ReviewFilters = create_model("ReviewFilters", __base__=Schema,
                             **_review_filter_fields(with_q=True))
PassageReviewFilters = create_model("PassageReviewFilters", __base__=Schema,
                                    **_review_filter_fields(with_q=False))


class VersionOut(Schema):
    number: int
    sha256: str
    size: int
    filename: str
    media_type: str
    download_url: str


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    confidential: bool
    review: str
    url: str
    versions: list[VersionOut]


class ReviewOut(Schema):
    review: dict[str, Any]
    documents: list[DocumentOut]


class ImportOut(Schema):
    ok: bool
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    problems: list[dict[str, Any]]


def _filtered(request: HttpRequest):
    form = ReviewFilterForm(request.GET or None)
    reviews = visible_reviews(request.user)
    if form.is_bound:
        if not form.is_valid():
            raise HttpError(400, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        reviews = form.filter(reviews)
    return reviews


@router.get("/reviews", response=responses(ReviewListOut, 400), auth=optional_auth,
            summary="List reviews (filter by any dataset field, as on the reviews page)")
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters],
                 limit: int = Query(100, ge=1, le=1000),
                 offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    reviews = _filtered(request).order_by("-incident_date", "reference")
    return {"count": reviews.count(),
            "reviews": [review_summary(r) for r in reviews[offset:offset + limit]]}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reviews/export", auth=optional_auth, response=responses(None, 400),
            openapi_extra=file_response("text/csv", XLSX),
            summary="Download the minimum dataset of the reviews you can see as CSV or XLSX")
def export_reviews(request: HttpRequest, filters: Query[ReviewFilters],
                   format: Literal["csv", "xlsx"] = "csv"):
    reviews = _filtered(request).prefetch_related(
        "abuse_categories", "family_characteristics", "agencies", "parallel_proceedings")
    rows = [record_to_row(review_row(r)) for r in reviews]
    record(request, "export", kind="published_review", detail=f"{len(rows)} reviews, {format}")
    if format == "xlsx":
        body, mime = write_xlsx(rows), XLSX
    else:
        body, mime = write_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="reviews.{format}"'
    return response


@router.post("/reviews/import", response=responses(ImportOut, 403), auth=WRITE_AUTH,
             summary="Import the minimum dataset from CSV or XLSX: all rows or none")
def import_reviews(request: HttpRequest, file: UploadedFile = File(...)):
    role = role_of(request.user)
    if not may_create_reviews(request.user):
        record(request, "import", kind="unpublished_review", allowed=False)
        raise HttpError(403, "Your role cannot import reviews.")
    area = areas_of(request.user) if role == "partnership" else None
    report = import_dataset(file.name or "upload", file.read(), user=request.user,
                            allowed_area_id=area)
    if report.ok:
        record(request, "import", kind="unpublished_review", detail=report.summary())
    else:
        refused_input(request, "import", kind="unpublished_review", name=report.file,
                      reason=f"{len(report.problems)} problem(s)")
    return {"ok": report.ok, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged,
            "problems": [p.__dict__ for p in report.problems]}


def _review(request: HttpRequest, reference: str, action: str = "view") -> Review:
    review = Review.objects.select_related("local_authority").filter(reference=reference).first()
    return allowed_or_http_error(request, review, action, "There is no review with that reference.")


@router.get("/reviews/{reference}", response=responses(ReviewOut, 403, 404),
            auth=optional_auth,
            summary="One review: its minimum dataset and the documents you may see")
def get_review(request: HttpRequest, reference: str):
    review = _review(request, reference)
    record(request, "view", review)
    documents = review.documents.filter(documents_q(request.user)).select_related("kind")
    return {"review": review_row(review),
            "documents": [as_seen(request.user, d, document_data(d)) for d in documents]}


@router.post("/reviews/{reference}/documents",
             response={**responses(DocumentOut, 400, 403, 404), 201: DocumentOut},
             auth=WRITE_AUTH, summary="Upload a document (a new version if the same kind+title)")
def upload_document(request: HttpRequest, reference: str, kind: Form[str],
                    file: UploadedFile = File(...), title: Form[str] = ""):
    review = _review(request, reference, "change")
    term = Term.objects.filter(vocabulary__key="document_kind", code=kind).first()
    if term is None:
        raise HttpError(400, f"unknown document kind '{kind}'")
    if not can(request.user, "change", Document(review=review, kind=term)):
        raise HttpError(403, "You may not add documents of that kind.")
    try:
        with transaction.atomic():
            result = store_version(review=review, kind=term, filename=file.name or "upload",
                                   stream=file, user=request.user, title=title)
    except FileRejected as exc:
        refused_input(request, "create", Document(review=review, kind=term),
                      name=file.name or "upload", reason=str(exc))
        raise HttpError(400, str(exc)) from exc
    if result.created:
        record(request, "create", result.version.document,
               detail=f"version {result.version.number}")
    return (201 if result.created else 200), document_data(result.version.document)


def _document(request: HttpRequest, pk: int, action: str) -> Document:
    document = Document.objects.select_related("review__local_authority", "kind").filter(
        pk=pk).first()
    return allowed_or_http_error(request, document, action, "There is no such document.")


@router.get("/documents/{pk}", response=responses(DocumentOut, 403, 404), auth=optional_auth,
            summary="One document and its versions")
def get_document(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_ID)):
    document = _document(request, pk, "view")
    record(request, "view", document)
    return as_seen(request.user, document, document_data(document))


@router.get("/documents/{pk}/download", auth=optional_auth, response=responses(None, 403, 404),
            openapi_extra=file_response("*/*"),  # the file's own media type
            summary="Download a version of a document (the latest by default)")
def download_document(request: HttpRequest, pk: int = Path(..., ge=1, le=MAX_ID),
                      version: int | None = Query(None, ge=1, le=MAX_ID)):
    document = _document(request, pk, "download")
    versions = document.versions.all()
    chosen = versions.filter(number=version).first() if version else versions.first()
    if chosen is None:
        raise HttpError(404, "There is no such version.")
    record(request, "download", document, detail=f"version {chosen.number}")
    response = FileResponse(chosen.open(), as_attachment=True,
                            filename=chosen.original_filename, content_type=chosen.media_type)
    response["Cache-Control"] = "private, no-store"
    return response
