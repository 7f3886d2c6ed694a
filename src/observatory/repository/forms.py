"""Forms for reviews and uploads, built from the minimum dataset's field list."""

from __future__ import annotations

from typing import Any

from django import forms

from observatory_core.dataset import FIELD_BY_NAME, FIELDS, date_order_problems

from ..accounts.access import areas_of, can, role_of
from ..vocabularies.models import LocalAuthority, Term
from ..web.forms import GovukForm, GovukFormMixin
from .models import Review

# Neutral: does not say whether, or where, a review with the reference exists (docs/security.md).
REFERENCE_UNAVAILABLE = ("This reference is not available: it is not a review you may change. "
                         "References are unique across England; check it, or ask the national "
                         "team if this review is yours.")
TRI_STATE_CHOICES = [("", "Not known"), ("true", "Yes"), ("false", "No")]
MAX_AGE_MONTHS = 18 * 12 - 1


def _tri_state(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value)


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Term) -> str:
        return obj.label


class TermMultipleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Term) -> str:
        return obj.label


def _terms(key: str, current: Any = None):
    qs = Term.objects.filter(vocabulary__key=key)
    # Retired terms stay selectable only on records that already hold them.
    return qs.filter(active=True) if current is None else qs


class ReviewForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Review
        fields = [f.name for f in FIELDS]
        widgets = {name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                   for name in ("incident_date", "notification_date", "decision_date",
                                "start_date", "completion_date", "publication_date")}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.hidden_clash: Review | None = None
        for spec in FIELDS:
            field = self.fields[spec.name]
            if spec.help:
                field.help_text = spec.help
            if spec.kind == "code":
                self.fields[spec.name] = TermChoiceField(
                    queryset=_terms(spec.vocabulary, self.instance.pk),
                    required=spec.required, label=spec.label, empty_label="Not known",
                    help_text=spec.help)
            elif spec.kind == "codes":
                self.fields[spec.name] = TermMultipleField(
                    queryset=_terms(spec.vocabulary, self.instance.pk), required=False,
                    label=spec.label, widget=forms.CheckboxSelectMultiple)
            elif spec.kind == "bool" and spec.name != "fictional":
                initial = getattr(self.instance, spec.name, None)
                self.fields[spec.name] = forms.TypedChoiceField(
                    choices=TRI_STATE_CHOICES, coerce=_tri_state, empty_value=None,
                    required=False, label=spec.label, widget=forms.RadioSelect,
                    initial={True: "true", False: "false"}.get(initial, ""))
        self.fields["child_age_months"].widget.attrs.update({"min": 0, "max": MAX_AGE_MONTHS})
        areas = LocalAuthority.objects.all()
        if role_of(user) == "partnership":
            areas = areas.filter(pk__in=areas_of(user))
        self.fields["local_authority"].queryset = areas
        self.fields["local_authority"].empty_label = "Select a local area"
        self.fields["summary"].widget = forms.Textarea(attrs={"rows": 4})

    def clean_child_age_months(self) -> int | None:
        value = self.cleaned_data.get("child_age_months")
        if value is not None and value > MAX_AGE_MONTHS:
            raise forms.ValidationError("Enter an age under 18 years (215 months or fewer)")
        return value

    def clean_reference(self) -> str:
        value = self.cleaned_data["reference"].strip()
        if not value:
            raise forms.ValidationError("Enter a reference")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, reason in date_order_problems({k: data.get(k) for k in data}):
            self.add_error(name, f"{FIELD_BY_NAME[name].label} {reason}")
        return data

    def validate_unique(self) -> None:
        """The model's checks, except the reference's uniqueness, which is checked without
        revealing reviews the user may not see (``clean_reference_clash``)."""
        exclude = self._get_validation_exclusions()
        exclude.add("reference")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)
        self.clean_reference_clash()

    def clean_reference_clash(self) -> None:
        """A reference already used. If the user may see that review, say so; if not (an
        unpublished review of another area), the answer must not confirm that it exists, nor
        where: a neutral refusal, the same words the dataset import uses. ``hidden_clash``
        lets the view audit the attempt against the hidden review."""
        reference = self.cleaned_data.get("reference")
        if not reference or "reference" in self.errors:
            return
        clash = Review.objects.filter(reference=reference).exclude(pk=self.instance.pk).first()
        if clash is None:
            return
        if can(self.user, "view", clash):
            self.add_error("reference", "A review with this reference already exists")
        else:
            self.hidden_clash = clash
            self.add_error("reference", REFERENCE_UNAVAILABLE)


class UploadForm(GovukForm):
    kind = TermChoiceField(queryset=Term.objects.none(), label="Kind of document",
                           empty_label="Select a kind")
    title = forms.CharField(max_length=300, required=False, label="Title (optional)",
                            help_text="If you leave this blank the file name is used.")
    file = forms.FileField(label="File", help_text="PDF, Word (.docx), HTML or plain text.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = Term.objects.filter(
            vocabulary__key="document_kind", active=True)


class VersionForm(GovukForm):
    file = forms.FileField(label="New version", help_text="PDF, Word (.docx), HTML or plain text.")
