"""``{% semantic_status document %}``: is semantic search ready for this document?"""

from __future__ import annotations

from django import template

from ...accounts.access import can
from .. import services

register = template.Library()


@register.inclusion_tag("semantic/_status.html", takes_context=True)
def semantic_status(context, document):
    request = context.get("request")
    if not can(getattr(request, "user", None), "view", document):
        return {"hidden": True}
    version = document.versions.first()
    return {"object": document, "status": services.status(version)}
