"""Filtering reviews by every field of the minimum dataset, and who sees which reviews."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from observatory_core.dataset import FIELDS
from observatory_core.places import place_codes, place_list, resolve_place

from ..accounts.scopes import reviews_q
from ..vocabularies.models import LocalAuthority, Term
from .models import Review

MAX_AGE_MONTHS = 25 * 12  # reviews concern children and care leavers up to 25
YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]


def visible_reviews(user: Any) -> QuerySet[Review]:
    """Reviews the user may view (``accounts.scopes.reviews_q``: the list form of ``can``)."""
    return Review.objects.filter(reviews_q(user)).select_related(
        "local_authority", "review_type", "outcome", "age_band")


class PlaceField(forms.ChoiceField):
    """A local area as one place over time: offered once each (an area re-coded is one
    entry), and given by any ONS code it has had, its DfE code or its name. A value that is
    no place is a form error, not an empty list."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[("", "Any")] + [(p.code, p.label) for p in place_list()],
                         **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return (resolve_place(text) or text) if text else ""


class ReviewFilterForm(forms.Form):
    """One input per dataset field; every input is optional."""

    q = forms.CharField(required=False, label="Reference, title or summary contains")
    region = forms.ChoiceField(required=False, label="Region")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = LocalAuthority.objects.order_by("region_name").values_list(
            "region_code", "region_name").distinct()
        self.fields["region"].choices = [("", "Any")] + list(regions)
        for spec in FIELDS:
            if spec.kind in ("code", "codes"):
                terms = Term.objects.filter(vocabulary__key=spec.vocabulary)
                self.fields[spec.name] = forms.ChoiceField(
                    required=False, label=spec.label,
                    choices=[("", "Any")] + [(t.code, t.label) for t in terms])
            elif spec.kind == "bool":
                self.fields[spec.name] = forms.ChoiceField(
                    required=False, label=spec.label, choices=YES_NO)
            elif spec.kind == "date":
                for end in ("from", "to"):
                    self.fields[f"{spec.name}_{end}"] = forms.DateField(
                        required=False, label=f"{spec.label} {end}",
                        widget=forms.DateInput(attrs={"type": "date"}))
            elif spec.kind == "place":
                self.fields[spec.name] = PlaceField(required=False, label=spec.label)
        self.fields["age_band"] = forms.ChoiceField(
            required=False, label="Age band",
            choices=[("", "Any")] + [(t.code, t.label) for t in
                                     Term.objects.filter(vocabulary__key="age_band")])
        self.fields["child_age_months_min"] = forms.IntegerField(
            required=False, min_value=0, max_value=MAX_AGE_MONTHS, label="Age from (months)")
        self.fields["child_age_months_max"] = forms.IntegerField(
            required=False, min_value=0, max_value=MAX_AGE_MONTHS, label="Age to (months)")

    def filter(self, qs: QuerySet[Review]) -> QuerySet[Review]:
        data = self.cleaned_data
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q)
                           | Q(summary__icontains=q))
        if data.get("region"):
            qs = qs.filter(local_authority__region_code=data["region"])
        if data.get("age_band"):
            qs = qs.filter(age_band__code=data["age_band"])
        if data.get("child_age_months_min") is not None:
            qs = qs.filter(child_age_months__gte=data["child_age_months_min"])
        if data.get("child_age_months_max") is not None:
            qs = qs.filter(child_age_months__lte=data["child_age_months_max"])
        for spec in FIELDS:
            if spec.kind in ("code", "codes") and data.get(spec.name):
                qs = qs.filter(**{f"{spec.name}__code": data[spec.name]})
            elif spec.kind == "bool" and data.get(spec.name):
                value = {"yes": True, "no": False, "unknown": None}[data[spec.name]]
                qs = qs.filter(**({f"{spec.name}__isnull": True} if value is None
                                  else {spec.name: value}))
            elif spec.kind == "date":
                if data.get(f"{spec.name}_from"):
                    qs = qs.filter(**{f"{spec.name}__gte": data[f"{spec.name}_from"]})
                if data.get(f"{spec.name}_to"):
                    qs = qs.filter(**{f"{spec.name}__lte": data[f"{spec.name}_to"]})
            elif spec.kind == "place" and data.get(spec.name):
                # The place over time: earlier codes, and the areas it came from or became.
                qs = qs.filter(local_authority__gss_code__in=place_codes(data[spec.name]))
        return qs.distinct()

    def active_filters(self) -> list[tuple[str, str]]:
        if not self.is_bound or not self.is_valid():
            return []
        shown = []
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            field = self.fields[name]
            label = dict(getattr(field, "choices", [])).get(value, value)
            shown.append((str(field.label), str(label)))
        return shown
