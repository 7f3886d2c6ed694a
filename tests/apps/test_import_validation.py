"""Imports validate exactly as the forms do (security finding: a 500-character reference
and a 10,000-character title were imported, and the edit form then refused to save the
record). Every imported row goes through the review form itself."""

from __future__ import annotations

import pytest
from django.test import Client

from observatory.repository.dataset_io import import_dataset
from observatory.repository.forms import ReviewForm
from observatory.repository.models import Review
from observatory_core.tabular import write_csv

from .conftest import make_user

pytestmark = pytest.mark.django_db

ROW = {"reference": "LEN-1", "title": "Child L (test)", "local_authority": "Birmingham",
       "review_type": "scr", "outcome": "death"}


def _csv(*rows) -> bytes:
    return write_csv(rows, columns=list(dict.fromkeys(k for r in rows for k in r)))


def test_overlong_reference_and_title_are_refused_with_the_forms_reasons():
    report = import_dataset("long.csv", _csv({**ROW, "reference": "R" * 500},
                                             {**ROW, "reference": "LEN-2", "title": "t" * 10_000}))
    assert not report.ok and Review.objects.count() == 0
    found = {(p.row, p.field) for p in report.problems}
    assert found == {(2, "reference"), (3, "title")}, report.problems
    text = " ".join(str(p) for p in report.problems)
    assert "at most 60 characters" in text and "at most 300 characters" in text


def test_the_api_import_refuses_them_too():
    client = Client()
    client.force_login(make_user("analyst"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("long.csv", _csv({**ROW, "title": "t" * 10_000}))
    response = client.post("/api/reviews/import", {"file": upload})
    body = response.json()
    assert body["ok"] is False and body["problems"][0]["field"] == "title", body
    assert Review.objects.count() == 0


def test_every_imported_review_can_be_saved_unchanged_by_the_edit_form():
    report = import_dataset("ok.csv", _csv(ROW, {**ROW, "reference": "LEN-2",
                                                 "title": "t" * 300, "summary": "s" * 5000}))
    assert report.ok, report.problems
    for review in Review.objects.all():
        form = ReviewForm(instance=review)
        data = {name: form[name].value() for name in form.fields}
        data = {k: v for k, v in data.items() if v is not None and v is not False}
        bound = ReviewForm(data, instance=review)
        assert bound.is_valid(), bound.errors


# -- the other imports: values the database columns would refuse are refused first --------
def test_delphi_import_refuses_overlong_section_titles():
    from observatory.consultation import services

    row = {"section": "S" * 250, "number": "1", "text": "A statement", "round": "1",
           "respondents": "10", **{a: "1" for a in services.SCALE}}
    report = services.import_aggregates([row], "counts", title="t" * 400)
    assert not report.ok and not services.Study.objects.exists()
    assert {(p.row, p.field) for p in report.problems} == {(0, "title"), (2, "section")}


def test_codebook_import_refuses_overlong_names():
    from observatory.coding.services import parse_upload
    from observatory_core.coding.codebook import CodebookError

    toml = (f'key = "long_book"\nname = "{"N" * 250}"\nsource = "a test"\n\n'
            f'[[codes]]\nid = "a"\nname = "{"C" * 250}"\n').encode()
    with pytest.raises(CodebookError) as info:
        parse_upload(toml, "long.toml")
    assert len(info.value.problems) == 2 and all("200 characters" in p
                                                 for p in info.value.problems)


def test_analysis_import_refuses_overlong_references():
    from observatory.analysis.importers import import_evaluations
    from observatory.analysis.models import Evaluation

    data = ("local_authority,judgement,evaluation_date,reference\n"
            f"Bristol,adequate,2007-11-27,{'r' * 150}\n").encode()
    report = import_evaluations("eval.csv", data)
    assert not report.ok and not Evaluation.objects.exists()
    assert [(p.row, p.field) for p in report.problems] == [(2, "reference")]
