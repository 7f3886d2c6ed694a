"""Keeping codes on their text when ingestion reads a version again (its rule:
``observatory_core.anchoring``; ingestion sends the signals, this app keeps its own rows).

- ``units_lost``: the codes on units a new run could not place are flagged
  ``needs_reanchoring`` (their unit link then empties; the row, its text, memo, decision and
  consensus stay).
- ``text_replaced``: each code on a span moves with its text into the new text layer, or is
  flagged when its text is gone or no longer lies inside its unit.
- ``needing_reanchoring(coder, version)``: what the workbench shows the coder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.dispatch import receiver

from observatory_core.anchoring import map_span

from ..ingestion.anchoring import page_at
from ..ingestion.models import Finding, Passage, Recommendation
from ..ingestion.signals import text_replaced, units_lost
from .models import CodedSegment, Target

COLUMN = {Passage: Target.PASSAGE, Recommendation: Target.RECOMMENDATION,
          Finding: Target.FINDING}


@receiver(units_lost, dispatch_uid="coding.flag_lost_units")
def flag_lost_units(sender: Any, model: Any, ids: Sequence[int], **kwargs: Any) -> None:
    column = COLUMN.get(model)
    if column:
        CodedSegment.objects.filter(**{f"{column}_id__in": list(ids)}).update(
            needs_reanchoring=True)


@receiver(text_replaced, dispatch_uid="coding.move_spans")
def move_spans(sender: Any, version: Any, old_text: str, new_text: str,
               pages: Sequence[Sequence[int]], **kwargs: Any) -> None:
    if old_text == new_text:
        return
    segments = CodedSegment.objects.filter(version=version, start__isnull=False,
                                           needs_reanchoring=False)
    units = _unit_spans(version)
    for seg in segments:
        span = map_span(old_text, new_text, seg.start, seg.end)
        unit = units.get((seg.target, seg.unit_id))
        if span is None or (unit is not None and not unit[0] <= span[0] < span[1] <= unit[1]):
            CodedSegment.objects.filter(pk=seg.pk).update(needs_reanchoring=True)
            continue
        CodedSegment.objects.filter(pk=seg.pk).update(
            start=span[0], end=span[1], page=page_at(pages, span[0]) or seg.page)


def _unit_spans(version: Any) -> dict[tuple[str, int], tuple[int, int]]:
    out = {}
    for model, target in COLUMN.items():
        for pk, start, end in model.objects.filter(version=version).values_list(
                "pk", "start", "end"):
            out[(target, pk)] = (start, end)
    return out


def needing_reanchoring(coder: Any, version: Any) -> QuerySet[CodedSegment]:
    """The coder's codes on this version that a new reading could not place again."""
    return (CodedSegment.objects.filter(coder=coder, version=version, needs_reanchoring=True)
            .select_related("code").order_by("pk"))
