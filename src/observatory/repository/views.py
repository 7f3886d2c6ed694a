"""Pages for reviews and documents. Each view builds data, checks access, audits, renders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from observatory_core.dataset import FIELDS
from observatory_core.filetypes import FileRejected
from observatory_core.publication import LABELS as PUBLICATION_LABELS
from observatory_core.publication import load_rules as load_publication_rules

from ..accounts.access import can, can_create_review, may_create_reviews
from ..accounts.scopes import documents_q
from ..audit.log import record, refused_input
from ..ingestion.publishing import public_file
from ..ingestion.redaction import as_seen, review_progress
from ..register.access import may_view_register
from ..web.access import allowed_or_page
from ..web.params import int_param
from ..web.render import error, respond, wants_json
from . import publication
from .filters import ReviewFilterForm, visible_reviews
from .forms import ReviewForm, UploadForm, VersionForm
from .models import Document, Review
from .serialize import document_data, review_row, review_summary
from .services import (
    RECOMMENDATION_ROLES,
    set_current_version,
    set_recommendations_role,
    store_version,
)

PAGE_SIZE = 25


def review_list(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    reviews = visible_reviews(request.user)
    status = 200
    if form.is_bound and form.is_valid():
        reviews = form.filter(reviews)
    elif form.is_bound:  # a filter that is not understood is an error, not an empty list
        reviews, status = reviews.none(), 400
    page = Paginator(reviews.order_by("-incident_date", "reference"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    data = {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "filters": dict(form.active_filters()),
        "reviews": [review_summary(r) for r in page.object_list],
    }
    return respond(request, "repository/review_list.html", data, {
        "form": form, "page_obj": page, "query": query.urlencode(),
        "can_create": may_create_reviews(request.user),
    }, status=status)


def _get_review(request: HttpRequest, reference: str, action: str = "view"):
    review = Review.objects.select_related("local_authority").filter(reference=reference).first()
    return allowed_or_page(request, review, action, "There is no review with that reference.")


def review_detail(request: HttpRequest, reference: str) -> HttpResponse:
    review, refusal = _get_review(request, reference)
    if refusal:
        return refusal
    record(request, "view", review)
    documents = review.documents.filter(documents_q(request.user)).select_related(
        "kind").prefetch_related("versions")
    row = review_row(review)
    data = {"review": row, "documents": [as_seen(request.user, d, document_data(d))
                                         for d in documents],
            "report": publication.status(review).as_dict()}
    for document, title in zip(documents, (d["title"] for d in data["documents"]),
                               strict=True):
        document.shown_title = title  # as the user may see it (ingestion.redaction)
    progress = review_progress(request.user, review)  # for those who decide flags only
    if progress is not None:
        data["redaction_review"] = progress
    fields = []
    for spec in FIELDS:
        value = getattr(review, spec.name)
        if spec.kind == "codes":
            value = ", ".join(t.label for t in value.all()) or "None recorded"
        elif spec.kind == "bool":
            value = {True: "Yes", False: "No"}.get(value, "Not known")
        elif value in (None, ""):
            value = "Not known"
        elif spec.kind == "date":
            value = f"{value.day} {value:%B %Y}"
        fields.append((spec.label, value))
    fields.insert(3, ("Region", review.local_authority.region_name))
    fields.append(("Age band (derived)", review.age_band.label if review.age_band else "Not known"))
    fields.append(("Months from decision to completion (derived)",
                   review.timeliness_months if review.timeliness_months is not None
                   else "Not known"))
    from ..quality.work import review_panel  # the quality app's public function

    quality = review_panel(request.user, review)
    data["timescales"] = quality["timescales"]
    return respond(request, "repository/review_detail.html", data, {
        "object": review, "fields": fields, "document_objects": documents,
        "timescales": quality["timescales"], "quality_dialogue": quality["dialogue"],
        "can_change": can(request.user, "change", review),
        "can_delete": can(request.user, "delete", review),
        "can_view_register": may_view_register(request.user, review),
    })


def review_publication(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the report's publication state and every decision on it; POST: a decision
    (state=draft|embargoed|published|withdrawn, ``until`` for an embargo, ``reason`` and
    ``note`` for a withdrawal). For those who may change the review."""
    review, refusal = _get_review(request, reference, "change")
    if refusal:
        return refusal
    problem = ""
    if request.method == "POST":
        until = None
        raw = request.POST.get("until", "").strip()
        if raw:
            try:
                until = datetime.fromisoformat(raw)
            except ValueError:
                problem = "Give the embargo's end as a date and time, e.g. 2027-01-31T09:30"
            else:
                if timezone.is_naive(until):
                    until = timezone.make_aware(until)
        if not problem:
            try:
                publication.decide(review, request.user, request.POST.get("state", ""),
                                   until=until, reason=request.POST.get("reason", ""),
                                   note=request.POST.get("note", ""), request=request)
            except publication.NotAllowed as exc:
                return error(request, 403, str(exc))
            except publication.PublicationError as exc:
                problem = str(exc)
            else:
                messages.success(request, "Publication decision recorded")
                return redirect(f"{review.get_absolute_url()}publication/")
    record(request, "view", review, detail="publication history")
    data = {"review": review.reference, "status": publication.status(review).as_dict(),
            "history": publication.history(review)}
    if problem:
        data["errors"] = [problem]
    rules = load_publication_rules()
    return respond(request, "repository/publication.html", data, {
        "object": review, "problem": problem, "reasons": rules.reasons.values(),
        "states": PUBLICATION_LABELS.items()}, status=400 if problem else 200)


def review_create(request: HttpRequest) -> HttpResponse:
    if not may_create_reviews(request.user):
        record(request, "create", kind="unpublished_review", allowed=False)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return error(request, 403, "Your role cannot register reviews.")
    form = ReviewForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["local_authority"]
        if not can_create_review(request.user, area.pk):
            record(request, "create", kind="unpublished_review", allowed=False,
                   detail=f"area {area.gss_code}")
            return error(request, 403, "You can only register reviews for your own area.")
        with transaction.atomic():
            review = form.save(commit=False)
            review.created_by = request.user
            review.save()
            form.save_m2m()
            record(request, "create", review)
        messages.success(request, f"Review {review.reference} registered")
        return redirect(review)
    if form.hidden_clash is not None:  # someone tried another area's hidden reference
        record(request, "create", form.hidden_clash, allowed=False, detail="reference in use")
    return render(request, "repository/review_form.html", {"form": form, "creating": True})


def review_edit(request: HttpRequest, reference: str) -> HttpResponse:
    review, refusal = _get_review(request, reference, "change")
    if refusal:
        return refusal
    form = ReviewForm(request.POST or None, instance=review, user=request.user)
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["local_authority"]
        if not can_create_review(request.user, area.pk) and area.pk != review.local_authority_id:
            return error(request, 403, "You can only move a review into your own area.")
        with transaction.atomic():
            review = form.save()
            record(request, "change", review, detail=", ".join(form.changed_data))
        messages.success(request, f"Review {review.reference} updated")
        return redirect(review)
    return render(request, "repository/review_form.html",
                  {"form": form, "creating": False, "object": review})


def _audit_refused_file(request: HttpRequest, form: Any, action: str, obj: Any) -> None:
    """A file sent and refused (by the form, or by its content) is an audit event."""
    if request.method == "POST" and form.errors.get("file"):
        upload = request.FILES.get("file")
        refused_input(request, action, obj, name=getattr(upload, "name", "(no file)"),
                      reason=form.errors["file"][0])


def review_upload(request: HttpRequest, reference: str) -> HttpResponse:
    review, refusal = _get_review(request, reference, "change")
    if refusal:
        return refusal
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        probe = Document(review=review, kind=kind)
        if not can(request.user, "change", probe):
            record(request, "create", probe, allowed=False)
            return error(request, 403, "You may not add documents of that kind.")
        upload = form.cleaned_data["file"]
        try:
            result = store_version(review=review, kind=kind, filename=upload.name,
                                   stream=upload, user=request.user,
                                   title=form.cleaned_data["title"])
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            document = result.version.document
            if result.created:
                record(request, "create", document, detail=f"version {result.version.number}")
                messages.success(request, f"Uploaded {result.version.original_filename}")
            else:
                messages.info(request, f"{upload.name} is already stored here "
                                       f"(version {result.version.number}); nothing changed")
            return redirect(document)
    _audit_refused_file(request, form, "create", review)
    return render(request, "repository/upload_form.html", {"form": form, "object": review})


def _get_document(request: HttpRequest, pk: int, action: str):
    document = Document.objects.select_related("review__local_authority", "kind").filter(
        pk=pk).first()
    return allowed_or_page(request, document, action, "There is no such document.")


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document, refusal = _get_document(request, pk, "view")
    if refusal:
        return refusal
    record(request, "view", document)
    form = VersionForm()
    data = as_seen(request.user, document, document_data(document))
    return respond(request, "repository/document_detail.html", data, {
        "object": document, "title": data["title"], "version_form": form,
        "recommendation_roles": list(RECOMMENDATION_ROLES.items()),
        "can_change": can(request.user, "change", document),
        "can_download": can(request.user, "download", document),
        "can_delete": can(request.user, "delete", document),
    })


@require_POST
def document_current(request: HttpRequest, pk: int) -> HttpResponse:
    """A person chooses which version counts ('latest': the latest upload again)."""
    document, refusal = _get_document(request, pk, "change")
    if refusal:
        return refusal
    number = request.POST.get("version", "")
    version = None
    if number != "latest":
        version = document.versions.filter(number=int(number) if number.isdigit() else 0
                                           ).first()
        if version is None:
            return error(request, 400, "Choose a version of this document.")
    set_current_version(document, version)
    chosen = f"version {version.number}" if version else "the latest version"
    record(request, "change", document, detail=f"current version: {chosen}")
    messages.success(request, f"Tables, search and exports now use {chosen}.")
    if wants_json(request):
        return JsonResponse({"ok": True, "data": document_data(document), "links": {}})
    return redirect(document)


@require_POST
def document_recommendations_role(request: HttpRequest, pk: int) -> HttpResponse:
    """A person says whether this document's items are the review's recommendations."""
    document, refusal = _get_document(request, pk, "change")
    if refusal:
        return refusal
    role = request.POST.get("role", "")
    if role not in RECOMMENDATION_ROLES:
        return error(request, 400, "Choose what this document's recommendations are.")
    set_recommendations_role(document, role)
    label = RECOMMENDATION_ROLES[role]
    record(request, "change", document, detail=f"recommendations: {label}")
    messages.success(request, f"This document's recommendations: {label}.")
    if wants_json(request):
        return JsonResponse({"ok": True, "data": document_data(document), "links": {}})
    return redirect(document)


def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document, refusal = _get_document(request, pk, "download")
    if refusal:
        return refusal
    versions = document.versions.all()
    number = int_param(request.GET, "version", minimum=1, label="version number")
    version = versions.filter(number=number).first() if number else versions.first()
    public = public_file(document, request.user)
    if public is not None:  # who sees the document redacted gets its redacted copy only
        version = public if number in (None, public.number) else None
    if version is None:
        return error(request, 404, "There is no such version.")
    record(request, "download", document, detail=f"version {version.number}")
    response = FileResponse(version.open(), as_attachment=True,
                            filename=version.original_filename,
                            content_type=version.media_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def document_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    document, refusal = _get_document(request, pk, "change")
    if refusal:
        return refusal
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = store_version(review=document.review, kind=document.kind,
                                   filename=upload.name, stream=upload, user=request.user,
                                   document=document)
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            if result.created:
                record(request, "change", document, detail=f"version {result.version.number}")
                messages.success(request, f"Version {result.version.number} uploaded")
            else:
                messages.info(request, "That file is already stored; nothing changed")
            return redirect(document)
    _audit_refused_file(request, form, "change", document)
    return render(request, "repository/document_detail.html", {
        "object": document, "version_form": form, "can_change": True,
        "can_download": can(request.user, "download", document),
        **document_data(document)}, status=400 if request.method == "POST" else 200)


def _delete_files(documents) -> list[tuple[str, str]]:
    return [(v.storage_area, v.path) for d in documents for v in d.versions.all()]


def _remove_stored(files: list[tuple[str, str]]) -> None:
    from django.core.files.storage import storages

    for area, path in files:
        storages[area].delete(path)


def review_delete(request: HttpRequest, reference: str) -> HttpResponse:
    review, refusal = _get_review(request, reference, "delete")
    if refusal:
        return refusal
    if request.method == "POST":
        documents = list(review.documents.prefetch_related("versions"))
        files = _delete_files(documents)
        with transaction.atomic():
            for document in documents:
                record(request, "delete", document)
                document.versions.all().delete()
                document.delete()
            record(request, "delete", review)
            review.delete()
            transaction.on_commit(lambda: _remove_stored(files))
        messages.success(request, f"Review {reference} and its documents were deleted")
        return redirect("review-list")
    return render(request, "repository/confirm_delete.html", {
        "object": review, "what": f"review {review.reference}",
        "consequence": f"This deletes the review and all {review.documents.count()} of its "
                       "documents with every version. It cannot be undone."})


def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document, refusal = _get_document(request, pk, "delete")
    if refusal:
        return refusal
    if request.method == "POST":
        review = document.review
        files = _delete_files([document])
        with transaction.atomic():
            record(request, "delete", document)
            document.versions.all().delete()
            document.delete()
            transaction.on_commit(lambda: _remove_stored(files))
        messages.success(request, f"{document.title} was deleted")
        return redirect(review)
    return render(request, "repository/confirm_delete.html", {
        "object": document, "what": document.title,
        "consequence": "This deletes the document and every version of it. "
                       "It cannot be undone."})
