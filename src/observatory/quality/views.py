"""Quality Marker pages: the markers (anyone), a review's dialogue (its partnership only:
stages, one marker at one stage, the timeline, the board summary), and learning across
reviews (a partnership's own, national counts suppressed for the public). Every page is
also JSON; every refusal is audited and another partnership's dialogue looks missing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from observatory_core.quality import STAGES, load_markers
from observatory_core.stats import count_value, load_rule

from ..accounts.access import can
from ..analysis.present import present
from ..audit.log import record
from ..repository.models import Review
from ..web.access import allowed_or_page
from ..web.render import error, respond, wants_json
from . import export, learning, services
from .models import Dialogue, Entry, Participant
from .services import DialogueError
from .timescales import review_timescales

MISSING = "There is no such review, or it has no Quality Marker dialogue you can open."


# -- the markers ---------------------------------------------------------------------------
def marker_list(request: HttpRequest) -> HttpResponse:
    shipped = load_markers()
    rows = services.markers()
    clusters = [{"key": key, "label": label,
                 "markers": [{"number": m.number, "title": m.title, "statement": m.statement,
                              "url": m.get_absolute_url(), "version": m.version}
                             for m in rows if m.cluster == key]}
                for key, label in shipped.clusters.items()]
    stages = [{"key": s.key, "label": s.label, "purpose": s.purpose, "markers": list(s.markers)}
              for s in shipped.stages.values()]
    return respond(request, "quality/marker_list.html",
                   {"clusters": clusters, "stages": stages, "source": shipped.source})


def marker_detail(request: HttpRequest, number: int) -> HttpResponse:
    row = services.marker(number)
    if row is None:
        return error(request, 404, "There is no such Quality Marker.")
    return respond(request, "quality/marker_detail.html", {"marker": services.marker_data(row)},
                   {"can_edit": can(request.user, "change", row),
                    "admin_url": reverse("admin:quality_marker_change", args=[row.pk])})


# -- a review's dialogue ---------------------------------------------------------------------
def _dialogue(request: HttpRequest, reference: str, action: str = "view"
              ) -> tuple[Dialogue | None, HttpResponse | None]:
    review = Review.objects.filter(reference=reference).first()
    dialogue = services.dialogue_for(review) if review else None
    if dialogue is None:
        # Not started yet: whether the user could start one decides between "start it"
        # (handled by the caller) and the same 404 as anything hidden.
        if review is not None and can(request.user, "change", Dialogue(review=review)):
            return None, None
        record(request, action, review, kind="quality_dialogue", allowed=False)
        return None, error(request, 404, MISSING)
    found, page = allowed_or_page(request, dialogue, action, MISSING)
    return found, page


def _me(request: HttpRequest, dialogue: Dialogue) -> Participant | None:
    return services.participant_of(dialogue, request.user)


def dialogue_home(request: HttpRequest, reference: str) -> HttpResponse:
    dialogue, refusal = _dialogue(request, reference,
                                  "change" if request.method == "POST" else "view")
    if refusal:
        return refusal
    review = Review.objects.get(reference=reference)
    if request.method == "POST":
        role = _posted(request).get("role", "")
        try:  # start the dialogue, or join one already started
            if dialogue is None:
                dialogue = services.start_dialogue(review, request.user, role)
                done = "Quality Marker dialogue started"
            else:
                services.add_participant(dialogue, request.user, role)
                done = "You take part in the dialogue"
        except DialogueError as exc:
            return _failed(request, dialogue, exc, reverse("quality-dialogue", args=[reference]))
        record(request, "create", dialogue, detail=done)
        if wants_json(request):
            return respond(request, "quality/dialogue.html", {"done": done},
                           status=201)
        messages.success(request, done)
        return redirect(dialogue)
    if dialogue is None:
        return respond(request, "quality/dialogue_start.html",
                       {"review": {"reference": review.reference, "title": review.title},
                        "started": False, "roles": Participant.ROLES},
                       {"roles": Participant.ROLES})
    record(request, "view", dialogue)
    me = _me(request, dialogue)
    done = {(e.stage, e.marker) for e in dialogue.entries.all()}
    shipped = load_markers()
    titles = {m.number: m.title for m in services.markers()}
    stages = [{"key": s.key, "label": s.label, "purpose": s.purpose,
               "markers": [{"number": n, "title": titles[n], "recorded": (s.key, n) in done,
                            "url": reverse("quality-stage", args=[reference, s.key, n])}
                           for n in s.markers]}
              for s in shipped.stages.values()]
    data = {"review": {"reference": review.reference, "title": review.title,
                       "url": review.get_absolute_url()},
            "started": True,
            "participants": [{"name": services._name(p), "role": p.role}
                             for p in dialogue.participants.select_related("user")],
            "stages": stages, "timescales": review_timescales(review),
            "you": me.get_role_display() if me else None}
    return respond(request, "quality/dialogue.html", data, {
        "roles": Participant.ROLES, "can_change": can(request.user, "change", dialogue),
        "timeline_url": reverse("quality-timeline", args=[reference])})


def _failed(request: HttpRequest, dialogue: Dialogue | None, exc: DialogueError,
            back: str) -> HttpResponse:
    record(request, "change", dialogue, kind="quality_dialogue", allowed=False,
           detail=str(exc))
    if wants_json(request) or exc.status in (403, 404):
        return error(request, exc.status, str(exc))
    messages.error(request, str(exc))
    return redirect(back)


def participants(request: HttpRequest, reference: str) -> HttpResponse:
    if request.method != "POST":
        return error(request, 405, "Add a participant from the dialogue page.")
    dialogue, refusal = _dialogue(request, reference, "change")
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    from django.contrib.auth import get_user_model

    back = reverse("quality-dialogue", args=[reference])
    person = get_user_model().objects.filter(
        username=_posted(request).get("username", "").strip()).first()
    try:
        if _me(request, dialogue) is None:
            raise DialogueError("Join the dialogue before adding others.", 403)
        added = services.add_participant(dialogue, person, _posted(request).get("role", ""))
    except DialogueError as exc:
        return _failed(request, dialogue, exc, back)
    record(request, "change", dialogue, detail=f"participant {added}")
    if wants_json(request):
        return respond(request, "quality/dialogue.html", {"added": str(added)})
    messages.success(request, f"{added} takes part in the dialogue")
    return redirect(back)


def _posted(request: HttpRequest):
    """The form, without NUL characters (PostgreSQL cannot store them; no one types them),
    as Django's own form fields do."""
    post = request.POST.copy()
    for key in list(post):
        post.setlist(key, [v.replace("\x00", "") for v in post.getlist(key)])
    return post


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10]


def _lock(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def stage_marker(request: HttpRequest, reference: str, stage: str, number: int) -> HttpResponse:
    """One marker at one stage: the marker as this review uses it, everyone's entries, the
    viewer's own form, obstacles, evidence and next steps."""
    dialogue, refusal = _dialogue(request, reference,
                                  "change" if request.method == "POST" else "view")
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    if stage not in STAGES or str(number) not in dialogue.versions:
        return error(request, 404, "There is no such stage or marker.")
    me = _me(request, dialogue)
    here = reverse("quality-stage", args=[reference, stage, number])
    status, kept_words = 200, None
    if request.method == "POST":
        if me is None:
            return _failed(request, dialogue, DialogueError(
                "Join the dialogue before recording reflections.", 403), here)
        post = _posted(request)
        answers = {k[2:]: v for k, v in post.items() if k.startswith("q-")}
        try:
            entry = services.save_entry(
                dialogue, me, stage, number, answers=answers,
                where_we_are=post.get("where_we_are", ""), helped=post.get("helped", ""),
                found_hard=post.get("found_hard") == "yes",
                obstacle_ids=_ids(post.getlist("obstacles")),
                new_obstacle=post.get("new_obstacle", ""),
                entry_id=_lock(post.get("entry", "")), lock=_lock(post.get("lock", "")))
        except DialogueError as exc:
            if exc.status != 409:
                return _failed(request, dialogue, exc, here)
            record(request, "change", dialogue, allowed=False, detail=str(exc))
            status, kept_words = 409, {"answers": answers, "error": str(exc),
                                       "where_we_are": post.get("where_we_are", ""),
                                       "helped": post.get("helped", "")}
        else:
            record(request, "change", dialogue, detail=f"marker {number} {stage}: entry "
                                                       f"{entry.pk}")
            if wants_json(request):
                return respond(request, "quality/stage.html", {"saved": entry.pk})
            messages.success(request, "Your reflections are saved")
            return redirect(here)
    else:
        record(request, "view", dialogue, detail=f"marker {number} {stage}")
    content, notice = services.pinned(dialogue, number)
    [view] = services.timeline(dialogue, request.user, [number])
    at = next(s for s in view["stages"] if s["stage"] == stage)
    mine = next((e for e in at["entries"] if me and e["author_id"] == me.pk), None)
    questions = [{"number": i, "text": q, "answer": (
        (kept_words or {}).get("answers", {}).get(str(i))
        or next((a["text"] for a in (mine or {}).get("answers", []) if a["number"] == i), ""))}
        for i, q in enumerate(content.get("questions") or [], start=1)]
    data = {"review": {"reference": reference}, "stage": stage,
            "stage_label": load_markers().stages[stage].label,
            "marker": {"number": number, "title": content["title"],
                       "sections": services.sections(content)},
            "notice": notice, "entries": at["entries"], "next_steps": at["next_steps"],
            "evidence": at["evidence"], "you": me.get_role_display() if me else None}
    query = request.GET.get("q", "").replace("\x00", " ")[:200]
    candidates = (services.ev.review_passages(request.user, dialogue.review_id, query)
                  if me is not None and query else [])
    return respond(request, "quality/stage.html", data, {
        "questions": questions, "mine": mine, "kept": kept_words, "me": me,
        "is_chair": me is not None and me.role == Participant.CHAIR,
        "obstacles": services.approved_obstacles(number),
        "chosen": {o["text"] for o in (mine or {}).get("obstacles", [])},
        "query": query, "candidates": candidates, "here": here,
        "dialogue_url": reverse("quality-dialogue", args=[reference])}, status=status)


def evidence_add(request: HttpRequest, reference: str, stage: str, number: int) -> HttpResponse:
    return _participant_post(request, reference, stage, number, "evidence")


def next_step_add(request: HttpRequest, reference: str, stage: str, number: int) -> HttpResponse:
    return _participant_post(request, reference, stage, number, "step")


def _participant_post(request: HttpRequest, reference: str, stage: str, number: int,
                      what: str) -> HttpResponse:
    if request.method != "POST":
        return error(request, 405, "Use the form on the marker's page.")
    dialogue, refusal = _dialogue(request, reference, "change")
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    here = reverse("quality-stage", args=[reference, stage, number]) \
        if stage in STAGES else reverse("quality-dialogue", args=[reference])
    me = _me(request, dialogue)
    post = _posted(request)
    try:
        if me is None:
            raise DialogueError("Join the dialogue first.", 403)
        if what == "evidence":
            oid = _lock(post.get("object_id", ""))
            if oid is None:
                raise DialogueError("Choose a passage or document to link.")
            services.link_evidence(dialogue, me, stage, number, kind=post.get("kind", ""),
                                   object_id=oid, note=post.get("note", ""))
            done = "Evidence linked"
        else:
            try:
                due = date.fromisoformat(post.get("due", ""))
            except ValueError:
                raise DialogueError("Enter the date the next step is due, like 2027-03-31."
                                    ) from None
            services.add_next_step(dialogue, me, stage, number, text=post.get("text", ""),
                                   owner=post.get("owner", ""), due=due)
            done = "Next step added"
    except DialogueError as exc:
        return _failed(request, dialogue, exc, here)
    record(request, "change", dialogue, detail=f"marker {number} {stage}: {done.lower()}")
    if wants_json(request):
        return respond(request, "quality/stage.html", {"done": done})
    messages.success(request, done)
    return redirect(here)


def comment_add(request: HttpRequest, reference: str, entry_id: int) -> HttpResponse:
    if request.method != "POST":
        return error(request, 405, "Use the form on the marker's page.")
    dialogue, refusal = _dialogue(request, reference, "change")
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    entry = Entry.objects.filter(pk=entry_id, dialogue=dialogue).first()
    if entry is None:
        return error(request, 404, "There is no such reflection.")
    back = reverse("quality-stage", args=[reference, entry.stage, entry.marker])
    me = _me(request, dialogue)
    try:
        if me is None:
            raise DialogueError("Join the dialogue first.", 403)
        services.add_comment(entry, me, _posted(request).get("text", ""))
    except DialogueError as exc:
        return _failed(request, dialogue, exc, back)
    record(request, "change", dialogue, detail=f"comment on entry {entry.pk}")
    if wants_json(request):
        return respond(request, "quality/stage.html", {"done": "Comment added"})
    messages.success(request, "Comment added")
    return redirect(back)


def timeline_page(request: HttpRequest, reference: str) -> HttpResponse:
    dialogue, refusal = _dialogue(request, reference)
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    record(request, "view", dialogue, detail="timeline")
    data = services.dialogue_data(dialogue, request.user)
    return respond(request, "quality/timeline.html", data, {
        "summary_pdf": reverse("quality-summary", args=[reference, "pdf"]),
        "summary_docx": reverse("quality-summary", args=[reference, "docx"])})


def summary(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    if fmt not in export.FORMATS:
        return error(request, 404, "The board summary comes as PDF, DOCX or JSON.")
    dialogue, refusal = _dialogue(request, reference, "download")
    if refusal or dialogue is None:
        return refusal or error(request, 404, MISSING)
    record(request, "download", dialogue, detail=f"board summary {fmt}")
    body, media = export.render(dialogue, request.user, fmt)
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = (f'attachment; filename="quality-markers-'
                                       f'{export.safe_name(reference)}.{fmt}"')
    return response


# -- learning across reviews -----------------------------------------------------------------
def learning_page(request: HttpRequest) -> HttpResponse:
    hard, obstacles, base = learning.national_tables(request.user)
    own = learning.partnership_learning(request.user)
    shown = count_value(base, public=hard.suppressed_output, rule=load_rule())
    data: dict[str, Any] = {"national": {"reviews_with_dialogue": shown,
                                         "tables": [hard.as_dict(), obstacles.as_dict()]}}
    if own is not None:
        data["your_partnership"] = own
    record(request, "view", kind="quality_statistics",
           detail="suppressed" if hard.suppressed_output else "unsuppressed")
    return respond(request, "quality/learning.html", data, {
        "tables": [present(hard, links=False), present(obstacles, links=False)]})
