"""A person confirms, corrects or rejects a drafted dataset value.

Confirmed and corrected values are written to the review's minimum-dataset field where
the field maps (codes, dates, numbers, yes/no); a multi-valued field gains the code; a
rejected value changes nothing on the review. Every decision is audited. Re-processing
never touches a decided row and never suggests a decided key again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from observatory_core.dataset import FIELDS

from ..audit.log import record
from ..vocabularies.models import Term
from .models import Decision, Extraction

SPECS = {spec.name: spec for spec in FIELDS}
NOT_WRITTEN = {"age_band": "the age band is derived from the child's age"}


class DecisionError(ValueError):
    """The decision cannot be made (bad value, unknown action); the message says why."""


def _convert(field: str, value: Any) -> Any:
    """The Review attribute value for ``value``, or raise DecisionError."""
    spec = SPECS[field]
    if spec.kind in ("code", "codes"):
        term = Term.objects.filter(vocabulary__key=spec.vocabulary, code=str(value)).first() \
            or Term.objects.filter(vocabulary__key=spec.vocabulary,
                                   label__iexact=str(value).strip()).first()
        if term is None:
            raise DecisionError(f"'{value}' is not in the list for {spec.label}")
        return term
    if spec.kind == "date":
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise DecisionError(f"{spec.label}: '{value}' is not a full date (YYYY-MM-DD); "
                                "correct it to a full date") from None
    if spec.kind == "int":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise DecisionError(f"{spec.label}: '{value}' is not a whole number") from None
        if number < 0:
            raise DecisionError(f"{spec.label}: must not be negative")
        return number
    if spec.kind == "bool":
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise DecisionError(f"{spec.label}: answer yes or no")
    if spec.kind == "text":
        return str(value)
    raise DecisionError(f"{spec.label} cannot be set from a document")


def _stored(field: str, converted: Any) -> Any:
    return converted.code if isinstance(converted, Term) else (
        converted.isoformat() if isinstance(converted, date) else converted)


@transaction.atomic
def decide(extraction: Extraction, action: str, user: Any, *, value: Any = None,
           request: Any = None) -> str:
    """Apply one decision; return a sentence for the person. Raises DecisionError."""
    if action not in ("confirm", "correct", "reject"):
        raise DecisionError("Select confirm, correct or reject")
    extraction = Extraction.objects.select_for_update().get(pk=extraction.pk)
    review = extraction.review
    field = extraction.field
    label = SPECS[field].label if field in SPECS else field
    written = ""
    if action == "reject":
        extraction.status = Decision.REJECTED
    else:
        new_value = extraction.value if action == "confirm" else value
        if action == "correct" and (value is None or str(value).strip() == ""):
            raise DecisionError(f"Enter the correct value for {label}")
        if field in NOT_WRITTEN:
            written = f" (not written to the review: {NOT_WRITTEN[field]})"
        elif field in SPECS:
            converted = _convert(field, new_value)
            if SPECS[field].kind == "codes":
                getattr(review, field).add(converted)
            else:
                setattr(review, field, converted)
                review.save()
            new_value = _stored(field, converted)
        if action == "correct":
            extraction.value = new_value
            extraction.origin = Extraction.HUMAN
            extraction.status = Decision.CORRECTED
        else:
            extraction.status = Decision.CONFIRMED
    extraction.decided_by = user if getattr(user, "is_authenticated", False) else None
    extraction.decided_at = timezone.now()
    extraction.save()
    verb = {"confirm": "confirmed", "correct": "corrected", "reject": "rejected"}[action]
    record(request, "change", review, user=user,
           detail=f"dataset {extraction.key} {verb}: {extraction.value!r} (suggested "
                  f"{extraction.machine_value!r} by {extraction.producer} from "
                  f"{extraction.version} page {extraction.page})")
    return f"{label} {verb}{written}"
