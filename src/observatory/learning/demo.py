"""Demo learning for ``make run``: a few fictional reviews' overview reports processed at
once, their personal-data flags decided and their findings coded by the care-pathway
codebook's keyword rules, on behalf of a demo account; the findings that pass the gate
published and a briefing on the most frequent practice issue drafted and approved.

Only for the fictional demo corpus (``Review.fictional``): real reviews are decided and
coded by people. Every publication still goes through the publication gate.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from observatory_core.coding.suggest import RuleMatcher

from ..coding.models import Code, Codebook, CodedSegment
from ..coding.services import ensure_codebooks, to_core
from ..ingestion.models import Decision, Finding, IngestJob, PersonalDataFlag
from ..ingestion.redaction import finish_review
from ..ingestion.services import run_job
from ..repository.models import Document, Review
from . import services
from .models import Briefing

DEMO_USER = "demo-learning"


def _demo_user() -> Any:
    user, made = User.objects.get_or_create(username=DEMO_USER, defaults={
        "first_name": "Demo", "last_name": "learning", "is_active": False})
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _documents(count: int) -> list[Document]:
    reviews = Review.objects.filter(fictional=True).filter(
        services.reviews_q(services.PUBLIC)).order_by("reference")
    documents = Document.objects.filter(review__in=reviews, kind__code="overview_report")
    return list(documents.select_related("review").order_by("review__reference")[:count])


def _process(document: Document, user: Any) -> None:
    version = document.current
    for job in IngestJob.objects.filter(version=version, status=IngestJob.QUEUED):
        run_job(job.pk)
    PersonalDataFlag.objects.filter(version=version, status=Decision.SUGGESTED).update(
        status=Decision.CONFIRMED, decided_by=user, decided_at=timezone.now())
    finish_review(version, user)


def _code(document: Document, user: Any, book: Codebook, matcher: RuleMatcher) -> int:
    version = document.current
    codes = {c.key: c for c in Code.objects.filter(codebook=book)}
    coded = 0
    for finding in Finding.objects.filter(version=version):
        keys = {s.code for s in matcher.suggest(finding.text)} & set(codes)
        if not keys & {t.key for t in services.of_kind("issue")}:
            continue  # a demo finding is published only with a practice issue
        for key in sorted(keys):
            CodedSegment.objects.get_or_create(
                codebook=book, code=codes[key], review=document.review, version=version,
                target="finding", finding=finding, coder=user,
                defaults={"codebook_version": book.version, "text": finding.text,
                          "status": "accepted", "origin": "rule",
                          "explanation": "demo: the codebook's keyword rule, accepted"})
        coded += 1
    return coded


def load_demo_learning(count: int = 6) -> str:
    """Returns what was made (idempotent: nothing when a briefing exists)."""
    if Briefing.objects.exists():
        return "Demo learning: already there."
    if not Codebook.objects.filter(key=services.CODEBOOK).exists():
        ensure_codebooks()
    user = _demo_user()
    book = Codebook.objects.get(key=services.CODEBOOK)
    matcher = RuleMatcher(to_core(book))
    documents = _documents(count)
    for document in documents:
        _process(document, user)
    with transaction.atomic():
        for document in documents:
            _code(document, user, book, matcher)
    published = 0
    issues: Counter[str] = Counter()
    for candidate in services.finding_candidates(limit=200):
        finding = Finding.objects.select_related("version__document__review").get(
            pk=candidate["id"])
        made, _ = services.publish_finding(finding, user)
        if made:
            published += 1
            issues[made.issue] += 1
    if not issues:
        return f"Demo learning: {len(documents)} reports processed; no finding to publish."
    briefing = services.draft_briefing(issues.most_common(1)[0][0], None)
    blocks = services.approve_briefing(briefing, user)
    said = "published" if not blocks else "drafted (" + "; ".join(b.message for b in blocks) + ")"
    return (f"Demo learning: {published} findings published from {len(documents)} reports; "
            f"briefing '{briefing.issue_name}' {said}.")
