"""API routes for Delphi studies: list, study, results per round (anonymous aggregates)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError

from observatory_core.access import allowed

from ..accounts.access import role_of
from ..api import MAX_ID, optional_auth, responses
from ..audit.log import record
from ..web.access import allowed_or_http_error
from . import services
from .models import Round, Study

router = Router(tags=["consultations"])


class RoundOut(Schema):
    number: int
    status: str


class StudySummaryOut(Schema):
    id: int
    title: str
    imported: bool
    rule: str
    rounds: list[RoundOut]


class StudyOut(Schema):
    id: int
    title: str
    imported: bool
    source: str
    rule: dict[str, Any]
    rounds: list[dict[str, Any]]
    participation: Any


STUDY_ID = Path(..., ge=1, le=MAX_ID)


def _study(request: HttpRequest, pk: int) -> Study:
    study = Study.objects.filter(pk=pk).first()
    return allowed_or_http_error(request, study, "view", "There is no such study.")


@router.get("/consultations", auth=optional_auth, response=responses(list[StudySummaryOut], 403),
            summary="Delphi studies")
def list_studies(request: HttpRequest) -> list[dict[str, Any]]:
    if not allowed(role_of(request.user), "delphi_study", "view"):
        record(request, "view", kind="delphi_study", allowed=False)
        raise HttpError(403, "Only the steering group, administrators and analysts see "
                             "consultations.")
    return [{"id": s.pk, "title": s.title, "imported": s.imported, "rule": s.rule_key,
             "rounds": [{"number": r.number, "status": r.status} for r in s.rounds.all()]}
            for s in Study.objects.prefetch_related("rounds")]


@router.get("/consultations/{study_id}", auth=optional_auth,
            response=responses(StudyOut, 403, 404),
            summary="A study: rule, rounds, participation and retention")
def get_study(request: HttpRequest, study_id: int = STUDY_ID) -> dict[str, Any]:
    study = _study(request, study_id)
    record(request, "view", study)
    rule = study.consensus_rule()
    return {"id": study.pk, "title": study.title, "imported": study.imported,
            "source": study.source,
            "rule": {**rule.to_dict(), "description": rule.describe(),
                     "locked": study.rule_locked},
            "rounds": [{"number": r.number, "status": r.status, "opens_at": r.opens_at,
                        "closes_at": r.closes_at} for r in study.rounds.all()],
            "participation": services.participation(study)}


@router.get("/consultations/{study_id}/results", auth=optional_auth,
            response=responses(dict[str, Any], 403, 404),
            summary="Per-statement results of one round (latest by default)")
def get_results(request: HttpRequest, study_id: int = STUDY_ID,
                round: int | None = Query(None, ge=1, le=MAX_ID)) -> dict[str, Any]:
    study = _study(request, study_id)
    rounds = study.rounds.exclude(status=Round.DRAFT).order_by("number")
    rnd = rounds.filter(number=round).first() if round else rounds.last()
    if rnd is None:
        raise HttpError(404, "There is no such round with results.")
    record(request, "view", study, detail=f"results of round {rnd.number}")
    data = services.round_results(study, rnd)
    data.pop("sections")
    data["participation"] = services.participation(study)
    return data
