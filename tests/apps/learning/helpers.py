"""Coded, redacted findings for the learning tests: a review with one overview report whose
text holds a finding coded with care-pathway codes by an analyst."""

from __future__ import annotations

from datetime import date

from observatory.coding.models import Code, Codebook, CodedSegment
from observatory.coding.services import ensure_codebooks
from observatory.ingestion.models import DocumentText, Finding, PersonalDataFlag
from observatory.ingestion.redaction import finish_review
from observatory.repository.models import Review

from ..conftest import OWN_AREA, add_document, make_review

TEXT = ("The school referred concerns to children's social care, which logged the referral as "
        "information only. Mr Example Person was not contacted. Staff were unfamiliar with the "
        "process and relied on automatic notifications.")


def coded_finding(reference: str, coder, *, codes=("C", "issue_02", "prof_school",
                                                   "nature_misunderstood",
                                                   "reason_unfamiliar_process"),
                  name: str = "Mr Example Person", decided: bool = True,
                  published: bool = True, area: str = OWN_AREA, year: int = 2016,
                  age_months: int = 5) -> Finding:
    if not Codebook.objects.filter(key="care_pathway").exists():
        ensure_codebooks()
    review = make_review(reference, area=area, published=published)
    Review.objects.filter(pk=review.pk).update(
        publication_date=date(year, 1, 1) if published else None, child_age_months=age_months)
    review.refresh_from_db()
    review.save()  # age band derived again
    document = add_document(review, "overview_report", f"%PDF-1.4\n%{reference}\n".encode())
    version = document.versions.first()
    DocumentText.objects.create(version=version, text=TEXT, pages=[[1, 0, len(TEXT)]],
                                parser="test", producer="test")
    finding = Finding.objects.create(version=version, index=0, page=1, start=0, end=len(TEXT),
                                     producer="test", heading=f"Referral logged ({reference})",
                                     text=TEXT, kind="finding", confidence=0.9)
    start = TEXT.index(name)
    flag = PersonalDataFlag.objects.create(version=version, kind="person_name", text=name,
                                           page=1, start=start, end=start + len(name),
                                           producer="test")
    if decided:
        PersonalDataFlag.objects.filter(pk=flag.pk).update(status="confirmed")
        finish_review(version, coder)
    book = Codebook.objects.get(key="care_pathway")
    for key in codes:
        CodedSegment.objects.create(
            codebook=book, codebook_version=book.version,
            code=Code.objects.get(codebook=book, key=key), review=review, version=version,
            target="finding", finding=finding, text=TEXT, coder=coder, status="accepted",
            origin="human")
    return finding
