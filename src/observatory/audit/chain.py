"""Checking the audit chain (``observatory audit verify``): the events and the links that
retention removed, merged in sequence order, walked by ``observatory_core.auditchain``."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from observatory_core.auditchain import FIELDS, Broken, Link, verify

from .models import AuditEvent, ChainHead, RemovedLink


def _events() -> Iterator[Link]:
    for row in AuditEvent.objects.order_by("seq").values("pk", "previous_digest", "digest",
                                                          *FIELDS).iterator(chunk_size=2000):
        yield Link(row["seq"] or 0, row["previous_digest"], row["digest"], row, row["pk"])


def _removed() -> Iterator[Link]:
    for seq, previous, digest in RemovedLink.objects.order_by("seq").values_list(
            "seq", "previous_digest", "digest").iterator(chunk_size=2000):
        yield Link(seq, previous, digest)


def check() -> tuple[int, Broken | None]:
    """(events checked, the first broken link or None)."""
    head = ChainHead.objects.filter(pk=1).values_list("seq", "digest").first()
    links = heapq.merge(_events(), _removed(), key=lambda link: link.seq)
    return verify(links, head=tuple(head) if head else None)
