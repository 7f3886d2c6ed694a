"""Confidential reads are audited where the text is read, not in each view.

Every function that hands out text of a confidential document (search hits, similar
passages, drill-down evidence, the coding pages' and exports' text) calls
``confidential_read`` with the documents it is returning; it writes one audited,
confidential "view" event per document and request. The request (for path, address and
channel) comes from ``CurrentRequest``, a middleware, so a new page or API route that calls
those functions is audited without doing anything; outside a request (the CLI) the event
says so. A view that has already recorded its confidential document (``log.record``)
is not recorded twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

_REQUEST: ContextVar[Any] = ContextVar("observatory_request", default=None)
SEEN = "_confidential_reads"  # request attribute: confidential document ids recorded


class CurrentRequest:
    """Middleware: makes the request being answered known to ``confidential_read``."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _REQUEST.set(request)
        try:
            return self.get_response(request)
        finally:
            _REQUEST.reset(token)


def current_request() -> Any:
    return _REQUEST.get()


def mark_recorded(request: Any, document_id: Any) -> None:
    if request is not None and document_id:
        if not hasattr(request, SEEN):
            setattr(request, SEEN, set())
        getattr(request, SEEN).add(str(document_id))


def confidential_read(user: Any, documents: Iterable[Any], detail: str) -> None:
    """Audit that ``user`` is being given text of these documents: one confidential event
    per confidential document (others are skipped), at most once per request."""
    from .log import record

    request = current_request()
    done = getattr(request, SEEN, set()) if request is not None else set()
    for document in documents:
        if getattr(document, "confidential", False) and str(document.pk) not in done:
            # ``record`` marks the document as recorded for this request.
            record(request, "view", document, user=user, detail=detail[:500])
            done.add(str(document.pk))
