"""Delphi pages: organisers (steering group, administrators) run studies; participants
answer through their personal link without an account. Every page is also JSON."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from observatory_core.access import allowed
from observatory_core.citations import plain
from observatory_core.consensus import LABELS, SCALE
from observatory_core.tabular import TableError, read_table, write_csv, write_xlsx

from ..accounts.access import can, role_of
from ..audit.log import record, refused_input
from ..web.params import int_param
from ..web.render import error, respond, wants_json
from . import services
from .charts import stacked_bars
from .forms import (
    ImportForm,
    InviteForm,
    ReviseForm,
    RuleForm,
    SectionForm,
    StatementForm,
    StudyForm,
)
from .models import Participant, Round, StatementVersion, Study, Submission
from .services import DelphiError

KIND = "delphi_study"


def _refuse(request: HttpRequest, action: str, obj: Any = None) -> HttpResponse:
    record(request, action, obj, kind=KIND, allowed=False)
    if not request.user.is_authenticated and not wants_json(request):
        return redirect_to_login(request.get_full_path())
    if obj is not None and action != "view" and can(request.user, "view", obj):
        return error(request, 403, "Only the steering group and administrators run studies.")
    return error(request, 404 if obj is not None else 403,
                 "There is no such study." if obj is not None
                 else "Only the steering group, administrators and analysts see consultations.")


def _study(request: HttpRequest, study_id: int, action: str = "view"):
    study = Study.objects.filter(pk=study_id).first()
    if study is None:
        return None, error(request, 404, "There is no such study.")
    if not can(request.user, action, study):
        return None, _refuse(request, action, study)
    return study, None


def _failed(request: HttpRequest, study: Study, exc: DelphiError, action: str = "change"):
    record(request, action, study, allowed=False, detail=str(exc))
    if wants_json(request):
        return error(request, exc.status, str(exc))
    messages.error(request, str(exc))
    return redirect(study)


def _done(request: HttpRequest, study: Study, detail: str, message: str = "") -> HttpResponse:
    """The common end of an organiser's change: audit it, tell them, back to the study."""
    record(request, "change", study, detail=detail)
    messages.success(request, message or detail[0].upper() + detail[1:])
    return redirect(study)


def _may_organise(request: HttpRequest) -> bool:
    return allowed(role_of(request.user), KIND, "change")


# -- studies ------------------------------------------------------------------------------
def study_list(request: HttpRequest) -> HttpResponse:
    if not allowed(role_of(request.user), KIND, "view"):
        return _refuse(request, "view")
    studies = Study.objects.prefetch_related("rounds")
    data = {"studies": [{
        "id": s.pk, "title": s.title, "imported": s.imported, "rule": s.rule_key,
        "rounds": [{"number": r.number, "status": r.status} for r in s.rounds.all()],
        "url": s.get_absolute_url()} for s in studies]}
    return respond(request, "consultation/study_list.html", data,
                   {"can_organise": _may_organise(request)})


def study_create(request: HttpRequest) -> HttpResponse:
    if not _may_organise(request):
        return _refuse(request, "create")
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            study = services.create_study(form.cleaned_data["title"],
                                          rule_key=form.cleaned_data["rule"],
                                          description=form.cleaned_data["description"],
                                          user=request.user)
        except DelphiError as exc:
            form.add_error(None, str(exc))
        else:
            record(request, "create", study, detail=f"rule {study.rule_key}")
            messages.success(request, f"Study '{study.title}' created")
            return redirect(study)
    return render(request, "consultation/study_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def study_import(request: HttpRequest) -> HttpResponse:
    if not _may_organise(request):
        return _refuse(request, "import")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload.name, upload.read())
        except TableError as exc:
            refused_input(request, "import", kind=KIND, name=upload.name, reason=str(exc))
            form.add_error("file", str(exc))
        else:
            report = services.import_aggregates(
                rows, form.cleaned_data["values"], title=form.cleaned_data["title"],
                source=form.cleaned_data["source"], user=request.user)
            if report.ok:
                record(request, "import", report.study,
                       detail=f"{upload.name}: {report.statements} statements, "
                              f"{report.rounds} rounds")
                messages.success(request, f"Imported {report.statements} statements in "
                                          f"{report.rounds} rounds")
                return redirect(report.study)
            problems = report.problems
            refused_input(request, "import", kind=KIND, name=upload.name,
                          reason=f"{len(problems)} problem(s)")
    elif request.method == "POST":
        refused_input(request, "import", kind=KIND, name=getattr(
            request.FILES.get("file"), "name", "(no file)"), reason="the form has errors")
    if wants_json(request) and request.method == "POST":
        return respond(request, "consultation/import_form.html",
                       {"problems": [vars(p) for p in problems],
                        "errors": form.errors.get_json_data()}, status=400)
    return render(request, "consultation/import_form.html", {"form": form, "problems": problems},
                  status=400 if request.method == "POST" else 200)


def _round_data(rnd: Round) -> dict[str, Any]:
    return {"number": rnd.number, "status": rnd.status, "opens_at": rnd.opens_at,
            "closes_at": rnd.closes_at, "accepting_answers": rnd.accepting_answers}


def study_detail(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id)
    if refusal:
        return refusal
    record(request, "view", study)
    rounds = list(study.rounds.all())
    latest = rounds[-1]
    versions = list(latest.versions.select_related("statement__section")
                    .order_by("statement__section__position", "statement__number"))
    history = {}
    for v in StatementVersion.objects.filter(statement__study=study).select_related("round"):
        history.setdefault(v.statement_id, []).append(
            {"round": v.round.number, "text": v.text, "change": v.change})
    sections = []
    for section in study.sections.all():
        sections.append({"id": section.pk, "title": section.title,
                         "description": section.description, "statements": [
            {"id": v.statement_id, "version_id": v.pk, "number": v.statement.number,
             "text": v.text, "change": v.change,
             "history": sorted(history.get(v.statement_id, []), key=lambda h: h["round"])}
            for v in versions if v.statement.section_id == section.pk]})
    rule = study.consensus_rule()
    data = {
        "id": study.pk, "title": study.title, "description": study.description,
        "imported": study.imported, "source": plain(study.source),
        "rule": {"key": study.rule_key, "label": rule.label, "description": rule.describe(),
                 "locked": study.rule_locked or services.has_answers(study)},
        "rounds": [_round_data(r) for r in rounds],
        "current_round": latest.number,
        "sections": sections,
        "participation": services.participation(study),
    }
    can_change = can(request.user, "change", study) and not study.imported
    return respond(request, "consultation/study_detail.html", data, {
        "study": study, "latest": latest, "can_change": can_change,
        "editable": can_change and latest.status == Round.DRAFT,
        "section_form": SectionForm(),
        "statement_form": StatementForm(sections=study.sections.all()),
        "rule_form": RuleForm(initial={"rule": study.rule_key}),
        "scale": [(a, LABELS[a]) for a in SCALE],
    })


@require_POST
def study_rule(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    form = RuleForm(request.POST)
    if not form.is_valid():
        return _failed(request, study, DelphiError("Select a consensus rule"))
    before = study.rule_key
    try:
        services.change_rule(study, form.cleaned_data["rule"])
    except DelphiError as exc:
        return _failed(request, study, exc)
    return _done(request, study, f"consensus rule {before} -> {form.cleaned_data['rule']}",
                 "Consensus rule changed")


@require_POST
def section_add(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _failed(request, study, DelphiError("Enter a title for the section"))
    try:
        section = services.add_section(study, form.cleaned_data["title"],
                                       form.cleaned_data["description"])
    except DelphiError as exc:
        return _failed(request, study, exc)
    return _done(request, study, f"added section '{section.title}'",
                 f"Section '{section.title}' added")


@require_POST
def statement_add(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    form = StatementForm(request.POST, sections=study.sections.all())
    if not form.is_valid():
        return _failed(request, study, DelphiError(
            "Select a section of this study and enter the statement"))
    section = study.sections.get(pk=form.cleaned_data["section"])
    try:
        version = services.add_statement(study, section, form.cleaned_data["text"])
    except DelphiError as exc:
        return _failed(request, study, exc)
    return _done(request, study,
                 f"added statement {section.title} {version.statement.number}",
                 f"Statement {version.statement.number} added to {section.title}")


def statement_edit(request: HttpRequest, study_id: int, version_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    try:
        version = services.study_version(study, version_id)
    except DelphiError as exc:
        record(request, "change", study, allowed=False, detail=str(exc))
        return error(request, exc.status, str(exc))
    form = ReviseForm(request.POST or None, initial={"text": version.text})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        label = f"{version.statement.section.title} {version.statement.number}"
        try:
            if action == "drop":
                services.drop_statement(version)
                detail = f"dropped statement {label} from round {version.round.number}"
            elif action == "restore":
                services.restore_statement(version)
                detail = f"restored statement {label} in round {version.round.number}"
            elif form.is_valid():
                services.revise_statement(version, form.cleaned_data["text"])
                detail = f"statement {label} {version.change} for round {version.round.number}"
            else:
                return render(request, "consultation/statement_form.html",
                              {"form": form, "study": study, "version": version}, status=400)
        except DelphiError as exc:
            return _failed(request, study, exc)
        return _done(request, study, detail)
    return render(request, "consultation/statement_form.html",
                  {"form": form, "study": study, "version": version})


@require_POST
def round_action(request: HttpRequest, study_id: int, number: int, action: str) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    rnd = study.rounds.filter(number=number).first()
    if rnd is None:
        return error(request, 404, "There is no such round.")
    try:
        if action == "open":
            services.open_round(rnd)
        elif action == "close":
            services.close_round(rnd)
        else:
            return error(request, 404, "There is no such action.")
    except DelphiError as exc:
        return _failed(request, study, exc)
    return _done(request, study, f"{action} round {number}",
                 f"Round {number} {'opened' if action == 'open' else 'closed'}")


@require_POST
def round_next(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    try:
        rnd = services.start_next_round(study)
    except DelphiError as exc:
        return _failed(request, study, exc)
    return _done(request, study, f"started preparing round {rnd.number}",
                 f"Round {rnd.number} is being prepared: edit its statements, then open it")


# -- participants -------------------------------------------------------------------------
def participants(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change" if request.method == "POST" else "view")
    if refusal:
        return refusal
    if not can(request.user, "change", study):
        return _refuse(request, "change", study)
    form = InviteForm(request.POST or None)
    new_links: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.invite(study, form.cleaned_data["count"],
                                       days=form.cleaned_data["days"],
                                       note=form.cleaned_data["note"], user=request.user)
            except DelphiError as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                record(request, "create", study, detail=f"invited {len(made)} participants")
                new_links = [{"code": m.participant.code,
                              "url": request.build_absolute_uri(
                                  reverse("delphi-take", args=[m.token])),
                              "expires_at": m.participant.expires_at} for m in made]
                form = InviteForm()
        else:
            status = 400
    rows = []
    for p in study.participants.prefetch_related("submissions__round"):
        rounds = sorted(s.round.number for s in p.submissions.all()
                        if s.status == Submission.SUBMITTED)
        rows.append({"id": p.pk, "code": p.code, "note": p.note, "state": p.state,
                     "expires_at": p.expires_at, "submitted_rounds": rounds})
    data = {"study": {"id": study.pk, "title": study.title}, "participants": rows,
            "new_links": new_links}
    response = respond(request, "consultation/participants.html", data,
                       {"form": form, "object": study}, status=status)
    if new_links:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def participant_revoke(request: HttpRequest, study_id: int, participant_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id, "change")
    if refusal:
        return refusal
    participant = study.participants.filter(pk=participant_id).first()
    if participant is None:
        return error(request, 404, "There is no such participant in this study.")
    services.revoke(participant)
    record(request, "change", study, detail=f"revoked the link of {participant.code}")
    messages.success(request, f"The link of {participant.code} no longer works")
    return redirect("delphi-participants", study_id=study.pk)


# -- results ------------------------------------------------------------------------------
def _chosen_round(request: HttpRequest, study: Study):
    rounds = study.rounds.exclude(status=Round.DRAFT).order_by("number")
    if not rounds.exists():
        return None, error(request, 404, "No round of this study has opened yet.")
    wanted = int_param(request.GET, "round", minimum=1, label="round number")
    if wanted:
        rnd = rounds.filter(number=wanted).first()
        if rnd is None:
            return None, error(request, 404, f"There is no round {wanted} with results.")
        return rnd, None
    return rounds.last(), None


def results(request: HttpRequest, study_id: int) -> HttpResponse:
    study, refusal = _study(request, study_id)
    if refusal:
        return refusal
    rnd, missing = _chosen_round(request, study)
    if missing:
        return missing
    record(request, "view", study, detail=f"results of round {rnd.number}")
    data = services.round_results(study, rnd)
    data["participation"] = services.participation(study)
    charts = [stacked_bars(s["rows"], chart_id=f"chart-{i}",
                           title=f"Round {rnd.number} results: {s['title']}")
              for i, s in enumerate(data["sections"], start=1)]
    return respond(request, "consultation/results.html", data, {
        "study": study, "charts": charts,
        "section_charts": list(zip(data["sections"], charts, strict=True)),
        "round_numbers": list(study.rounds.exclude(status=Round.DRAFT)
                              .values_list("number", flat=True)),
    })


def export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        return error(request, 404, "Results can be exported as .csv or .xlsx.")
    study, refusal = _study(request, study_id, "download")
    if refusal:
        return refusal
    round_number = int_param(request.GET, "round", minimum=1, label="round number")
    rows = services.export_rows(study, round_number)
    record(request, "export", study, detail=f"{fmt}, {len(rows)} rows")
    name = f"delphi-study-{study.pk}" + (f"-round-{round_number}" if round_number else "")
    if fmt == "xlsx":
        body = write_xlsx(rows, services.EXPORT_COLUMNS, sheet="results")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = write_csv(rows, services.EXPORT_COLUMNS)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# -- participants answering by link -------------------------------------------------------
def _answers_from_post(post) -> dict[str, tuple[str, str]]:
    ids = {key.split("-", 1)[1] for key in post if key.startswith(("answer-", "comment-"))}
    return {i: (post.get(f"answer-{i}", "").strip(), post.get(f"comment-{i}", "").strip())
            for i in ids}


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # never leak the link elsewhere
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def take(request: HttpRequest, token: str) -> HttpResponse:
    try:
        participant = services.participant_for_token(token)
    except DelphiError as exc:
        return _private(error(request, exc.status, str(exc)))
    study = participant.study
    rnd = services.answering_round(study)
    problem = ""
    status = 200
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        if rnd is None:
            problem, status = "This study has not opened yet.", 409
        else:
            try:
                services.save_answers(participant, rnd, _answers_from_post(request.POST),
                                      submit=submit)
            except DelphiError as exc:
                problem, status = str(exc), exc.status
            else:
                if not wants_json(request):
                    messages.success(request, "Your answers have been submitted. Thank you."
                                     if submit else "Your answers have been saved. You can "
                                     "come back to this page with your link to finish.")
                    return _private(redirect("delphi-take", token=token))
        if wants_json(request) and problem:
            return _private(error(request, status, problem))
    data = _take_data(participant, rnd, request.POST if problem else None)
    data["problem"] = problem
    return _private(respond(request, "consultation/take.html", data,
                            {"token": token, "problem": problem, "scale": SCALE},
                            status=status))


def _take_data(participant: Participant, rnd: Round | None, posted=None) -> dict[str, Any]:
    study = participant.study
    base = {"study": {"title": study.title, "description": study.description}}
    if rnd is None:
        return {**base, "round": None, "state": "not_open", "sections": []}
    submission = Submission.objects.filter(participant=participant, round=rnd).first()
    saved = {r.version_id: r for r in submission.responses.all()} if submission else {}
    submitted = bool(submission and submission.status == Submission.SUBMITTED)
    state = ("submitted" if submitted else "open" if rnd.accepting_answers else "closed")
    feedback = services.feedback_for(participant, rnd)
    sections: dict[int, dict[str, Any]] = {}
    for version in services.asked_versions(rnd):
        section = version.statement.section
        entry = sections.setdefault(section.pk, {"title": section.title,
                                                 "description": section.description,
                                                 "statements": []})
        response = saved.get(version.pk)
        answer = response.answer if response else ""
        comment = response.comment if response else ""
        if posted is not None:
            answer = posted.get(f"answer-{version.pk}", answer)
            comment = posted.get(f"comment-{version.pk}", comment)
        entry["statements"].append({
            "id": version.pk, "number": version.statement.number, "text": version.text,
            "change": version.change, "answer": answer, "comment": comment,
            "feedback": feedback.get(version.statement_id),
        })
    return {**base, "round": rnd.number, "state": state,
            "closes_at": rnd.closes_at,
            "submitted_at": submission.submitted_at if submission else None,
            "answers": [{"value": a, "label": LABELS[a]} for a in SCALE],
            "sections": list(sections.values())}
