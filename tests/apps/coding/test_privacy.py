"""Privacy on the coding pages, through the database: roles that may not change a document
(researchers, the steering group) see its text redacted in the workbench, its JSON, the
comparison and every export, and can still code a span; a confidential or unpublished
document's codes never reach a role that may not view it; practitioners reach no coding
page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from observatory.accounts.services import create_user
from observatory.audit.models import AuditEvent
from observatory.ingestion.models import DocumentText, PersonalDataFlag, Recommendation
from observatory.repository.services import store_version
from observatory_core.coding.refi import read_qdpx

from ..conftest import OTHER_AREA, PASSWORD, make_review, review_redaction, term

pytestmark = pytest.mark.django_db

NAME = "Kelly Marie Campbell"
REPORT = f"""Overview report

Introduction

{NAME} was 17 when she died. Kelly lived at 12 Acacia Avenue, postcode BS1 4DJ, with Mother.

Recommendations

1. The LSCB should ensure that staff who worked with {NAME} receive training on neglect.

2. Children's social care should improve the quality of recording in case files.
"""
SECRETS = ("Kelly", "Campbell", "BS1 4DJ", "Acacia")


def _store(review, kind: str, capture) -> object:
    with capture(execute=True):
        return store_version(review=review, kind=term("document_kind", kind),
                             filename="report.txt",
                             stream=io.BytesIO(REPORT.encode())).version


@pytest.fixture
def people(db):
    return {n: create_user(n, PASSWORD, r) for n, r in
            (("ann", "analyst"), ("bob", "researcher"), ("sue", "steering"),
             ("pat", "practitioner"))}


@pytest.fixture
def named(db, django_capture_on_commit_callbacks):
    version = _store(make_review("CODE-P1"), "overview_report",
                     django_capture_on_commit_callbacks)
    kinds = set(PersonalDataFlag.objects.filter(version=version).values_list("kind", flat=True))
    assert "person_name" in kinds
    review_redaction(version)  # a person confirms the flags: then the redacted text is shown
    return version


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _url(version, page: str = "") -> str:
    return (f"/coding/documents/{version.document_id}/{page}?codebook=recommendation_themes"
            "&units=recommendation")


def _post(c: Client, version, **data):
    data.update(codebook="recommendation_themes", units="recommendation")
    return c.post(f"/coding/documents/{version.document_id}/", data,
                  HTTP_X_REQUESTED_WITH="fetch")


def _exports(c: Client) -> list[str]:
    out = []
    for fmt in ("csv", "json", "xlsx"):
        r = c.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                      "format": fmt})
        out.append(r.content.decode("utf-8", "replace") if fmt != "xlsx" else "")
    return out


def test_researcher_and_steering_see_redacted_text_everywhere(people, named):
    ann, bob, sue = (_client(people[n]) for n in ("ann", "bob", "sue"))
    recs = list(Recommendation.objects.filter(version=named).order_by("index"))
    text = DocumentText.objects.get(version=named).text
    # the analyst (may change the document) sees the name
    assert NAME in ann.get(_url(named)).content.decode()
    for code in ("training", "audit"):  # bob will not apply 'audit': a disagreement
        assert _post(ann, named, action="add", code=code,
                     unit=f"recommendation:{recs[0].pk}").status_code == 200
    # the researcher codes on the redacted text, and can still code a span by offsets of
    # the stored text (the page says how long each redacted marker really is)
    page = bob.get(_url(named)).content.decode()
    assert "[REDACTED: name]" in page and 'class="obs-redacted" data-len="' in page
    made = _post(bob, named, action="suggest").json()["data"]["made"]
    assert made >= 1
    start = text.index("staff who worked", recs[0].start)
    end = text.index("receive", start)
    added = _post(bob, named, action="add", code="training",
                  unit=f"recommendation:{recs[0].pk}", start=start, end=end).json()["data"]
    assert "[REDACTED: name]" in added["text"] and "Kelly" not in json.dumps(added)
    for c in (ann, bob):
        assert _post(c, named, action="done").status_code == 200
    bodies = [page, bob.get(_url(named), {"format": "json"}).content.decode(),
              bob.get(_url(named, "compare/"), {"format": "json"}).content.decode(),
              bob.get(_url(named, "compare/")).content.decode(), *_exports(bob),
              sue.get(_url(named)).content.decode(),
              sue.get(_url(named, "compare/"), {"format": "json"}).content.decode(),
              *_exports(sue)]
    for body in bodies:
        for secret in SECRETS:
            assert secret not in body
    compare = bob.get(_url(named, "compare/"), {"format": "json"}).json()["data"]
    assert compare["coders"] == ["ann", "bob"]
    assert any("[REDACTED: name]" in d["text"] for d in compare["disagreements"])
    # the .qdpx of a redacted viewer: redacted source, selections moved onto it
    qdpx = bob.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                       "format": "qdpx"}).content
    [source] = read_qdpx(qdpx, codebook_key="recommendation_themes").sources
    assert "Kelly" not in source.text and "[REDACTED: name]" in source.text
    spans = {source.text[s.start:s.end] for s in source.selections}
    assert any(s.startswith("staff who worked with [REDACTED: name]") for s in spans)
    # the analyst's export keeps the stored text and its offsets
    [full] = read_qdpx(ann.get("/coding/export/", {
        "codebook": "recommendation_themes", "set": "all", "format": "qdpx"}).content,
        codebook_key="recommendation_themes").sources
    assert full.text == text
    assert AuditEvent.objects.filter(detail__contains="coding workbench (recommendation_themes)"
                                                      " (redacted)").exists()


def test_confidential_and_unpublished_codes_stay_with_those_allowed(
        people, db, django_capture_on_commit_callbacks):
    ann, bob, sue, pat = (_client(people[n]) for n in ("ann", "bob", "sue", "pat"))
    imr = _store(make_review("CODE-P2", area=OTHER_AREA), "imr",
                 django_capture_on_commit_callbacks)
    draft = _store(make_review("CODE-P3", published=False), "overview_report",
                   django_capture_on_commit_callbacks)
    assert imr.document.confidential
    with django_capture_on_commit_callbacks(execute=True):  # an IMR beside the draft report
        store_version(review=draft.document.review, kind=term("document_kind", "imr"),
                      filename="imr.txt", stream=io.BytesIO(REPORT.encode()))
    listed = sue.get(_url(draft), {"format": "json"}).json()["data"]["progress"]
    assert [d["id"] for d in listed["review_documents"]] == [draft.document_id]
    for version in (imr, draft):
        rec = Recommendation.objects.filter(version=version).first()
        assert _post(ann, version, action="add", code="training",
                     unit=f"recommendation:{rec.pk}").status_code == 200
    # researchers see neither; the steering group sees the unpublished one, not the IMR
    for c, hidden in ((bob, (imr, draft)), (sue, (imr,))):
        for version in hidden:
            assert c.get(_url(version)).status_code == 404
            assert c.get(_url(version, "compare/")).status_code == 404
        rows = c.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                         "format": "json"}).json()["data"]
        assert {r["review"] for r in rows}.isdisjoint({v.document.review.reference
                                                        for v in hidden})
    sue_rows = sue.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                           "format": "csv"}).content.decode("utf-8-sig")
    assert {r["review"] for r in csv.DictReader(io.StringIO(sue_rows))} == {"CODE-P3"}
    ann_rows = ann.get("/coding/export/", {"codebook": "recommendation_themes", "set": "all",
                                           "format": "json"}).json()["data"]
    assert {r["review"] for r in ann_rows} == {"CODE-P2", "CODE-P3"}
    # practitioners reach no coding page at all (the codebooks are public)
    assert pat.get(_url(draft)).status_code == 403
    assert pat.get("/coding/export/").status_code == 403
    assert pat.get("/coding/codebooks/recommendation_themes/").status_code == 200


def test_passage_workbench_redacts_text_and_section_labels(people, named):
    bob = _client(people["bob"])
    url = f"/coding/documents/{named.document_id}/"
    for params in ({"codebook": "case_themes", "units": "passage"},
                   {"codebook": "case_themes", "units": "passage", "format": "json"}):
        body = bob.get(url, params).content.decode()
        assert "[REDACTED: name]" in body
        for secret in SECRETS:
            assert secret not in body
