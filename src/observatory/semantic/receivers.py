"""Every version whose passages were saved is queued for embedding, after commit."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from ..ingestion.signals import passages_saved


@receiver(passages_saved, dispatch_uid="semantic.embed_saved_passages")
def embed_saved_passages(sender, version, **kwargs) -> None:
    if getattr(settings, "OBSERVATORY_EMBED_ON_INGEST", True):
        from .services import queue_version

        queue_version(version)
