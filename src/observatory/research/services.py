"""Research access: applications, decisions, grants, revocation. Every state change is
audited (``audit.log.record``) and written to the application's history.

The rules (what a role may ask for, what an application must carry) are
``observatory_core.research``; this module stores and sequences them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from observatory_core.dataset import FIELDS
from observatory_core.filetypes import FileRejected, sniff
from observatory_core.research import COARSEN, Request, check_application, load_rules

from ..accounts.access import can, role_of
from ..audit.log import record, refused_input
from .grants import freeze
from .models import Application, ApplicationEvent, Grant

KNOWN_FIELDS = frozenset(spec.name for spec in FIELDS)


class ResearchError(ValueError):
    """A request refused, with every reason."""

    def __init__(self, problems: list[str], status: int = 400) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems
        self.status = status


@dataclass
class Proposal:
    """An application's content as the form gives it."""

    title: str
    purpose: str
    public_benefit: str
    questions: str
    regions: list[str]
    areas: list[str]
    year_from: int | None
    year_to: int | None
    fields: list[str]
    document_kinds: list[str]
    coded_data: bool
    data_protection_basis: str
    members: list[User]
    starts: date | None
    ends: date | None
    terms_accepted: bool


def may_apply(user: Any) -> bool:
    return load_rules().may_apply(role_of(user))


def is_holder(user: Any, application: Application) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (application.applicant_id == user.pk
            or application.members.filter(pk=user.pk).exists())


def may_view(user: Any, application: Application) -> bool:
    """The steering group (and administrators) and the project's own people."""
    return can(user, "view", application) or is_holder(user, application)


def _areas_of(proposal: Proposal) -> frozenset[str]:
    from .grants import area_ids

    return frozenset(str(pk) for pk in area_ids(proposal.regions, proposal.areas))


def problems_with(user: Any, proposal: Proposal, has_evidence: bool) -> list[str]:
    request = Request(
        role=role_of(user), areas=_areas_of(proposal), year_from=proposal.year_from,
        year_to=proposal.year_to, document_kinds=frozenset(proposal.document_kinds),
        fields=tuple(proposal.fields), coded_data=proposal.coded_data,
        starts=proposal.starts, ends=proposal.ends, has_ethics_evidence=has_evidence,
        terms_accepted=proposal.terms_accepted,
        members_roles=tuple(role_of(m) for m in proposal.members))
    return check_application(request, timezone.localdate(), KNOWN_FIELDS)


def _store_evidence(user: Any, upload: Any) -> tuple[str, str, str]:
    """The ethics evidence through the repository's upload checks (type by content, size,
    hash), kept in the confidential storage."""
    stream: BinaryIO = upload
    sniffed = sniff(upload.name, stream, max_bytes=settings.OBSERVATORY["MAX_UPLOAD_BYTES"])
    suffix = PurePath(sniffed.filename).suffix.lower()
    name = f"research/ethics/{user.pk}-{sniffed.sha256[:16]}{suffix}"
    stream.seek(0)
    path = storages["confidential"].save(name, File(stream, name=sniffed.filename))
    return sniffed.filename, path, sniffed.sha256


def _snapshot(application: Application) -> dict[str, Any]:
    return {"title": application.title, "purpose": application.purpose,
            "public_benefit": application.public_benefit, "questions": application.questions,
            "regions": application.regions, "areas": application.areas,
            "years": [application.year_from, application.year_to],
            "fields": application.fields, "document_kinds": application.document_kinds,
            "coded_data": application.coded_data,
            "data_protection_basis": application.data_protection_basis,
            "ethics_evidence": application.ethics_filename,
            "members": sorted(m.username for m in application.members.all()),
            "period": [application.starts.isoformat(), application.ends.isoformat()],
            "terms_accepted": application.terms_accepted}


def _event(application: Application, user: Any, action: str, text: str = "",
           snapshot: bool = False) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application, user=user, action=action, text=text,
        snapshot=_snapshot(application) if snapshot else {})


def _fill(application: Application, proposal: Proposal) -> None:
    for name in ("title", "purpose", "public_benefit", "questions", "regions", "areas",
                 "year_from", "year_to", "fields", "document_kinds", "coded_data",
                 "data_protection_basis", "starts", "ends", "terms_accepted"):
        setattr(application, name, getattr(proposal, name))


def submit(user: Any, proposal: Proposal, evidence: Any, request: Any = None) -> Application:
    if not may_apply(user):
        record(request, "create", kind="research_application", allowed=False,
               detail="may not apply for research access")
        raise ResearchError([f"Your role ({role_of(user)}) may not apply for research access."],
                            403)
    problems = problems_with(user, proposal, evidence is not None)
    if problems:
        record(request, "create", kind="research_application", allowed=False,
               detail="application refused: " + " ".join(problems))
        raise ResearchError(problems)
    try:
        filename, path, sha = _store_evidence(user, evidence)
    except FileRejected as exc:
        refused_input(request, "create", kind="research_application", name=exc.filename,
                      reason=exc.reason)
        raise ResearchError([f"The ethics evidence was refused: {exc.reason}."]) from None
    with transaction.atomic():
        application = Application(applicant=user, ethics_filename=filename, ethics_path=path,
                                  ethics_sha256=sha)
        _fill(application, proposal)
        application.save()
        application.members.set(proposal.members)
        _event(application, user, "submitted", snapshot=True)
        record(request, "create", application, detail="research access application submitted")
    return application


def resubmit(application: Application, user: Any, proposal: Proposal, evidence: Any,
             request: Any = None) -> Application:
    if application.applicant_id != user.pk or application.status != Application.Status.RETURNED:
        record(request, "change", application, allowed=False,
               detail="resubmission refused: not returned to this applicant")
        raise ResearchError(["Only the applicant may change an application returned to them."],
                            403)
    problems = problems_with(user, proposal, evidence is not None or bool(
        application.ethics_path))
    if problems:
        record(request, "change", application, allowed=False,
               detail="resubmission refused: " + " ".join(problems))
        raise ResearchError(problems)
    with transaction.atomic():
        if evidence is not None:
            try:
                found = _store_evidence(user, evidence)
            except FileRejected as exc:
                refused_input(request, "change", application, name=exc.filename,
                              reason=exc.reason)
                raise ResearchError([f"The ethics evidence was refused: {exc.reason}."]
                                    ) from None
            application.ethics_filename, application.ethics_path, application.ethics_sha256 = (
                found)
        _fill(application, proposal)
        application.status = Application.Status.SUBMITTED
        application.save()
        application.members.set(proposal.members)
        _event(application, user, "resubmitted", snapshot=True)
        record(request, "change", application, detail="application resubmitted")
    return application


def _handle(application: Application, user: Any, request: Any, what: str) -> None:
    if not can(user, "change", application):
        record(request, "change", application, allowed=False, detail=f"{what} refused")
        raise ResearchError(["Only the steering group handles research applications."], 403)
    if application.status in (Application.Status.APPROVED, Application.Status.REFUSED):
        record(request, "change", application, allowed=False,
               detail=f"{what} refused: already decided")
        raise ResearchError(["This application has been decided; an extension or change is "
                             "a new application."], 409)


def comment(application: Application, user: Any, text: str, request: Any = None) -> None:
    if not can(user, "change", application) and not is_holder(user, application):
        record(request, "change", application, allowed=False, detail="comment refused")
        raise ResearchError(["You may not comment on this application."], 403)
    if not text.strip():
        raise ResearchError(["Enter a comment."])
    _event(application, user, "commented", text.strip())
    record(request, "change", application, detail="comment added")


def return_for_changes(application: Application, user: Any, text: str,
                       request: Any = None) -> None:
    _handle(application, user, request, "return for changes")
    if application.status != Application.Status.SUBMITTED:
        raise ResearchError(["Only a submitted application can be returned."], 409)
    if not text.strip():
        raise ResearchError(["Say what must change."])
    with transaction.atomic():
        application.status = Application.Status.RETURNED
        application.save(update_fields=["status", "updated_at"])
        _event(application, user, "returned", text.strip())
        record(request, "change", application, detail=f"returned for changes: {text.strip()}")


def approve(application: Application, user: Any, *, ends: date | None, conditions: str,
            coarsen_dates: str, request: Any = None) -> Grant:
    _handle(application, user, request, "approval")
    problems = []
    today = timezone.localdate()
    if application.status != Application.Status.SUBMITTED:
        problems.append("Only a submitted application can be approved.")
    if ends is None:
        problems.append("Give the end date of the grant.")
    elif ends < today:
        problems.append("The end date is in the past.")
    elif ends > application.ends:
        problems.append("The grant cannot end after the period the applicant asked for "
                        f"({application.ends.isoformat()}).")
    if coarsen_dates not in COARSEN:
        problems.append("Choose how dates are coarsened.")
    if problems:
        record(request, "change", application, allowed=False,
               detail="approval refused: " + " ".join(problems))
        raise ResearchError(problems)
    with transaction.atomic():
        application.status = Application.Status.APPROVED
        application.save(update_fields=["status", "updated_at"])
        grant = Grant(
            application=application, conditions=conditions.strip(),
            starts=max(application.starts, today), ends=ends, decided_by=user,
            coarsen_dates=coarsen_dates, key=secrets.token_hex(32))
        freeze(grant)
        grant.save()
        _event(application, user, "approved",
               f"Approved until {ends.isoformat()}. Conditions: {conditions.strip() or 'none'}.")
        record(request, "change", application,
               detail=f"approved: grant {grant.reference} until {ends.isoformat()}")
        record(request, "create", grant, detail=f"grant {grant.reference} made")
    return grant


def refuse(application: Application, user: Any, reasons: str, request: Any = None) -> None:
    _handle(application, user, request, "refusal")
    if not reasons.strip():
        raise ResearchError(["Give the reasons for refusing."])
    with transaction.atomic():
        application.status = Application.Status.REFUSED
        application.save(update_fields=["status", "updated_at"])
        _event(application, user, "refused", reasons.strip())
        record(request, "change", application, detail=f"refused: {reasons.strip()}")


def revoke(grant: Grant, user: Any, reason: str, request: Any = None) -> None:
    if not can(user, "change", grant):
        record(request, "change", grant, allowed=False, detail="revocation refused")
        raise ResearchError(["Only the steering group revokes grants."], 403)
    if grant.revoked_at is not None:
        raise ResearchError(["This grant has already been revoked."], 409)
    if not reason.strip():
        raise ResearchError(["Give the reason for revoking the grant."])
    with transaction.atomic():
        grant.revoked_at = timezone.now()
        grant.revoked_by = user
        grant.revoke_reason = reason.strip()
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        _event(grant.application, user, "revoked", reason.strip())
        record(request, "change", grant, detail=f"grant revoked: {reason.strip()}")


def remind_expiring(days: int = 30, today: date | None = None) -> list[Grant]:
    """Grants ending within ``days`` that have not been reminded: their holders are told
    (an entry in the history they see, and the audit log), once per grant."""
    today = today or timezone.localdate()
    due = Grant.objects.filter(revoked_at__isnull=True, reminded_at__isnull=True,
                               ends__gte=today, ends__lte=today.fromordinal(
                                   today.toordinal() + days)).select_related("application")
    reminded = []
    for grant in due:
        with transaction.atomic():
            grant.reminded_at = timezone.now()
            grant.save(update_fields=["reminded_at"])
            _event(grant.application, None, "reminded",
                   f"The grant ends on {grant.ends.isoformat()}. An extension is a new "
                   "application.")
            record(None, "change", grant, detail=f"expiry reminder: ends {grant.ends}",
                   channel="cli")
        reminded.append(grant)
    return reminded
