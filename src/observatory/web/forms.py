"""Shared form plumbing for GOV.UK Design System pages."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def govuk_messages(field: forms.Field, label: str) -> dict[str, str]:
    """Error messages in GOV.UK's words (design-system.service.gov.uk/components/
    error-message): say what to do ("Enter ...", "Select ...") or what is wrong with the
    answer ("... must be a real date"), naming the question; never "This field is
    required"."""
    name = _lower_first(label)
    if not name.startswith(("a ", "an ", "the ", "your ")):
        name = f"the {name}"
    if isinstance(field, forms.FileField):
        required = "Select a file to upload"
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
            field.widget, forms.Select | forms.RadioSelect):
        required = f"Select {name}"
    else:
        required = f"Enter {name}"
    out = {"required": required}
    if isinstance(field, forms.DateField):
        out["invalid"] = f"{label} must be a real date"
    elif isinstance(field, forms.IntegerField):
        out["invalid"] = f"{label} must be a whole number"
        out["max_value"] = f"{label} must be %(limit_value)s or less"
        out["min_value"] = f"{label} must be %(limit_value)s or more"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        out["invalid"] = f"{label} must be a number"
    elif isinstance(field, forms.ChoiceField):
        out["invalid_choice"] = f"Select {name} from the list"
    return out


class GovukFormMixin:
    """Gives a form the crispy helper that `{% error_summary form %}` needs to render, and
    every field error messages in GOV.UK's words (unless the form wrote its own).

    Templates write their own <form> tag, so the helper does not.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def full_clean(self) -> None:
        # Here rather than in __init__: forms add fields after this mixin's __init__ runs.
        self.govuk_error_messages()
        super().full_clean()  # type: ignore[misc]

    def govuk_error_messages(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            defaults = {}
            for klass in reversed(type(field).__mro__):
                defaults.update(getattr(klass, "default_error_messages", {}))
            label = str(field.label or name.replace("_", " ").capitalize())
            for code, message in govuk_messages(field, label).items():
                if field.error_messages.get(code, defaults.get(code)) == defaults.get(code):
                    field.error_messages[code] = message


class GovukForm(GovukFormMixin, forms.Form):
    pass
