"""Learning into practice pages: the public site (no sign-in: topics, the findings database
with its facets, briefings, their PDF and Atom feeds) and the analysts' pages (draft, edit,
approve, withdraw, publish findings). Every page is also JSON. Access: ``can`` on each
object; the public pages show only published snapshots (public.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from ..accounts.access import can
from ..audit.log import record
from ..ingestion.models import Finding
from ..web.access import refusal_for, refusal_page
from ..web.render import error, respond
from ..web.work import Kind
from . import public, services
from .models import Briefing, BriefingVersion, PublishedFinding


def _refused(request: HttpRequest, action: str, obj: Any) -> HttpResponse:
    """Audited; anonymous people are asked to sign in, others told they may not."""
    refusal = refusal_for(request, obj, action)
    if refusal is None:  # allowed the object but not drafts in general: still refused
        record(request, action, obj, allowed=False)
        return error(request, 403, "You do not have permission to do that.")
    return refusal_page(request, refusal, "Not found")


def _public_or_404(request: HttpRequest, obj: Any) -> None:
    if not can(request.user, "view", obj):
        record(request, "view", obj, allowed=False)
        raise Http404("Not found")


# -- public site --------------------------------------------------------------------------
def index(request: HttpRequest) -> HttpResponse:
    data = public.index_data()
    return respond(request, "learning/index.html", data)


def topic(request: HttpRequest, key: str) -> HttpResponse:
    data = public.topic_data(key)
    if data is None:
        return error(request, 404, "There is no such topic.")
    return respond(request, "learning/topic.html", data)


def findings(request: HttpRequest) -> HttpResponse:
    chosen, problems = public.clean_query(request.GET)
    if problems:
        return error(request, 400, "; ".join(problems))
    data = public.search(chosen)
    return respond(request, "learning/findings.html", data,
                   {"facets_chosen": bool(set(chosen) - {"q"})})


def finding(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(PublishedFinding.objects.select_related("document__review"), pk=pk)
    _public_or_404(request, obj)
    if not services.public_may_view(obj.document):
        raise Http404("Not found")  # its report is no longer public: nor is the finding
    return respond(request, "learning/finding.html", public.finding_data(obj))


def briefing(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(Briefing, slug=slug)
    _public_or_404(request, obj)
    if obj.status == Briefing.DRAFT:  # drafts are read on the analysts' page
        raise Http404("Not found")
    data = public.briefing_data(obj)
    record(request, "view", obj)
    links = {"pdf": data.get("pdf_url", "")} if data.get("pdf_url") else {}
    return respond(request, "learning/briefing.html", data, links=links)


def briefing_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    from .pdf import briefing_pdf as render

    obj = get_object_or_404(Briefing, slug=slug)
    if not can(request.user, "download", obj) or obj.status != Briefing.PUBLISHED:
        record(request, "download", obj, allowed=False)
        raise Http404("Not found")
    data = public.briefing_data(obj)
    pdf = public.cached(f"pdf:{obj.slug}:{data['version']}", lambda: render(data))
    record(request, "download", obj)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{obj.slug}.pdf"'
    return response


# -- analysts -----------------------------------------------------------------------------
DRAFTS = Kind("unpublished_learning")


def manage(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "change", DRAFTS):
        return _refused(request, "change", DRAFTS)
    briefings = [{"slug": b.slug, "title": (b.latest.title if b.latest else b.issue_name),
                  "status": b.get_status_display(), "issue_name": b.issue_name,
                  "url": f"/learning/manage/briefings/{b.slug}/",
                  "version": b.latest.number if b.latest else 0}
                 for b in Briefing.objects.all()]
    published = [{"id": f.pk, "heading": str(f), "url": f.get_absolute_url(),
                  "status": f.get_status_display()}
                 for f in PublishedFinding.objects.order_by("-published_at")[:50]]
    data = {"briefings": briefings, "issues": [
        {"key": t.key, "name": t.name} for t in services.of_kind("issue")],
        "candidates": services.finding_candidates(), "published_findings": published}
    return respond(request, "learning/manage.html", data)


@require_POST
def draft(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "change", DRAFTS):
        return _refused(request, "change", DRAFTS)
    try:
        made = services.draft_briefing(request.POST.get("issue", ""), request.user, request)
    except services.LearningError as exc:
        return error(request, 400, str(exc))
    messages.success(request, "Briefing drafted from the coded evidence")
    return redirect(f"/learning/manage/briefings/{made.slug}/")


def manage_briefing(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(Briefing, slug=slug)
    if not can(request.user, "change", obj) or not can(request.user, "change", DRAFTS):
        return _refused(request, "change", obj)
    problem = ""
    if request.method == "POST":
        try:
            services.edit_briefing(
                obj, request.user, title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""), note=request.POST.get("note", ""),
                sections={k: request.POST.get(k, "") for k in services.EDITABLE},
                request=request)
        except services.LearningError as exc:
            problem = str(exc)
        else:
            messages.success(request, "Saved as a new version")
            return redirect(f"/learning/manage/briefings/{obj.slug}/")
    obj.refresh_from_db()
    latest = obj.latest
    data = {"briefing": public.version_data(obj, latest, public=True),
            "editable": {k: latest.sections.get(k, "") for k in services.EDITABLE},
            "summary": latest.summary, "note": latest.note,
            "edited_by": latest.edited_by.get_username() if latest.edited_by else "",
            "may_approve": bool(latest.edited_by_id != request.user.pk
                                and obj.published_version_id != latest.pk
                                and obj.status != Briefing.WITHDRAWN),
            "status": obj.get_status_display(), "blocked": obj.blocked, "problem": problem,
            "withdrawn_reason": obj.withdrawn_reason,
            "versions": [{"number": v.number, "note": v.note,
                          "edited_by": v.edited_by.get_username() if v.edited_by else "",
                          "approved_by": v.approved_by.get_username() if v.approved_by else "",
                          "created_at": v.created_at}
                         for v in BriefingVersion.objects.filter(briefing=obj)
                         .select_related("edited_by", "approved_by")]}
    return respond(request, "learning/manage_briefing.html", data,
                   {"sections_titles": _titles()}, status=400 if problem else 200)


def _titles() -> dict[str, str]:
    from observatory_core.learning.briefing import load_form

    return dict(load_form().sections)


@require_POST
def approve(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(Briefing, slug=slug)
    if not can(request.user, "change", obj) or not can(request.user, "change", DRAFTS):
        return _refused(request, "change", obj)
    try:
        blocks = services.approve_briefing(obj, request.user, request)
    except services.LearningError as exc:
        messages.error(request, str(exc))
        return redirect(f"/learning/manage/briefings/{slug}/")
    if blocks:
        messages.error(request, "Not published: see what blocks it below")
    else:
        messages.success(request, "Approved and published")
    return redirect(f"/learning/manage/briefings/{slug}/")


@require_POST
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    obj = get_object_or_404(Briefing, slug=slug)
    if not can(request.user, "change", obj) or not can(request.user, "change", DRAFTS):
        return _refused(request, "change", obj)
    try:
        services.withdraw_briefing(obj, request.user, request.POST.get("reason", ""), request)
    except services.LearningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Withdrawn; the reason is shown on its page")
    return redirect(f"/learning/manage/briefings/{slug}/")


@require_POST
def publish_finding(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Finding.objects.select_related("version__document__review"),
                               pk=pk)
    if not can(request.user, "change", DRAFTS):
        return _refused(request, "change", DRAFTS)
    made, blocks = services.publish_finding(
        source, request.user, show_age_band=request.POST.get("show_age_band") == "yes",
        request=request)
    if blocks:
        messages.error(request, "Not published: " + " ".join(b.message for b in blocks))
    else:
        messages.success(request, f"Finding published: {made}")
    return redirect("/learning/manage/")


@require_POST
def withdraw_finding(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(PublishedFinding, pk=pk)
    if not can(request.user, "change", obj) or not can(request.user, "change", DRAFTS):
        return _refused(request, "change", obj)
    try:
        services.withdraw_finding(obj, request.user, request.POST.get("reason", ""), request)
    except services.LearningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Finding withdrawn")
    return redirect("/learning/manage/")
