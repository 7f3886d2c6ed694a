"""What ingestion stores for each document version: the job, the text, passages, sections,
recommendations, findings, the drafted dataset (extractions) and personal-data flags.

Provenance everywhere: every row points to the DocumentVersion it was read from, its page
and character span (``start``/``end`` into ``DocumentText.text``), the ``producer``
('step@version' plus the rule), a confidence, and for decisions who made them and when.
Rows derived from a document take its access: ``confidential`` is copied from the document
kind so that search can filter in the query, and views check
``can(user, 'view', version.document)`` before showing anything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..repository.models import Document, DocumentVersion, Review
from ..vocabularies.models import Term


class IngestJob(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "Queued"), (RUNNING, "Processing"), (DONE, "Done"),
                (FAILED, "Failed")]

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE,
                                related_name="ingest_jobs")
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    step = models.CharField(max_length=60, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    extractor = models.CharField(max_length=100, default="observatory_core.ingest")
    extractor_version = models.CharField(max_length=500, blank=True)
    timings = models.JSONField(default=dict, blank=True)  # step@version -> seconds
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"ingest {self.version} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class DocumentText(models.Model):
    """The one normalised text of a version; every span below indexes it."""

    version = models.OneToOneField(DocumentVersion, on_delete=models.CASCADE,
                                   related_name="text")
    text = models.TextField()
    pages = models.JSONField(default=list)  # [[number, start, end], ...]
    furniture = models.JSONField(default=list)  # [[start, end], ...] headers/footers
    empty_pages = models.JSONField(default=list)  # pages without a text layer (for OCR)
    parser = models.CharField(max_length=100)
    ocr = models.BooleanField(default=False)
    producer = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"text of {self.version}"

    def page_text(self, number: int) -> tuple[int, str]:
        for n, start, end in self.pages:
            if n == number:
                return start, self.text[start:end]
        raise KeyError(number)


class _Derived(models.Model):
    """Columns every derived row shares: where it came from and who produced it."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()
    page = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    producer = models.CharField(max_length=150)  # step@version:rule

    class Meta:
        abstract = True
        ordering = ["version", "index"]

    def __str__(self) -> str:
        return f"{type(self).__name__.lower()} {self.index} of {self.version} (p{self.page})"

    # Access: a derived row is read as its document is (``can``; the list form of the same
    # rule is ``accounts.scopes``).
    def access_kind(self) -> str:
        return self.version.document.access_kind()

    @property
    def access_area_id(self) -> int:
        return self.version.document.access_area_id


class Passage(_Derived):
    """A paragraph, heading, list item or table row; the unit of search."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    section_index = models.PositiveIntegerField(null=True, blank=True)
    section_kind = models.CharField(max_length=40, blank=True, db_index=True)
    section_title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    confidential = models.BooleanField(default=False, db_index=True)

    class Meta(_Derived.Meta):
        constraints = [models.UniqueConstraint(fields=["version", "index"],
                                               name="unique_passage_index")]
        indexes = [models.Index(fields=["review", "confidential"])]

    def __str__(self) -> str:
        return f"{self.version} p{self.page} #{self.index}"

    def anchor(self) -> str:
        return f"p-{self.index}"


class Section(_Derived):
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=40, blank=True)  # canonical key or '' (unrecognised)
    level = models.PositiveSmallIntegerField(default=1)

    class Meta(_Derived.Meta):
        pass


class Recommendation(_Derived):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=40, blank=True)  # as printed
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    addressee = models.ForeignKey(Term, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", limit_choices_to={"vocabulary__key": "agency"})
    addressee_text = models.CharField(max_length=300, blank=True)
    # Where the addressee came from: 'text' (the item names it), 'heading' (a heading or
    # lead-in above it), 'framing' (inferred from the kind of report and its part), '' none;
    # the basis quotes the words that decided it.
    addressee_source = models.CharField(max_length=10, blank=True)
    addressee_basis = models.CharField(max_length=300, blank=True)
    # When the report says it must be done ('within three months'), and the words it says so in.
    timescale = models.CharField(max_length=80, blank=True)
    timescale_basis = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField()
    confidential = models.BooleanField(default=False)
    # How the recommendation counts (``counting.link_recommendations``, from the document's
    # kind or a person's choice): 'review' (the review's own), 'agency' (an agency's own,
    # from its IMR), 'copy' (a repeat of another document's, linked by ``same_as``), 'none'
    # (not a review's recommendation: inspection findings...), 'old' (a superseded version).
    counted_as = models.CharField(max_length=10, default="review", db_index=True)
    same_as = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="copies")

    class Meta(_Derived.Meta):
        pass


class Finding(_Derived):
    number = models.CharField(max_length=40, blank=True)
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    kind = models.CharField(max_length=20)  # finding | lesson | strength
    confidence = models.FloatField()

    class Meta(_Derived.Meta):
        pass


class Decision(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    CORRECTED = "corrected", "Corrected"
    REJECTED = "rejected", "Rejected"


class Extraction(models.Model):
    """One minimum-dataset value read from a document, and what a person decided about it.

    ``key`` is the field for single-valued fields and 'field:code' for multi-valued ones
    (one row per suggested abuse category, agency...). Re-processing replaces only rows that
    are still ``suggested``; a decided key is never suggested again for the same review.
    """

    MACHINE, HUMAN = "machine", "human"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extractions")
    version = models.ForeignKey(DocumentVersion, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=60)
    key = models.CharField(max_length=120)
    value = models.JSONField(null=True)
    machine_value = models.JSONField(null=True)  # the suggestion as first made
    confidence = models.FloatField(null=True)
    page = models.PositiveIntegerField(null=True)
    start = models.PositiveIntegerField(null=True)
    end = models.PositiveIntegerField(null=True)
    quote = models.CharField(max_length=300, blank=True)
    producer = models.CharField(max_length=150, blank=True)
    origin = models.CharField(max_length=10, choices=[(MACHINE, "Machine"), (HUMAN, "Person")],
                              default=MACHINE)
    status = models.CharField(max_length=10, choices=Decision.choices,
                              default=Decision.SUGGESTED, db_index=True)
    confidential = models.BooleanField(default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # A decided value whose quote a new run of the version no longer contains (anchoring).
    needs_reanchoring = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "field", "key", "-confidence"]
        indexes = [models.Index(fields=["review", "key"])]

    def __str__(self) -> str:
        return f"{self.review.reference} {self.key} = {self.value!r} ({self.status})"

    def access_kind(self) -> str:
        """As its document (or its review, for a value not read from a document)."""
        return (self.version.document if self.version_id else self.review).access_kind()

    @property
    def access_area_id(self) -> int:
        return self.review.local_authority_id


class PersonalDataFlag(models.Model):
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=300)
    page = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    confidence = models.FloatField(default=1.0)
    producer = models.CharField(max_length=150)
    status = models.CharField(
        max_length=10, default=Decision.SUGGESTED,
        choices=[(Decision.SUGGESTED, "Suggested"), (Decision.CONFIRMED, "Confirmed"),
                 (Decision.REJECTED, "Rejected")])
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # A decided flag whose text a new run of the version no longer contains (anchoring):
    # kept with its old offsets and text for a person to look at again.
    needs_reanchoring = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "start"]

    def __str__(self) -> str:
        return f"{self.kind} on p{self.page} of {self.version} ({self.status})"


class RedactionReview(models.Model):
    """A person has decided the personal-data flags of a version (and added any the machine
    missed): from then on, while no flag is still suggested, roles that see the version only
    redacted may see it (``redaction.ready``). Until then they see nothing of it."""

    version = models.OneToOneField(DocumentVersion, on_delete=models.CASCADE, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"redaction of {self.version} reviewed"


class RedactionListEntry(models.Model):
    """This installation's additions to the shipped lists in
    ``observatory_core/data/ingest/redaction_lists.toml`` (administrators edit them in
    /admin/): ``allow`` words are never flagged (agencies, places, programmes), ``deny``
    strings are always flagged."""

    ALLOW, DENY = "allow", "deny"
    list = models.CharField(max_length=5, choices=[(ALLOW, "Never flag"), (DENY, "Always flag")])
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, default="person_name",
                            help_text="For 'always flag': the kind of personal data")
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["list", "text"]
        constraints = [models.UniqueConstraint(fields=["list", "text"],
                                               name="unique_redaction_list_entry")]
        verbose_name_plural = "redaction list entries"

    def __str__(self) -> str:
        return f"{self.get_list_display()}: {self.text}"


class RedactedCopy(models.Model):
    """A PDF of a version with the confirmed personal data removed (ingestion.publishing).
    Made by one person, checked by another; once approved it is stored as a new version of
    the document (its provenance: this row) and becomes the document's public version."""

    PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
    source = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    # The file waiting for its check, in the confidential storage (it is not public yet).
    pending_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    strings_removed = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    flags_used = models.PositiveIntegerField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="+")
    made_by_name = models.CharField(max_length=150)
    made_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, default=PENDING,
                              choices=[(s, s) for s in (PENDING, APPROVED, REJECTED)])
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    checked_by_name = models.CharField(max_length=150, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField(blank=True)
    version = models.OneToOneField(DocumentVersion, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="redacted_from")

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self) -> str:
        return f"redacted copy of {self.source} ({self.status})"
