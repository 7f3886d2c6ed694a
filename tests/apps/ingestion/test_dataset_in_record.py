"""Each drafted dataset value is shown beside what the review's record already holds."""

from __future__ import annotations

import pytest
from django.test import Client

from observatory.ingestion.models import Extraction

from ..conftest import make_review, term

pytestmark = pytest.mark.django_db

TEXT = (b"Overview report\n\nIntroduction\n\nThis review concerns Child K, a 3-year-old girl "
        b"who died in March 2015. Police and Police were told.\n")


def test_suggestions_show_the_value_already_in_the_record(upload, users):
    review = make_review("ING-INREC", child_sex=term("sex", "male"))  # record says boy
    version, _ = upload(review, "overview_report", TEXT, "report.txt")
    client = Client()
    client.force_login(users["analyst"])
    body = client.get(f"/documents/{version.document.pk}/dataset/", {"format": "json"}).json()
    rows = {r["field"]: r for r in body["data"]["dataset"]}
    assert rows["child_sex"]["value"] == "female"
    assert rows["child_sex"]["in_record"] == {"value": "male", "label": "Male",
                                              "same": False}
    assert rows["child_age_months"]["in_record"]["value"] == 5  # make_review's age
    assert rows["child_age_months"]["in_record"]["same"] is False
    assert rows["outcome"]["in_record"]["same"] is True  # make_review records a death
    page = client.get(f"/documents/{version.document.pk}/dataset/").content.decode()
    assert "In the record now" in page
    sex = Extraction.objects.get(version=version, field="child_sex")
    row = page[page.index(f'id="extraction-{sex.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Male" in row and "Female" in row
