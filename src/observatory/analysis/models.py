"""Linked data the analysis reads beside the reviews (population, Ofsted evaluations, child
death review figures) and saved thematic analyses (named filters)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..vocabularies.models import LocalAuthority


class PopulationEstimate(models.Model):
    """Population of one area, year and age group (e.g. ONS mid-year estimates, 0-17)."""

    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT,
                                        related_name="+")
    year = models.PositiveIntegerField()
    age_group = models.CharField(max_length=10)
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["local_authority", "age_group", "year"]
        constraints = [models.UniqueConstraint(fields=["local_authority", "year", "age_group"],
                                               name="unique_population_estimate")]

    def __str__(self) -> str:
        return f"{self.local_authority} {self.year} {self.age_group}: {self.count}"


class Evaluation(models.Model):
    """An inspectorate's judgement on one review (e.g. Ofsted 2007-08, seed 003 Annex A)."""

    reference = models.CharField(max_length=100, unique=True)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT,
                                        related_name="+")
    judgement = models.CharField(max_length=20)
    evaluation_date = models.DateField()
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["evaluation_date", "reference"]

    def __str__(self) -> str:
        return f"{self.local_authority} {self.evaluation_date}: {self.judgement}"


class ChildDeathFigure(models.Model):
    """Child death review figures (e.g. deaths reviewed by child death overview panels) for
    a year and area (England or a local area), shown beside review counts."""

    year = models.PositiveIntegerField()
    area_code = models.CharField(max_length=9)
    measure = models.CharField(max_length=60, default="deaths_reviewed")
    count = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["year", "area_code"]
        constraints = [models.UniqueConstraint(fields=["year", "area_code", "measure"],
                                               name="unique_child_death_figure")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.measure}: {self.count}"


class SavedAnalysis(models.Model):
    """A thematic analysis: a name for a set of filters, reopened on the dashboard."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/analysis/saved/{self.slug}/"
