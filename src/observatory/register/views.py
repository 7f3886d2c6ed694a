"""Pages of the register and action plans; every page is also JSON (``?format=json``), every
change is also a JSON POST. Access: the ``action_plan`` grant for everything here, each
evidence document's own rule for the evidence (``present.visible_evidence``)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from observatory_core import actionplan, smart
from observatory_core.tabular import TableError

from ..accounts.access import areas_of, can
from ..audit.log import record, refused_input
from ..repository.models import Document, Review
from ..vocabularies.models import Term
from ..web.access import allowed_or_page
from ..web.params import MAX_ID
from ..web.render import error, respond, wants_json
from . import dashboard, exchange, present, services
from .models import Action, ActionPlan, RegisterEntry
from .services import RegisterError, StaleEdit

MISSING_REVIEW = "There is no such review."
MISSING_ENTRY = "There is no such recommendation in a register."
MISSING_ACTION = "There is no such action."


def _int(value: Any) -> int | None:
    """A posted id, or None when it is not one (never beyond what the database holds)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _lock(request: HttpRequest) -> int:
    """The version of the object the person's form was made from (0 for a new one):
    required, so that no save can skip the check for someone else's change."""
    try:
        lock = int(str(request.POST.get("lock", "")).strip())
    except ValueError:
        lock = -1
    if not 0 <= lock <= MAX_ID:
        raise RegisterError("Open the page again: the form did not say which version of it "
                            "you changed.")
    return lock


def _date(value: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RegisterError(f"'{value}' is not a date (use YYYY-MM-DD).") from exc


def _plan_proxy(review: Review) -> ActionPlan:
    """The review's plan (or an unsaved one): what access is asked of."""
    return services.plan_of(review) or ActionPlan(review=review)


def _review(request: HttpRequest, reference: str, action: str):
    review = Review.objects.filter(reference=reference).select_related(
        "local_authority").first()
    if review is None:
        return None, None, error(request, 404, MISSING_REVIEW)
    plan = _plan_proxy(review)
    _, refused = allowed_or_page(request, plan, action, MISSING_REVIEW)
    return review, plan, refused


def _object(request: HttpRequest, model: type, pk: int, action: str, missing: str):
    obj = model.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    return allowed_or_page(request, obj, action, missing)


def _changed(request: HttpRequest, obj: Any, detail: str, message: str, to: str,
             data: dict[str, Any] | None = None) -> HttpResponse:
    record(request, "change", obj, detail=detail)
    if wants_json(request):
        return respond(request, "", {"message": message, **(data or {})})
    messages.success(request, message)
    return redirect(to)


def _refused(request: HttpRequest, obj: Any, exc: RegisterError, to: str) -> HttpResponse:
    refused_input(request, "change", obj, name=str(obj), reason=str(exc))
    status = 409 if isinstance(exc, StaleEdit) else 400
    if wants_json(request):
        return error(request, status, str(exc))
    messages.error(request, str(exc))
    return redirect(to)


def _agencies() -> list[dict[str, Any]]:
    return [{"id": t.pk, "label": t.label}
            for t in Term.objects.filter(vocabulary__key="agency", active=True).order_by("label")]


def _owners(review: Review) -> list[dict[str, Any]]:
    """People who may own an action: partnership users of the review's area."""
    users = User.objects.filter(is_active=True, profile__role="partnership",
                                profile__local_authority=review.local_authority_id)
    return [{"id": u.pk, "name": u.get_username()} for u in users.order_by("username")]


# -- the review's register ------------------------------------------------------------
@require_GET
def review_register(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "view")
    if refused:
        return refused
    record(request, "view", plan)
    entries = (RegisterEntry.objects.filter(review=review)
               .select_related("addressee", "confirmed_by", "replaced_by")
               .prefetch_related("sources").order_by("state", "pk"))
    today = date.today()
    active = []
    for e in entries:
        row = present.entry_row(e)
        row["sources"] = present.source_data(e)
        row["actions"] = [present.action_row(a, today)
                          for a in e.actions.select_related("lead_agency", "owner")]
        active.append(row)
    may_change = can(request.user, "change", plan)
    data = {
        "review": {"reference": review.reference, "title": review.title,
                   "area": review.local_authority.name, "url": review.get_absolute_url()},
        "plan": {"start_date": plan.start_date if plan.pk else None},
        "entries": [r for r in active if r["state"] == RegisterEntry.ACTIVE],
        "replaced": [r for r in active if r["state"] != RegisterEntry.ACTIVE],
        "suggestions": [{"id": s.id, "number": s.number, "text": s.text,
                         "addressee": s.addressee_label, "addressee_id": s.addressee_id,
                         "document": s.document_title, "version_number": s.version_number,
                         "page": s.page, "start": s.start, "end": s.end}
                        for s in services.suggestions(review)] if may_change else [],
    }
    links = {"export_csv": reverse("register-export", args=[reference, "csv"]),
             "export_xlsx": reverse("register-export", args=[reference, "xlsx"])}
    return respond(request, "register/review.html", data, {
        "may_change": may_change, "agencies": _agencies(), **links}, links=links)


@require_POST
def plan_start(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "change")
    if refused:
        return refused
    to = reverse("register-review", args=[reference])
    try:
        start = _date(request.POST.get("start_date", ""))
        if start is None:
            raise RegisterError("Enter the date the action plan starts.")
        plan = services.start_plan(review, start, request.user)
    except RegisterError as exc:
        return _refused(request, plan, exc, to)
    return _changed(request, plan, f"plan starts {start}", "The plan's start date is saved.",
                    to, {"start_date": start})


@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "change")
    if refused:
        return refused
    to = reverse("register-review", args=[reference])
    try:
        entry = services.confirm(review, _int(request.POST.get("recommendation")) or 0,
                                 request.user, text=request.POST.get("text", ""),
                                 addressee=_int(request.POST.get("addressee")))
    except RegisterError as exc:
        return _refused(request, plan, exc, to)
    return _changed(request, entry, "confirmed into the register",
                    f"Recommendation {entry.number or ''} is in the register.".replace("  ", " "),
                    to, {"entry": present.entry_row(entry)})


@require_POST
def type_in(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "change")
    if refused:
        return refused
    to = reverse("register-review", args=[reference])
    try:
        entry = services.type_in(review, number=request.POST.get("number", ""),
                                 text=request.POST.get("text", ""), user=request.user,
                                 addressee=_int(request.POST.get("addressee")))
    except RegisterError as exc:
        return _refused(request, plan, exc, to)
    return _changed(request, entry, "typed into the register",
                    "The recommendation is in the register.", to,
                    {"entry": present.entry_row(entry)})


@require_POST
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "change")
    if refused:
        return refused
    to = reverse("register-review", args=[reference])
    ids = [i for i in (_int(v) for v in request.POST.getlist("entry")) if i]
    entries = list(RegisterEntry.objects.filter(pk__in=ids, review=review))
    try:
        if len(entries) != len(set(ids)):
            raise RegisterError("Choose recommendations of this review's register.")
        merged = services.merge(review, entries, request.POST.get("text", ""), request.user)
    except RegisterError as exc:
        return _refused(request, plan, exc, to)
    return _changed(request, merged, f"merged {', '.join(str(e.pk) for e in entries)}",
                    f"{len(entries)} recommendations merged into one.", to,
                    {"entry": present.entry_row(merged)})


# -- one entry --------------------------------------------------------------------------
@require_GET
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, refused = _object(request, RegisterEntry, entry_id, "view", MISSING_ENTRY)
    if refused:
        return refused
    record(request, "view", entry)
    today = date.today()
    plan = services.plan_of(entry.review)
    data = {**present.entry_row(entry), "review": entry.review.reference,
            "review_title": entry.review.title, "sources": present.source_data(entry),
            "appraisal": present.appraisal_data(entry),
            "rules_source": smart.load_rules().source,
            "actions": [present.action_row(a, today) for a in entry.actions.select_related(
                "lead_agency", "owner")],
            "parts": [present.entry_row(p) for p in entry.parts.all()],
            "plan_start": plan.start_date if plan else None}
    bands = [{"key": b.key, "label": b.label, "months": f"{b.min_months}-{b.max_months}"}
             for b in smart.load_rules().bands]
    return respond(request, "register/entry.html", data, {
        "may_change": can(request.user, "change", entry), "agencies": _agencies(),
        "roles": actionplan.lead_roles(), "bands": bands, "owners": _owners(entry.review),
        "verdicts": list(smart.VERDICTS.items())})


@require_GET
def entry_similar(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Recommended before? The passages of other reviews' recommendations sections nearest
    to this one, by the product's search (hybrid when passages are embedded, else keyword),
    so access and redaction are the search's own: a role sees only what it may."""
    entry, refused = _object(request, RegisterEntry, entry_id, "view", MISSING_ENTRY)
    if refused:
        return refused
    from ..ingestion.search import default_mode, search

    mode = default_mode()
    found = search(request.user, _similar_query(entry.text, mode), mode=mode,
                   section_kind="recommendations", limit=20)
    hits = [h for h in found.hits if h.review != entry.review.reference][:10]
    data = {"entry": present.entry_row(entry), "review": entry.review.reference,
            "mode": found.mode, "notice": found.notice, "similar": [h.as_dict() for h in hits]}
    return respond(request, "register/similar.html", data, {"similar_hits": hits})


def _similar_query(text: str, mode: str) -> str:
    """By meaning, the text itself; by wording alone, any of its longer words (a keyword
    search for the whole text would ask for every word and find only copies); ranking
    puts the passages sharing most of the rarer words first."""
    if mode != "keyword":
        return text
    words = dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z]{4,}", text))
    return " OR ".join(list(words)[:15])


def _entry_change(request: HttpRequest, entry_id: int):
    entry, refused = _object(request, RegisterEntry, entry_id, "change", MISSING_ENTRY)
    return entry, refused, (entry.get_absolute_url() if entry else "")


@require_POST
def entry_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, refused, to = _entry_change(request, entry_id)
    if refused:
        return refused
    text = request.POST.get("text")
    try:
        entry = services.correct(entry, _lock(request), request.user,
                                 addressee=_int(request.POST.get("addressee")),
                                 text=text if text is not None and text.strip() else None)
    except RegisterError as exc:
        return _refused(request, entry, exc, to)
    return _changed(request, entry, f"addressee {entry.addressee_label}",
                    f"Saved: addressed to {entry.addressee_label}.", to,
                    {"entry": present.entry_row(entry)})


@require_POST
def entry_split(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, refused, to = _entry_change(request, entry_id)
    if refused:
        return refused
    parts_text = request.POST.get("parts", "").replace("\r\n", "\n")
    texts = request.POST.getlist("part") or parts_text.split("\n\n")
    try:
        parts = services.split(entry.review, entry, texts, request.user)
    except RegisterError as exc:
        return _refused(request, entry, exc, to)
    return _changed(request, entry, f"split into {len(parts)}",
                    f"Split into {len(parts)} recommendations.",
                    reverse("register-review", args=[entry.review.reference]),
                    {"parts": [present.entry_row(p) for p in parts]})


@require_POST
def entry_appraise(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, refused, to = _entry_change(request, entry_id)
    if refused:
        return refused
    decided = []
    try:
        for c in smart.load_rules().criteria:
            verdict = request.POST.get(f"verdict_{c.key}", "")
            if verdict:
                services.appraise(entry, c.key, verdict,
                                  request.POST.get(f"reason_{c.key}", ""), request.user)
                decided.append(c.label)
        if not decided:
            raise RegisterError("Judge at least one criterion.")
    except RegisterError as exc:
        return _refused(request, entry, exc, to)
    return _changed(request, entry, "appraised " + ", ".join(decided),
                    "Appraisal saved: " + ", ".join(decided) + ".", to,
                    {"appraisal": present.appraisal_data(entry)})


def _owner(request: HttpRequest, review: Review) -> Any:
    pk = _int(request.POST.get("owner"))
    if not pk:
        return None
    if pk not in {o["id"] for o in _owners(review)}:
        raise RegisterError("The action's owner must be a partnership user of this area.")
    return User.objects.get(pk=pk)


def _action_input(request: HttpRequest, review: Review) -> dict[str, Any]:
    return {"description": request.POST.get("description", ""),
            "lead_agency": _int(request.POST.get("lead_agency")),
            "lead_role": request.POST.get("lead_role", ""),
            "priority": request.POST.get("priority", ""),
            "due": _date(request.POST.get("due_date", "")),
            "owner": _owner(request, review)}


@require_POST
def action_add(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, refused, to = _entry_change(request, entry_id)
    if refused:
        return refused
    try:
        action = services.add_action(entry, request.user, **_action_input(request, entry.review))
    except RegisterError as exc:
        return _refused(request, entry, exc, to)
    return _changed(request, action, "action added",
                    f"Action {action.reference} added, due {action.due_date:%d %B %Y}.", to,
                    {"action": present.action_row(action, date.today())})


# -- one action -------------------------------------------------------------------------
@require_GET
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action, refused = _object(request, Action, action_id, "view", MISSING_ACTION)
    if refused:
        return refused
    record(request, "view", action)
    data = present.action_data(request.user, action, date.today())
    review = action.plan.review
    docs = Document.objects.filter(review=review).order_by("title")
    linkable = [{"id": d.pk, "title": d.title} for d in docs if can(request.user, "view", d)]
    kinds = Term.objects.filter(vocabulary__key="document_kind", active=True).order_by("order")
    return respond(request, "register/action.html", data, {
        "agencies": _agencies(), "roles": actionplan.lead_roles(), "owners": _owners(review),
        "bands": smart.load_rules().bands, "documents": linkable,
        "kinds": [{"id": k.pk, "label": k.label, "confidential": k.attributes.get(
            "confidential", False)} for k in kinds]})


def _action_change(request: HttpRequest, action_id: int):
    action, refused = _object(request, Action, action_id, "change", MISSING_ACTION)
    return action, refused, (action.get_absolute_url() if action else "")


@require_POST
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action, refused, to = _action_change(request, action_id)
    if refused:
        return refused
    try:
        action = services.edit_action(action, _lock(request), request.user,
                                      **_action_input(request, action.plan.review))
    except RegisterError as exc:
        return _refused(request, action, exc, to)
    return _changed(request, action, "action edited", "The action is saved.", to,
                    {"action": present.action_row(action, date.today())})


@require_POST
def action_status(request: HttpRequest, action_id: int) -> HttpResponse:
    action, refused, to = _action_change(request, action_id)
    if refused:
        return refused
    target = request.POST.get("status", "")
    try:
        action = services.move(action, _lock(request), target, request.user,
                               request.POST.get("note", ""))
    except RegisterError as exc:
        return _refused(request, action, exc, to)
    label = actionplan.status_rules().label(action.status)
    return _changed(request, action, f"status {action.status}", f"The action is now: {label}.",
                    to, {"action": present.action_row(action, date.today())})


@require_POST
def action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    action, refused, to = _action_change(request, action_id)
    if refused:
        return refused
    try:
        services.add_update(action, request.POST.get("text", ""), request.user)
    except RegisterError as exc:
        return _refused(request, action, exc, to)
    return _changed(request, action, "progress update", "Progress update added.", to)


@require_POST
def action_evidence(request: HttpRequest, action_id: int) -> HttpResponse:
    action, refused, to = _action_change(request, action_id)
    if refused:
        return refused
    description = request.POST.get("description", "").strip()
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            kind = Term.objects.filter(pk=_int(request.POST.get("kind")),
                                       vocabulary__key="document_kind").first()
            if kind is None:
                raise RegisterError("Choose what kind of document the evidence is.")
            evidence = services.upload_evidence(action, filename=upload.name, stream=upload,
                                                kind=kind, description=description,
                                                user=request.user)
        else:
            document = None
            doc_id = _int(request.POST.get("document"))
            if doc_id:
                document = Document.objects.filter(pk=doc_id,
                                                   review=action.plan.review).first()
                if document is None or not can(request.user, "view", document):
                    raise RegisterError("Choose one of this review's documents.")
            evidence = services.link_evidence(action, document=document,
                                              description=description, user=request.user)
    except RegisterError as exc:
        return _refused(request, action, exc, to)
    return _changed(request, action, f"evidence {evidence.pk}", "Evidence added.", to,
                    {"evidence": present.evidence_row(evidence)})


# -- dashboard, export, import ------------------------------------------------------------
@require_GET
def plans_dashboard(request: HttpRequest) -> HttpResponse:
    from observatory_core.access import NOWHERE, reach

    from ..accounts.access import role_of

    how = reach(role_of(request.user), "action_plan", "view")
    if how == NOWHERE or (how != "everywhere" and not areas_of(request.user)):
        record(request, "view", None, kind="action_plan", allowed=False)
        if not request.user.is_authenticated and not wants_json(request):
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return error(request, 403, "Action plans are for partnerships, analysts and "
                                   "administrators.")
    record(request, "view", None, kind="action_plan", detail="dashboard")
    data = dashboard.build(request.user, date.today())
    return respond(request, "register/dashboard.html", data)


@require_GET
def export(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return error(request, 404, "Action plans export as csv or xlsx.")
    review, plan, refused = _review(request, reference, "download")
    if refused:
        return refused
    record(request, "export", plan, detail=fmt)
    body, media = exchange.export_plan(request.user, review, fmt)
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{reference}-action-plan.{fmt}"'
    return response


def import_plan(request: HttpRequest, reference: str) -> HttpResponse:
    review, plan, refused = _review(request, reference, "change")
    if refused:
        return refused
    problems: list[str] = []
    summary = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = ["Choose a CSV or XLSX file."]
        else:
            try:
                report = exchange.import_plan(review, upload.name, upload.read(), request.user)
            except TableError as exc:
                problems = [str(exc)]
            else:
                problems = [str(p) for p in report.problems]
                summary = report.summary
        if problems:
            status = 400
            refused_input(request, "import", plan, name=upload.name if upload else "",
                          reason="; ".join(problems[:5]))
        else:
            record(request, "import", plan, detail=summary)
            if not wants_json(request):
                messages.success(request, summary)
                return redirect("register-review", reference)
    return respond(request, "register/import.html",
                   {"review": reference, "problems": problems, "summary": summary},
                   status=status)
