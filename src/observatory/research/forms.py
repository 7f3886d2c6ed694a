"""Forms for research access: the application, the steering group's decisions, results
tables. The rules an application must meet are checked by ``services.problems_with``
(``observatory_core.research``), not here; these forms only read the answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from observatory_core.dataset import FIELDS
from observatory_core.places import resolve_place

from ..vocabularies.models import LocalAuthority, Term
from ..web.forms import GovukFormMixin
from .services import Proposal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COARSEN_CHOICES = [("month", "Year and month"), ("year", "Year only"),
                   ("none", "Whole dates")]


class ApplicationForm(GovukFormMixin, forms.Form):
    title = forms.CharField(label="Project title", max_length=300)
    purpose = forms.CharField(label="Purpose", widget=forms.Textarea(attrs={"rows": 3}))
    public_benefit = forms.CharField(label="Public benefit",
                                     widget=forms.Textarea(attrs={"rows": 3}))
    questions = forms.CharField(label="Research questions",
                                widget=forms.Textarea(attrs={"rows": 3}))
    regions = forms.MultipleChoiceField(label="Regions", required=False,
                                        widget=forms.CheckboxSelectMultiple)
    areas = forms.CharField(
        label="Local areas", required=False,
        help_text="Other local areas, by name or ONS code, separated by commas.")
    year_from = forms.IntegerField(label="First year of reviews", min_value=1990,
                                   max_value=2100,
                                   help_text="The year of the decision to review.")
    year_to = forms.IntegerField(label="Last year of reviews", min_value=1990, max_value=2100)
    fields = forms.MultipleChoiceField(label="Dataset fields",
                                       widget=forms.CheckboxSelectMultiple,
                                       choices=[(f.name, f.label) for f in FIELDS])
    document_kinds = forms.MultipleChoiceField(label="Document kinds", required=False,
                                               widget=forms.CheckboxSelectMultiple)
    coded_data = forms.BooleanField(label="Coded data (codes applied to the documents)",
                                    required=False)
    data_protection_basis = forms.CharField(label="Data protection basis",
                                            widget=forms.Textarea(attrs={"rows": 2}))
    ethics_evidence = forms.FileField(
        label="Ethics approval and data protection evidence", required=False,
        help_text="A PDF, Word document or text file.")
    members = forms.CharField(label="Other people on the project", required=False,
                              help_text="Their user names, separated by commas.")
    starts = forms.DateField(label="Access from", widget=DATE)
    ends = forms.DateField(label="Access until", widget=DATE)
    terms_accepted = forms.BooleanField(
        label="I accept the terms of use and the data licence for research access",
        required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = list(
            LocalAuthority.objects.order_by("region_name").values_list(
                "region_code", "region_name").distinct())
        self.fields["document_kinds"].choices = [
            (t.code, t.label) for t in Term.objects.filter(vocabulary__key="document_kind")]

    def clean_areas(self) -> list[str]:
        codes, unknown = [], []
        for part in (self.cleaned_data.get("areas") or "").split(","):
            if part.strip():
                code = resolve_place(part.strip())
                (codes.append(code) if code else unknown.append(part.strip()))
        if unknown:
            raise forms.ValidationError("Not a local area: " + ", ".join(unknown))
        return codes

    def clean_members(self) -> list[User]:
        names = [n.strip() for n in (self.cleaned_data.get("members") or "").split(",")
                 if n.strip()]
        found = list(User.objects.filter(username__in=names))
        missing = sorted(set(names) - {u.username for u in found})
        if missing:
            raise forms.ValidationError("No such user: " + ", ".join(missing))
        return found

    def proposal(self) -> Proposal:
        d = self.cleaned_data
        return Proposal(
            title=d["title"], purpose=d["purpose"], public_benefit=d["public_benefit"],
            questions=d["questions"], regions=list(d.get("regions") or []),
            areas=d.get("areas") or [], year_from=d.get("year_from"),
            year_to=d.get("year_to"), fields=list(d.get("fields") or []),
            document_kinds=list(d.get("document_kinds") or []),
            coded_data=bool(d.get("coded_data")),
            data_protection_basis=d["data_protection_basis"],
            members=d.get("members") or [], starts=d.get("starts"), ends=d.get("ends"),
            terms_accepted=bool(d.get("terms_accepted")))

    @staticmethod
    def initial_from(application: Any) -> dict[str, Any]:
        return {"title": application.title, "purpose": application.purpose,
                "public_benefit": application.public_benefit,
                "questions": application.questions, "regions": application.regions,
                "areas": ", ".join(application.areas), "year_from": application.year_from,
                "year_to": application.year_to, "fields": application.fields,
                "document_kinds": application.document_kinds,
                "coded_data": application.coded_data,
                "data_protection_basis": application.data_protection_basis,
                "members": ", ".join(m.username for m in application.members.all()),
                "starts": application.starts, "ends": application.ends,
                "terms_accepted": application.terms_accepted}


class TextForm(GovukFormMixin, forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(GovukFormMixin, forms.Form):
    ends = forms.DateField(label="Grant ends on", widget=DATE)
    coarsen_dates = forms.ChoiceField(label="Dates in extracts", choices=COARSEN_CHOICES)
    conditions = forms.CharField(label="Conditions", required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class ResultsForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label="Name of the table", max_length=200)
    file = forms.FileField(label="Results table (CSV or XLSX)")
