"""Each role's home page is its work: a partnership its own reviews with their timescales
and the decisions waiting; an analyst the processing queue, flags, values and coding; the
steering group its consultations; everyone the latest learning."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client

from observatory.ingestion.models import IngestJob
from observatory.repository.models import Review
from observatory.repository.services import store_version
from observatory.web.work import months_since

from .conftest import OTHER_AREA, make_review, review_redaction, term

pytestmark = pytest.mark.django_db

REPORT = (b"Overview report\n\nIntroduction\n\nThis review concerns Child K, a 3-year-old girl "
          b"who died in March 2015. Dr Jane Doe saw her.\n\nRecommendations\n\n"
          b"1. Police should share information with children's social care.\n")


def _home(user=None) -> dict:
    client = Client()
    if user:
        client.force_login(user)
    return client.get("/", {"format": "json"}).json()["data"]


@pytest.fixture
def site(users, django_capture_on_commit_callbacks):
    today = date.today()
    late = make_review("HOME-LATE", published=False)
    late.completion_date = None
    late.incident_date = today - timedelta(days=420)
    late.decision_date = today - timedelta(days=400)
    late.save()
    make_review("HOME-OTHER", area=OTHER_AREA)
    with django_capture_on_commit_callbacks(execute=True):
        store_version(review=late, kind=term("document_kind", "overview_report"),
                      filename="report.txt", stream=io.BytesIO(REPORT))
        store_version(review=make_review("HOME-PUB"),
                      kind=term("document_kind", "overview_report"), filename="pub.txt",
                      stream=io.BytesIO(REPORT))
    return late


def test_partnership_home_lists_its_reviews_timescales_and_decisions(users, site):
    data = _home(users["partnership_own"])
    refs = [r["reference"] for r in data["your_reviews"]]
    assert "HOME-LATE" in refs and "HOME-OTHER" not in refs
    late = next(r for r in data["your_reviews"] if r["reference"] == "HOME-LATE")
    assert late["timescale"]["late"] is True and "beyond" in late["timescale"]["state"]
    assert data["flags_to_review"]["total"] >= 1  # Dr Jane Doe, on its own review
    assert data["values_to_decide"]["total"] >= 1
    assert "ingest_queue" not in data and "coding" not in data


def test_analyst_home_has_the_queue_flags_values_and_coding(users, site):
    IngestJob.objects.create(version=site.documents.first().versions.first())  # queued
    data = _home(users["analyst"])
    assert data["ingest_queue"]["waiting"] == 1
    assert data["flags_to_review"]["total"] >= 2
    assert {d["review"] for d in data["coding"]["documents"]} >= {"HOME-LATE", "HOME-PUB"}
    assert "your_reviews" not in data


def test_everyone_sees_the_latest_learning_as_they_may_read_it(users, site):
    published = Review.objects.get(reference="HOME-PUB").documents.get().versions.get()
    learning = {r["reference"]: r for r in _home(None)["latest_learning"]}
    # Nothing of a version reaches redacted readers before its redaction review.
    assert not (learning.get("HOME-PUB") or {}).get("recommendations")
    review_redaction(published, users["analyst"])
    for who in (None, users["practitioner"], users["steering"]):
        data = _home(who)
        learning = {r["reference"]: r for r in data["latest_learning"]}
        assert "HOME-LATE" not in learning  # not published
        assert "Police should share" in learning["HOME-PUB"]["recommendations"][0]["text"]
    assert "consultations" in _home(users["steering"])
    assert "coding" not in _home(users["practitioner"])


def test_months_since():
    assert months_since(date(2024, 1, 31), date(2024, 3, 30)) == 1
    assert months_since(date(2024, 1, 15), date(2025, 1, 15)) == 12
