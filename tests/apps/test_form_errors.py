"""Every form's errors are worded as GOV.UK asks: say what to do, naming the question
("Enter the title", "Select the local area", "... must be a real date"), never Django's
"This field is required."."""

from __future__ import annotations

import importlib

import pytest

from observatory.web.forms import GovukFormMixin

pytestmark = pytest.mark.django_db

FORM_MODULES = ("observatory.repository.forms", "observatory.consultation.forms")
DJANGO_WORDS = ("This field is required", "Enter a valid", "Select a valid choice",
                "Enter a whole number", "Ensure this value")


def _forms():
    for module in FORM_MODULES:
        importlib.import_module(module)
    seen, todo = [], list(GovukFormMixin.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__ in FORM_MODULES:
            seen.append(cls)
    return sorted(seen, key=lambda c: c.__qualname__)


def _bad_data(form) -> dict[str, str]:
    from django import forms as f

    bad = {}
    for name, field in form.fields.items():
        if isinstance(field, f.DateField):
            bad[name] = "31/02/2025"
        elif isinstance(field, f.IntegerField):
            bad[name] = "lots"
        elif isinstance(field, f.ChoiceField):
            bad[name] = "no-such-choice"
    return bad


@pytest.mark.parametrize("form_class", _forms(), ids=lambda c: c.__qualname__)
def test_form_errors_use_govuk_words(form_class):
    for data in ({}, None):
        form = form_class(data={})
        form.is_valid()
        form = form_class(data=data or _bad_data(form))
        form.is_valid()
        messages = [str(m) for errors in form.errors.values() for m in errors]
        for message in messages:
            assert not message.startswith(DJANGO_WORDS), (form_class.__name__, message)
