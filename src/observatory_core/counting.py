"""Which of a review's recommendations count, and which are the same recommendation again.

The rule (docs/analysis.md, 'Counting recommendations'):

- Each document's items have a role, from its kind (data/vocab/document_kind.toml,
  'recommendations') or a person's choice for that document: 'review' (the overview
  report: its items are the review's recommendations), 'copy' (an executive summary, an
  action plan, an unredacted copy: its items repeat the review's), 'agency' (an IMR: the
  agency's own recommendations, counted separately) or 'none' (inspection findings,
  chronologies: not recommendations of the review).
- A review's recommendations are those of its 'review' documents; a later 'review'
  document's item that repeats an earlier one is a copy of it. Without any 'review'
  document that has items, the first 'copy' document with items is the single report.
- Items of 'copy' documents are linked to the review's recommendation they repeat (the
  most similar text, at least ``SAME`` alike after numbering and spacing are set aside)
  and are never counted themselves.

Framework-free: the Django side (ingestion/counting.py) stores what ``classify`` returns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .anchoring import normalise, similarity

ROLES = ("review", "copy", "agency", "none")
# How alike two items' texts must be to be the same recommendation: an executive summary
# repeats the overview's recommendations word for word or lightly shortened; different
# recommendations of one review share phrases ("should ensure that") but not most words.
SAME = 0.8
_NUMBER = re.compile(r"^\s*(?:recommendation\s+)?(?:r\s?)?[\d.()a-z]{1,6}[.):\-\u2013]?\s+",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    id: int
    text: str


@dataclass(frozen=True)
class Doc:
    """One document's current items, in order, and its role; ``order`` ranks documents
    (kind order, then upload) when one must be chosen as the single report."""

    id: int
    role: str
    order: tuple
    items: tuple[Item, ...]


def comparable(text: str) -> str:
    return normalise(_NUMBER.sub("", text, count=1))


def classify(docs: Sequence[Doc]) -> dict[int, tuple[str, int | None]]:
    """{item id: (counted_as, id of the item it repeats or None)} for every item."""
    ordered = sorted(docs, key=lambda d: d.order)
    primary = [d for d in ordered if d.role == "review" and d.items]
    if not primary:
        primary = [d for d in ordered if d.role == "copy" and d.items][:1]
    out: dict[int, tuple[str, int | None]] = {}
    counted = _Originals()
    primary_ids = {d.id for d in primary}
    for doc in primary:
        links = counted.matches(doc.items)
        for item in doc.items:
            out[item.id] = ("copy", links[item.id]) if item.id in links else ("review", None)
        counted.add([i for i in doc.items if i.id not in links])
    for doc in ordered:
        if doc.id in primary_ids:
            continue
        if doc.role == "copy" or doc.role == "review":
            links = counted.matches(doc.items)
            for item in doc.items:
                out[item.id] = ("copy", links.get(item.id))
        else:
            for item in doc.items:
                out[item.id] = (doc.role if doc.role in ROLES else "none", None)
    return out


def _shingles(text: str) -> frozenset[str]:
    """Word 3-grams of a comparable text (its words, when it has fewer than three)."""
    words = text.split()
    if len(words) < 3:
        return frozenset(words)
    return frozenset(" ".join(words[i:i + 3]) for i in range(len(words) - 2))


# Texts at least SAME alike share most of their words in order, so most 3-grams; a pair
# sharing under this share of the smaller text's 3-grams is not compared at all.
_SHARED_AT_LEAST = 0.25
# A 3-gram held by more items than this is a stock phrase ("the local authority should").
_COMMON = 50


class _Originals:
    """The items counted so far, with an index of their word 3-grams that picks the few
    worth difflib's ratio: a review (or a whole folder ingested into one) can hold
    hundreds of items, and items are added as documents are read, never re-indexed."""

    def __init__(self) -> None:
        self.texts: dict[int, str] = {}
        self.grams: dict[int, frozenset[str]] = {}
        self.index: dict[str, list[int]] = {}

    def add(self, items: Sequence[Item]) -> None:
        for item in items:
            self.texts[item.id] = comparable(item.text)
            self.grams[item.id] = _shingles(self.texts[item.id])
            for g in self.grams[item.id]:
                self.index.setdefault(g, []).append(item.id)

    def matches(self, repeats: Sequence[Item]) -> dict[int, int]:
        """{repeat id: original id} for each repeat at least ``SAME`` alike an original;
        each original taken once, best pairs first."""
        scored = []
        for r in repeats:
            mine = comparable(r.text)
            my_grams = _shingles(mine)
            shared: dict[int, int] = {}
            for g in my_grams:
                holders = self.index.get(g, ())
                if len(holders) > _COMMON:  # a stock phrase: tells no item from another
                    continue
                for o_id in holders:
                    shared[o_id] = shared.get(o_id, 0) + 1
            for o_id, n in shared.items():
                if n < _SHARED_AT_LEAST * min(len(my_grams), len(self.grams[o_id])):
                    continue
                value = similarity(self.texts[o_id], mine, at_least=SAME)
                if value >= SAME:
                    scored.append((value, r.id, o_id))
        scored.sort(key=lambda t: -t[0])
        out: dict[int, int] = {}
        taken: set[int] = set()
        for _, r, o in scored:
            if r not in out and o not in taken:
                out[r] = o
                taken.add(o)
        return out


def same_items(originals: Sequence[Item], repeats: Sequence[Item]) -> dict[int, int]:
    """{repeat id: original id} for each repeat whose text is at least ``SAME`` alike an
    original's; each original taken once, best pairs first."""
    counted = _Originals()
    counted.add(originals)
    return counted.matches(repeats)
