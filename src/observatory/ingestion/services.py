"""Turning a stored document version into text, passages, sections, recommendations,
findings, a drafted dataset and personal-data flags (observatory_core.ingest does the
reading; this module stores what it returns, all or nothing).

- ``queue_version(version)``: a queued IngestJob plus the background task, after commit.
- ``run_job(job_id)``: what the task does; the job row shows progress, then done/failed.
- ``save_result(version, result)``: stores the machine output of one version in one
  transaction, reconciled with the previous run's (``anchoring.py``): unchanged passages,
  recommendations and findings keep their identity, so people's codes stay on them; human
  decisions (confirmed/corrected/rejected) are never deleted, they follow their text; a
  key a person decided is not suggested again for the same review. Then which of the
  review's recommendations count is worked out again (``counting.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from observatory_core.dataset import FIELDS
from observatory_core.ingest import ExtractionResult, IngestError, Limits, load_config
from observatory_core.ingest.ocr import OCR_STEP
from observatory_core.ingest.pipeline import PipelineRun

from ..repository.models import DocumentVersion
from ..vocabularies.models import Term
from .anchoring import reconcile, remap_decisions
from .counting import link_recommendations
from .models import (
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
from .signals import passages_saved, text_replaced

log = logging.getLogger(__name__)
EXTRACTOR = "observatory_core.ingest"
SPECS = {spec.name: spec for spec in FIELDS}
_inline = contextvars.ContextVar("ingest_inline", default=False)


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """The configured pipeline as 'step@version,...': changes when any step changes."""
    return ",".join(step.producer for step in load_config().steps)


@contextlib.contextmanager
def inline_processing() -> Iterator[None]:
    """Inside this block new versions are not queued: the caller processes them itself
    (the CLI stores and processes each file in one transaction)."""
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def queue_version(version: DocumentVersion, user: Any = None) -> IngestJob | None:
    """Create a queued job and enqueue the task once the surrounding transaction commits."""
    if _inline.get():
        return None
    job = IngestJob.objects.create(
        version=version, requested_by=user if getattr(user, "is_authenticated", False) else None,
        extractor=EXTRACTOR, extractor_version=extractor_version())
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    """Hand a job to the task backend (the one seam tests replace to watch progress)."""
    from .tasks import ingest_version

    ingest_version.enqueue(job_id)


def reprocess(version: DocumentVersion, user: Any = None) -> IngestJob:
    job = IngestJob.objects.create(
        version=version, requested_by=user if getattr(user, "is_authenticated", False) else None,
        extractor=EXTRACTOR, extractor_version=extractor_version())
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def _progress(job_id: int):
    def report(step: str, done: int, total: int) -> None:
        IngestJob.objects.filter(pk=job_id).update(step=step, done=done, total=total)

    return report


def run_job(job_id: int) -> str:
    """Process the job's version; returns the final status. Never raises for bad input:
    the job is marked failed with 'FILE: reason' and nothing of this run is stored.

    The pipeline's immediate steps run and their output is stored (keyword search does not
    wait); then the steps pipeline.toml lists as ``deferred`` (the named-entity model) run
    on the same ``PipelineRun`` and their additions are stored. Until then the version is
    shown only to those who may see it unredacted (redaction.ready)."""
    job = IngestJob.objects.select_related("version__document").filter(pk=job_id).first()
    if job is None or job.status in (IngestJob.DONE, IngestJob.FAILED):
        return job.status if job else "missing"
    version = job.version
    IngestJob.objects.filter(pk=job_id).update(status=IngestJob.RUNNING, started_at=timezone.now(),
                                               message="")
    config = load_config()
    try:
        with version.open() as stream:
            data = stream.read()
        run = PipelineRun(data, version.original_filename, config=config,
                          limits=Limits.from_env(), progress=_progress(job_id),
                          on_ocr_page=_provisional(version))
        result = run.execute(config.immediate)
        if not config.deferred:
            result = run.finish()
    except IngestError as exc:
        return _fail(job_id, str(exc))
    except Exception as exc:  # a bug in a step must not leave the job 'running' forever
        log.exception("ingestion of %s failed", version)
        return _fail(job_id, f"{version.original_filename}: could not be read "
                             f"({type(exc).__name__}: {exc})")
    try:
        with transaction.atomic():
            save_result(version, result)
            if config.deferred:  # phase 1 committed: searchable by those who may see it
                IngestJob.objects.filter(pk=job_id).update(  # unredacted
                    step=config.deferred[0], done=len(config.immediate), timings=_timed(result),
                    message=summary(result) + "; checking personal data")
            else:
                IngestJob.objects.filter(pk=job_id).update(
                    status=IngestJob.DONE, step="done", finished_at=timezone.now(),
                    timings=_timed(result), message=summary(result))
    except Exception as exc:
        log.exception("storing the extraction of %s failed", version)
        return _fail(job_id, f"{version.original_filename}: could not be stored "
                             f"({type(exc).__name__}: {exc})")
    if config.deferred:
        return _deferred_phase(job_id, version, run)
    return IngestJob.DONE


@lru_cache(maxsize=1)
def deferred_steps() -> tuple[str, ...]:
    """Names of the steps the task runs after the text is stored (pipeline.toml): while a
    version's latest job stands at one of them, its personal data is not checked yet."""
    return load_config().deferred


def _timed(result: ExtractionResult) -> dict[str, float]:
    return {t.step: round(t.seconds, 4) for t in result.timings}


def _deferred_phase(job_id: int, version: DocumentVersion, run: PipelineRun) -> str:
    """Run the deferred steps through the pipeline runner and store what they add (they
    only add personal-data flags today; ``_store_flags`` keeps those already stored)."""
    try:
        run.execute(run.config.deferred_steps)
        result = run.finish()
        with transaction.atomic():
            _store_flags(version, result.personal_data, result.producers.get("personal_data", ""),
                         result)
            IngestJob.objects.filter(pk=job_id).update(
                status=IngestJob.DONE, step="done", finished_at=timezone.now(),
                done=F("total"), timings=_timed(result), message=summary(result))
    except Exception as exc:
        log.exception("the deferred steps failed on %s", version)
        return _fail(job_id, f"{version.original_filename}: personal data could not be "
                             f"checked ({type(exc).__name__}: {exc}); the text is shown only "
                             "to those who may see it unredacted")
    return IngestJob.DONE


def _fail(job_id: int, message: str) -> str:
    job = IngestJob.objects.filter(pk=job_id).first()
    if job is not None:
        Passage.objects.filter(version_id=job.version_id, kind=PROVISIONAL).delete()
    IngestJob.objects.filter(pk=job_id).update(status=IngestJob.FAILED, message=message,
                                               finished_at=timezone.now())
    return IngestJob.FAILED


PROVISIONAL = "ocr_page"  # Passage.kind of a page stored as soon as OCR recognised it
PROVISIONAL_INDEX = 1_000_000  # + page number: never collides with a final passage index


def _provisional(version: DocumentVersion):
    """Store each recognised page at once as one provisional passage, so it is searchable
    while the rest of the scan is read. Each page commits on its own (outside the final
    transaction); the final save replaces them all, and a failed run deletes them. A version
    that already has a complete text keeps it until the new run replaces it atomically."""
    document = version.document
    producer = load_config().producer(OCR_STEP)  # 'step@version' from the step registry
    first_run = not DocumentText.objects.filter(version=version).exists()

    def store(page: Any, done: int, total: int) -> None:
        from ..operations.metrics import count_ocr_page

        count_ocr_page()  # pages per second of OCR, per worker (docs/deployment.md)
        if not first_run or not page.lines:
            return
        text = page.text
        Passage.objects.filter(version=version, index=PROVISIONAL_INDEX + page.number).delete()
        Passage.objects.create(
            version=version, document=document, review_id=document.review_id,
            index=PROVISIONAL_INDEX + page.number, page=page.number, start=0, end=len(text),
            kind=PROVISIONAL, text=text, confidential=document.confidential,
            producer=f"{producer}:provisional")

    return store


def summary(result: ExtractionResult) -> str:
    return (f"{len(result.pages)} pages, {len(result.passages)} passages, "
            f"{len(result.sections)} sections, {len(result.recommendations)} recommendations, "
            f"{len(result.findings)} findings, {len(result.dataset)} dataset suggestions, "
            f"{len(result.personal_data)} personal-data flags")


def extraction_key(field: str, value: Any) -> str:
    spec = SPECS.get(field)
    return f"{field}:{value}" if spec is not None and spec.kind == "codes" else field


@transaction.atomic
def save_result(version: DocumentVersion, result: ExtractionResult) -> None:
    """Store one run's output for ``version``, replacing the previous machine output."""
    document = version.document
    review_id = document.review_id
    confidential = document.confidential
    producers = result.producers

    previous = DocumentText.objects.filter(version=version).values_list("text", flat=True)
    old_text = previous.first() or ""
    DocumentText.objects.filter(version=version).delete()
    # Passages, recommendations and findings are reconciled, not replaced (anchoring.py):
    # people's codes hang on them. Sections carry no one's work.
    Section.objects.filter(version=version).delete()
    Extraction.objects.filter(version=version, status=Decision.SUGGESTED).delete()
    PersonalDataFlag.objects.filter(version=version, status=Decision.SUGGESTED).delete()

    DocumentText.objects.create(
        version=version, text=result.text,
        pages=[[p.number, p.start, p.end] for p in result.pages],
        furniture=[[s.start, s.end] for s in result.furniture],
        empty_pages=list(result.empty_pages), parser=result.parser,
        ocr=bool(result.ocr_pages),
        producer=producers.get("text", ""))

    sections = result.sections
    Section.objects.bulk_create([
        Section(version=version, index=i, title=s.title[:300], kind=s.kind or "", level=s.level,
                page=s.page, start=s.start, end=s.end,
                producer=f"{producers.get('sections', '')}:{s.rule}"[:150])
        for i, s in enumerate(sections)])

    passage_producer = producers.get("passages", "")
    rows = []
    for p in result.passages:
        section = sections[p.section_index] if p.section_index is not None and \
            p.section_index < len(sections) else None
        rows.append(Passage(
            version=version, document=document, review_id=review_id, index=p.index,
            page=p.page, start=p.start, end=p.end, kind=p.kind, section_index=p.section_index,
            section_kind=(section.kind or "") if section else "",
            section_title=section.title[:300] if section else "",
            text=result.text[p.start:p.end], confidential=confidential,
            producer=passage_producer))
    sizes = {"old_length": len(old_text), "new_length": len(result.text)}
    changed = reconcile(Passage, version, rows, PASSAGE_FIELDS, **sizes)
    # embeddings: after commit (changed passages are embedded again)
    passages_saved.send(sender=Passage, version=version, changed=changed)

    agencies = {t.code: t for t in Term.objects.filter(vocabulary__key="agency")}
    reconcile(Recommendation, version, [
        Recommendation(
            version=version, review_id=review_id, index=i, number=(r.number or "")[:40],
            heading=r.heading[:300], text=r.text, addressee=agencies.get(r.addressee or ""),
            addressee_text=(r.addressee_text or "")[:300],
            addressee_source=r.addressee_source[:10], addressee_basis=r.addressee_basis[:300],
            timescale=(r.timescale or "")[:80], timescale_basis=r.timescale_basis[:200],
            page=r.page, start=r.start, end=r.end,
            confidence=r.confidence, confidential=confidential,
            producer=f"{producers.get('recommendations', '')}:{r.rule}"[:150])
        for i, r in enumerate(result.recommendations)], RECOMMENDATION_FIELDS, **sizes)
    reconcile(Finding, version, [
        Finding(version=version, index=i, number=(f.number or "")[:40], heading=f.heading[:300],
                text=f.text, kind=f.kind, page=f.page, start=f.start, end=f.end,
                confidence=f.confidence,
                producer=f"{producers.get('findings', '')}:{f.rule}"[:150])
        for i, f in enumerate(result.findings)], FINDING_FIELDS, **sizes)
    if old_text:
        pages = [[p.number, p.start, p.end] for p in result.pages]
        remap_decisions(version, old_text, result.text, pages)
        text_replaced.send(sender=DocumentText, version=version, old_text=old_text,
                           new_text=result.text, pages=pages)

    decided = set(Extraction.objects.filter(review_id=review_id).exclude(
        status=Decision.SUGGESTED).values_list("key", flat=True))
    pending = set(Extraction.objects.filter(review_id=review_id, version=version).values_list(
        "key", flat=True))
    extractions = []
    for d in result.dataset:
        key = extraction_key(d.field, d.value)
        if key in decided or key in pending:
            continue
        pending.add(key)
        extractions.append(Extraction(
            review_id=review_id, version=version, field=d.field, key=key[:120], value=d.value,
            machine_value=d.value, confidence=d.confidence, page=d.page, start=d.start,
            end=d.end, quote=(d.quote or result.text[d.start:d.end])[:300],
            producer=f"{producers.get('dataset', '')}:{d.rule}"[:150],
            confidential=confidential))
    Extraction.objects.bulk_create(extractions)

    _store_flags(version, result.personal_data, producers.get("personal_data", ""), result)
    link_recommendations(review_id)


# What a new run updates on a kept unit (every column it produces).
PASSAGE_FIELDS = ("index", "page", "start", "end", "kind", "section_index", "section_kind",
                  "section_title", "text", "confidential", "producer", "document", "review")
RECOMMENDATION_FIELDS = ("index", "number", "heading", "text", "addressee", "addressee_text",
                         "addressee_source", "addressee_basis", "timescale", "timescale_basis",
                         "page", "start", "end", "confidence", "confidential", "producer",
                         "review")
FINDING_FIELDS = ("index", "number", "heading", "text", "kind", "page", "start", "end",
                  "confidence", "producer")


def latest_job(version: DocumentVersion | None) -> IngestJob | None:
    if version is None:
        return None
    return IngestJob.objects.filter(version=version).order_by("-created_at", "-pk").first()


def redaction_lists() -> Any:
    """The shipped never-flag/always-flag lists plus this installation's (admin table)."""
    from observatory_core.ingest.redaction_lists import shipped

    from .models import RedactionListEntry

    rows = list(RedactionListEntry.objects.values_list("list", "text", "kind"))
    return shipped().merged(
        allow=[t for lst, t, _ in rows if lst == RedactionListEntry.ALLOW],
        deny=[(k or "person_name", t) for lst, t, k in rows if lst == RedactionListEntry.DENY])


def _store_flags(version: DocumentVersion, flags, producer: str,
                 result: ExtractionResult | None = None) -> None:
    """Add personal-data flags not already on the version (same kind and span): the rules'
    flags and the model's later ones never duplicate, and decisions on kept ones stand.
    The allow and deny lists (``redaction_lists``) are applied first: organisations,
    places and programmes on the allow list are not flagged, deny-list strings always are."""
    from observatory_core.ingest.redaction_lists import apply_lists

    if result is not None:
        flags = apply_lists(result.text, result.pages, flags, redaction_lists())
    kept = set(PersonalDataFlag.objects.filter(version=version).values_list(
        "kind", "start", "end"))
    taken = [(a, b) for _, a, b in kept]
    PersonalDataFlag.objects.bulk_create([
        PersonalDataFlag(version=version, kind=f.kind, text=f.text[:300], page=f.page,
                         start=f.start, end=f.end, confidence=f.confidence,
                         producer=f"{producer}:{f.rule}"[:150])
        for f in flags if (f.kind, f.start, f.end) not in kept
        and not (f.rule.startswith("redaction_lists") and any(
            a < f.end and f.start < b for a, b in taken))])
