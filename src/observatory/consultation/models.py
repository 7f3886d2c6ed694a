"""Delphi studies: sections of statements with a version per round, rounds, participants
invited by personal link, their answers, and imported aggregate results.

A participant is never a user account: they hold a personal link whose token is stored only
as a SHA-256 hash. Results and exports never name or number participants.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from observatory_core.consensus import LABELS, SCALE, ConsensusRule, parse_rule

ANSWER_CHOICES = [(a, LABELS[a]) for a in SCALE]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Study(models.Model):
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    rule_key = models.CharField(max_length=100)
    # A copy of the rule taken when the study was created (or its rule last changed), so
    # later edits to the shipped rule files never change a study's results.
    rule = models.JSONField()
    rule_locked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the first answer arrives; the rule is "
                                         "fixed from then on.")
    imported = models.BooleanField(default=False,
                                   help_text="Built from published aggregate results.")
    source = models.TextField(blank=True, help_text="Where imported results come from.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("delphi-study", args=[self.pk])

    def access_kind(self) -> str:
        return "delphi_study"

    def consensus_rule(self) -> ConsensusRule:
        return parse_rule(self.rule, f"study {self.pk} rule")

    @property
    def rule_locked(self) -> bool:
        return self.rule_locked_at is not None


class Section(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["study", "position"],
                                               name="delphi_section_position_unique"),
                       models.UniqueConstraint(fields=["study", "title"],
                                               name="delphi_section_title_unique")]

    def __str__(self) -> str:
        return self.title

    def access_kind(self) -> str:
        return "delphi_study"


class Round(models.Model):
    DRAFT, OPEN, CLOSED = "draft", "open", "closed"
    STATUS_CHOICES = [(DRAFT, "Being prepared"), (OPEN, "Open"), (CLOSED, "Closed")]

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True,
                                     help_text="Answers are refused from this time.")
    # For imported studies: how many took part (individual answers are not known).
    imported_respondents = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["study", "number"],
                                               name="delphi_round_number_unique")]

    def __str__(self) -> str:
        return f"{self.study} round {self.number}"

    def access_kind(self) -> str:
        return "delphi_study"

    @property
    def accepting_answers(self) -> bool:
        now = timezone.now()
        return (self.status == self.OPEN
                and (self.opens_at is None or self.opens_at <= now)
                and (self.closes_at is None or now < self.closes_at))


class Statement(models.Model):
    """A statement's identity across rounds; its wording lives in its versions."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="statements")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="statements")
    number = models.PositiveIntegerField(help_text="Its number within the section.")

    class Meta:
        ordering = ["section__position", "number"]
        constraints = [models.UniqueConstraint(fields=["section", "number"],
                                               name="delphi_statement_number_unique")]

    def __str__(self) -> str:
        return f"{self.section.title} {self.number}"

    def access_kind(self) -> str:
        return "delphi_study"


class StatementVersion(models.Model):
    KEPT, REVISED, DROPPED, ADDED = "kept", "revised", "dropped", "added"
    CHANGE_CHOICES = [(KEPT, "Kept"), (REVISED, "Revised"), (DROPPED, "Dropped"),
                      (ADDED, "Added")]

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="versions")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="versions")
    text = models.TextField()
    change = models.CharField(max_length=10, choices=CHANGE_CHOICES, default=ADDED)

    class Meta:
        ordering = ["statement__section__position", "statement__number"]
        constraints = [models.UniqueConstraint(fields=["statement", "round"],
                                               name="delphi_version_per_round_unique")]

    def __str__(self) -> str:
        return f"{self.statement} (round {self.round.number})"

    def access_kind(self) -> str:
        return "delphi_study"

    @property
    def asked(self) -> bool:
        return self.change != self.DROPPED


class Participant(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    code = models.CharField(max_length=20, help_text="Shown to organisers only, e.g. P007.")
    note = models.CharField(max_length=200, blank=True,
                            help_text="Organisers' private note (never in results).")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["study", "code"],
                                               name="delphi_participant_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} ({self.study})"

    def access_kind(self) -> str:
        return "delphi_study"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Submission(models.Model):
    """One participant's answers to one round: a draft until they submit, once."""

    DRAFT, SUBMITTED = "draft", "submitted"
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="submissions")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="submissions")
    status = models.CharField(max_length=10, default=DRAFT,
                              choices=[(DRAFT, "Draft"), (SUBMITTED, "Submitted")])
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "round"],
                                               name="delphi_one_submission_per_round")]

    def __str__(self) -> str:
        return f"{self.participant.code} round {self.round.number} ({self.status})"

    def access_kind(self) -> str:
        return "delphi_study"


class Response(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="responses")
    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE,
                                related_name="responses")
    answer = models.CharField(max_length=20, choices=ANSWER_CHOICES, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "version"],
                                               name="delphi_one_answer_per_statement")]

    def __str__(self) -> str:
        return f"{self.version}: {self.answer or 'no answer'}"

    def access_kind(self) -> str:
        return "delphi_study"


class AggregateResult(models.Model):
    """Published results of one statement in one round (historical import)."""

    version = models.OneToOneField(StatementVersion, on_delete=models.CASCADE,
                                   related_name="aggregate")
    respondents = models.PositiveIntegerField()
    counts = models.JSONField(help_text="Count per answer, in scale order.")
    published_percentages = models.JSONField(null=True, blank=True,
                                             help_text="As published, when imported so.")
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.version}: {self.respondents} respondents"

    def access_kind(self) -> str:
        return "delphi_study"
