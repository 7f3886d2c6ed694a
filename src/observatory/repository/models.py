"""Case reviews (the minimum dataset), their documents and immutable document versions."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse

from observatory_core import dataset as core

from ..vocabularies.models import LocalAuthority, Term

TRI_STATE = [(None, "Not known"), (True, "Yes"), (False, "No")]


def _term_fk(key: str, label: str, **kwargs) -> models.ForeignKey:
    return models.ForeignKey(
        Term, verbose_name=label, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"vocabulary__key": key}, **kwargs,
    )


def _term_m2m(key: str, label: str) -> models.ManyToManyField:
    return models.ManyToManyField(
        Term, verbose_name=label, blank=True, related_name="+",
        limit_choices_to={"vocabulary__key": key},
    )


class Review(models.Model):
    """One case review and its minimum dataset (see observatory_core.dataset.FIELDS)."""

    reference = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=300)
    local_authority = models.ForeignKey(
        LocalAuthority, verbose_name="Local area", on_delete=models.PROTECT,
        related_name="reviews",
    )
    review_type = _term_fk("review_type", "Review type")
    review_method = _term_fk("review_method", "Review method")
    incident_date = models.DateField("Date of incident", null=True, blank=True)
    notification_date = models.DateField("Date of notification", null=True, blank=True)
    decision_date = models.DateField("Date of decision to review", null=True, blank=True)
    start_date = models.DateField("Date review started", null=True, blank=True)
    completion_date = models.DateField("Date review completed", null=True, blank=True)
    publication_date = models.DateField("Date of publication", null=True, blank=True)
    outcome = _term_fk("outcome", "Outcome for the child")
    child_age_months = models.PositiveIntegerField(
        "Child's age at incident (months)", null=True, blank=True
    )
    child_sex = _term_fk("sex", "Child's sex")
    child_ethnicity = _term_fk("ethnicity", "Child's ethnicity")
    child_disability = models.BooleanField("Child had a disability", null=True, blank=True)
    child_protection_plan = models.BooleanField(
        "On a child protection plan", null=True, blank=True
    )
    looked_after = models.BooleanField("Looked after child", null=True, blank=True)
    known_to_csc = models.BooleanField(
        "Known to children's social care", null=True, blank=True
    )
    abuse_categories = _term_m2m("abuse_category", "Categories of abuse and neglect")
    family_characteristics = _term_m2m("family_characteristic", "Family characteristics")
    agencies = _term_m2m("agency", "Agencies involved")
    parallel_proceedings = _term_m2m("parallel_proceeding", "Parallel proceedings")
    summary = models.TextField(blank=True)
    # The report's publication state (observatory_core.publication; history in
    # PublicationDecision). "published" by default: a review's documents are public from its
    # publication date, as before; the lifecycle only ever withholds.
    report_status = models.CharField(
        "Publication state of the report", max_length=10, default="published",
        choices=[(s, s) for s in ("draft", "embargoed", "published", "withdrawn")],
        editable=False)
    embargo_until = models.DateTimeField("Embargoed until", null=True, blank=True,
                                         editable=False)
    fictional = models.BooleanField("Fictional (demo) record", default=False)

    # Derived on save from the values above; never typed by a person.
    age_band = _term_fk("age_band", "Age band", editable=False)
    timeliness_months = models.FloatField(
        "Months from decision to completion", null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-incident_date", "reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.compute_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("review-detail", args=[self.reference])

    # -- access -------------------------------------------------------------------------
    @property
    def is_published(self) -> bool:
        return self.publication_date is not None and self.publication_date <= date.today()

    def access_kind(self) -> str:
        return "published_review" if self.is_published else "unpublished_review"

    @property
    def report_is_public(self) -> bool:
        """Are the review's documents public now? Its catalogue record (``is_published``)
        may be while its report is withdrawn or under embargo (``accounts.scopes``
        ``report_public_q`` is this rule as a query)."""
        from django.utils import timezone

        from observatory_core.publication import is_public

        return self.is_published and is_public(self.report_status, self.embargo_until,
                                               timezone.now())

    @property
    def access_area_id(self) -> int:
        return self.local_authority_id

    # -- derived values -----------------------------------------------------------------
    def compute_derived(self) -> None:
        self.timeliness_months = core.months_between(self.decision_date, self.completion_date)
        self.age_band = None
        if self.child_age_months is not None:
            for band in Term.objects.filter(vocabulary__key="age_band"):
                low = band.attributes.get("min_months")
                high = band.attributes.get("max_months")
                if low is not None and self.child_age_months >= low and (
                    high is None or self.child_age_months < high
                ):
                    self.age_band = band
                    break


def confidential_kind(attributes: dict) -> bool:
    """A document kind marked ``confidential`` in its controlled list (IMRs, chronologies,
    genograms, unredacted reports) is stored apart and shown only as the policy allows."""
    return bool((attributes or {}).get("confidential", False))


class Document(models.Model):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="documents")
    kind = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary__key": "document_kind"},
    )
    title = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The version that counts (services.current_versions): the latest upload, unless a
    # person chose another (``current_chosen``); older versions stay readable in history.
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    # The version the public downloads: a redacted copy checked by a second person
    # (ingestion.publishing). None: the file as the partnership published it.
    public_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    current_chosen = models.BooleanField(default=False)
    # Whether this document's recommendations are the review's own (see
    # ingestion/counting.py); blank: as its kind says (document_kind.toml 'recommendations').
    recommendations_role = models.CharField(
        "Its recommendations are", max_length=10, blank=True, choices=[
            ("", "As its kind says"), ("review", "The review's recommendations"),
            ("copy", "Copies of the review's recommendations"),
            ("agency", "An agency's own recommendations"),
            ("none", "Not recommendations of the review")],
    )

    class Meta:
        ordering = ["review", "kind__order", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.kind.label}, {self.review.reference})"

    def get_absolute_url(self) -> str:
        return reverse("document-detail", args=[self.pk])

    @property
    def confidential(self) -> bool:
        return confidential_kind(self.kind.attributes)

    @staticmethod
    def confidential_kind_ids() -> list[int]:
        """The document kinds whose documents are confidential, for query filters
        (``accounts.scopes``): the same attribute as ``confidential``."""
        return [pk for pk, attributes in Term.objects.filter(
            vocabulary__key="document_kind").values_list("pk", "attributes")
            if confidential_kind(attributes)]

    def access_kind(self) -> str:
        if self.confidential:
            return "confidential_document"
        return "published_document" if self.review.report_is_public else "unpublished_document"

    @property
    def access_area_id(self) -> int:
        return self.review.local_authority_id

    @property
    def latest(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()

    @property
    def current(self) -> DocumentVersion | None:
        return self.current_version or self.latest


class DocumentVersion(models.Model):
    """One uploaded file. Never changed after it is written; a new upload is a new version."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    original_filename = models.CharField(max_length=255)
    media_type = models.CharField(max_length=100)
    # 'published' or 'confidential': the storage (folder) the file lives in.
    storage_area = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["document", "sha256"], name="unique_version_content"),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("document versions are immutable; upload a new version")
        super().save(*args, **kwargs)

    def open(self):
        return storages[self.storage_area].open(self.path, "rb")

    def access_kind(self) -> str:
        return self.document.access_kind()

    @property
    def access_area_id(self) -> int:
        return self.document.access_area_id


class PublicationDecision(models.Model):
    """One decision on a review's report (observatory_core.publication): never changed or
    deleted, so the whole history is kept and shown."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT,
                               related_name="publication_decisions")
    previous = models.CharField(max_length=10)
    state = models.CharField(max_length=10)
    embargo_until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.review.reference}: {self.previous} -> {self.state}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("publication decisions cannot be changed")
        super().save(*args, **kwargs)
