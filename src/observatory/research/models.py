"""Research access applications, their history, grants, and checked results tables.

Nothing here is ever deleted (REMS: applications are never deleted; their whole history is
kept): ``delete`` raises, foreign keys protect. State changes go through ``services``, which
audits each one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Undeletable(models.Model):
    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise PermissionError("research access records are never deleted")


class Application(Undeletable):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="research_applications")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="research_memberships")
    title = models.CharField("Project title", max_length=300)
    purpose = models.TextField("Purpose")
    public_benefit = models.TextField("Public benefit")
    questions = models.TextField("Research questions")
    # Scope: regions (codes) and/or local areas (GSS codes), review years (the year of the
    # decision to review), dataset fields, document kinds (codes), coded data.
    regions = models.JSONField(default=list, blank=True)
    areas = models.JSONField(default=list, blank=True)
    year_from = models.PositiveIntegerField()
    year_to = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    document_kinds = models.JSONField(default=list, blank=True)
    coded_data = models.BooleanField(default=False)
    data_protection_basis = models.TextField("Data protection basis")
    ethics_filename = models.CharField(max_length=255, blank=True)
    ethics_path = models.CharField(max_length=500, blank=True)
    ethics_sha256 = models.CharField(max_length=64, blank=True)
    starts = models.DateField("Period from")
    ends = models.DateField("Period to")
    terms_accepted = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("research-application", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"RA-{self.pk:04d}"

    def access_kind(self) -> str:
        return "research_application"


class ApplicationEvent(Undeletable):
    """One step in an application's history: submitted, commented, returned, resubmitted,
    approved, refused (and, for its grant, revoked)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="events")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                             related_name="+")
    action = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    # What the application said at this step (so a resubmission's changes can be seen).
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("an application's history cannot be changed")
        super().save(*args, **kwargs)


class Grant(Undeletable):
    application = models.OneToOneField(Application, on_delete=models.PROTECT,
                                       related_name="grant")
    conditions = models.TextField(blank=True)
    starts = models.DateField()
    ends = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    coarsen_dates = models.CharField(max_length=10, default="month")
    # The per-grant pseudonymisation key: stable within the grant, unrelated between grants.
    key = models.CharField(max_length=64, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoke_reason = models.TextField(blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The approved scope resolved once, at approval (``grants.freeze``): the local areas
    # the regions and areas named then, and the document kinds. A grant covers exactly
    # what was approved, and the access check reads it in one query.
    area_ids = models.JSONField(default=list)
    kind_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.application.title}"

    def get_absolute_url(self) -> str:
        return reverse("research-grant", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"RG-{self.pk:04d}"

    def access_kind(self) -> str:
        return "research_application"

    def is_active(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.revoked_at is None and self.starts <= today <= self.ends

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        today = timezone.localdate()
        if today > self.ends:
            return "expired"
        return "active" if today >= self.starts else "not yet started"


class ResultsTable(Undeletable):
    """A results table a researcher asks to take out, with the rules' findings and the
    decision. Nothing leaves without a second person's recorded decision to release it."""

    class Status(models.TextChoices):
        PASSED = "passed", "Passed the checks: awaiting release"
        HELD = "held", "Held by the checks"
        EXCEPTION = "exception", "Exception asked for: awaiting a decision"
        RELEASED = "released", "Released by decision"
        REFUSED = "refused", "Refused by decision"

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="outputs")
    name = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices)
    justification = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.grant.reference})"

    def get_absolute_url(self) -> str:
        return reverse("research-output", args=[self.pk])

    def access_kind(self) -> str:
        return "research_output"

    @property
    def releasable(self) -> bool:
        return self.status == self.Status.RELEASED
