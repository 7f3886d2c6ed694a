"""Recommendations of an inspection letter, stored with where their addressee came from
(the report's framing, with the words that framed it), their stated timescale and whether
the reader was unsure, and shown so on the document page and in its JSON (issue 13)."""

from __future__ import annotations

import pytest
from django.test import Client

from observatory.ingestion.models import IngestJob, Recommendation

from ..conftest import make_review

pytestmark = pytest.mark.django_db

# (text, font size, bold): a heading, a smaller bold sub-heading and body lines.
LETTER = [
    [("Joint targeted area inspection of the multi-agency response to neglect", 16, True),
     ("This letter sets out the findings of the joint inspection of the partnership.", 11, False),
     ("Areas for improvement", 16, True),
     ("\u2022 The quality of assessments is too variable across the partnership area.", 11,
      False),
     ("\u2022 Police officers do not always record the views of children in referrals.", 11,
      False),
     ("Immediately:", 13, True),
     ("\u2022 Strategy discussions are not always held quickly enough for the children.", 11,
      False)],
    [("Case study: area for improvement", 16, True),
     ("The partnership needs to do more for one child whose case was reviewed.", 11, False)],
]


def make_pdf(path, pages):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        y = 800
        for text, size, bold in lines:
            c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
            c.drawString(60, y, text)
            y -= 30 if bold else 18
        c.showPage()
    c.save()
    return path


def test_framed_addressee_timescale_and_unsure_items_are_stored_and_shown(
        upload, users, tmp_path):
    review = make_review("ING-FRAMING")
    version, job = upload(review, "other", make_pdf(tmp_path / "letter.pdf", LETTER))
    assert job.status == IngestJob.DONE, job.message
    recs = list(Recommendation.objects.filter(version=version).order_by("index")
                .select_related("addressee"))
    assert [r.text[:20] for r in recs] == ["The quality of asses", "Police officers do n",
                                          "Strategy discussions"]
    framed, police, urgent = recs
    assert framed.addressee.code == "lscb" and framed.addressee_source == "framing"
    assert "Joint targeted area inspection" in framed.addressee_basis
    assert police.addressee.code == "police" and police.addressee_source == "text"
    assert urgent.timescale == "immediately" and urgent.timescale_basis == "Immediately:"
    assert framed.timescale == ""

    client = Client()
    client.force_login(users["analyst"])
    html = client.get(f"/documents/{version.document_id}/").content.decode()
    assert "Inferred from the report\u2019s framing" in html.replace("&#x27;", "\u2019") \
        or "Inferred from the report's framing" in html.replace("&#x27;", "'")
    assert "Immediately" in html and "Not stated" in html
    extracted = client.get(f"/api/documents/{version.document_id}/extracted").json()
    rows = extracted["recommendations"]
    assert rows[0]["addressee_source"] == "framing" and rows[0]["addressee_basis"]
    assert rows[2]["timescale"] == "immediately"
    # The police item's addressee was read from its subject only: checked first.
    assert [r["unsure"] for r in rows] == [False, True, False]
    assert 'id="recommendations-unsure"' in html and "Check first" in html
