"""What people do to the register and its action plans. Views, the API, the CLI and the
importer call these; each refuses bad input with a ``RegisterError`` naming the problem and
changes nothing. Rules come from observatory_core (``smart``, ``actionplan``)."""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from observatory_core import actionplan, smart
from observatory_core.filetypes import FileRejected

from ..ingestion.recommendations import split_recommendation, split_recommendations
from ..repository.models import Document, Review
from ..repository.services import store_version
from ..vocabularies.models import Term
from .models import (
    Action,
    ActionPlan,
    Appraisal,
    EntrySource,
    Evidence,
    ProgressUpdate,
    RegisterEntry,
    StatusChange,
)


class RegisterError(ValueError):
    """A refused change; ``str()`` is the message a person sees."""


class StaleEdit(RegisterError):
    """Someone saved the same thing since this person opened it: their save is refused."""


STALE = ("Someone else changed this {what} since you opened it. Your change was not saved: "
         "open it again to see theirs, then make yours.")


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "system"


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _bump(model: type, pk: int, lock: int | None, what: str, **changes: Any) -> None:
    """Save ``changes`` only if nobody saved since ``lock`` was read (None: no check)."""
    qs = model.objects.filter(pk=pk)
    if lock is not None:
        qs = qs.filter(lock=lock)
    if qs.update(lock=F("lock") + 1, **changes) != 1:
        raise StaleEdit(STALE.format(what=what))


# -- the plan ---------------------------------------------------------------------------
def plan_of(review: Review) -> ActionPlan | None:
    return ActionPlan.objects.filter(review=review).first()


def start_plan(review: Review, start: date, user: Any = None) -> ActionPlan:
    plan = plan_of(review)
    if plan is not None:
        if Action.objects.filter(plan=plan).exists() and plan.start_date != start:
            raise RegisterError("The plan's start cannot change once it has actions: their "
                                "due dates were set from it.")
        plan.start_date = start
        plan.save(update_fields=["start_date"])
        return plan
    return ActionPlan.objects.create(review=review, start_date=start, created_by=_user(user))


# -- the register -----------------------------------------------------------------------
def active_entries(review: Review):
    return RegisterEntry.objects.filter(review=review, state=RegisterEntry.ACTIVE)


def suggestions(review: Review) -> list:
    """The machine's recommendations nobody has put into the register yet."""
    taken = set(EntrySource.objects.filter(entry__review=review, recommendation__isnull=False)
                .values_list("recommendation_id", flat=True))
    return [r for r in split_recommendations(review.pk) if r.id not in taken]


def _agency(addressee: Term | int | None) -> Term | None:
    if addressee is None or addressee == "":
        return None
    term = addressee if isinstance(addressee, Term) else Term.objects.filter(
        pk=addressee, vocabulary__key="agency").first()
    if term is None or term.vocabulary.key != "agency":
        raise RegisterError("Choose the agency from the list.")
    return term


def assess(entry: RegisterEntry) -> None:
    """The machine's pre-assessment (rules as data), kept beside any person's decision."""
    result = smart.pre_assess(entry.text, entry.addressee_label)
    RegisterEntry.objects.filter(pk=entry.pk).update(
        machine_flags=[{"key": f.key, "label": f.label, "reason": f.reason}
                       for f in result.flags], rules_version=result.rules_version)
    for key, judgement in result.judgements.items():
        Appraisal.objects.update_or_create(
            entry=entry, criterion=key,
            defaults={"machine_verdict": judgement.verdict,
                      "machine_reasons": judgement.reasons,
                      "rules_version": result.rules_version})
    entry.refresh_from_db()


def _new_entry(review: Review, *, text: str, number: str, origin: str, user: Any,
               addressee: Term | None = None, addressee_text: str = "",
               confidential: bool = False, **links: Any) -> RegisterEntry:
    text = text.strip()
    if not text:
        raise RegisterError("Enter the recommendation's text.")
    entry = RegisterEntry.objects.create(
        review=review, number=number.strip()[:40], text=text, addressee=addressee,
        addressee_text=addressee_text[:300], origin=origin, confirmed_by=_user(user),
        confidential=confidential, **links)
    assess(entry)
    return entry


@transaction.atomic
def confirm(review: Review, recommendation_id: int, user: Any, *, text: str = "",
            addressee: Term | int | None = None) -> RegisterEntry:
    """Put one machine-split recommendation into the register, as read or corrected."""
    found = split_recommendation(recommendation_id)
    if found is None or found.review_id != review.pk:
        raise RegisterError("That recommendation is not one of this review's.")
    if EntrySource.objects.filter(recommendation_id=recommendation_id,
                                  entry__state=RegisterEntry.ACTIVE).exists():
        raise RegisterError("That recommendation is already in the register.")
    agency = _agency(addressee) if addressee not in (None, "") else (
        Term.objects.filter(pk=found.addressee_id).first() if found.addressee_id else None)
    entry = _new_entry(review, text=text or found.text, number=found.number,
                       origin="confirmed", user=user, addressee=agency,
                       addressee_text="" if agency else found.addressee_label,
                       confidential=found.confidential)
    EntrySource.objects.create(
        entry=entry, recommendation_id=found.id, document_id=found.document_id,
        version_id=found.version_id, version_number=found.version_number, page=found.page,
        start=found.start, end=found.end, quote=found.text)
    return entry


def type_in(review: Review, *, number: str, text: str, user: Any,
            addressee: Term | int | None = None, origin: str = "typed") -> RegisterEntry:
    """A recommendation typed in (or imported) for a review whose report is not here."""
    return _new_entry(review, text=text, number=number, origin=origin, user=user,
                      addressee=_agency(addressee))


def _copy_sources(entries: list[RegisterEntry], to: RegisterEntry) -> None:
    for source in EntrySource.objects.filter(entry__in=entries):
        source.pk = None
        source.entry = to
        source.save()


def _checked_active(entries: list[RegisterEntry], review: Review) -> None:
    for entry in entries:
        if entry.review_id != review.pk or entry.state != RegisterEntry.ACTIVE:
            raise RegisterError("Only recommendations still in this review's register can be "
                                "merged or split.")


@transaction.atomic
def merge(review: Review, entries: list[RegisterEntry], text: str, user: Any) -> RegisterEntry:
    """Two or more entries become one (the machine split one recommendation in two, or the
    report repeats itself). The originals are kept, marked merged; actions move over."""
    if len({e.pk for e in entries}) < 2:
        raise RegisterError("Choose two different recommendations to merge.")
    _checked_active(entries, review)
    first = entries[0]
    merged = _new_entry(
        review, text=text or "\n".join(e.text for e in entries),
        number=first.number, origin="merged", user=user, addressee=first.addressee,
        addressee_text=first.addressee_text, confidential=any(e.confidential for e in entries))
    _copy_sources(entries, merged)
    Action.objects.filter(entry__in=entries).update(entry=merged)
    for entry in entries:
        _bump(RegisterEntry, entry.pk, entry.lock, "recommendation",
              state=RegisterEntry.MERGED, replaced_by=merged)
    return merged


@transaction.atomic
def split(review: Review, entry: RegisterEntry, texts: list[str], user: Any
          ) -> list[RegisterEntry]:
    """One entry becomes several (it bundled several recommendations). Its actions go to
    the first part; the original is kept, marked split."""
    texts = [t.strip() for t in texts if t.strip()]
    if len(texts) < 2:
        raise RegisterError("Give the text of at least two parts to split into.")
    _checked_active([entry], review)
    parts = []
    for n, text in enumerate(texts, start=1):
        part = _new_entry(review, text=text, number=f"{entry.number}{'abcdefghij'[n - 1]}"
                          if entry.number else "", origin="split", user=user,
                          addressee=entry.addressee, addressee_text=entry.addressee_text,
                          confidential=entry.confidential, split_from=entry)
        _copy_sources([entry], part)
        parts.append(part)
    Action.objects.filter(entry=entry).update(entry=parts[0])
    _bump(RegisterEntry, entry.pk, entry.lock, "recommendation", state=RegisterEntry.SPLIT)
    return parts


@transaction.atomic
def correct(entry: RegisterEntry, lock: int | None, user: Any, *,
            addressee: Term | int | None, text: str | None = None) -> RegisterEntry:
    """Correct the agency addressed (and the wording); the machine reassesses."""
    if entry.state != RegisterEntry.ACTIVE:
        raise RegisterError("This recommendation was merged or split; change what replaced it.")
    agency = _agency(addressee)
    changes: dict[str, Any] = {"addressee": agency, "addressee_text": ""}
    if text is not None:
        if not text.strip():
            raise RegisterError("Enter the recommendation's text.")
        changes["text"] = text.strip()
    _bump(RegisterEntry, entry.pk, lock, "recommendation", **changes)
    entry.refresh_from_db()
    assess(entry)
    return entry


def appraise(entry: RegisterEntry, criterion: str, verdict: str, reason: str,
             user: Any) -> Appraisal:
    """A person's judgement of one SMART criterion, with a short reason."""
    if verdict not in smart.VERDICTS:
        raise RegisterError("Choose met, not met or unclear.")
    if not reason.strip():
        raise RegisterError("Give a short reason for your judgement.")
    if len(reason) > 300:
        raise RegisterError("Keep the reason to 300 characters or fewer.")
    appraisal = Appraisal.objects.filter(entry=entry, criterion=criterion).first()
    if appraisal is None:
        raise RegisterError(f"'{criterion}' is not a SMART criterion.")
    appraisal.verdict, appraisal.reason = verdict, reason.strip()
    appraisal.decided_by, appraisal.decided_at = _user(user), timezone.now()
    appraisal.save()
    return appraisal


# -- actions ----------------------------------------------------------------------------
def _action_fields(plan: ActionPlan, *, description: str, lead_agency: Term | int | None,
                   lead_role: str, priority: str, due: date | None) -> dict[str, Any]:
    problems = []
    if not description.strip():
        problems.append("Enter what is to be done.")
    role = actionplan.known_role(lead_role or "")
    if not role:
        problems.append(f"'{lead_role}' is not a known role: choose the lead role from the list."
                        if lead_role else "Choose the lead role.")
    try:
        agency = _agency(lead_agency)
    except RegisterError as exc:
        problems.append(str(exc))
        agency = None
    if agency is None and not problems:
        problems.append("Choose the lead agency.")
    due_date, problem = smart.check_due(plan.start_date, priority, due)
    if problem:
        problems.append(problem[0].upper() + problem[1:] + ".")
    if problems:
        raise RegisterError(" ".join(problems))
    return {"description": description.strip(), "lead_agency": agency, "lead_role": role,
            "priority": priority, "due_date": due_date}


@transaction.atomic
def add_action(entry: RegisterEntry, user: Any, *, description: str,
               lead_agency: Term | int | None, lead_role: str, priority: str,
               due: date | None = None, owner: Any = None) -> Action:
    if entry.state != RegisterEntry.ACTIVE:
        raise RegisterError("This recommendation was merged or split; add actions to what "
                            "replaced it.")
    plan = plan_of(entry.review)
    if plan is None:
        raise RegisterError("Set the action plan's start date first: due dates count from it.")
    fields = _action_fields(plan, description=description, lead_agency=lead_agency,
                            lead_role=lead_role, priority=priority, due=due)
    action = Action.objects.create(entry=entry, plan=plan, owner=owner,
                                   created_by=_user(user), **fields)
    StatusChange.objects.create(action=action, to_status="open", by=_user(user),
                                by_name=_name(user), note="Action added")
    return action


@transaction.atomic
def edit_action(action: Action, lock: int | None, user: Any, *, description: str,
                lead_agency: Term | int | None, lead_role: str, priority: str,
                due: date | None, owner: Any = None) -> Action:
    fields = _action_fields(action.plan, description=description, lead_agency=lead_agency,
                            lead_role=lead_role, priority=priority, due=due)
    _bump(Action, action.pk, lock, "action", owner=owner, **fields)
    action.refresh_from_db()
    return action


def claimed_by(action: Action) -> int | None:
    last = action.history.filter(to_status="completed").order_by("-at", "-pk").first()
    return last.by_id if last else None


@transaction.atomic
def move(action: Action, lock: int | None, target: str, user: Any, note: str = "",
         *, by_name: str = "") -> Action:
    """Change the status, as the rules allow; kept in the history with the evidence seen."""
    fresh = Action.objects.select_for_update().get(pk=action.pk)
    if lock is not None and fresh.lock != lock:
        raise StaleEdit(STALE.format(what="action"))
    evidence = list(fresh.evidence.values_list("pk", flat=True))
    problem = actionplan.check_move(fresh.status, target, has_evidence=bool(evidence),
                                   reason=note, claimed_by=claimed_by(fresh),
                                   by=getattr(_user(user), "pk", None))
    if problem:
        raise RegisterError(problem[0].upper() + problem[1:] + ".")
    StatusChange.objects.create(action=fresh, from_status=fresh.status, to_status=target,
                                by=_user(user), by_name=by_name or _name(user),
                                note=note.strip(),
                                evidence=evidence if target == "verified" else [])
    _bump(Action, fresh.pk, fresh.lock, "action", status=target)
    fresh.refresh_from_db()
    return fresh


def add_update(action: Action, text: str, user: Any, *, by_name: str = "") -> ProgressUpdate:
    if not text.strip():
        raise RegisterError("Enter the progress update.")
    return ProgressUpdate.objects.create(action=action, text=text.strip(), by=_user(user),
                                         by_name=by_name or _name(user))


@transaction.atomic
def upload_evidence(action: Action, *, filename: str, stream: BinaryIO, kind: Term,
                    description: str, user: Any) -> Evidence:
    """Store a file as a document of the review, through the repository's upload checks,
    and hang it on the action. A refused file (FileRejected) changes nothing."""
    if kind.vocabulary.key != "document_kind":
        raise RegisterError("Choose what kind of document the evidence is.")
    try:
        result = store_version(review=action.plan.review, kind=kind, filename=filename,
                               stream=stream, user=_user(user), title=description[:300])
    except FileRejected as exc:
        raise RegisterError(f"The evidence was not accepted: {exc}") from exc
    version = result.version
    return Evidence.objects.create(action=action, document=version.document, version=version,
                                   description=(description or version.document.title)[:300],
                                   uploaded=True, by=_user(user), by_name=_name(user))


def link_evidence(action: Action, *, document: Document | None, description: str,
                  user: Any, by_name: str = "") -> Evidence:
    """Evidence already in the review's documents, or described (an audit, data)."""
    if document is not None and document.review_id != action.plan.review_id:
        raise RegisterError("Evidence can only link to this review's own documents.")
    if document is None and not description.strip():
        raise RegisterError("Choose a document or describe the evidence.")
    return Evidence.objects.create(
        action=action, document=document,
        version=document.current_version if document else None,
        description=(description.strip() or (document.title if document else ""))[:300],
        by=_user(user), by_name=by_name or _name(user))
