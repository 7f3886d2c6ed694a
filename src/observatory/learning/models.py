"""Learning into practice (docs/learning.md): published findings (the database of
categorised findings) and briefings with their versions.

Nothing here is read from another app's tables by the public pages: a finding is published
as a snapshot (its redacted text and its codes' names) taken when the publication gate let
it through (services.publish_finding), so the public site never queries documents, codes or
flags. Access: ``access_kind`` is ``published_learning`` for what the public site shows and
``unpublished_learning`` for drafts and withdrawn findings (policy: access_policy.toml).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..repository.models import Document, Review


class PublishedFinding(models.Model):
    PUBLISHED, WITHDRAWN = "published", "withdrawn"

    # The ingestion finding it was taken from (kept if that is re-processed away).
    source_finding_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    version_id_read = models.PositiveIntegerField()  # the document version quoted
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()  # the redacted text, as the gate checked it
    stage = models.CharField(max_length=40, db_index=True)
    stage_name = models.CharField(max_length=200)
    issue = models.CharField(max_length=40, blank=True, db_index=True)
    issue_name = models.CharField(max_length=200, blank=True)
    # [[key, name], ...] per facet, and the same keys space-delimited for filtering in SQL
    professionals = models.JSONField(default=list)
    nature = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    tags = models.TextField(default=" ")
    area_name = models.CharField(max_length=200, blank=True)
    year = models.PositiveIntegerField(null=True, blank=True)
    age_band = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, default=PUBLISHED, db_index=True,
                              choices=[(PUBLISHED, "Published"), (WITHDRAWN, "Withdrawn")])
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "issue", "-published_at", "pk"]

    def __str__(self) -> str:
        return self.heading or f"Finding {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("learning-finding", args=[self.pk])

    def access_kind(self) -> str:
        return "published_learning" if self.status == self.PUBLISHED else "unpublished_learning"


class Briefing(models.Model):
    DRAFT, PUBLISHED, WITHDRAWN = "draft", "published", "withdrawn"
    STATUSES = [(DRAFT, "Draft"), (PUBLISHED, "Published"), (WITHDRAWN, "Withdrawn")]

    slug = models.SlugField(max_length=120, unique=True)
    issue = models.CharField(max_length=40, db_index=True)  # practice issue code key
    issue_name = models.CharField(max_length=200)
    stage = models.CharField(max_length=40, db_index=True)
    stage_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT, db_index=True)
    published_version = models.ForeignKey("BriefingVersion", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    first_published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # What the publication gate said the last time publication was refused (shown to analysts).
    blocked = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issue", "slug"]

    def __str__(self) -> str:
        return self.issue_name

    def get_absolute_url(self) -> str:
        return reverse("learning-briefing", args=[self.slug])

    def access_kind(self) -> str:
        # A withdrawn briefing stays public as its title and the reason it was withdrawn.
        return "unpublished_learning" if self.status == self.DRAFT else "published_learning"

    @property
    def latest(self) -> BriefingVersion | None:
        return self.versions.order_by("-number").first()


class BriefingVersion(models.Model):
    """One edit of a briefing. Never changed once written, except for its approval."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    sections = models.JSONField(default=dict)  # key -> sanitised HTML
    figures = models.JSONField(default=dict)  # observatory_core.learning.briefing.frequencies
    # The example: a span of a document version's text, redacted when drafted (and re-read
    # through the gate at approval).
    example_version_id = models.PositiveIntegerField(null=True, blank=True)
    example_start = models.PositiveIntegerField(null=True, blank=True)
    example_end = models.PositiveIntegerField(null=True, blank=True)
    example_text = models.TextField(blank=True)
    example_source = models.CharField(max_length=300, blank=True)
    example_document_id = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField("What changed", max_length=300, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["briefing", "-number"]
        constraints = [models.UniqueConstraint(fields=["briefing", "number"],
                                               name="unique_briefing_version")]

    def __str__(self) -> str:
        return f"{self.briefing.slug} v{self.number}"


class Generation(models.Model):
    """One row: a random token changed by every publication or withdrawal. Cached public
    pages are keyed by it, so every server process (each with its own cache) and every
    rolled-back transaction sees the published state, never a stale page."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
