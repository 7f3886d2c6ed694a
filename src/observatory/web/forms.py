"""Shared form plumbing for GOV.UK Design System pages."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms


class GovukFormMixin:
    """Gives a form the crispy helper that `{% error_summary form %}` needs to render.

    Templates write their own <form> tag, so the helper does not.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class GovukForm(GovukFormMixin, forms.Form):
    pass
