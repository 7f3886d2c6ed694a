"""Home, controlled lists and the audit log."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse

from observatory_core.access import allowed
from observatory_core.citations import plain
from observatory_core.tabular import write_csv, write_xlsx

from ..accounts.access import role_of
from ..audit.display import hidden_kinds, shown
from ..audit.log import record
from ..audit.models import ACTIONS, AuditEvent
from ..repository.filters import visible_reviews
from ..vocabularies.models import Vocabulary
from .audit_filters import AuditFilter
from .render import error, respond
from .work import work_for


def home(request: HttpRequest) -> HttpResponse:
    """Each role's own work first (web/work.py), then the latest learning."""
    reviews = visible_reviews(request.user)
    by_outcome = list(reviews.values("outcome__label").annotate(n=Count("id")).order_by("-n"))
    data = {
        "reviews": reviews.count(),
        "by_outcome": {row["outcome__label"] or "Not known": row["n"] for row in by_outcome},
        **work_for(request.user),
    }
    return respond(request, "web/home.html", data)


def vocabulary_list(request: HttpRequest) -> HttpResponse:
    vocabularies = Vocabulary.objects.prefetch_related("terms")
    data = {"vocabularies": [
        {"key": v.key, "label": v.label, "source": plain(v.source), "multiple": v.multiple,
         "terms": [{"code": t.code, "label": t.label, "active": t.active,
                    "description": plain(t.description)} for t in v.terms.all()]}
        for v in vocabularies]}
    return respond(request, "web/vocabulary_list.html", data)


def audit_list(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    if not allowed(role, "audit_log", "view"):
        record(request, "view", kind="audit_log", allowed=False)
        return error(request, 403 if request.user.is_authenticated else 404,
                     "The audit log is only for administrators and the steering group.")
    audit_filter = AuditFilter.from_query(request.GET)
    if audit_filter.problems:
        return respond(request, "web/audit_list.html", {"count": 0, "events": [],
                                                        "errors": audit_filter.problems},
                       {"f": audit_filter, "actions": ACTIONS,
                        "error_fields": [p["field"] for p in audit_filter.problems]},
                       status=400)
    events = audit_filter.apply(AuditEvent.objects.all(), hidden_kinds(request.user))
    export = request.GET.get("download")
    if export in ("csv", "xlsx"):
        return _audit_export(request, events, export, audit_filter)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    data = {"count": page.paginator.count, "filters": audit_filter.active(),
            # Names and search terms as the reader may see them (audit/display.py).
            "events": shown(page.object_list, request.user)}
    return respond(request, "web/audit_list.html", data, {
        "page_obj": page, "f": audit_filter, "actions": ACTIONS,
        "query": audit_filter.querystring(),
        "may_export": allowed(role, "audit_log", "download")})


def my_history(request: HttpRequest) -> HttpResponse:
    """A person's own access history: the audit events written about what they did."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not allowed(role_of(request.user), "own_access_history", "view"):
        record(request, "view", kind="own_access_history", allowed=False)
        return error(request, 403, "Your account has no access history to show.")
    events = AuditEvent.objects.filter(user=request.user)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    data = {"count": page.paginator.count, "events": shown(page.object_list, request.user)}
    return respond(request, "web/my_history.html", data, {"page_obj": page})


def two_factor(request: HttpRequest) -> HttpResponse:
    """The second factor after the password: set up an authenticator app the first time
    (key shown, a first code confirms it, recovery codes shown once), else give a code."""
    from django.shortcuts import redirect

    from ..accounts import twofactor

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not twofactor.required(request.user):
        return redirect("/")
    setting_up = twofactor.confirmed_device(request.user) is None
    problem, codes = "", None
    if request.method == "POST":
        code = request.POST.get("code", "")
        if setting_up:
            codes = twofactor.confirm_setup(request, code)
            problem = "" if codes else "That code is not right: check the time on your device."
        elif twofactor.verify(request, code):
            return redirect(twofactor.next_url(request))
        else:
            problem = "That code is not right, or has been used."
    context = {"setting_up": setting_up and codes is None, "codes": codes,
               "next": twofactor.next_url(request), "problem": problem}
    if context["setting_up"]:
        device = twofactor.pending_device(request.user)
        context.update(key=twofactor.manual_key(device), uri=device.config_url)
    data = {"setting_up": context["setting_up"], "verified": twofactor.verified(request.user),
            **({"errors": [problem]} if problem else {})}
    return respond(request, "web/two_factor.html", data, context,
                   status=400 if problem else 200)


AUDIT_COLUMNS = ["at", "username", "role", "action", "allowed", "object_kind", "object_id",
                 "object", "confidential", "channel", "path"]
AUDIT_EXPORT_LIMIT = 100_000


def _audit_export(request: HttpRequest, events, fmt: str, audit_filter: AuditFilter):
    """The filtered events as CSV or XLSX (the same rows as the page), for those the policy
    lets download the audit log; the export is itself audited."""
    if not allowed(role_of(request.user), "audit_log", "download"):
        record(request, "download", kind="audit_log", allowed=False)
        return error(request, 403, "Only administrators may export the audit log.")
    rows = [{**row, "at": row["at"].isoformat()}
            for row in shown(events[:AUDIT_EXPORT_LIMIT], request.user)]
    record(request, "download", kind="audit_log",
           detail=f"audit export {fmt}: {len(rows)} events {audit_filter.active()}")
    body = write_xlsx(rows, AUDIT_COLUMNS, sheet="audit") if fmt == "xlsx" else \
        write_csv(rows, AUDIT_COLUMNS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8" if fmt == "csv" else
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="audit-log.{fmt}"'
    return response
