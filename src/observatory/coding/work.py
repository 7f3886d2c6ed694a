"""What is waiting for a coder, for the home pages: documents with text that this person
has not yet marked as finished, newest first, and how many codes they have still to
decide."""

from __future__ import annotations

from typing import Any

from ..accounts.access import can
from ..ingestion.redaction import visible_titles
from .models import CodedSegment, CodingProgress, Status


def documents_to_code(user: Any, limit: int = 10) -> dict[str, Any]:
    from ..ingestion.models import DocumentText

    finished = set(CodingProgress.objects.filter(coder=user, done=True)
                   .values_list("version_id", flat=True))
    seen: set[int] = set()
    documents = []
    for text in (DocumentText.objects.select_related("version__document__review",
                                                     "version__document__kind")
                 .order_by("-created_at")[:300]):
        document = text.version.document
        if document.pk in seen or text.version_id in finished or \
                not can(user, "view", document):
            continue
        seen.add(document.pk)
        documents.append({"document": visible_titles(user, [document])[document.pk],
                          "review": document.review.reference,
                          "url": f"/coding/documents/{document.pk}/"})
    suggested = CodedSegment.objects.filter(coder=user, status=Status.SUGGESTED,
                                            consensus=False).count()
    return {"total": len(documents), "documents": documents[:limit],
            "suggestions_to_decide": suggested}
