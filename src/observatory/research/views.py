"""Research access pages: apply, follow an application, decide it, use a grant (extracts
and output checking), revoke it. Every page is also JSON; every refusal is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from observatory_core.access import allowed

from ..accounts.access import can, role_of
from ..audit.log import record
from ..web.params import BadParameter, int_param
from ..web.render import error, respond, wants_json
from . import extracts, outputs, services
from .forms import ApplicationForm, ApproveForm, ResultsForm, TextForm
from .grants import held_by, scope_of
from .models import Application, Grant, ResultsTable
from .services import ResearchError


def _signed_in(request: HttpRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    record(request, "view", kind="research_application", allowed=False,
           detail="research access needs signing in")
    if wants_json(request):
        return error(request, 401, "Sign in to use research access.")
    return redirect_to_login(request.get_full_path())


def _failed(request: HttpRequest, exc: ResearchError, back: Any) -> HttpResponse:
    if wants_json(request) or back is None:
        return error(request, exc.status, " ".join(exc.problems))
    for problem in exc.problems:
        messages.error(request, problem)
    return redirect(back)


def _done(request: HttpRequest, message: str, to: Any) -> HttpResponse:
    if wants_json(request):
        return respond(request, "", {"message": message,
                                     "url": to if isinstance(to, str) else
                                     to.get_absolute_url()})
    messages.success(request, message)
    return redirect(to)


def _scope_labels(application: Application) -> dict[str, list[str]]:
    """The scope as people read it: region and area names, field and kind labels."""
    from observatory_core.dataset import FIELDS

    from ..vocabularies.models import LocalAuthority, Term

    fields = {spec.name: spec.label for spec in FIELDS}
    kinds = dict(Term.objects.filter(vocabulary__key="document_kind").values_list(
        "code", "label"))
    regions = dict(LocalAuthority.objects.filter(region_code__in=application.regions)
                   .values_list("region_code", "region_name"))
    areas = dict(LocalAuthority.objects.filter(gss_code__in=application.areas)
                 .values_list("gss_code", "name"))
    return {"regions": [regions.get(c, c) for c in application.regions],
            "areas": [areas.get(c, c) for c in application.areas],
            "fields": [fields.get(f, f) for f in application.fields],
            "document_kinds": [kinds.get(k, k) for k in application.document_kinds]}


def _application_row(application: Application) -> dict[str, Any]:
    grant = Grant.objects.filter(application=application).first()
    return {"id": application.pk, "reference": application.reference,
            "title": application.title, "applicant": application.applicant.username,
            "status": application.status, "status_label": application.get_status_display(),
            "updated_at": application.updated_at, "url": application.get_absolute_url(),
            "grant": grant.reference if grant else None,
            "grant_url": grant.get_absolute_url() if grant else None}


def index(request: HttpRequest) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    user = request.user
    mine = Application.objects.filter(held_by_q(user)).distinct()
    handling = (Application.objects.all()
                if allowed(role_of(user), "research_application", "view")
                else Application.objects.none())
    grants = Grant.objects.filter(held_by(user)).distinct().select_related("application")
    data = {
        "may_apply": services.may_apply(user),
        "my_applications": [_application_row(a) for a in mine],
        "to_handle": [_application_row(a) for a in handling.exclude(pk__in=mine)],
        "my_grants": [_grant_row(g) for g in grants],
    }
    record(request, "view", kind="research_application", detail="research access list")
    return respond(request, "research/index.html", data)


def held_by_q(user: Any) -> Q:
    return Q(applicant=user) | Q(members=user)


def _grant_row(grant: Grant) -> dict[str, Any]:
    return {"id": grant.pk, "reference": grant.reference, "title": grant.application.title,
            "state": grant.state, "starts": grant.starts, "ends": grant.ends,
            "url": grant.get_absolute_url()}


def apply(request: HttpRequest, application_id: int | None = None) -> HttpResponse:
    """A new application, or (with ``application_id``) a returned one changed and sent
    again."""
    if (refused := _signed_in(request)) is not None:
        return refused
    application = None
    if application_id is not None:
        application = Application.objects.filter(pk=application_id).first()
        if application is None or not services.may_view(request.user, application):
            record(request, "change", application, kind="research_application",
                   allowed=False, detail="resubmission of an unknown or unseen application")
            return error(request, 404, "There is no such application.")
        if (application.applicant_id != request.user.pk
                or application.status != Application.Status.RETURNED):
            record(request, "change", application, allowed=False,
                   detail="resubmission refused: not returned to this applicant")
            return error(request, 403, "Only the applicant may change an application that "
                                       "was returned to them.")
    elif not services.may_apply(request.user):
        record(request, "create", kind="research_application", allowed=False,
               detail="may not apply for research access")
        return error(request, 403, "Only researchers may apply for research access.")
    problems: list[str] = []
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES)
        if form.is_valid():
            evidence = form.cleaned_data.get("ethics_evidence")
            try:
                if application is None:
                    application = services.submit(request.user, form.proposal(), evidence,
                                                  request)
                    return _done(request, f"Application {application.reference} submitted.",
                                 application)
                services.resubmit(application, request.user, form.proposal(), evidence,
                                  request)
                return _done(request, f"Application {application.reference} sent again.",
                             application)
            except ResearchError as exc:
                problems = exc.problems
        else:
            record(request, "create", kind="research_application", allowed=False,
                   detail="application form not valid")
        status = 400
    else:
        form = ApplicationForm(initial=ApplicationForm.initial_from(application)
                               if application else None)
        status = 200
    data = {"application": _application_row(application) if application else None,
            "problems": problems,
            "errors": {k: [str(e) for e in v] for k, v in form.errors.items()}}
    return respond(request, "research/apply.html", data, {"form": form}, status=status)


def _application(request: HttpRequest, application_id: int):
    application = Application.objects.filter(pk=application_id).select_related(
        "applicant").first()
    if application is None or not services.may_view(request.user, application):
        record(request, "view", application, kind="research_application", allowed=False)
        return None, error(request, 404, "There is no such application.")
    return application, None


def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    application, failed = _application(request, application_id)
    if failed:
        return failed
    record(request, "view", application)
    grant = Grant.objects.filter(application=application).first()
    history = [{"at": e.at, "by": e.user.username if e.user else "the service",
                "action": e.action, "text": e.text, "snapshot": e.snapshot}
               for e in application.events.select_related("user")]
    handler = can(request.user, "change", application)
    data = {
        **_application_row(application),
        "purpose": application.purpose, "public_benefit": application.public_benefit,
        "questions": application.questions,
        "scope": {"regions": application.regions, "areas": application.areas,
                  "years": [application.year_from, application.year_to],
                  "fields": application.fields, "document_kinds": application.document_kinds,
                  "coded_data": application.coded_data},
        "data_protection_basis": application.data_protection_basis,
        "ethics_evidence": {"filename": application.ethics_filename,
                            "sha256": application.ethics_sha256},
        "members": [m.username for m in application.members.all()],
        "period": [application.starts, application.ends],
        "terms_accepted": application.terms_accepted,
        "history": history,
        "may_handle": handler and application.status == Application.Status.SUBMITTED,
        "may_resubmit": (application.applicant_id == request.user.pk
                         and application.status == Application.Status.RETURNED),
    }
    return respond(request, "research/application.html", data,
                   {"comment_form": TextForm(), "approve_form": ApproveForm(
                       initial={"ends": application.ends}), "grant": grant,
                    "shown": _scope_labels(application)})


def evidence_download(request: HttpRequest, application_id: int) -> HttpResponse:
    """The ethics evidence, for the steering group and the project's own people."""
    if (refused := _signed_in(request)) is not None:
        return refused
    application, failed = _application(request, application_id)
    if failed:
        return failed
    if not application.ethics_path:
        return error(request, 404, "This application has no evidence file.")
    from django.core.files.storage import storages
    from django.http import FileResponse

    record(request, "download", application,
           detail=f"ethics evidence {application.ethics_filename}")
    return FileResponse(storages["confidential"].open(application.ethics_path, "rb"),
                        as_attachment=True, filename=application.ethics_filename)


@require_POST
def application_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    application, failed = _application(request, application_id)
    if failed:
        return failed
    text = request.POST.get("text", "")
    try:
        if action == "comment":
            services.comment(application, request.user, text, request)
            return _done(request, "Comment added.", application)
        if action == "return":
            services.return_for_changes(application, request.user, text, request)
            return _done(request, "Returned to the applicant for changes.", application)
        if action == "refuse":
            services.refuse(application, request.user, text, request)
            return _done(request, "Application refused.", application)
        form = ApproveForm(request.POST)
        if not form.is_valid():
            raise ResearchError([str(e) for errs in form.errors.values() for e in errs])
        grant = services.approve(application, request.user, ends=form.cleaned_data["ends"],
                                 conditions=form.cleaned_data["conditions"],
                                 coarsen_dates=form.cleaned_data["coarsen_dates"],
                                 request=request)
        return _done(request, f"Approved: grant {grant.reference}.", application)
    except ResearchError as exc:
        return _failed(request, exc, application)


def _grant(request: HttpRequest, grant_id: int):
    grant = Grant.objects.filter(pk=grant_id).select_related("application").first()
    if grant is None or not services.may_view(request.user, grant.application):
        record(request, "view", grant, kind="research_application", allowed=False)
        return None, error(request, 404, "There is no such grant.")
    return grant, None


def _narrowing(request: HttpRequest) -> extracts.Narrowing:
    query = request.GET
    return extracts.Narrowing(
        year_from=int_param(query, "year_from", minimum=1900, maximum=2100),
        year_to=int_param(query, "year_to", minimum=1900, maximum=2100),
        area=int_param(query, "area"))


def grant_detail(request: HttpRequest, grant_id: int) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    grant, failed = _grant(request, grant_id)
    if failed:
        return failed
    holder = services.is_holder(request.user, grant.application)
    active = grant.is_active()
    try:
        narrowing = _narrowing(request)
    except BadParameter as exc:
        return error(request, 400, str(exc))
    links: dict[str, str] = {}
    if holder and active:
        outside = extracts.check_narrowing(grant, narrowing)
        if outside:
            record(request, "download", grant, kind="research_application", allowed=False,
                   detail="extract outside the grant: " + " ".join(outside))
            return error(request, 403, " ".join(outside))
        links = {fmt: reverse("research-extract",
                              args=[extracts.link_token(grant, request.user, fmt, narrowing)])
                 for fmt in extracts.FORMATS}
    elif holder and not active and any(request.GET.get(k) for k in ("year_from", "year_to",
                                                                     "area")):
        record(request, "download", grant, kind="research_application", allowed=False,
               detail=f"extract refused: grant {grant.state}")
        return error(request, 403, f"This grant is {grant.state}: no extracts.")
    record(request, "view", grant)
    scope = scope_of(grant)
    data = {
        **_grant_row(grant),
        "application": grant.application.reference,
        "application_url": grant.application.get_absolute_url(),
        "conditions": grant.conditions, "coarsen_dates": grant.coarsen_dates,
        "holders": [grant.application.applicant.username,
                    *(m.username for m in grant.application.members.all())],
        "scope": {"regions": grant.application.regions, "areas": grant.application.areas,
                  "years": [scope.year_from, scope.year_to],
                  "document_kinds": grant.application.document_kinds,
                  "fields": list(scope.fields)},
        "reviews_in_scope": extracts.reviews_in(grant).count() if (holder or can(
            request.user, "view", grant)) else None,
        "revoked": {"at": grant.revoked_at, "reason": grant.revoke_reason}
        if grant.revoked_at else None,
        "extract_links": links, "narrowed_to": narrowing.as_dict(),
        "dictionary": extracts.dictionary(grant),
        "outputs": [_output_row(o) for o in grant.outputs.all()],
        "may_revoke": can(request.user, "change", grant) and grant.revoked_at is None,
        "may_upload": holder and active,
    }
    how = {"none": "whole dates", "month": "year and month", "year": "year only"}
    return respond(request, "research/grant.html", data,
                   {"results_form": ResultsForm(), "revoke_form": TextForm(),
                    "shown": _scope_labels(grant.application),
                    "dates_shown": how.get(grant.coarsen_dates, grant.coarsen_dates)})


def extract_download(request: HttpRequest, token: str) -> HttpResponse:
    """One extract file, through a signed link: refused (and audited) when the link was
    changed, has expired, is someone else's, or the grant is no longer active."""
    if (refused := _signed_in(request)) is not None:
        return refused
    try:
        claims = extracts.read_token(token)
    except extracts.ExtractRefused as exc:
        record(request, "download", kind="research_application", allowed=False,
               detail=f"extract link refused: {exc}")
        return error(request, 403, str(exc))
    grant = Grant.objects.filter(pk=claims.get("grant")).select_related("application").first()
    fmt = claims.get("format")
    if (grant is None or claims.get("user") != request.user.pk or fmt not in extracts.FORMATS
            or not services.is_holder(request.user, grant.application)):
        record(request, "download", grant, kind="research_application", allowed=False,
               detail="extract link refused: not this person's grant")
        return error(request, 403, "This download link is not yours.")
    if not grant.is_active():
        record(request, "download", grant, allowed=False,
               detail=f"extract refused: grant {grant.state}")
        return error(request, 403, f"This grant is {grant.state}: no extracts.")
    narrowing = extracts.Narrowing(claims.get("year_from"), claims.get("year_to"),
                                   claims.get("area"))
    outside = extracts.check_narrowing(grant, narrowing)
    if outside:
        record(request, "download", grant, allowed=False,
               detail="extract outside the grant: " + " ".join(outside))
        return error(request, 403, " ".join(outside))
    content, media_type, filename = extracts.build(grant, request.user, fmt, narrowing)
    record(request, "download", grant,
           detail=f"extract {filename}: {extracts.reviews_in(grant, narrowing).count()} reviews")
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    grant, failed = _grant(request, grant_id)
    if failed:
        return failed
    try:
        services.revoke(grant, request.user, request.POST.get("text", ""), request)
    except ResearchError as exc:
        return _failed(request, exc, grant)
    return _done(request, f"Grant {grant.reference} revoked.", grant)


def _output_row(output: ResultsTable) -> dict[str, Any]:
    return {"id": output.pk, "name": output.name, "filename": output.filename,
            "status": output.status, "status_label": output.get_status_display(),
            "findings": output.findings, "uploaded_at": output.uploaded_at,
            "uploaded_by": output.uploaded_by.username, "url": output.get_absolute_url()}


@require_POST
def output_upload(request: HttpRequest, grant_id: int) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    grant, failed = _grant(request, grant_id)
    if failed:
        return failed
    form = ResultsForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, ResearchError(
            [str(e) for errs in form.errors.values() for e in errs]), grant)
    upload = form.cleaned_data["file"]
    try:
        output = outputs.upload(grant, request.user, form.cleaned_data["name"], upload.name,
                                upload.read(), request)
    except ResearchError as exc:
        return _failed(request, exc, grant)
    message = ("The table passed the checks; it is released once the steering group "
               "records its decision." if output.status == ResultsTable.Status.PASSED
               else "The table is held by the checks; see the reasons below.")
    return _done(request, message, output)


def _output(request: HttpRequest, output_id: int):
    output = ResultsTable.objects.filter(pk=output_id).select_related(
        "grant__application").first()
    if output is None or not (services.is_holder(request.user, output.grant.application)
                              or can(request.user, "view", output)):
        record(request, "view", output, kind="research_output", allowed=False)
        return None, error(request, 404, "There is no such results table.")
    return output, None


def output_detail(request: HttpRequest, output_id: int) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    output, failed = _output(request, output_id)
    if failed:
        return failed
    record(request, "view", output)
    holder = services.is_holder(request.user, output.grant.application)
    data = {**_output_row(output), "grant": output.grant.reference,
            "grant_url": output.grant.get_absolute_url(), "rows": output.rows,
            "justification": output.justification,
            "decision": {"by": output.decided_by.username, "at": output.decided_at,
                         "reason": output.decision_reason} if output.decided_by else None,
            "may_ask_exception": holder and output.status == ResultsTable.Status.HELD,
            "may_decide": (can(request.user, "change", output) and not holder
                           and output.status in (ResultsTable.Status.PASSED,
                                                 ResultsTable.Status.EXCEPTION,
                                                 ResultsTable.Status.HELD)),
            "releasable": output.releasable}
    columns = list(output.rows[0].keys()) if output.rows else []
    return respond(request, "research/output.html", data,
                   {"columns": columns, "text_form": TextForm()})


@require_POST
def output_action(request: HttpRequest, output_id: int, action: str) -> HttpResponse:
    if (refused := _signed_in(request)) is not None:
        return refused
    output, failed = _output(request, output_id)
    if failed:
        return failed
    text = request.POST.get("text", "")
    try:
        if action == "exception":
            outputs.ask_exception(output, request.user, text, request)
            return _done(request, "Exception asked for; a second person will decide.", output)
        outputs.decide(output, request.user, action == "release", text, request)
    except ResearchError as exc:
        return _failed(request, exc, output)
    return _done(request, "Decision recorded.", output)


def output_download(request: HttpRequest, output_id: int) -> HttpResponse:
    """A results table leaves only after a recorded decision to release it."""
    if (refused := _signed_in(request)) is not None:
        return refused
    output, failed = _output(request, output_id)
    if failed:
        return failed
    if not output.releasable:
        record(request, "download", output, allowed=False,
               detail=f"results table not released ({output.status})")
        return error(request, 403, "This table has not been released.")
    record(request, "download", output, detail="released results table")
    response = HttpResponse(bytes(output.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    return response

