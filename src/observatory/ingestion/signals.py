"""Every new document version is queued for ingestion once its transaction commits."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from ..repository.models import DocumentVersion

# Sent (inside the saving transaction) when a version's passages have been stored, with
# ``version=``; the semantic app embeds them in the background once that transaction commits.
passages_saved = Signal()


@receiver(post_save, sender=DocumentVersion, dispatch_uid="ingestion.queue_new_version")
def queue_new_version(sender, instance: DocumentVersion, created: bool, raw: bool = False,
                      **kwargs) -> None:
    if created and not raw:
        from .services import queue_version

        queue_version(instance, instance.uploaded_by)
