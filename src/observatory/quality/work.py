"""What other apps show of the Quality Markers (public functions): a review's page and the
partnership's home page get the review's statutory timescales and, for those who may open
it, the link to its Quality Marker dialogue."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from ..accounts.access import can
from .models import Dialogue
from .timescales import review_timescales


def dialogue_link(user: Any, review: Any) -> dict[str, Any] | None:
    """The dialogue's address and whether it has started, for a user who may open (or
    start) it; None for everyone else."""
    dialogue = Dialogue.objects.filter(review=review).first()
    probe = dialogue or Dialogue(review=review)
    if not can(user, "view" if dialogue else "change", probe):
        return None
    return {"url": reverse("quality-dialogue", args=[review.reference]),
            "started": dialogue is not None}


def review_panel(user: Any, review: Any, today: date | None = None) -> dict[str, Any]:
    return {"timescales": review_timescales(review, today),
            "dialogue": dialogue_link(user, review)}
