"""The Quality Marker dialogue: loading the markers, starting a review's dialogue, each
participant's own entries, chairs' comments, obstacles, next steps and evidence links, and
the timeline across stages. Views, the CLI and exports call these; access to the dialogue
itself (``can(user, ..., dialogue)``) is checked by the caller, ownership here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from observatory_core.quality import (
    NOT_YET_AVAILABLE,
    SECTIONS,
    STAGES,
    changed_sections,
    is_available,
    load_markers,
)

from ..accounts.access import can
from ..ingestion import evidence as ev
from ..repository.models import Review
from .models import (
    Comment,
    Dialogue,
    Entry,
    Evidence,
    Marker,
    MarkerVersion,
    NextStep,
    Obstacle,
    Participant,
)


class DialogueError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- the markers --------------------------------------------------------------------------
def ensure_markers() -> None:
    """Copy the shipped markers into the database the first time they are needed; after
    that the database is the working copy administrators edit."""
    if Marker.objects.exists():
        return
    shipped = load_markers()
    with transaction.atomic():
        for m in shipped.markers:
            row = Marker.objects.create(
                number=m.number, title=m.title, cluster=m.cluster, statement=m.statement,
                rationale=m.rationale, questions=list(m.questions),
                knowledge_base=m.knowledge_base, equality_diversity=m.equality_diversity,
                equality_diversity_section=m.equality_diversity_section,
                guidance_links=m.guidance_links, version=1, source=shipped.source)
            Obstacle.objects.bulk_create(
                Obstacle(marker=row, text=t, status=Obstacle.APPROVED, from_source=True)
                for t in m.obstacles)
            MarkerVersion.objects.create(marker=row, version=1, content=row.content(),
                                         note=f"Shipped data, version {shipped.version}")


def markers() -> list[Marker]:
    ensure_markers()
    return list(Marker.objects.all())


def marker(number: int) -> Marker | None:
    ensure_markers()
    return Marker.objects.filter(number=number).first()


def save_marker_version(row: Marker, user: Any = None, note: str = "") -> bool:
    """After an administrator's edit: a new version if what the marker says has changed."""
    latest = row.versions.order_by("-version").first()
    content = row.content()
    if latest is not None and latest.content == content:
        return False
    row.version = (latest.version if latest else 0) + 1
    Marker.objects.filter(pk=row.pk).update(version=row.version)
    MarkerVersion.objects.create(marker=row, version=row.version, content=content,
                                 note=note[:300], created_by=user if user and user.pk else None)
    return True


def sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    """A marker's sections for a page: text, list, 'not part of this marker' or
    'not yet available' (which an administrator completes)."""
    out = []
    for key, label in SECTIONS:
        value = content.get(key)
        if key == "equality_diversity" and content.get("equality_diversity_section") == "absent":
            value, missing = "This marker has no equality and diversity section.", False
        else:
            missing = not is_available(content, key)
        out.append({"key": key, "label": label, "missing": missing,
                    "text": NOT_YET_AVAILABLE if missing else value,
                    "is_list": isinstance(value, list) and not missing})
    return out


def marker_data(row: Marker) -> dict[str, Any]:
    shipped = load_markers()
    content = row.content()
    return {"number": row.number, "title": row.title, "cluster": row.cluster,
            "cluster_label": shipped.clusters.get(row.cluster, row.cluster),
            "version": row.version, "url": row.get_absolute_url(),
            "sections": sections(content), "source": row.source or shipped.source,
            "proposed_obstacles": row.obstacles.filter(status=Obstacle.PROPOSED).count(),
            "versions": [{"version": v.version, "note": v.note, "date": v.created_at.date()}
                         for v in row.versions.all()]}


def approved_obstacles(number: int) -> list[Obstacle]:
    return list(Obstacle.objects.filter(marker__number=number, status=Obstacle.APPROVED))


# -- the dialogue -------------------------------------------------------------------------
def dialogue_for(review: Review) -> Dialogue | None:
    return Dialogue.objects.filter(review=review).first()


def start_dialogue(review: Review, user: Any, role: str) -> Dialogue:
    """Open the dialogue, pinned to the markers' versions of today, with ``user`` as its
    first participant."""
    ensure_markers()
    if role not in dict(Participant.ROLES):
        raise DialogueError("Choose your role in this review.")
    with transaction.atomic():
        dialogue, created = Dialogue.objects.get_or_create(review=review, defaults={
            "started_by": user,
            "versions": {str(m.number): m.version for m in Marker.objects.all()}})
        Participant.objects.get_or_create(dialogue=dialogue, user=user,
                                          defaults={"role": role})
    return dialogue


def add_participant(dialogue: Dialogue, user: Any, role: str) -> Participant:
    """Participants are people who may change the dialogue: the partnership's own people."""
    if role not in dict(Participant.ROLES):
        raise DialogueError("Choose the person's role in this review.")
    if user is None or not user.is_active or not can(user, "change", dialogue):
        raise DialogueError("Only people of this review's partnership can take part.")
    participant, created = Participant.objects.get_or_create(dialogue=dialogue, user=user,
                                                             defaults={"role": role})
    if not created and participant.role != role:
        participant.role = role
        participant.save(update_fields=["role"])
    return participant


def participant_of(dialogue: Dialogue, user: Any) -> Participant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return dialogue.participants.filter(user=user).first()


def _check_place(dialogue: Dialogue, stage: str, number: int) -> None:
    if stage not in STAGES:
        raise DialogueError("There is no such stage.", 404)
    if str(number) not in dialogue.versions:
        raise DialogueError("There is no such marker.", 404)


def pinned(dialogue: Dialogue, number: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The marker as this review uses it (its starting version), and a notice when the
    marker has changed since."""
    version = int(dialogue.versions.get(str(number), 1))
    row = Marker.objects.get(number=number)
    kept = MarkerVersion.objects.get(marker=row, version=version).content
    if row.version == version:
        return kept, None
    latest = MarkerVersion.objects.get(marker=row, version=row.version).content
    return kept, {"kept": version, "latest": row.version,
                  "changed": changed_sections(kept, latest)}


def save_entry(dialogue: Dialogue, participant: Participant, stage: str, number: int, *,
               answers: dict[str, str], where_we_are: str, helped: str, found_hard: bool,
               obstacle_ids: Iterable[int] = (), new_obstacle: str = "",
               entry_id: int | None = None, lock: int | None = None) -> Entry:
    """Create or update the participant's own entry. Someone else's entry is refused;
    a save from a form older than the stored entry is refused (409) so nobody's words are
    overwritten unseen."""
    _check_place(dialogue, stage, number)
    content, _ = pinned(dialogue, number)
    questions = content.get("questions") or []
    answers = {k: v.strip() for k, v in answers.items()
               if k.isdigit() and 0 < int(k) <= len(questions) and v.strip()}
    if entry_id is not None:
        other = Entry.objects.filter(pk=entry_id, dialogue=dialogue).first()
        if other is None:
            raise DialogueError("There is no such reflection.", 404)
        if other.author_id != participant.pk:
            raise DialogueError("Each participant's reflections are their own: you can add "
                                "your own, not change someone else's.", 403)
    allowed = {o.pk: o for o in approved_obstacles(number)}
    chosen = [allowed[i] for i in obstacle_ids if i in allowed]
    with transaction.atomic():
        entry, created = Entry.objects.select_for_update().get_or_create(
            dialogue=dialogue, stage=stage, marker=number, author=participant)
        if not created and lock is not None and entry.lock != lock:
            raise DialogueError("Your reflection was changed elsewhere since you opened this "
                                "page. Your words are below: check them against the saved "
                                "version and save again.", 409)
        entry.answers, entry.where_we_are, entry.helped = answers, where_we_are.strip(), \
            helped.strip()
        entry.found_hard = found_hard
        entry.lock = F("lock") + 1
        entry.save()
        entry.refresh_from_db()
        # The ticked list replaces the approved obstacles; those the person proposed (not
        # listed until approved) stay on their entry.
        kept = [o for o in entry.obstacles.all() if o.status != Obstacle.APPROVED]
        entry.obstacles.set([*chosen, *kept])
        if new_obstacle.strip():
            entry.obstacles.add(propose_obstacle(number, new_obstacle, participant.user))
    return entry


def propose_obstacle(number: int, text: str, user: Any) -> Obstacle:
    """A new obstacle: recorded on the proposer's entry at once, offered to others once an
    administrator approves it (the same words proposed twice are one obstacle)."""
    row = Marker.objects.get(number=number)
    text = " ".join(text.split())[:500]
    try:
        with transaction.atomic():
            return Obstacle.objects.create(marker=row, text=text, proposed_by=user)
    except IntegrityError:
        return Obstacle.objects.get(marker=row, text=text)


def add_comment(entry: Entry, participant: Participant, text: str) -> Comment:
    if participant.role != Participant.CHAIR:
        raise DialogueError("Only the review's chair adds comments to others' reflections.",
                            403)
    if not text.strip():
        raise DialogueError("Write the comment.")
    return Comment.objects.create(entry=entry, author=participant, text=text.strip())


def add_next_step(dialogue: Dialogue, participant: Participant, stage: str, number: int, *,
                  text: str, owner: str, due: date) -> NextStep:
    _check_place(dialogue, stage, number)
    if not text.strip() or not owner.strip():
        raise DialogueError("Say what the next step is and who owns it.")
    return NextStep.objects.create(dialogue=dialogue, stage=stage, marker=number,
                                   text=text.strip(), owner=owner.strip(), due=due,
                                   added_by=participant)


def link_evidence(dialogue: Dialogue, participant: Participant, stage: str, number: int, *,
                  kind: str, object_id: int, note: str = "") -> Evidence:
    """Link a passage or document of this review; one the linker cannot see, or of
    another review, is refused (the same answer for both: it is not theirs to link)."""
    _check_place(dialogue, stage, number)
    owner = (ev.passage_review_id(object_id) if kind == Evidence.PASSAGE
             else ev.document_review_id(object_id) if kind == Evidence.DOCUMENT else None)
    shown = (ev.passage_evidence(participant.user, object_id) if kind == Evidence.PASSAGE
             else ev.document_evidence(participant.user, object_id)) if owner else ev.HIDDEN
    if owner != dialogue.review_id or not shown["visible"]:
        raise DialogueError("Only passages and documents of this review that you can see "
                            "can be linked.", 404)
    link, _ = Evidence.objects.get_or_create(
        dialogue=dialogue, stage=stage, marker=number, kind=kind, object_id=object_id,
        defaults={"note": note[:300], "added_by": participant})
    return link


def evidence_shown(link: Evidence, viewer: Any) -> dict[str, Any]:
    shown = (ev.passage_evidence(viewer, link.object_id) if link.kind == Evidence.PASSAGE
             else ev.document_evidence(viewer, link.object_id))
    out = {"stage": link.stage, "marker": link.marker, "note": link.note,
           "added_by": _name(link.added_by)}
    if not shown["visible"]:
        return {**out, "visible": False, "label": "Evidence you may not see"}
    return {**out, **shown}


# -- reading it back ----------------------------------------------------------------------
def _name(participant: Participant) -> str:
    user = participant.user
    return (user.get_full_name() or user.get_username()) + f" ({participant.get_role_display()})"


def entry_data(entry: Entry, questions: list[str]) -> dict[str, Any]:
    return {"id": entry.pk, "author": _name(entry.author), "author_id": entry.author_id,
            "stage": entry.stage, "marker": entry.marker,
            "answers": [{"number": int(k), "question": questions[int(k) - 1]
                         if int(k) <= len(questions) else "", "text": v}
                        for k, v in sorted(entry.answers.items(), key=lambda kv: int(kv[0]))],
            "where_we_are": entry.where_we_are, "helped": entry.helped,
            "found_hard": entry.found_hard, "lock": entry.lock,
            "obstacles": [{"text": o.text, "approved": o.status == Obstacle.APPROVED}
                          for o in entry.obstacles.all()],
            "comments": [{"author": _name(c.author), "text": c.text, "date": c.created_at}
                         for c in entry.comments.all()],
            "updated": entry.updated_at}


def stage_markers(stage: str) -> list[int]:
    return list(load_markers().stages[stage].markers)


def timeline(dialogue: Dialogue, viewer: Any, numbers: Iterable[int] | None = None
             ) -> list[dict[str, Any]]:
    """Per marker, what was said at each stage, with obstacles, next steps and evidence:
    the board summary and the timeline page. Only markers someone has written on."""
    entries = (dialogue.entries.select_related("author__user")
               .prefetch_related("obstacles", "comments__author__user"))
    steps = list(dialogue.next_steps.all())
    links = list(dialogue.evidence.select_related("added_by__user"))
    wanted = set(numbers) if numbers is not None else (
        {e.marker for e in entries} | {s.marker for s in steps} | {x.marker for x in links})
    out = []
    for number in sorted(wanted):
        content, notice = pinned(dialogue, number)
        questions = content.get("questions") or []
        stages = []
        for stage in STAGES:
            stages.append({
                "stage": stage, "label": load_markers().stages[stage].label,
                "entries": [entry_data(e, questions) for e in entries
                            if e.marker == number and e.stage == stage],
                "next_steps": [{"text": s.text, "owner": s.owner, "due": s.due,
                                "added_by": _name(s.added_by)} for s in steps
                               if s.marker == number and s.stage == stage],
                "evidence": [evidence_shown(x, viewer) for x in links
                             if x.marker == number and x.stage == stage]})
        out.append({"number": number, "title": content["title"], "notice": notice,
                    "stages": stages})
    return out


def dialogue_data(dialogue: Dialogue, viewer: Any) -> dict[str, Any]:
    """The whole dialogue as plain data (its JSON, the CLI's JSON export)."""
    review = dialogue.review
    return {"review": {"reference": review.reference, "title": review.title,
                       "url": review.get_absolute_url()},
            "started": dialogue.started_at,
            "participants": [{"name": _name(p), "role": p.role}
                             for p in dialogue.participants.select_related("user")],
            "markers_version": dialogue.versions,
            "timeline": timeline(dialogue, viewer)}
