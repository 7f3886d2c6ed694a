"""``{% ingestion_panel document %}``: what ingestion made of a document, for its page.

The document page has already checked that the user may view the document; everything
shown here is derived from it, so it takes the same access."""

from __future__ import annotations

from django import template

from ...accounts.access import can
from ...audit.reads import confidential_read
from .. import data
from ..redaction import may_see_unredacted, review_progress, visible_titles

register = template.Library()


@register.filter
def shown_title(document, user) -> str:
    """``{{ object|shown_title:request.user }}``: a document's title as the user may see it
    (``redaction.visible_titles``: redacted, or withheld before the redaction review)."""
    return visible_titles(user, [document])[document.pk]


@register.inclusion_tag("ingestion/_panel.html", takes_context=True)
def ingestion_panel(context, document):
    request = context.get("request")
    user = getattr(request, "user", None)
    if not can(user, "view", document):
        return {"hidden": True}
    version = document.current
    # The panel shows text read from the document (recommendations, findings, evidence):
    # a confidential read wherever the panel is included (``audit.reads``).
    confidential_read(user, [document], "extracted data")
    payload = data.document_data(document, version,
                                 redacted=not may_see_unredacted(user, document))
    return {"object": document, "version": version, "ingest": payload,
            "job": payload["job"], "request": request,
            "can_decide": can(user, "change", document.review),
            "csrf_token": context.get("csrf_token"), "csp_nonce": context.get("csp_nonce", "")}


@register.inclusion_tag("ingestion/_redaction_progress.html", takes_context=True)
def redaction_progress(context, review):
    """Redaction review progress of a review's documents, for those who decide flags."""
    request = context.get("request")
    return {"progress": review_progress(getattr(request, "user", None), review)}
