"""Background task (Django Tasks API) on its own queue, ``embeddings``, so that a long
embedding run never waits in front of an ingestion job: ``observatory worker`` runs one
worker per queue."""

from __future__ import annotations

from django_tasks import task

QUEUE = "embeddings"


@task(queue_name=QUEUE)
def embed_version(job_id: int) -> str:
    """Embed the passages of one document version; the EmbeddingJob row shows progress."""
    from .services import run_job

    return run_job(job_id)
