"""Controlled lists and local areas, copied from the data files so administrators can edit."""

from __future__ import annotations

from django.db import models


class Vocabulary(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=200)
    source = models.TextField(help_text="Where the list comes from (cited).")
    description = models.TextField(blank=True)
    multiple = models.BooleanField(default=False, help_text="A review may hold several terms.")

    class Meta:
        ordering = ["label"]
        verbose_name_plural = "vocabularies"

    def __str__(self) -> str:
        return self.label


class Term(models.Model):
    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    attributes = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(
        default=True, help_text="Retired terms stay on old records but are not offered."
    )

    class Meta:
        ordering = ["vocabulary__key", "order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="unique_term_code")
        ]

    def __str__(self) -> str:
        return self.label


class LocalAuthority(models.Model):
    gss_code = models.CharField("ONS (GSS) code", max_length=9, unique=True)
    dfe_code = models.CharField("DfE code", max_length=3, blank=True, db_index=True)
    name = models.CharField(max_length=200, db_index=True)
    region_code = models.CharField(max_length=9, db_index=True)
    region_name = models.CharField(max_length=100)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Set for councils abolished.")
    alt_names = models.TextField(blank=True, help_text="Other names, one per line.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} (until {self.end_date:%Y})" if self.end_date else self.name

    @property
    def is_current(self) -> bool:
        return self.end_date is None
