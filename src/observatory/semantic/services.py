"""Embedding the passages of a document version, in the background and in batches.

- ``queue_version(version)``: a queued EmbeddingJob; the task is enqueued on commit (so
  after ingestion's own transaction: keyword search is already there).
- ``run_job(job_id)``: embeds the version's passages that have no vector for the current
  model, ``BATCH`` at a time, each batch committed (semantic search grows as it goes).
- ``status(version)``: what the document page shows.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from observatory_core.embeddings import EmbeddingUnavailable, load_embedder, to_bytes

from ..ingestion.models import Passage
from ..repository.models import DocumentVersion
from .models import EmbeddingJob, PassageEmbedding

log = logging.getLogger(__name__)
BATCH = 64


def embedder():
    """The one embedder of this process (see observatory_core.embeddings.load_embedder:
    ``OBSERVATORY_EMBEDDING_MODEL``; never a silent fallback)."""
    return load_embedder()


def queue_version(version: DocumentVersion) -> EmbeddingJob:
    job = EmbeddingJob.objects.create(version=version)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    from .tasks import embed_version

    embed_version.enqueue(job_id)


def run_job(job_id: int) -> str:
    job = EmbeddingJob.objects.filter(pk=job_id).select_related("version").first()
    if job is None or job.status in (EmbeddingJob.DONE, EmbeddingJob.FAILED):
        return job.status if job else "missing"
    started = time.perf_counter()
    try:
        model = embedder()
    except EmbeddingUnavailable as exc:
        EmbeddingJob.objects.filter(pk=job_id).update(
            status=EmbeddingJob.FAILED, message=str(exc), finished_at=timezone.now())
        return EmbeddingJob.FAILED
    todo = list(Passage.objects.filter(version_id=job.version_id)
                .exclude(kind="heading")
                .exclude(pk__in=PassageEmbedding.objects.filter(model=model.name)
                         .values("passage_id"))
                .order_by("index").values_list("pk", "text"))
    # Shortest first, so each batch holds passages of similar length: less padding (the
    # model pads a batch to its longest passage); padding is masked out of the vectors.
    todo.sort(key=lambda row: len(row[1]))
    EmbeddingJob.objects.filter(pk=job_id).update(
        status=EmbeddingJob.RUNNING, started_at=timezone.now(), total=len(todo), done=0,
        model=model.name, model_version=model.version)
    try:
        for start in range(0, len(todo), BATCH):
            batch = todo[start:start + BATCH]
            vectors = model.encode([text for _, text in batch])
            with transaction.atomic():
                alive = set(Passage.objects.filter(pk__in=[pk for pk, _ in batch])
                            .values_list("pk", flat=True))  # re-processed meanwhile?
                PassageEmbedding.objects.bulk_create(
                    [PassageEmbedding(passage_id=pk, model=model.name,
                                      model_version=model.version, vector=to_bytes(vec))
                     for (pk, _), vec in zip(batch, vectors, strict=True) if pk in alive],
                    ignore_conflicts=True)
                EmbeddingJob.objects.filter(pk=job_id).update(done=start + len(batch))
    except Exception as exc:  # the job must not stay 'running'; keyword search is unaffected
        log.exception("embedding job %s failed", job_id)
        EmbeddingJob.objects.filter(pk=job_id).update(
            status=EmbeddingJob.FAILED, message=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(), seconds=time.perf_counter() - started)
        return EmbeddingJob.FAILED
    EmbeddingJob.objects.filter(pk=job_id).update(
        status=EmbeddingJob.DONE, done=len(todo), finished_at=timezone.now(),
        seconds=round(time.perf_counter() - started, 3))
    return EmbeddingJob.DONE


def status(version: DocumentVersion | None) -> dict[str, Any]:
    """Whether semantic search covers this version: 'ready', 'embedding' (done/total),
    'queued', 'failed' (message) or 'not started'."""
    if version is None:
        return {"state": "not started"}
    job = EmbeddingJob.objects.filter(version=version).first()
    if job is None:
        return {"state": "not started"}
    state = {EmbeddingJob.DONE: "ready", EmbeddingJob.RUNNING: "embedding",
             EmbeddingJob.QUEUED: "queued", EmbeddingJob.FAILED: "failed"}[job.status]
    return {"state": state, "done": job.done, "total": job.total, "model": job.model or None,
            "model_version": job.model_version or None, "seconds": job.seconds,
            "message": job.message or None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
