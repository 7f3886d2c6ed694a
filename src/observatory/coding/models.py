"""Codebooks and coded segments (issue 4).

A ``Codebook`` is versioned: every change bumps ``version`` and stores a snapshot
(``CodebookVersion``), so each coded segment names the codebook version it was made under.
Codes in use are never deleted (``on_delete=PROTECT``); they are retired and stay in history.

A ``CodedSegment`` is the one record for rule hits, model suggestions and people's codes:
a code applied by one coder to a unit (a Passage, Recommendation or Finding of a document
version, or a whole review), optionally to a character span (``start``/``end`` into the
version's ``DocumentText.text``). Each coder has their own rows, changed only by them and
only with the ``lock`` they read (optimistic concurrency), so coders never overwrite each
other. ``consensus`` rows are the adjudicated coding.

Re-processing a version never deletes a segment: the new run's units keep the identity of
the old ones they match (``ingestion.services.save_result``), spans follow their text
(``anchoring.remap_segments``), and a segment whose unit or text is gone keeps its ``text``
and is flagged ``needs_reanchoring``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..ingestion.models import Finding, Passage, Recommendation
from ..repository.models import DocumentVersion, Review


class Codebook(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.TextField()
    vocabulary = models.CharField(max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1)
    lock = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return f"/coding/codebooks/{self.key}/"

    def access_kind(self) -> str:
        return "codebook"


class CodebookVersion(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["codebook", "-number"]
        constraints = [models.UniqueConstraint(fields=["codebook", "number"],
                                               name="unique_codebook_version")]

    def __str__(self) -> str:
        return f"{self.codebook.key} v{self.number}"


class Code(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="codes")
    key = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    description = models.TextField(blank=True)
    source = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    patterns = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)
    retired_in = models.PositiveIntegerField(null=True, blank=True)  # codebook version
    added_in = models.PositiveIntegerField(default=1)
    lock = models.PositiveIntegerField(default=0)
    # "Machine first, a person checks a sample": the machine's codes are applied at once and
    # a share of them (``check_rate``) goes to a person to check (CodedSegment.check).
    machine_first = models.BooleanField(default=False)
    check_rate = models.FloatField(default=0.2)

    class Meta:
        ordering = ["codebook", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["codebook", "key"],
                                               name="unique_code_key")]

    def __str__(self) -> str:
        return self.name

    def access_kind(self) -> str:
        return "codebook"


class Target(models.TextChoices):
    PASSAGE = "passage", "Passage"
    RECOMMENDATION = "recommendation", "Recommendation"
    FINDING = "finding", "Finding"
    REVIEW = "review", "Whole review"


class Status(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Origin(models.TextChoices):
    RULE = "rule", "Rule"
    MODEL = "model", "Model"
    SIMILARITY = "similarity", "Similarity"
    HUMAN = "human", "Person"


class Check(models.TextChoices):
    NONE = "", "Not in the checking sample"
    SAMPLE = "sample", "To check"
    RIGHT = "right", "Checked: right"
    WRONG = "wrong", "Checked: wrong"


class CodedSegment(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.PROTECT, related_name="segments")
    codebook_version = models.PositiveIntegerField()
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="segments")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(DocumentVersion, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    target = models.CharField(max_length=20, choices=Target.choices)
    # Never CASCADE from machine output to people's work: a unit a new run can no longer
    # place is removed, the code stays (with its text) and is flagged ``needs_reanchoring``.
    passage = models.ForeignKey(Passage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    recommendation = models.ForeignKey(Recommendation, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    start = models.PositiveIntegerField(null=True, blank=True)  # into DocumentText.text
    end = models.PositiveIntegerField(null=True, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)  # the coded text as stored (for export and re-anchoring)
    # Set when re-processing could not place the unit or span again (ingestion's anchoring):
    # the row keeps its old text and is shown to its coder to place again or remove.
    needs_reanchoring = models.BooleanField(default=False, db_index=True)
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="coded_segments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED,
                              db_index=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.HUMAN)
    confidence = models.FloatField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    memo = models.TextField(blank=True)
    consensus = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    lock = models.PositiveIntegerField(default=0)
    # A machine-first code's segment in the checking sample, and who checked it when.
    checking = models.CharField(max_length=10, choices=Check.choices, blank=True, default="")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review", "version", "start", "pk"]
        indexes = [models.Index(fields=["version", "coder"]),
                   models.Index(fields=["review", "codebook", "status"])]

    def __str__(self) -> str:
        return f"{self.code.key} on {self.unit_key} by {self.coder} ({self.status})"

    def access_kind(self) -> str:
        return "coding"

    @property
    def unit_id(self) -> int | None:
        return {Target.PASSAGE: self.passage_id, Target.RECOMMENDATION: self.recommendation_id,
                Target.FINDING: self.finding_id, Target.REVIEW: self.review_id}[self.target]

    @property
    def unit_key(self) -> str:
        return f"{self.target}:{self.unit_id}"


class CodingModel(models.Model):
    """A trained suggestion model for one codebook, with its cross-validated metrics."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="models")
    codebook_version = models.PositiveIntegerField()
    trained_on = models.PositiveIntegerField()
    seconds = models.FloatField()
    metrics = models.JSONField(default=dict)
    blob = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["codebook", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"model for {self.codebook.key} on {self.trained_on} units"


class CodingProgress(models.Model):
    """One coder's state for one document version and codebook (marked done, memo)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="+")
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="+")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    done = models.BooleanField(default=False)
    memo = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "codebook", "coder"],
                                               name="unique_coding_progress")]

    def __str__(self) -> str:
        return f"{self.coder} on {self.version} ({'done' if self.done else 'in progress'})"
