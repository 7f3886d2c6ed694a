"""Every new document version is queued for ingestion once its transaction commits."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from ..repository.models import DocumentVersion

# Sent (inside the saving transaction) when a version's passages have been stored, with
# ``version=``; the semantic app embeds them in the background once that transaction commits.
passages_saved = Signal()

# Sent inside the saving transaction when a version is read again (ingestion.anchoring):
# ``units_lost`` with ``model=`` (Passage, Recommendation or Finding) and ``ids=`` before
# those rows, which the new run could not place, are deleted; ``text_replaced`` with
# ``version=``, ``old_text=``, ``new_text=`` and ``pages=`` once the new text is stored.
# The coding app keeps its codes on them (flagged for re-anchoring, spans moved with their
# text): machine output never deletes people's work.
units_lost = Signal()
text_replaced = Signal()


@receiver(post_save, sender=DocumentVersion, dispatch_uid="ingestion.queue_new_version")
def queue_new_version(sender, instance: DocumentVersion, created: bool, raw: bool = False,
                      **kwargs) -> None:
    if created and not raw:
        from .services import queue_version

        queue_version(instance, instance.uploaded_by)


def _relink(sender, document, **kwargs) -> None:
    from .counting import relink_document

    relink_document(sender, document)


def connect_repository_signals() -> None:
    """Which recommendations count follows a person's choice of current version or role."""
    from ..repository.signals import current_version_changed, recommendations_role_changed

    current_version_changed.connect(_relink, dispatch_uid="ingestion.relink_current")
    recommendations_role_changed.connect(_relink, dispatch_uid="ingestion.relink_role")
