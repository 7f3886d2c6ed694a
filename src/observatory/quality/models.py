"""Quality Markers in the database (admin-editable, every change a version) and each
review's Quality Marker dialogue: participants, their own entries per marker and stage,
chairs' comments, obstacles (a list that grows: proposed, then approved), next steps and
evidence links to the review's own passages and documents.

A review's dialogue is pinned to the marker versions in force when it began
(``Dialogue.versions``); a later edit of a marker shows as a notice, never changes what the
participants answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from observatory_core.quality import STAGES

from ..repository.models import Review

STAGE_CHOICES = [(s, s.title()) for s in STAGES]


class Marker(models.Model):
    """The current text of one marker. Edits (admin) become a new ``MarkerVersion``."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    cluster = models.CharField(max_length=40)
    statement = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    questions = models.JSONField(default=list, blank=True,
                                 help_text="A list of questions, in order.")
    knowledge_base = models.TextField(blank=True)
    equality_diversity = models.TextField(blank=True)
    equality_diversity_section = models.CharField(
        max_length=10, default="unknown",
        choices=[("present", "Present"), ("absent", "Not part of this marker"),
                 ("unknown", "Not yet known")])
    guidance_links = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("quality-marker", args=[self.number])

    def access_kind(self) -> str:
        return "quality_marker"

    def content(self) -> dict:
        """The snapshot a version keeps (the same keys as observatory_core.quality)."""
        return {"number": self.number, "title": self.title, "cluster": self.cluster,
                "statement": self.statement, "rationale": self.rationale,
                "questions": list(self.questions or []),
                "knowledge_base": self.knowledge_base,
                "equality_diversity": self.equality_diversity,
                "equality_diversity_section": self.equality_diversity_section,
                "guidance_links": self.guidance_links,
                "obstacles": sorted(self.obstacles.filter(status=Obstacle.APPROVED,
                                                          from_source=True)
                                    .values_list("text", flat=True))}


class MarkerVersion(models.Model):
    marker = models.ForeignKey(Marker, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["marker__number", "version"]
        constraints = [models.UniqueConstraint(fields=["marker", "version"],
                                               name="unique_marker_version")]

    def __str__(self) -> str:
        return f"Marker {self.marker.number} version {self.version}"


class Obstacle(models.Model):
    """A common obstacle (or what helps with it). From the source, or proposed by a
    participant and shown to others once an administrator approves it."""

    PROPOSED, APPROVED, DECLINED = "proposed", "approved", "declined"
    marker = models.ForeignKey(Marker, on_delete=models.CASCADE, related_name="obstacles")
    text = models.CharField(max_length=500)
    status = models.CharField(max_length=10, default=PROPOSED, db_index=True,
                              choices=[(PROPOSED, "Proposed"), (APPROVED, "Approved"),
                                       (DECLINED, "Declined")])
    from_source = models.BooleanField(default=False, help_text="Shipped with the markers.")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["marker__number", "pk"]
        constraints = [models.UniqueConstraint(fields=["marker", "text"],
                                               name="unique_obstacle_text")]

    def __str__(self) -> str:
        return self.text

    def access_kind(self) -> str:
        return "quality_marker"


class Dialogue(models.Model):
    """A review's Quality Marker dialogue; its access is its review's partnership's."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="+")
    versions = models.JSONField(default=dict, help_text="Marker number -> version in use.")
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Quality Marker dialogue for {self.review.reference}"

    def get_absolute_url(self) -> str:
        return reverse("quality-dialogue", args=[self.review.reference])

    def access_kind(self) -> str:
        return "quality_dialogue"

    @property
    def access_area_id(self) -> int:
        return self.review.local_authority_id


class Participant(models.Model):
    BOARD_MANAGER, CHAIR, LEAD_REVIEWER, PANEL = ("board_manager", "chair", "lead_reviewer",
                                                  "panel_member")
    ROLES = [(BOARD_MANAGER, "Business manager"), (CHAIR, "Independent chair"),
             (LEAD_REVIEWER, "Lead reviewer"), (PANEL, "Review panel member")]
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=ROLES)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["dialogue", "user"],
                                               name="unique_dialogue_participant")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class Entry(models.Model):
    """One participant's own words on one marker at one stage. Only its author edits it;
    ``lock`` refuses a save made from an out-of-date form (two tabs), never losing words."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="entries")
    stage = models.CharField(max_length=10, choices=STAGE_CHOICES)
    marker = models.PositiveSmallIntegerField()
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="entries")
    answers = models.JSONField(default=dict, blank=True, help_text="Question number -> text.")
    where_we_are = models.TextField(blank=True)
    helped = models.TextField(blank=True)
    found_hard = models.BooleanField(default=False)
    obstacles = models.ManyToManyField(Obstacle, blank=True, related_name="entries")
    lock = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["marker", "stage", "pk"]
        constraints = [models.UniqueConstraint(fields=["dialogue", "stage", "marker", "author"],
                                               name="unique_entry_per_author")]

    def __str__(self) -> str:
        return f"{self.dialogue.review.reference} marker {self.marker} {self.stage}"


class Comment(models.Model):
    """A chair's comment beside a participant's entry: added, never rewriting it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Comment on {self.entry}"


class NextStep(models.Model):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="next_steps")
    stage = models.CharField(max_length=10, choices=STAGE_CHOICES)
    marker = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    owner = models.CharField(max_length=200)
    due = models.DateField()
    added_by = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.text


class Evidence(models.Model):
    """A passage or document of the review linked to a marker: a link, never a copy, so
    the viewer's access decides what is shown of it each time."""

    PASSAGE, DOCUMENT = "passage", "document"
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="evidence")
    stage = models.CharField(max_length=10, choices=STAGE_CHOICES)
    marker = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=[(PASSAGE, "Passage"), (DOCUMENT, "Document")])
    object_id = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(
            fields=["dialogue", "stage", "marker", "kind", "object_id"],
            name="unique_evidence_link")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} for marker {self.marker} ({self.stage})"
