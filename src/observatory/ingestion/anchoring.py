"""Reconciling a new run's machine output with the previous run of the same version, so
that people's work stays anchored (the rule: ``observatory_core.anchoring``).

- ``reconcile(model, version, rows, ...)``: the new unsaved rows of one kind (passages,
  recommendations or findings) take the primary key of the old row they match and are
  updated in place; new ones are created; old ones that cannot be placed are deleted after
  ``units_lost`` told the apps whose work hangs on them (coding flags its codes for
  re-anchoring and keeps them). Returns the ids whose text changed.
- ``remap_decisions(version, old_text, new_text, pages)``: decided dataset values and
  personal-data flags follow their text into the new text layer, or are flagged.

Called by ``services.save_result`` inside its transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Model

from observatory_core.anchoring import Anchor, map_span, match_units

from ..repository.models import DocumentVersion
from .models import Decision, Extraction, PersonalDataFlag
from .signals import units_lost

# Added to the indexes of kept rows before they are renumbered: (version, index) is unique
# and checked row by row, so a kept row must not take a number another still holds. Indexes
# are below ~1,001,000 (provisional OCR pages: 1,000,000 + page) and the column is a 32-bit
# integer on PostgreSQL.
RENUMBER = 1_100_000_000


def reconcile(model: type[Model], version: DocumentVersion, rows: list[Any],
              fields: Sequence[str], *, old_length: int, new_length: int) -> list[int]:
    """Store ``rows`` (unsaved, one run's units of ``model`` for ``version``) keeping the
    identity of the old rows they match; returns the ids of kept rows whose text changed."""
    old = list(model.objects.filter(version=version).order_by("index"))
    pairs = match_units([Anchor(o.text, o.start, o.end) for o in old],
                        [Anchor(r.text, r.start, r.end) for r in rows],
                        old_length=old_length, new_length=new_length)
    matched = set(pairs.values())
    lost = [o.pk for i, o in enumerate(old) if i not in matched]
    if lost:
        units_lost.send(sender=model, model=model, ids=lost)
        model.objects.filter(pk__in=lost).delete()
    model.objects.filter(version=version).update(index=F("index") + RENUMBER)
    changed = []
    for j, i in pairs.items():
        rows[j].pk = old[i].pk
        if rows[j].text != old[i].text:
            changed.append(old[i].pk)
    model.objects.bulk_update([r for r in rows if r.pk is not None], list(fields),
                              batch_size=500)
    model.objects.bulk_create([r for r in rows if r.pk is None], batch_size=500)
    return changed


def page_at(pages: Sequence[Sequence[int]], offset: int) -> int | None:
    """The page number holding ``offset`` ([[number, start, end], ...])."""
    for number, start, end in pages:
        if start <= offset < end:
            return number
    return None


def remap_decisions(version: DocumentVersion, old_text: str, new_text: str,
                    pages: Sequence[Sequence[int]]) -> None:
    """Decided dataset values and personal-data flags (suggestions are replaced by the new
    run) move with their text; those whose text is gone keep their old span, flagged."""
    if old_text == new_text:
        return
    for model in (Extraction, PersonalDataFlag):
        rows = model.objects.filter(version=version, start__isnull=False).exclude(
            status=Decision.SUGGESTED)
        for row in rows:
            _move(row, map_span(old_text, new_text, row.start, row.end), pages)


def _move(row: Any, span: tuple[int, int] | None, pages: Sequence[Sequence[int]]) -> None:
    if span is None:
        type(row).objects.filter(pk=row.pk).update(needs_reanchoring=True)
        return
    start, end = span
    type(row).objects.filter(pk=row.pk).update(
        start=start, end=end, page=page_at(pages, start) or row.page, needs_reanchoring=False)
