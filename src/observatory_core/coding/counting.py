"""Which codes count: the one rule for every count of coded data (analysis tables,
drill-downs, ``codes_per``).

A code counts when a person accepted it (suggestions and rejected codes never count). Where
a unit (one passage, recommendation or finding, or the whole review) has an adjudicated
consensus coding in a codebook, only the consensus codes of that unit count; two coders who
both applied a code to the same unit are then one decision, not two. Counts of reviews are
of distinct reviews, so a review is counted once however many of its units carry the code.

``counted`` is the rule on plain rows; ``observatory.coding.counting.counted_segments``
writes the same rule as one database query, and a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ACCEPTED = "accepted"


@dataclass(frozen=True)
class CodeRow:
    """One coded segment as the rule sees it. ``unit`` is the id of the coded unit of
    ``target`` (the review's id for a whole-review code)."""

    id: int
    codebook: str
    target: str
    unit: int | None
    code: str
    status: str
    consensus: bool
    review: int


def counted(rows: Iterable[CodeRow]) -> list[CodeRow]:
    """The rows that count, in their given order."""
    accepted = [row for row in rows if row.status == ACCEPTED]
    settled = {(row.codebook, row.target, row.unit) for row in accepted if row.consensus}
    return [row for row in accepted
            if row.consensus or (row.codebook, row.target, row.unit) not in settled]


def reviews_per_code(rows: Iterable[CodeRow]) -> dict[str, int]:
    """Number of distinct reviews in which each code counts."""
    reviews: dict[str, set[int]] = {}
    for row in counted(rows):
        reviews.setdefault(row.code, set()).add(row.review)
    return {code: len(found) for code, found in reviews.items()}
