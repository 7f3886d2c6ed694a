"""Organisers' forms (GOV.UK markup through crispy-forms-gds)."""

from __future__ import annotations

from typing import Any

from django import forms

from observatory_core.consensus import DEFAULT_RULE, available_rules

from ..web.forms import GovukForm
from .services import DEFAULT_LINK_DAYS, MAX_INVITES


def rule_choices() -> list[tuple[str, str]]:
    return [(key, rule.label) for key, rule in available_rules().items()]


class StudyForm(GovukForm):
    title = forms.CharField(max_length=300, label="Title of the study")
    description = forms.CharField(required=False, label="Description (optional)",
                                  widget=forms.Textarea(attrs={"rows": 3}))
    rule = forms.ChoiceField(label="Consensus rule", widget=forms.RadioSelect,
                             initial=DEFAULT_RULE,
                             help_text="Fixed before the study opens; it cannot change once "
                                       "the first answer arrives.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rule_choices()


class RuleForm(GovukForm):
    rule = forms.ChoiceField(label="Consensus rule", widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rule_choices()


class SectionForm(GovukForm):
    title = forms.CharField(max_length=200, label="Section title")
    description = forms.CharField(required=False, label="What the section is about (optional)",
                                  widget=forms.Textarea(attrs={"rows": 2}))


class StatementForm(GovukForm):
    section = forms.ChoiceField(label="Section")
    text = forms.CharField(label="Statement", widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)

    def __init__(self, *args: Any, sections=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [(str(s.pk), s.title) for s in sections]


class ReviseForm(GovukForm):
    text = forms.CharField(label="Wording for this round", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class InviteForm(GovukForm):
    count = forms.IntegerField(min_value=1, max_value=MAX_INVITES, initial=1,
                               label="How many personal links to make")
    days = forms.IntegerField(min_value=1, max_value=366, initial=DEFAULT_LINK_DAYS,
                              label="Days before the links expire")
    note = forms.CharField(required=False, max_length=200, label="Private note (optional)",
                           help_text="For organisers only, e.g. the group invited. Never shown "
                                     "in results.")


class ImportForm(GovukForm):
    title = forms.CharField(max_length=300, label="Title of the study")
    values = forms.ChoiceField(label="The answer columns hold", widget=forms.RadioSelect,
                               choices=[("percentages", "Percentages of the respondents"),
                                        ("counts", "Counts of participants")],
                               initial="percentages")
    source = forms.CharField(required=False, label="Source of the results (optional)",
                             widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="CSV or XLSX file",
                           help_text="Columns: section, number, text, round, respondents, then "
                                     "strongly_disagree, disagree, mildly_disagree, "
                                     "mildly_agree, agree, strongly_agree, unable.")
