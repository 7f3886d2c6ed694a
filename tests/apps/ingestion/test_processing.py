"""Processing stored versions: what is saved, with provenance; idempotence; bad files."""

from __future__ import annotations

import pytest

from observatory.audit.models import AuditEvent
from observatory.ingestion import services
from observatory.ingestion.decisions import DecisionError, decide
from observatory.ingestion.models import (
    Decision,
    DocumentText,
    Extraction,
    Finding,
    IngestJob,
    Passage,
    PersonalDataFlag,
    Recommendation,
    Section,
)

from ..conftest import make_review, term

pytestmark = pytest.mark.django_db

DERIVED = (DocumentText, Passage, Section, Recommendation, Finding, Extraction,
           PersonalDataFlag)


def _counts():
    return {m.__name__: m.objects.count() for m in DERIVED}


def test_pdf_upload_becomes_text_passages_sections_recommendations_and_dataset(
        upload, overview_pdf):
    review = make_review("ING-PDF")
    version, job = upload(review, "overview_report", overview_pdf)
    assert job.status == IngestJob.DONE, job.message
    assert job.extractor == "observatory_core.ingest"
    assert "parse@" in job.extractor_version and job.started_at and job.finished_at
    assert job.done == job.total > 0 and job.percent == 100
    stored = DocumentText.objects.get(version=version)
    assert stored.parser.startswith("pdf_") and len(stored.pages) >= 5

    passages = list(Passage.objects.filter(version=version))
    assert len(passages) > 50
    for p in passages:
        # Provenance: the span points into the one text, on the page it says.
        assert stored.text[p.start:p.end] == p.text
        page = next(pg for pg in stored.pages if pg[0] == p.page)
        assert page[1] <= p.start < page[2]
        assert p.review_id == review.pk and p.confidential is False
        assert p.producer.startswith("find_sections@")

    kinds = set(Section.objects.filter(version=version).values_list("kind", flat=True))
    assert {"introduction", "methodology", "recommendations"} <= kinds
    assert Passage.objects.filter(version=version, section_kind="recommendations").exists()

    recs = list(Recommendation.objects.filter(version=version).select_related("addressee"))
    assert len(recs) >= 5
    assert all(r.addressee is not None and r.addressee.vocabulary.key == "agency"
               for r in recs)
    assert all(r.number and r.page and r.end > r.start and
               r.producer.startswith("split_recommendations@") for r in recs)

    extractions = Extraction.objects.filter(version=version)
    sex = extractions.get(field="child_sex")
    assert sex.value == "male" and sex.status == Decision.SUGGESTED and sex.origin == "machine"
    assert stored.text[sex.start:sex.end] == sex.quote and sex.page >= 1
    assert sex.producer.startswith("draft_dataset@") and 0 < sex.confidence <= 1
    assert extractions.filter(field="agencies").count() >= 3
    assert extractions.filter(key="agencies:police").exists()


def test_docx_confidential_document_passages_are_marked_confidential(upload, chronology_docx,
                                                                      summary_docx):
    review = make_review("ING-DOCX")
    version, job = upload(review, "chronology", chronology_docx)
    assert job.status == IngestJob.DONE, job.message
    assert Passage.objects.filter(version=version).exists()
    assert not Passage.objects.filter(version=version, confidential=False).exists()
    assert PersonalDataFlag.objects.filter(version=version, kind="nhs_number").exists()

    summary, job = upload(review, "executive_summary", summary_docx)
    assert job.status == IngestJob.DONE
    assert DocumentText.objects.get(version=summary).parser.startswith("docx")
    kinds = set(Section.objects.filter(version=summary).values_list("kind", flat=True))
    assert {"introduction", "analysis_findings", "recommendations"} <= kinds
    assert not Passage.objects.filter(version=summary, confidential=True).exists()


def test_reprocessing_replaces_suggestions_but_keeps_every_human_decision(
        upload, overview_pdf, users, django_capture_on_commit_callbacks):
    review = make_review("ING-REDO")
    version, _ = upload(review, "overview_report", overview_pdf)
    analyst = users["analyst"]
    rows = Extraction.objects.filter(version=version)
    before = rows.count()
    sex = rows.get(field="child_sex")
    police = rows.get(key="agencies:police")
    age = rows.get(field="child_age_months")
    suggested_age = age.value
    decide(sex, "confirm", analyst)
    decide(police, "reject", analyst)
    decide(age, "correct", analyst, value="190")
    passages_before = Passage.objects.filter(version=version).count()

    with django_capture_on_commit_callbacks(execute=True):
        job = services.reprocess(version, analyst)
    job.refresh_from_db()
    assert job.status == IngestJob.DONE

    rows = Extraction.objects.filter(version=version)
    assert rows.count() == before  # nothing duplicated, nothing lost
    assert Passage.objects.filter(version=version).count() == passages_before
    sex.refresh_from_db()
    police.refresh_from_db()
    age.refresh_from_db()
    assert (sex.status, sex.decided_by) == (Decision.CONFIRMED, analyst)
    assert police.status == Decision.REJECTED
    assert (age.status, age.value, age.machine_value, age.origin) == (
        Decision.CORRECTED, 190, suggested_age, "human")
    for key in ("child_sex", "agencies:police", "child_age_months"):
        assert rows.filter(key=key).count() == 1, key  # not suggested again

    review.refresh_from_db()
    assert review.child_sex == term("sex", "male")
    assert review.child_age_months == 190
    assert not review.agencies.filter(code="police").exists()
    assert AuditEvent.objects.filter(object_kind="published_review", action="change",
                                     detail__contains="child_sex confirmed").exists()


def test_confirmed_values_write_to_the_review_dataset(upload, overview_pdf, users):
    review = make_review("ING-WRITE")
    version, _ = upload(review, "overview_report", overview_pdf)
    rows = Extraction.objects.filter(version=version)
    decide(rows.get(key="agencies:police"), "confirm", users["analyst"])
    decide(rows.filter(field="abuse_categories").first(), "confirm", users["analyst"])
    review.refresh_from_db()
    assert review.agencies.filter(code="police").exists()
    assert review.abuse_categories.count() == 1
    partial = rows.filter(field="publication_date").first()
    if partial is not None and len(str(partial.value)) < 10:
        with pytest.raises(DecisionError, match="not a full date"):
            decide(partial, "confirm", users["analyst"])
        decide(partial, "correct", users["analyst"], value="2010-08-15")
        review.refresh_from_db()
        assert review.publication_date.isoformat() == "2010-08-15"


@pytest.mark.parametrize(("content", "name", "reason"), [
    (b"%PDF-1.4\n%test\n", "broken.pdf", "broken.pdf: "),
    (b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 3, "truncated.pdf",
     "truncated.pdf: "),
])
def test_bad_file_fails_cleanly_naming_the_file(upload, content, name, reason):
    review = make_review("ING-BAD")
    version, job = upload(review, "overview_report", content, name)
    assert job.status == IngestJob.FAILED
    assert job.message.startswith(reason) and len(job.message) > len(reason) + 3
    assert job.finished_at is not None
    assert all(n == 0 for n in _counts().values()), _counts()


def test_a_failure_while_saving_leaves_nothing_partial(upload, overview_pdf, monkeypatch):
    review = make_review("ING-HALF")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Recommendation.objects, "bulk_create", boom)
    version, job = upload(review, "overview_report", overview_pdf)
    assert job.status == IngestJob.FAILED
    assert job.message == f"{overview_pdf.name}: could not be stored (RuntimeError: disk full)"
    assert all(n == 0 for n in _counts().values()), _counts()


def test_same_file_twice_changes_nothing(upload, overview_pdf):
    review = make_review("ING-TWICE")
    version, _ = upload(review, "overview_report", overview_pdf)
    counts = _counts()
    jobs = IngestJob.objects.count()
    again, job = upload(review, "overview_report", overview_pdf)
    assert again == version and IngestJob.objects.count() == jobs
    assert _counts() == counts


def test_deleting_a_document_removes_what_was_derived_from_it(upload, overview_pdf, users):
    from django.test import Client

    review = make_review("ING-DEL")
    version, _ = upload(review, "overview_report", overview_pdf)
    client = Client()
    client.force_login(users["admin"])
    response = client.post(f"/documents/{version.document_id}/delete/")
    assert response.status_code == 302
    assert all(n == 0 for n in _counts().values()), _counts()
