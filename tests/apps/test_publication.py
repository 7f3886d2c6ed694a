"""Redaction before publication and the publication lifecycle (governance points 5 and 6):
a redacted copy removes the flagged names from the file and needs a second person; a
withdrawn or still-embargoed report vanishes from the public through the one access rule
while the review's catalogue record (and its place in the tables) stays."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from reportlab.pdfgen import canvas

from observatory.accounts.scopes import documents_q, reviews_q
from observatory.ingestion.models import DocumentText, PersonalDataFlag
from observatory.ingestion.publishing import NotAllowed, check, make_copy
from observatory.ingestion.redaction import finish_review
from observatory.repository.models import Document, Review
from observatory.repository.publication import PublicationError, decide, status
from observatory_core.redact_pdf import extracted_text

from .conftest import add_document, make_review

pytestmark = pytest.mark.django_db
NAME = "Kelly Marie Campbell"


def _pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawString(72, 780, f"{NAME} was seen by the health visitor in March.")
    pdf.drawString(72, 760, "Agencies did not share what they knew.")
    pdf.save()
    return out.getvalue()


def _flagged_report(reference: str = "PUB-1") -> Document:
    review = make_review(reference)
    document = add_document(review, "overview_report", content=_pdf())
    version = document.versions.first()
    text = " ".join(extracted_text(_pdf()))
    DocumentText.objects.create(version=version, text=text, pages=[[1, 0, len(text)]],
                                parser="test", producer="test")
    at = text.index(NAME)
    PersonalDataFlag.objects.create(version=version, kind="person_name", text=NAME, page=1,
                                    start=at, end=at + len(NAME), producer="test",
                                    status="confirmed")
    finish_review(version, None)
    return document


def test_a_redacted_copy_needs_a_second_person_and_becomes_the_public_download(users):
    document = _flagged_report()
    original = document.versions.get()
    copy = make_copy(original, users["analyst"])
    assert copy.strings_removed == 1 and copy.status == "pending"
    with pytest.raises(NotAllowed, match="second person"):
        check(copy, users["analyst"], approve=True)
    with pytest.raises(NotAllowed):
        check(copy, users["partnership_other"], approve=True)  # not their area
    version = check(copy, users["partnership_own"], approve=True)
    document.refresh_from_db()
    assert document.public_version == version and version.redacted_from == copy
    assert document.current_version == original  # the original is still what is read
    public = Client().get(f"/documents/{document.pk}/download/")
    body = b"".join(public.streaming_content)
    assert NAME not in " ".join(extracted_text(body)) and "health visitor" in " ".join(
        extracted_text(body))
    refused = Client().get(f"/documents/{document.pk}/download/?version={original.number}")
    assert refused.status_code == 404  # the unredacted file is not public any more
    staff = Client()
    staff.force_login(users["analyst"])
    assert NAME in " ".join(extracted_text(b"".join(staff.get(
        f"/documents/{document.pk}/download/?version={original.number}").streaming_content)))


def test_withdrawn_and_embargoed_reports_vanish_but_the_catalogue_record_stays(users):
    document = _flagged_report()
    review = document.review
    public = Client()

    def public_sees_report() -> bool:
        review.refresh_from_db()
        listed = Document.objects.filter(documents_q(None)).filter(pk=document.pk).exists()
        page = public.get(f"/documents/{document.pk}/").status_code == 200
        assert listed == page  # the list filter and the page read one rule
        return page

    assert public_sees_report()
    decide(review, users["analyst"], "embargoed", until=timezone.now() + timedelta(hours=1))
    assert not public_sees_report()
    assert public.get(f"/reviews/{review.reference}/").status_code == 200
    assert Review.objects.filter(reviews_q(None), pk=review.pk).exists()  # still counted
    # The embargo lifts by the clock alone: move it into the past, as time passing would.
    Review.objects.filter(pk=review.pk).update(embargo_until=timezone.now()
                                               - timedelta(seconds=1))
    assert public_sees_report()
    with pytest.raises(PublicationError, match="note"):
        decide(review, users["analyst"], "withdrawn", reason="court_order")
    decide(review, users["analyst"], "withdrawn", reason="court_order", note="Order 123")
    assert not public_sees_report()
    page = public.get(f"/reviews/{review.reference}/")
    assert page.status_code == 200 and "withdrawn (court order)" in page.content.decode()
    data = public.get(f"/reviews/{review.reference}/?format=json").json()["data"]
    assert data["documents"] == [] and data["report"]["state"] == "withdrawn"
    staff = Client()
    staff.force_login(users["analyst"])
    assert staff.get(f"/documents/{document.pk}/").status_code == 200
    history = staff.get(f"/reviews/{review.reference}/publication/?format=json").json()
    assert [h["to"] for h in history["data"]["history"]] == ["withdrawn", "embargoed"]
    assert status(review).withdrawn_reason == "Court order"


def test_only_those_who_may_change_the_review_decide_its_publication(users):
    review = make_review("PUB-2")
    c = Client()
    c.force_login(users["researcher"])
    response = c.post(f"/reviews/{review.reference}/publication/",
                      {"state": "withdrawn", "reason": "retention"})
    assert response.status_code in (403, 404)
    review.refresh_from_db()
    assert review.report_status == "published"
