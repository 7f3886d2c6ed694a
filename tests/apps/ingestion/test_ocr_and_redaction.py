"""Scanned uploads (OCR, pages searchable as recognised, failure leaves nothing) and the
redaction rule: roles that may not see a document unredacted see nothing of a version until
a person has decided its flags, then [REDACTED: kind] markers for confirmed flags in the
viewer, JSON, the API and search, never the name."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from observatory.audit.models import AuditEvent
from observatory.ingestion import services
from observatory.ingestion.models import (
    Decision,
    DocumentText,
    IngestJob,
    Passage,
    PersonalDataFlag,
)
from observatory_core.ingest import IngestError
from observatory_core.ingest.ocr import tesseract_path
from observatory_core.ingest.scanned import make_scanned_pdf

from ..conftest import make_review, review_redaction

pytestmark = pytest.mark.django_db

NAME = "Kelly Marie Campbell"
REPORT = (f"Overview report\n\n1. Introduction\n\n1.1 {NAME} was 17 when she died. Kelly lived "
          "at 12 Acacia Avenue, postcode BS1 4DJ, with Mother and Sibling 1.\n\n1.2 The "
          "aardvark panel met the school nurse twice.\n").encode()


@pytest.fixture
def tesseract():
    if tesseract_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed: scripts/bootstrap.sh must install it")
        pytest.skip("tesseract is not installed")


@pytest.mark.ocr
def test_scanned_upload_is_ocred_and_pages_searchable_as_recognised(
        upload, overview_pdf, tmp_path, monkeypatch, tesseract):
    scanned = make_scanned_pdf(overview_pdf, tmp_path / "DEMO-scan.pdf", dpi=200, pages=2)
    seen: list[tuple[int, int]] = []
    original = services._provisional

    def watching(version):
        store = original(version)

        def hook(page, done, total):
            store(page, done, total)
            # Visible before the run ends: the page's passage exists, no text row yet.
            seen.append((Passage.objects.filter(version=version, kind="ocr_page").count(),
                         DocumentText.objects.filter(version=version).count()))
        return hook

    monkeypatch.setattr(services, "_provisional", watching)
    review = make_review("ING-OCR")
    version, job = upload(review, "overview_report", scanned)
    assert job.status == IngestJob.DONE, job.message
    assert seen == [(1, 0), (2, 0)]
    stored = DocumentText.objects.get(version=version)
    assert stored.ocr and "+ocr_tesseract@1" in stored.parser and stored.empty_pages == []
    assert not Passage.objects.filter(version=version, kind="ocr_page").exists()
    assert Passage.objects.filter(version=version).count() > 5
    assert "ocr_if_needed@1" in job.timings


def test_failed_ocr_leaves_no_half_processed_version(upload, overview_pdf, monkeypatch):
    def failing(run, steps):
        from observatory_core.ingest.ocr import OcrLine, OcrPage

        filename = run.ctx["filename"]
        run.ctx["on_ocr_page"](OcrPage(1, (OcrLine("recognised words", 800.0, 11.0, True),),
                                      0.1), 1, 3)
        raise IngestError(filename, "page 2: OCR failed (tesseract crashed)")

    monkeypatch.setattr(services.PipelineRun, "execute", failing)
    version, job = upload(make_review("ING-OCRFAIL"), "overview_report", overview_pdf)
    assert job.status == IngestJob.FAILED and "page 2: OCR failed" in job.message
    assert not Passage.objects.filter(version=version).exists()
    assert not DocumentText.objects.filter(version=version).exists()


def test_viewer_shows_ocr_progress_and_recognised_text_while_the_job_runs(
        upload, overview_pdf, monkeypatch, users):
    """While OCR runs the viewer says how far it is and shows the recognised pages'
    provisional text to those who may see it unredacted; others see only the progress."""
    analyst, practitioner = Client(), Client()
    analyst.force_login(users["analyst"])
    practitioner.force_login(users["practitioner"])
    seen: dict[str, str] = {}

    def reading(run, steps):
        from observatory_core.ingest.ocr import OcrLine, OcrPage, progress_label

        filename = run.ctx["filename"]
        run.progress(progress_label(1, 3), 2, 10)
        run.ctx["on_ocr_page"](OcrPage(1, (OcrLine("the aardvark panel met", 800.0, 11.0,
                                                  True),), 0.1), 1, 3)
        version = Passage.objects.get(kind="ocr_page").version
        url = f"/documents/{version.document_id}/text/"
        seen["analyst"] = analyst.get(url, {"page": 1}).content.decode()
        seen["analyst_page_2"] = analyst.get(url, {"page": 2}).content.decode()
        seen["practitioner"] = practitioner.get(url, {"page": 1}).content.decode()
        seen["json"] = analyst.get(url, {"page": 1, "format": "json"}).content.decode()
        raise IngestError(filename, "page 2: OCR failed (stopped by the test)")

    monkeypatch.setattr(services.PipelineRun, "execute", reading)
    version, job = upload(make_review("ING-OCRVIEW"), "overview_report", overview_pdf)
    assert job.status == IngestJob.FAILED
    assert "page 1 of 3 recognised" in seen["analyst"]
    assert "the aardvark panel met" in seen["analyst"]
    assert "not processed yet" not in seen["analyst"]
    assert "This page has not been recognised yet" in seen["analyst_page_2"]
    assert "page 1 of 3 recognised" in seen["practitioner"]
    assert "aardvark" not in seen["practitioner"]
    assert '"provisional_pages": [1]' in seen["json"]
    # Once the job has ended (here: failed) the provisional text is gone.
    after = analyst.get(f"/documents/{version.document_id}/text/", {"page": 1}).content.decode()
    assert "aardvark" not in after and "recognised" not in after


def test_model_is_loaded_once_per_worker_process_not_per_job(upload):
    """Two jobs in one process: the named-entity model is loaded (at most) once."""
    from observatory_core.ingest import ner

    first, job = upload(make_review("ING-NER1"), "overview_report", REPORT, filename="a.txt")
    assert job.status == IngestJob.DONE, job.message
    loads = ner._load_model.cache_info().misses
    other = REPORT.replace(b"aardvark", b"armadillo")
    second, job = upload(make_review("ING-NER2"), "overview_report", other, filename="b.txt")
    assert job.status == IngestJob.DONE, job.message
    assert ner._load_model.cache_info().misses == loads
    assert PersonalDataFlag.objects.filter(version=second, kind="person_name").exists()


@pytest.fixture
def unreviewed(upload):
    review = make_review("ING-RED")
    version, job = upload(review, "overview_report", REPORT, filename="report.txt",
                          reviewed=False)
    assert job.status == IngestJob.DONE, job.message
    return version


@pytest.fixture
def named(unreviewed):
    """The report after a person confirmed every flag and finished the redaction review."""
    review_redaction(unreviewed)
    return unreviewed


def _everything(client: Client, version) -> list[str]:
    doc = version.document_id
    return [
        client.get(f"/documents/{doc}/").content.decode(),
        client.get(f"/documents/{doc}/", {"format": "json"}).content.decode(),
        client.get(f"/documents/{doc}/text/", {"page": 1}).content.decode(),
        client.get(f"/documents/{doc}/text/", {"page": 1, "format": "json"}).content.decode(),
        client.get(f"/documents/{doc}/dataset/", {"format": "json"}).content.decode(),
        client.get(f"/api/documents/{doc}/extracted").content.decode(),
        client.get("/search/", {"q": "aardvark"}).content.decode(),
        client.get("/search/", {"q": "died", "format": "json"}).content.decode(),
        client.get("/api/search", {"q": "postcode"}).content.decode(),
    ]


def test_practitioner_sees_redacted_markers_never_the_name(named, users):
    flags = {f.kind for f in PersonalDataFlag.objects.filter(version=named)}
    assert {"person_name", "postcode", "address"} <= flags
    client = Client()
    client.force_login(users["practitioner"])
    pages = _everything(client, named)
    for body in pages:
        assert "Kelly" not in body and "Campbell" not in body and "BS1 4DJ" not in body
        assert "Acacia" not in body
    assert "[REDACTED: name]" in pages[2] and "[REDACTED: postcode]" in pages[3]
    assert "[REDACTED: name]" in pages[7]  # the search snippet, as JSON
    # Searching for the name finds nothing for a role that may not see it.
    for q in ("Kelly", "Campbell"):
        found = client.get("/search/", {"q": q, "format": "json"}).json()["data"]
        assert found["results"] == [] and found["total"] == 0
        assert client.get("/api/search", {"q": q}).json()["results"] == []
    assert client.get(f"/documents/{named.document_id}/personal-data/").status_code == 403


def test_nothing_of_a_version_is_shown_redacted_before_a_person_reviews_it(unreviewed, users):
    """Machine suggestions are not shown as redactions: until a person has decided the
    version's flags, roles that see it only redacted see none of its text, anywhere."""
    client = Client()
    client.force_login(users["practitioner"])
    pages = _everything(client, unreviewed)
    for body in pages[:6]:  # the rest are searches, whose pages repeat the query
        assert "Kelly" not in body and "aardvark" not in body and "Introduction" not in body
        assert "school nurse" not in body and "[REDACTED: name]" not in body
    assert "Awaiting redaction review" in pages[2]
    assert "school nurse" not in pages[6] and "Kelly" not in "".join(pages[6:])
    assert client.get("/api/search", {"q": "aardvark"}).json()["total"] == 0
    # Counted without reading every passage (a full page): still not counted.
    assert client.get("/api/search", {"q": "nurse", "limit": 1,
                                      "mode": "keyword"}).json()["total"] == 0
    assert client.get("/search/", {"q": "nurse", "format": "json"}).json()["data"]["total"] == 0
    # Deciding every flag is not enough: a person must also say the review is finished
    # (names the machine missed are added first).
    PersonalDataFlag.objects.filter(version=unreviewed).update(status=Decision.CONFIRMED)
    assert "aardvark" not in client.get(f"/documents/{unreviewed.document_id}/text/",
                                        {"page": 1}).content.decode()
    review_redaction(unreviewed)
    assert "aardvark" in client.get(f"/documents/{unreviewed.document_id}/text/",
                                    {"page": 1}).content.decode()
    assert client.get("/api/search", {"q": "aardvark"}).json()["total"] == 1


def test_analyst_sees_the_name_and_decides_flags(unreviewed, users):
    named = unreviewed
    client = Client()
    client.force_login(users["analyst"])
    text = client.get(f"/documents/{named.document_id}/text/", {"page": 1}).content.decode()
    assert NAME in text
    # The reviewer's preview shows the text as it will be shown: only confirmed flags redact.
    preview = client.get(f"/documents/{named.document_id}/text/",
                         {"page": 1, "redacted": "1"}).content.decode()
    assert NAME in preview and "[REDACTED: name]" not in preview
    listing = client.get(f"/documents/{named.document_id}/personal-data/",
                         {"format": "json"}).json()["data"]
    assert any(f["text"] == NAME for f in listing["flags"])
    postcode = PersonalDataFlag.objects.get(version=named, kind="postcode")
    answer = client.post(f"/documents/{named.document_id}/personal-data/",
                         {"flag": postcode.pk, "action": "reject"})
    assert answer.status_code == 302
    postcode.refresh_from_db()
    assert postcode.status == Decision.REJECTED and postcode.decided_by == users["analyst"]
    assert AuditEvent.objects.filter(detail__contains=f"personal data flag {postcode.pk}",
                                     action="change").exists()
    # A rejected flag is not redacted and a confirmed one is, once the review is finished;
    # finishing is refused while a flag is still suggested.
    practitioner = Client()
    practitioner.force_login(users["practitioner"])
    url = f"/documents/{named.document_id}/personal-data/"
    client.post(url, {"action": "finish"})
    page = practitioner.get(f"/documents/{named.document_id}/text/", {"page": 1}).content.decode()
    assert "Awaiting redaction review" in page and "BS1 4DJ" not in page
    client.post(url, {"action": "confirm", "kind": "person_name"})
    client.post(url, {"action": "confirm", "kind": "address"})
    preview = client.get(f"/documents/{named.document_id}/text/",
                         {"page": 1, "redacted": "1"}).content.decode()
    assert NAME not in preview and "[REDACTED: name]" in preview
    assert client.post(url, {"action": "finish"}).status_code == 302
    page = practitioner.get(f"/documents/{named.document_id}/text/", {"page": 1}).content.decode()
    assert "BS1 4DJ" in page and "Kelly" not in page and "[REDACTED: name]" in page


def test_searchable_before_the_model_runs_but_not_for_redacted_roles(upload, users,
                                                                     monkeypatch):
    from observatory_core.ingest import ner

    real = ner.model_flags
    seen: dict[str, object] = {}

    def watched(*args, **kwargs):
        analyst, practitioner = Client(), Client()
        analyst.force_login(users["analyst"])
        practitioner.force_login(users["practitioner"])
        seen["analyst"] = analyst.get("/api/search", {"q": "aardvark"}).json()["total"]
        seen["practitioner"] = practitioner.get("/api/search", {"q": "aardvark"}).json()[
            "results"]
        seen["job"] = IngestJob.objects.latest("pk").status
        doc = IngestJob.objects.latest("pk").version.document_id
        seen["text"] = practitioner.get(f"/documents/{doc}/text/", {"page": 1}).content.decode()
        return real(*args, **kwargs)

    monkeypatch.setattr(ner, "model_flags", watched)
    version, job = upload(make_review("ING-PHASE"), "overview_report", REPORT,
                          filename="report.txt")
    assert job.status == IngestJob.DONE and "flag_personal_data_model@1" in job.timings
    assert seen["job"] == IngestJob.RUNNING and seen["analyst"] == 1
    assert seen["practitioner"] == [] and "Awaiting redaction review" in seen["text"]
    assert "Kelly" not in seen["text"]
    assert PersonalDataFlag.objects.filter(version=version,
                                           producer__startswith="flag_personal_data_model"
                                           ).exists()


def test_similar_passages_page_shows_practitioners_the_redacted_source(named, users):
    passage = Passage.objects.filter(version=named, text__contains=NAME).first()
    assert passage is not None
    practitioner, analyst = Client(), Client()
    practitioner.force_login(users["practitioner"])
    analyst.force_login(users["analyst"])
    for fmt in ({}, {"format": "json"}):
        seen = practitioner.get(f"/passages/{passage.pk}/similar/", fmt).content.decode()
        assert NAME not in seen and "[REDACTED: name]" in seen
    assert NAME in analyst.get(f"/passages/{passage.pk}/similar/",
                               {"format": "json"}).content.decode()


def test_review_page_shows_redaction_progress_to_those_who_decide(unreviewed, users):
    review = unreviewed.document.review.reference
    analyst, practitioner = Client(), Client()
    analyst.force_login(users["analyst"])
    practitioner.force_login(users["practitioner"])
    data = analyst.get(f"/reviews/{review}/", {"format": "json"}).json()["data"]
    progress = data["redaction_review"]
    total = PersonalDataFlag.objects.filter(version=unreviewed).count()
    assert progress["flags_total"] == total and progress["flags_decided"] == 0
    assert progress["versions_awaiting"] == 1 and progress["awaiting"][0]["version"] == 1
    assert "awaiting redaction review" in analyst.get(f"/reviews/{review}/").content.decode()
    assert "redaction_review" not in practitioner.get(
        f"/reviews/{review}/", {"format": "json"}).json()["data"]
    review_redaction(unreviewed)
    progress = analyst.get(f"/reviews/{review}/", {"format": "json"}).json()["data"][
        "redaction_review"]
    assert progress["flags_decided"] == total and progress["versions_awaiting"] == 0


def test_bulk_decisions_and_flags_added_by_people(unreviewed, users):
    """All occurrences of a string at once, a missed name added by its words or by the span
    a person selected, each audited."""
    client = Client()
    client.force_login(users["analyst"])
    url = f"/documents/{unreviewed.document_id}/personal-data/"
    kelly = PersonalDataFlag.objects.filter(version=unreviewed, text="Kelly")
    assert kelly.count() >= 1
    client.post(url, {"action": "reject", "text": "kelly"})  # case-blind, every occurrence
    assert set(kelly.values_list("status", flat=True)) == {Decision.REJECTED}
    text = DocumentText.objects.get(version=unreviewed).text
    client.post(url, {"action": "add", "kind": "person_name", "text": "Sibling 1"})
    assert PersonalDataFlag.objects.filter(version=unreviewed, text="Sibling 1",
                                           status=Decision.CONFIRMED,
                                           producer="person").count() == 1
    start = text.index("aardvark")
    client.post(url, {"action": "add", "kind": "person_name", "start": start,
                      "end": start + 8, "text": "aardvark"})
    added = PersonalDataFlag.objects.get(version=unreviewed, start=start)
    assert added.text == "aardvark" and added.decided_by == users["analyst"]
    assert AuditEvent.objects.filter(detail__contains="added by a person").count() == 2
    assert AuditEvent.objects.filter(detail__contains="at once").exists()
    # Not for those who may not change the review.
    practitioner = Client()
    practitioner.force_login(users["practitioner"])
    assert practitioner.post(url, {"action": "add", "kind": "person_name",
                                   "text": "nurse"}).status_code in (403, 404)
    assert not PersonalDataFlag.objects.filter(version=unreviewed, text="nurse").exists()


def test_installation_allow_and_deny_lists_apply_when_flags_are_stored(upload):
    from observatory.ingestion.models import RedactionListEntry

    RedactionListEntry.objects.create(list="allow", text="Kelly Marie Campbell")
    RedactionListEntry.objects.create(list="deny", text="aardvark panel", kind="person_name")
    version, job = upload(make_review("ING-LISTS"), "overview_report", REPORT,
                          filename="report.txt", reviewed=False)
    assert job.status == IngestJob.DONE, job.message
    texts = set(PersonalDataFlag.objects.filter(version=version).values_list("text", flat=True))
    assert "aardvark panel" in texts and "Kelly Marie Campbell" not in texts
