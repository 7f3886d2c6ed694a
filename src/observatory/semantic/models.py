"""Passage embeddings (one vector per passage and model) and the embedding job of each
document version, which tells the document page when semantic search is ready.

Vectors are float32 little-endian bytes (``observatory_core.embeddings.to_bytes``); they
are searched by brute force in memory (``index.VectorIndex``), filtered by access in SQL.
Passages are deleted and re-created when a version is processed again, and their vectors
go with them (CASCADE); the new passages are embedded by a new job.
"""

from __future__ import annotations

from django.db import models

from ..ingestion.models import Passage
from ..repository.models import DocumentVersion


class PassageEmbedding(models.Model):
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100)  # Embedder.name: vectors comparable only within
    model_version = models.CharField(max_length=200)  # package version and file checksum
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["passage", "model"],
                                               name="unique_passage_embedding")]
        indexes = [models.Index(fields=["model", "id"])]

    def __str__(self) -> str:
        return f"{self.model} vector of passage {self.passage_id}"


class EmbeddingJob(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "Queued"), (RUNNING, "Embedding"), (DONE, "Ready"),
                (FAILED, "Failed")]

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"embedding of {self.version} ({self.status})"
