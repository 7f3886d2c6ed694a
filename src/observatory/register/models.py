"""The register of recommendations and the action plans hung on it.

A ``RegisterEntry`` is a recommendation a person has confirmed (from the machine's split,
typed in, imported, or made by merging or splitting entries). It never depends on machine
output for its existence: its ``EntrySource`` rows keep the version, page, span and text it
was read from, with ``SET_NULL`` links to the machine's row, so re-processing a document or
a new version never loses an entry or anything hung on it. Merged and split entries are
kept (state ``merged`` / ``split``) and point to what replaced them.

Actions carry an optimistic ``lock``: a save based on an older lock is refused. Their
status moves, progress updates and evidence are append-only: nothing is overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from ..repository.models import Document, DocumentVersion, Review
from ..vocabularies.models import Term

KIND = "action_plan"
AGENCY = {"vocabulary__key": "agency"}


class _InPlan(models.Model):
    """Access: every row here is part of its review's action plan, in the review's area."""

    class Meta:
        abstract = True

    def access_kind(self) -> str:
        return KIND

    @property
    def access_area_id(self) -> int:
        return self._review().local_authority_id

    def _review(self) -> Review:
        raise NotImplementedError


class AppendOnly(models.Model):
    """Rows that are history: written once, never changed or deleted one by one."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise PermissionError("history is never overwritten")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("history is never deleted")


class ActionPlan(_InPlan):
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="action_plan")
    start_date = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Action plan of {self.review.reference}"

    def get_absolute_url(self) -> str:
        return reverse("register-review", args=[self.review.reference])

    def _review(self) -> Review:
        return self.review


class RegisterEntry(_InPlan):
    ACTIVE, MERGED, SPLIT = "active", "merged", "split"
    STATES = [(ACTIVE, "In the register"), (MERGED, "Merged into another"),
              (SPLIT, "Split into others")]
    ORIGINS = [("confirmed", "Confirmed from the document"), ("typed", "Typed in"),
               ("imported", "Imported"), ("merged", "Made by merging"),
               ("split", "Made by splitting")]

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=40, blank=True)
    text = models.TextField()
    addressee = models.ForeignKey(Term, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", limit_choices_to=AGENCY)
    addressee_text = models.CharField(max_length=300, blank=True)
    origin = models.CharField(max_length=10, choices=ORIGINS)
    state = models.CharField(max_length=10, choices=STATES, default=ACTIVE, db_index=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="replaces")
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="parts")
    confidential = models.BooleanField(default=False)  # read from a confidential document
    machine_flags = models.JSONField(default=list, blank=True)  # [{key, label, reason}]
    rules_version = models.CharField(max_length=40, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    lock = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["review_id", "pk"]
        indexes = [models.Index(fields=["review", "state"])]

    def __str__(self) -> str:
        return f"Recommendation {self.number or self.pk} of {self.review.reference}"

    def get_absolute_url(self) -> str:
        return reverse("register-entry", args=[self.pk])

    def _review(self) -> Review:
        return self.review

    @property
    def addressee_label(self) -> str:
        return self.addressee.label if self.addressee else self.addressee_text


class EntrySource(models.Model):
    """Where an entry was read from: kept even when the machine's row goes."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="sources")
    recommendation = models.ForeignKey("ingestion.Recommendation", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    version = models.ForeignKey(DocumentVersion, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    version_number = models.PositiveIntegerField(null=True, blank=True)
    page = models.PositiveIntegerField(null=True, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Source of {self.entry_id}: page {self.page}"


class Appraisal(_InPlan):
    """One SMART criterion of one entry: the machine's verdict with reasons, and a person's."""

    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="appraisals")
    criterion = models.CharField(max_length=20)
    machine_verdict = models.CharField(max_length=10)
    machine_reasons = models.JSONField(default=list)
    rules_version = models.CharField(max_length=40)
    verdict = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "criterion"],
                                               name="one_appraisal_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion} of {self.entry_id}"

    def _review(self) -> Review:
        return self.entry.review


class Action(_InPlan):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.PROTECT, related_name="actions")
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    lead_agency = models.ForeignKey(Term, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", limit_choices_to=AGENCY)
    lead_role = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_actions")
    priority = models.CharField(max_length=10)
    due_date = models.DateField(db_index=True)
    status = models.CharField(max_length=30, default="open", db_index=True)
    outcome = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    lock = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"Action {self.reference}"

    def get_absolute_url(self) -> str:
        return reverse("register-action", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"A{self.pk}"

    def _review(self) -> Review:
        return self.plan.review


class StatusChange(AppendOnly):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)  # kept if the account goes
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    evidence = models.JSONField(default=list, blank=True)  # ids of Evidence looked at

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class ProgressUpdate(AppendOnly):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Update of action {self.action_id}"


class Evidence(AppendOnly):
    """A document of the review (uploaded here through the repository's checks, or one
    already there) or a description of other evidence (an audit, data). Who may see it is
    its document's rule: evidence inherits the document's confidentiality."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    version = models.ForeignKey(DocumentVersion, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    description = models.CharField(max_length=300)
    uploaded = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.description
