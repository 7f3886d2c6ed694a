"""Every version whose passages were saved is queued for embedding, after commit."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from ..ingestion.signals import passages_saved


@receiver(passages_saved, dispatch_uid="semantic.embed_saved_passages")
def embed_saved_passages(sender, version, changed=(), **kwargs) -> None:
    if changed:  # a passage kept by a new run with new text: its old vector is stale
        from .models import PassageEmbedding

        PassageEmbedding.objects.filter(passage_id__in=list(changed)).delete()
    if getattr(settings, "OBSERVATORY_EMBED_ON_INGEST", True):
        from .services import queue_version

        queue_version(version)
