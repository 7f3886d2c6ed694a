"""Suggestions that say how sure they are, the machine beside the people, and codes the
machine codes first with a person checking a sample (issue 19)."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from observatory.accounts.services import create_user
from observatory.coding.models import Check, Code, Codebook, CodedSegment
from observatory.coding.services import retrain
from observatory.ingestion.models import Recommendation

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db
CODES = ["training", "recording", "information_sharing", "audit"]


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c, document, **data):
    data.setdefault("codebook", "recommendation_themes")
    data.setdefault("units", "recommendation")
    return c.post(f"/coding/documents/{document.pk}/", data, HTTP_X_REQUESTED_WITH="fetch")


def test_calibration_trust_and_the_machine_beside_people(coded_document, monkeypatch):
    from observatory.coding import services

    monkeypatch.setattr(services, "MIN_TO_TRAIN", 4)
    ann = client(create_user("ann", PASSWORD, "analyst"))
    bob = client(create_user("bob", PASSWORD, "researcher"))
    recs = list(Recommendation.objects.filter(version__document=coded_document)
                .order_by("index"))
    for c, codes in ((ann, CODES), (bob, ["training", "audit", "audit", "audit"])):
        for rec, code in zip(recs, codes, strict=True):
            post(c, coded_document, action="add", code=code, unit=f"recommendation:{rec.pk}")
        post(c, coded_document, action="done")
    url = f"/coding/documents/{coded_document.pk}/compare/"
    ann.post(url, {"codebook": "recommendation_themes", "units": "recommendation",
                   "consensus": [f"recommendation:{r.pk}|{c}" for r, c in zip(recs, CODES,
                                                                               strict=True)]})
    # more confirmed units for the model to learn from: ann's codes on the passages
    from observatory.ingestion.models import Passage

    for i, passage in enumerate(Passage.objects.filter(version__document=coded_document)):
        post(ann, coded_document, action="add", units="passage",
             code=("training", "audit")[i % 2], unit=f"passage:{passage.pk}")
    book = Codebook.objects.get(key="recommendation_themes")
    model = retrain(book, folds=2)
    assert model is not None and model.metrics["calibration"]["pairs"] > 0
    page = ann.get(book.get_absolute_url(), {"format": "json"}).json()["data"]
    cal = page["model"]["calibration"]
    assert 0 <= cal["ece"] <= 1 and sum(b["count"] for b in cal["bins"]) == cal["pairs"]
    codes = {c["key"]: c for c in page["codes"]}
    assert codes["training"]["threshold"] is not None
    # the machine as a coder: beside the people's kappa, with each person and the consensus
    machine = codes["audit"]["machine"]
    assert set(machine["with_person"]) == {"ann", "bob"}
    assert page["model"]["machine"] == {"units": 4, "coders": ["ann", "bob"]}
    html = ann.get(book.get_absolute_url()).content.decode()
    assert 'id="reliability-table"' in html and "<svg" in html and "machine-agreement" in html
    compare = ann.get(url, {"codebook": "recommendation_themes", "units": "recommendation",
                            "format": "json"}).json()["data"]
    rows = {r["code"]: r for r in compare["machine"]}
    assert rows["training"]["people"] == pytest.approx(1.0)
    assert set(rows["audit"]["with_person"]) == {"ann", "bob"}
    assert compare["codebook_version"] == book.version


def test_machine_first_code_puts_a_sample_to_check(coded_document):
    user = create_user("ann", PASSWORD, "analyst")
    ann = client(user)
    book = Codebook.objects.get(key="recommendation_themes") if Codebook.objects.filter(
        key="recommendation_themes").exists() else None
    if book is None:
        from observatory.coding.services import ensure_codebooks

        ensure_codebooks()
        book = Codebook.objects.get(key="recommendation_themes")
    bad = ann.post(book.get_absolute_url(), {"action": "machine-first", "key": "training",
                                             "mode": "machine", "rate": "0"})
    assert bad.status_code == 400 and not Code.objects.get(codebook=book,
                                                          key="training").machine_first
    ann.post(book.get_absolute_url(), {"action": "machine-first", "key": "training",
                                       "mode": "machine", "rate": "100"})
    code = Code.objects.get(codebook=book, key="training")
    assert code.machine_first and code.check_rate == 1.0
    post(ann, coded_document, action="suggest")
    seg = CodedSegment.objects.get(code=code)
    # applied at once (no person accepted it), and in the checking sample
    assert seg.status == "accepted" and seg.checking == Check.SAMPLE
    other = CodedSegment.objects.exclude(code=code).first()
    assert other.status == "suggested" and other.checking == Check.NONE
    # only from the document it is in (another document's page cannot check it)
    from observatory.repository.services import store_version

    from .conftest import REPORT, make_review, term

    other_doc = store_version(review=make_review("CODE-2"),
                              kind=term("document_kind", "overview_report"),
                              filename="r.txt", stream=io.BytesIO(REPORT.encode())).version
    assert post(ann, other_doc.document, action="check", segment=seg.pk,
                verdict="right").status_code == 400
    r = post(ann, coded_document, action="check", segment=seg.pk, verdict="wrong")
    assert r.json()["data"]["checking"] == "wrong"
    seg.refresh_from_db()
    assert seg.status == "rejected" and seg.checked_by == user and seg.checked_at
    assert post(ann, coded_document, action="check", segment=seg.pk,
                verdict="right").status_code == 400  # checked once
    page = ann.get(f"/coding/documents/{coded_document.pk}/", {"format": "json"}).json()
    [row] = page["data"]["checking"]
    assert row["checked_by"] == "ann" and row["checking"] == "wrong"
    book_page = ann.get(book.get_absolute_url(), {"format": "json"}).json()["data"]
    training = next(c for c in book_page["codes"] if c["key"] == "training")
    assert training["machine_first"] and training["checking"] == {"sample": 0, "right": 0,
                                                                   "wrong": 1}
