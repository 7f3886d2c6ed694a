"""The coding app's public API for counting coded data (what the analysis app imports).

The rule (``observatory_core.coding.counting``): accepted codes count, suggestions never;
where a unit has an adjudicated consensus coding, only the consensus counts; reviews are
counted once. ``counted_segments`` is that rule as one queryset (what the analysis tables
group and count in the database); ``code_rows`` hands the same segments to the pure rule,
which ``services.codes_per`` uses. tests/apps/coding/test_counting.py holds the two forms
together on generated codings.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from observatory_core.coding.counting import CodeRow

from ..repository.services import in_current_versions
from .models import Code, Codebook, CodedSegment, Status

# The column holding the coded unit, per target.
UNIT_FIELDS = {"passage": "passage_id", "recommendation": "recommendation_id",
               "finding": "finding_id", "review": "review_id"}


def _accepted() -> QuerySet[CodedSegment]:
    """Accepted codes on documents' current versions (or on whole reviews): codes on a
    superseded version are kept with it but not counted (repository.services' rule)."""
    return CodedSegment.objects.filter(in_current_versions(or_none=True),
                                       status=Status.ACCEPTED)


def counted_segments(codebook: str | None = None,
                     code_key: str | None = None) -> QuerySet[CodedSegment]:
    """The coded segments that count, of one codebook and/or one code key. Counting
    distinct reviews (or recommendations) over these never counts a code twice because two
    coders both applied it."""
    segments = _accepted()
    book_id = None
    if codebook:
        # By id, not by a join on the key: with codebook and status both constants the
        # database reads the covering index (analysis migration 0002) already in code order.
        book_id = Codebook.objects.filter(key=codebook).values_list("pk", flat=True).first()
        segments = segments.filter(codebook_id=book_id)
    if code_key:
        segments = segments.filter(code__key=code_key)
    # consensus__in, not consensus=: Django writes a boolean test as a bare column (or NOT
    # column) on SQLite, which cannot seek an index; IN (...) can, on both databases.
    books = _accepted().filter(consensus__in=[True])
    if codebook:
        books = books.filter(codebook_id=book_id)
    elif code_key:
        books = books.filter(codebook__codes__key=code_key)
    settled_books = list(books.order_by().values_list("codebook_id", flat=True).distinct())
    if not settled_books:
        # Nothing adjudicated: every accepted code counts. Every row has consensus False
        # then; saying so lets the database read the covering index (codebook, status,
        # consensus, code, review, ...) already in code order.
        return segments.filter(consensus__in=[False])
    for book in settled_books:
        consensus = _accepted().filter(consensus=True, codebook_id=book)
        for target, column in UNIT_FIELDS.items():
            settled = consensus.filter(target=target, **{f"{column}__isnull": False}
                                       ).order_by().values(column)
            segments = segments.exclude(Q(consensus=False, codebook_id=book, target=target)
                                        & Q(**{f"{column}__in": settled}))
    return segments


def code_rows(segments: QuerySet[CodedSegment]) -> list[CodeRow]:
    """The segments as the pure rule's rows (one query)."""
    return [CodeRow(id=pk, codebook=book, target=target,
                    unit={"passage": passage, "recommendation": recommendation,
                          "finding": finding, "review": review}[target],
                    code=code, status=status, consensus=consensus, review=review)
            for pk, book, target, passage, recommendation, finding, review, code, status,
            consensus in segments.order_by("pk").values_list(
                "pk", "codebook__key", "target", "passage_id", "recommendation_id",
                "finding_id", "review_id", "code__key", "status", "consensus")]


def code_names(ids: Any) -> dict[int, tuple[str, str, int]]:
    """code id -> (key, name, position): a small lookup instead of a join in the counts."""
    return {pk: (key, name, position) for pk, key, name, position in Code.objects.filter(
        pk__in=list(ids)).values_list("pk", "key", "name", "position")}
