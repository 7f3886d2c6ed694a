"""One truth per document: only each document's current version is counted and searched,
and a review's recommendations are counted once (the overview's; the executive summary's
repeats linked to them; IMRs' apart; inspection findings not at all)."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from observatory.analysis.tables import REGISTRY, Scope, build
from observatory.audit.models import AuditEvent
from observatory.ingestion.counting import RULE_NOTE
from observatory.ingestion.models import Recommendation
from observatory.ingestion.search import search
from observatory.repository.models import Document
from observatory.repository.services import store_version

from ..conftest import make_review, term

pytestmark = pytest.mark.django_db

RECS = [
    "The LSCB should ensure that all staff receive training on recognising neglect.",
    "Children's social care should improve the quality of recording in case files.",
    "The police should share information with health visitors promptly.",
    "The hospital trust should audit the referral process for injured babies.",
    "Health visitors should record the names of every adult living in the home.",
]


def report(title: str, recs: list[str], extra: str = "", numbering: str = "{n}. ") -> bytes:
    body = "\n\n".join(numbering.format(n=i) + r for i, r in enumerate(recs, start=1))
    return (f"Serious Case Review: Child B\n\n{title}\n\nIntroduction\n\nThis review looks at "
            f"how agencies worked with the family. {extra}\n\nRecommendations\n\n{body}\n"
            ).encode()


def upload(capture, review, kind: str, content: bytes, name: str,
           document: Document | None = None):
    with capture(execute=True):
        return store_version(review=review, kind=term("document_kind", kind), filename=name,
                             stream=io.BytesIO(content), document=document).version


def every_table(user) -> dict[str, list]:
    return {name: build(name, Scope(user)).records() for name in REGISTRY}


def test_a_second_version_changes_no_count_and_search_finds_only_the_current(
        users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    review = make_review("CUR-1")
    first = upload(capture, review, "overview_report",
                   report("Overview report", RECS, "The word zebrafinch appears."), "v1.txt")
    before = {name: every_table(users[name]) for name in ("analyst", "practitioner")}
    assert Recommendation.objects.filter(version=first).count() == 5
    second = upload(capture, review, "overview_report",
                    report("Overview report", RECS, "The word kingfisher appears."), "v2.txt",
                    document=first.document)
    assert second.number == 2
    after = {name: every_table(users[name]) for name in ("analyst", "practitioner")}
    assert after == before  # every standard table, for both a full and a public view

    analyst = users["analyst"]
    assert search(analyst, "zebrafinch", mode="keyword").total == 0  # superseded
    hits = search(analyst, "kingfisher", mode="keyword").hits
    assert hits and all("version=2" in h.url for h in hits)
    hits = search(analyst, "hospital trust audit referral", mode="keyword").hits
    assert hits and all("version=2" in h.url for h in hits)


def test_a_person_chooses_the_current_version_audited_and_old_ones_stay_readable(
        users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    review = make_review("CUR-2")
    first = upload(capture, review, "overview_report",
                   report("Overview report", RECS, "The word zebrafinch appears."), "v1.txt")
    upload(capture, review, "overview_report",
           report("Overview report", RECS[:2], "The word kingfisher appears."), "v2.txt",
           document=first.document)
    analyst = users["analyst"]
    total = build("recommendations_by_agency", Scope(analyst)).records()
    assert search(analyst, "zebrafinch", mode="keyword").total == 0

    practitioner = Client()
    practitioner.force_login(users["practitioner"])
    url = f"/documents/{first.document_id}/current/"
    assert practitioner.post(url, {"version": "1"}).status_code == 403

    client = Client()
    client.force_login(users["admin"])
    response = client.post(url, {"version": "1"})
    assert response.status_code == 302
    document = Document.objects.get(pk=first.document_id)
    assert document.current_version_id == first.pk and document.current_chosen
    assert AuditEvent.objects.filter(action="change", detail="current version: version 1",
                                     object_id=str(document.pk)).exists()
    assert search(analyst, "zebrafinch", mode="keyword").total == 1
    assert build("recommendations_by_agency", Scope(analyst)).records() != total
    page = client.get(f"/documents/{document.pk}/?format=json").json()["data"]
    assert page["current_version"] == 1 and page["current_chosen"] is True
    # the older (now not current) version 2 is still readable
    assert client.get(f"/documents/{document.pk}/text/?version=2").status_code == 200

    client.post(url, {"version": "latest"})
    document.refresh_from_db()
    assert document.current_version.number == 2 and not document.current_chosen
    assert search(analyst, "zebrafinch", mode="keyword").total == 0


def _total(table) -> int:
    """The 'All recommendations' count of a summary table (unsuppressed)."""
    assert table.total is not None, table.empty_message
    return int(table.total.cells[0].value)


def test_overview_and_summary_repeating_five_recommendations_count_five(
        users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    review = make_review("COUNT-1")
    overview = upload(capture, review, "overview_report", report("Overview report", RECS),
                      "overview.txt")
    summary = upload(capture, review, "executive_summary",
                     report("Executive summary", [r.replace("should", "should ") for r in RECS],
                            numbering="Recommendation {n}: "), "summary.txt")
    copies = Recommendation.objects.filter(version=summary)
    assert copies.count() == 5
    originals = {r.pk: r.text for r in Recommendation.objects.filter(version=overview)}
    for copy in copies:
        assert copy.counted_as == "copy" and copy.same_as_id in originals
        assert originals[copy.same_as_id].split()[:4] == copy.text.split()[:4]
    table = build("recommendations_by_agency", Scope(users["analyst"]))
    assert _total(table) == 5
    assert RULE_NOTE in table.notes


def test_agencies_own_recommendations_are_counted_apart_and_inspection_items_not_at_all(
        users, django_capture_on_commit_callbacks, client):
    capture = django_capture_on_commit_callbacks
    review = make_review("COUNT-2")
    upload(capture, review, "overview_report", report("Overview report", RECS), "overview.txt")
    imr = upload(capture, review, "imr", report("Individual management review", [
        "The trust should train its midwives to ask about domestic abuse.",
        "The trust should audit its safeguarding supervision every quarter."]), "imr.txt")
    letter = upload(capture, review, "inspection_report", (
        b"Inspection letter\n\nAreas for improvement\n\n"
        b"\xe2\x80\xa2 Police officers should record the voice of the child at every incident.\n\n"
        b"\xe2\x80\xa2 Social workers should visit children at home within timescales.\n"),
        "letter.txt")
    items = Recommendation.objects.filter(version=letter)
    assert {r.counted_as for r in items} == {"none"}
    assert {r.addressee.code for r in items} == {"police", "childrens_social_care"}
    assert {r.counted_as for r in Recommendation.objects.filter(version=imr)} == {"agency"}

    analyst = users["analyst"]
    assert _total(build("recommendations_by_agency", Scope(analyst))) == 5
    own = build("agency_report_recommendations", Scope(analyst))
    assert _total(own) == 2 and RULE_NOTE in own.notes

    # A person decides the letter's items are the review's after all: counted, audited.
    admin = Client()
    admin.force_login(users["admin"])
    response = admin.post(f"/documents/{letter.document_id}/recommendations/",
                          {"role": "review"})
    assert response.status_code == 302
    assert _total(build("recommendations_by_agency", Scope(analyst))) == 7
    assert AuditEvent.objects.filter(object_id=str(letter.document_id), action="change",
                                     detail__startswith="recommendations:").exists()
