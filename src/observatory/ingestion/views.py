"""Pages for what ingestion made of a document: progress, the drafted dataset with its
evidence (confirm / correct / reject), the text viewer, and search.

Everything here is derived from a document, so it takes the document's access: each view
asks ``can(user, 'view', document)`` first (404 when refused, as the document page does)
and audits the read; decisions also need ``change`` on the review.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from ..accounts.access import can
from ..audit.log import record
from ..repository.filters import ReviewFilterForm, visible_reviews
from ..repository.models import Document
from ..web.access import allowed_or_page
from ..web.params import int_param, page_param
from ..web.render import error, respond
from . import data
from .decisions import DecisionError, decide
from .models import Extraction, PersonalDataFlag
from .redaction import (
    LABELS,
    add_flag,
    decide_flag,
    decide_many,
    finish_review,
    may_see_unredacted,
    ready,
    redactor_for,
)
from .search import MODES, search
from .services import latest_job, reprocess

PAGE_SIZE = 20


def _document(request: HttpRequest, pk: int, action: str = "view"):
    document = Document.objects.select_related("review__local_authority", "kind").filter(
        pk=pk).first()
    # Decisions on what was extracted change the review; the document must be visible first.
    return allowed_or_page(request, document, action, "There is no such document.",
                           on=document.review if document and action != "view" else None)


def _version(document: Document, request: HttpRequest):
    versions = document.versions.all()
    source = request.POST if request.POST.get("version") else request.GET
    number = int_param(source, "version", minimum=1, label="version number")
    return versions.filter(number=number).first() if number else document.current


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def ingestion_status(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the latest job of a version (polled by the document page). POST: process the
    version again (machine suggestions replaced; people's decisions kept)."""
    document, refusal = _document(request, pk, "change" if request.method == "POST" else "view")
    if refusal:
        return refusal
    version = _version(document, request)
    if request.method == "POST":
        if version is None:
            return error(request, 404, "There is no such version.")
        with transaction.atomic():
            reprocess(version, request.user)
            record(request, "change", document, detail=f"reprocess version {version.number}")
        messages.info(request, "Processing again; decisions people made are kept")
        return redirect(_back(request, document.get_absolute_url()))
    payload = data.job_data(latest_job(version)) if version else data.job_data(None)
    payload.update({"document": document.pk, "version": version.number if version else None})
    return respond(request, "ingestion/status.html", payload, {"object": document})


def document_dataset(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the dataset drafted from this document, each value with its evidence.
    POST (extraction, action=confirm|correct|reject, value): a person decides one value."""
    document, refusal = _document(request, pk, "change" if request.method == "POST" else "view")
    if refusal:
        return refusal
    if request.method == "POST":
        extraction = Extraction.objects.select_related("review", "version__document").filter(
            pk=request.POST.get("extraction") or 0, version__document=document).first()
        if extraction is None:
            return error(request, 404, "There is no such suggestion for this document.")
        try:
            outcome = decide(extraction, request.POST.get("action", ""), request.user,
                             value=request.POST.get("value"), request=request)
        except DecisionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, outcome)
        return redirect(_back(request, f"{document.get_absolute_url()}#dataset"))
    record(request, "view", document, detail="drafted dataset")
    version = _version(document, request)
    hide = redactor_for(version) if not may_see_unredacted(request.user, document) else None
    payload = {"document": document.pk, "version": version.number if version else None,
               "dataset": data.dataset_rows(document, version, hide)}
    return respond(request, "ingestion/dataset.html", payload, {
        "object": document, "can_decide": can(request.user, "change", document.review)})


def document_text(request: HttpRequest, pk: int) -> HttpResponse:
    """The text of a version page by page; ``#p-N`` is passage N, ``mark=START-END``
    highlights a span (evidence)."""
    document, refusal = _document(request, pk)
    if refusal:
        return refusal
    version = _version(document, request)
    page_number = page_param(request.GET)
    mark = _span(request.GET.get("mark", ""))
    reviewer = may_see_unredacted(request.user, document)
    redacted = not reviewer or request.GET.get("redacted") == "1"
    record(request, "view", document, detail=f"text page {page_number}"
                                             f"{' (redacted)' if redacted else ''}")
    # A reviewer may preview the redacted text before finishing the review; no one else.
    payload = data.text_page(document, version, page_number, mark, redacted=redacted,
                             withhold=not reviewer)
    return respond(request, "ingestion/text.html", payload, {
        "object": document, "can_flag": reviewer and not redacted and version is not None,
        "all_kinds": list(LABELS.items())})


def _span(raw: str) -> tuple[int, int] | None:
    start, sep, end = raw.partition("-")
    if sep and start.isascii() and end.isascii() and start.isdigit() and end.isdigit() \
            and int(start) <= int(end):
        return int(start), int(end)
    return None


def search_page(request: HttpRequest) -> HttpResponse:
    """Full-text search over the passages the user may see, filtered by dataset fields."""
    # The review filters are the reviews page's; its own 'q' (title contains) is not used
    # here, where 'q' is the text searched for.
    filter_data = request.GET.copy()
    filter_data.pop("q", None)
    form = ReviewFilterForm(filter_data or None)
    reviews = visible_reviews(request.user)
    if form.is_bound and form.is_valid():
        reviews = form.filter(reviews)
    query = request.GET.get("q", "").strip()
    section = request.GET.get("section", "")
    page_number = page_param(request.GET)
    mode = request.GET.get("mode", "")
    results = search(request.user, query, reviews=reviews, section_kind=section,
                     limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE,
                     mode=mode if mode in MODES else None)
    if query:
        record(request, "view", kind="passage_search",
               detail=f"search '{query[:200]}': {results.total_label} passages")
    filters = {k: v for k, v in form.active_filters() if k != str(form.fields["q"].label)}
    payload: dict[str, Any] = {
        "query": query, "section": section or None, "total": results.total,
        "more": results.more, "total_label": results.total_label,
        "page": page_number, "pages": max(1, -(-results.total // PAGE_SIZE)),
        "backend": results.backend, "mode": results.mode, "notice": results.notice or None,
        "filters": filters,
        "results": [h.as_dict() for h in results.hits],
    }
    params = request.GET.copy()
    params.pop("page", None)
    return respond(request, "ingestion/search.html", payload, {
        "form": form, "hits": results.hits, "section_kinds": data.section_kinds(),
        "modes": [("hybrid", "Words and meaning"), ("keyword", "Exact words"),
                  ("semantic", "Meaning only")],
        "params": params.urlencode(),
        "has_next": results.has_more,
        "filter_fields": [f for f in form if f.name != "q"]})


def personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the personal-data flags of a version (kind, the words around it, page) and the
    redaction review's progress, for a person who may change the review; POST: one decision
    (flag, action=confirm|reject), many at once (action with ``text``: every occurrence of
    those words; with ``kind``: every flag of a kind), a person's own flag (action=add with
    ``start``/``end`` from a selection in the viewer, or ``text``: every occurrence) or the
    end of the review (action=finish). Each is audited. Others may not see this page (403):
    they see the redacted text once the review is finished."""
    document, refusal = _document(request, pk, "change")
    if refusal:
        return refusal
    version = _version(document, request)
    if request.method == "POST":
        return _personal_data_post(request, document, version)
    record(request, "view", document, detail="personal-data flags")
    text = data.DocumentText.objects.filter(version=version).values_list(
        "text", flat=True).first() or ""
    flags = PersonalDataFlag.objects.filter(version=version).select_related("decided_by") \
        if version else PersonalDataFlag.objects.none()
    rows = [{"id": f.pk, "kind": f.kind, "text": f.text, "page": f.page, "start": f.start,
             "end": f.end, "confidence": f.confidence, "status": f.status,
             "producer": f.producer, "producer_label": data.producer_label(f.producer),
             "kind_label": data.personal_data_label(f.kind),
             "context": data.evidence(text, f.start, f.end),
             "decided_by": f.decided_by.get_username() if f.decided_by else None,
             "decided_at": f.decided_at,
             "viewer_url": f"{document.get_absolute_url()}text/?version={version.number}"
                           f"&page={f.page}&mark={f.start}-{f.end}#mark"}
            for f in flags]
    counts = {s: sum(r["status"] == s for r in rows) for s in ("suggested", "confirmed",
                                                                "rejected")}
    pending = [r for r in rows if r["status"] == "suggested"]
    words: dict[str, int] = {}
    for r in pending:
        key = " ".join(r["text"].split())
        words[key] = words.get(key, 0) + 1
    payload = {"document": document.pk, "version": version.number if version else None,
               "counts": counts, "flags": rows,
               "reviewed": ready(version) if version else False,
               "kinds": sorted({(r["kind"], r["kind_label"]) for r in pending}),
               "repeated": sorted(((w, n) for w, n in words.items() if n > 1),
                                  key=lambda item: (-item[1], item[0])),
               "redacted_text_url": f"{document.get_absolute_url()}text/?version="
                                    f"{version.number if version else ''}&redacted=1"}
    return respond(request, "ingestion/personal_data.html", payload,
                   {"object": document, "all_kinds": list(LABELS.items())})


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _personal_data_post(request: HttpRequest, document: Document, version) -> HttpResponse:
    if version is None:
        return error(request, 404, "There is no such version.")
    back = f"{document.get_absolute_url()}personal-data/?version={version.number}"
    form = request.POST
    action = form.get("action", "")
    try:
        if form.get("flag"):
            flag = PersonalDataFlag.objects.filter(pk=_int(form.get("flag")) or 0,
                                                   version__document=document).first()
            if flag is None:
                return error(request, 404, "There is no such flag for this document.")
            outcome = decide_flag(flag, action, request.user, request=request)
            back = f"{document.get_absolute_url()}personal-data/?version=" \
                   f"{flag.version.number}#flag-{flag.pk}"
        elif action == "add":
            outcome = add_flag(version, request.user, kind=form.get("kind", ""),
                               start=_int(form.get("start")), end=_int(form.get("end")),
                               text=form.get("text", ""), request=request)
        elif action == "finish":
            outcome = finish_review(version, request.user, request=request)
        else:
            outcome = decide_many(version, action, request.user, text=form.get("text", ""),
                                  kind=form.get("kind", ""), request=request)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, outcome)
    return redirect(_back(request, back))


def _copy_row(copy: Any) -> dict[str, Any]:
    return {"id": copy.pk, "source_version": copy.source.number, "status": copy.status,
            "strings_removed": copy.strings_removed, "flags_used": copy.flags_used,
            "pages": copy.pages, "sha256": copy.sha256, "made_by": copy.made_by_name,
            "made_at": copy.made_at, "checked_by": copy.checked_by_name,
            "checked_at": copy.checked_at, "check_note": copy.check_note,
            "public_version": copy.version.number if copy.version else None}


def redacted_copies(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the redacted copies of a document's versions and their checks; POST
    action=make (a copy of the chosen version from its confirmed flags), or action=approve /
    reject with ``copy`` (a second person's check; approved, it is the public version)."""
    from .models import RedactedCopy
    from .publishing import NotAllowed, RedactionRefused, check, make_copy

    document, refusal = _document(request, pk, "change")
    if refusal:
        return refusal
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "make":
                version = _version(document, request)
                if version is None:
                    return error(request, 404, "There is no such version.")
                make_copy(version, request.user, request)
                messages.success(request, "Redacted copy made: a second person must check it")
            elif action in ("approve", "reject"):
                copy = RedactedCopy.objects.filter(
                    pk=int_param(request.POST, "copy", minimum=1, label="copy") or 0,
                    source__document=document).select_related("source").first()
                if copy is None:
                    return error(request, 404, "There is no such redacted copy.")
                made = check(copy, request.user, approve=action == "approve",
                             note=request.POST.get("note", ""), request=request)
                messages.success(request, f"Approved: version {made.number} is the public "
                                 "version" if made else "Rejected: the copy is not published")
            else:
                return error(request, 400, "Choose make, approve or reject.")
        except NotAllowed as exc:
            record(request, "change", document, allowed=False, detail=f"redaction: {exc}")
            return error(request, 403, str(exc))
        except RedactionRefused as exc:
            return error(request, 400, f"The redacted copy cannot be made or checked: {exc}")
        return redirect(f"{document.get_absolute_url()}redacted/")
    copies = RedactedCopy.objects.filter(source__document=document).select_related(
        "source", "version")
    data = {"document": document.pk, "public_version":
            document.public_version.number if document.public_version else None,
            "copies": [_copy_row(c) for c in copies]}
    return respond(request, "ingestion/redacted_copies.html", data,
                   {"object": document, "user_id": request.user.pk,
                    "versions": document.versions.all()})


def redacted_copy_file(request: HttpRequest, pk: int, copy: int) -> HttpResponse:
    """The copy itself, for the person checking it (not public until approved)."""
    from django.http import FileResponse

    from .models import RedactedCopy
    from .publishing import open_pending

    document, refusal = _document(request, pk, "change")
    if refusal:
        return refusal
    found = RedactedCopy.objects.filter(pk=copy, source__document=document).first()
    if found is None:
        return error(request, 404, "There is no such redacted copy.")
    record(request, "download", document, detail=f"redacted copy {found.pk} for its check")
    response = FileResponse(open_pending(found), content_type="application/pdf",
                            filename=f"redacted-copy-{found.pk}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
