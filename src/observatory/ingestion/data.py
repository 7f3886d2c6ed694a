"""What ingestion stored, as plain data for pages, JSON and the API. Callers check that the
user may view the document first; nothing here checks access."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from observatory_core.dataset import FIELDS
from observatory_core.ingest.ner import STEP as NER_STEP
from observatory_core.ingest.ocr import parse_progress
from observatory_core.ingest.rules import load_rules

from ..repository.models import Document, DocumentVersion
from ..vocabularies.models import Term
from .models import DocumentText, Extraction, Finding, IngestJob, Passage, PersonalDataFlag
from .models import Recommendation as Rec
from .models import Section as Sec
from .redaction import AWAITING, Redactor, ready, redact_field, redactor_for, withheld
from .services import latest_job

LABELS = {spec.name: spec.label for spec in FIELDS} | {"age_band": "Age band"}
VOCAB = {spec.name: spec.vocabulary for spec in FIELDS if spec.vocabulary}
VOCAB["age_band"] = "age_band"
CONTEXT_CHARS = 160


@lru_cache(maxsize=1)
def section_kinds() -> list[tuple[str, str]]:
    """(key, label) of the canonical section kinds in sections.toml, in file order."""
    try:
        kinds = load_rules("sections").get("kinds", {})
    except Exception:  # the rule file is checked by the core's tests; never break a page
        kinds = {}
    keys = list(kinds) if isinstance(kinds, dict) else [k.get("key") for k in kinds]
    return [(k, k.replace("_", " ").capitalize()) for k in keys if k]


# Recommendations the splitter was less sure of than this (an unbulleted paragraph taken
# as an item, an addressee inferred from the report's framing or guessed from a mention)
# are marked for a person to check first.
UNSURE_BELOW = 0.65


def kind_label(kind: str) -> str:
    return dict(section_kinds()).get(kind, kind.replace("_", " ").capitalize()) if kind else ""


# What each ingest step does, in words for the progress line (steps are named in
# data/ingest/pipeline.toml; an unknown step reads "Working").
STEP_LABELS = {
    "detect_type": "Checking the file type", "parse": "Reading the text",
    "ocr_if_needed": "Recognising scanned pages", "normalise": "Tidying the text",
    "find_sections": "Finding the sections", "split_recommendations": "Finding recommendations",
    "split_findings": "Finding findings and lessons", "draft_dataset": "Drafting the dataset",
    "flag_personal_data": "Looking for personal data",
    "flag_personal_data_model": "Looking for names", "done": "Finished",
}


def step_label(step: str) -> str:
    """'ocr_if_needed: page 3 of 12' -> 'Recognising scanned pages: page 3 of 12'."""
    if not step:
        return "Waiting to start"
    name, _, detail = step.partition(":")
    label = STEP_LABELS.get(name.strip().split("@")[0], "Working")
    return f"{label}: {detail.strip()}" if detail.strip() else label


def progress_line(job: dict[str, Any]) -> str:
    """The progress sentence the document page shows (and its script repeats)."""
    if job["status"] == "queued" or not job["total"]:
        return "Waiting to start"
    return f"Step {job['done']} of {job['total']}: {step_label(job['step'])}"


def producer_label(producer: str) -> str:
    """Who suggested a value or flag, for people: the named-entity step's producer
    ('<step>@<version>:<rule>') is the name-recognition model; any other step's producer is
    a rule; no producer, a person."""
    if not producer or producer == "person":  # a flag a person added (add_flag)
        return "Added by a person"
    if producer.split("@")[0] == NER_STEP:
        return "Suggested by the name-recognition model"
    return "Suggested by a rule"


def personal_data_label(kind: str) -> str:
    from .redaction import LABELS as REDACTION_LABELS

    label = REDACTION_LABELS.get(kind, kind.replace("_", " "))
    return label[:1].upper() + label[1:]


def job_data(job: IngestJob | None) -> dict[str, Any]:
    if job is None:
        return {"status": "none", "status_label": "Not processed", "step": "",
                "step_label": "", "progress_line": "", "done": 0, "total": 0, "percent": 0,
                "message": "", "seconds": None, "extractor": "", "finished": True}
    out = {"status": job.status, "status_label": job.get_status_display(), "step": job.step,
           "step_label": step_label(job.step),
           "done": job.done, "total": job.total, "percent": job.percent,
           "message": job.message, "seconds": job.seconds,
           "extractor": f"{job.extractor} {job.extractor_version}".strip(),
           "started_at": job.started_at, "finished_at": job.finished_at,
           "finished": job.status in (IngestJob.DONE, IngestJob.FAILED)}
    out["progress_line"] = progress_line(out)
    return out


def _value_label(field: str, value: Any) -> str:
    vocab = VOCAB.get(field)
    if vocab and isinstance(value, str):
        term = Term.objects.filter(vocabulary__key=vocab, code=value).first()
        if term:
            return term.label
    if field == "child_age_months" and isinstance(value, int):
        years, months = divmod(value, 12)
        return f"{value} months ({years} years{f' {months} months' if months else ''})"
    return "" if value is None else str(value)


def evidence(text: str, start: int | None, end: int | None,
             redactor: Redactor | None = None) -> SafeString:
    """The words around a span, escaped, with the span in <mark> (redacted if asked)."""
    if start is None or end is None or not text:
        return mark_safe("")
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text), end + CONTEXT_CHARS)
    cut = (lambda a, b: redactor.span(text, a, b)) if redactor is not None else (
        lambda a, b: text[a:b])
    before = ("…" if left else "") + cut(left, start)
    after = cut(end, right) + ("…" if right < len(text) else "")
    return mark_safe(f"{escape(before)}<mark>{escape(cut(start, end))}</mark>{escape(after)}")


SPECS = {spec.name: spec for spec in FIELDS}


def in_record(review: Any, field: str, suggested: Any) -> dict[str, Any]:
    """What the review's record already holds for ``field``, shown beside a suggestion so a
    person sees whether confirming it would change anything: ``label`` for people,
    ``value`` as stored (codes for list fields), and ``same`` when the suggestion is already
    there (for a many-valued field: when the suggested code is among the record's)."""
    if field == "age_band":
        band = review.age_band
        return {"value": band.code if band else None,
                "label": band.label if band else "Not recorded",
                "same": bool(band and band.code == suggested)}
    spec = SPECS.get(field)
    if spec is None:
        return {"value": None, "label": "", "same": False}
    value = getattr(review, field)
    if spec.kind == "codes":
        terms = list(value.all())
        return {"value": [t.code for t in terms],
                "label": ", ".join(t.label for t in terms) or "None recorded",
                "same": any(t.code == suggested for t in terms)}
    if spec.kind == "code":
        return {"value": value.code if value else None,
                "label": value.label if value else "Not recorded",
                "same": bool(value and value.code == suggested)}
    if value in (None, ""):
        return {"value": None, "label": "Not recorded", "same": False}
    stored = value.isoformat() if hasattr(value, "isoformat") else value
    label = ({True: "Yes", False: "No"}[value] if spec.kind == "bool" else
             _value_label(field, value) if spec.kind == "int" else
             f"{value.day} {value:%B %Y}" if spec.kind == "date" else str(value))
    return {"value": stored, "label": label, "same": str(stored) == str(suggested)}


def dataset_rows(document: Document, version: DocumentVersion | None,
                 redactor: Redactor | None = None) -> list[dict[str, Any]]:
    """``redactor``: set for a user who may not see the unredacted text."""
    if version is None or (redactor is not None and not ready(version)):
        return []
    text = DocumentText.objects.filter(version=version).values_list("text", flat=True).first()
    rows = []
    review = document.review
    for e in Extraction.objects.filter(version=version).select_related("decided_by").order_by(
            "field", "-confidence", "key"):
        rows.append({
            "id": e.pk, "field": e.field, "label": LABELS.get(e.field, e.field), "key": e.key,
            "value": e.value, "value_label": _value_label(e.field, e.value),
            "machine_value": e.machine_value, "confidence": e.confidence,
            "page": e.page, "start": e.start, "end": e.end,
            "quote": redact_field(e.quote, redactor),
            "evidence": evidence(text or "", e.start, e.end, redactor),
            "producer": e.producer, "origin": e.origin, "status": e.status,
            "in_record": in_record(review, e.field, e.value),
            "decided_by": e.decided_by.get_username() if e.decided_by else None,
            "decided_at": e.decided_at,
            "viewer_url": f"{document.get_absolute_url()}text/?version={version.number}"
                          f"&page={e.page}&mark={e.start}-{e.end}#mark",
        })
    return rows


def document_data(document: Document, version: DocumentVersion | None,
                  redacted: bool = False) -> dict[str, Any]:
    """Everything extracted from one version: for the document page and the API.
    ``redacted``: the user may not see the unredacted text (redaction.may_see_unredacted):
    texts are redacted and personal-data flags listed without their text."""
    job = latest_job(version)
    out: dict[str, Any] = {"document": document.pk,
                           "version": version.number if version else None,
                           "job": job_data(job), "sections": [], "recommendations": [],
                           "findings": [], "dataset": [], "personal_data": []}
    if version is None or not DocumentText.objects.filter(version=version).exists():
        return out
    if redacted and not ready(version):
        out["redacted"] = True
        out["awaiting_redaction_review"] = True
        out["notice"] = AWAITING
        return out
    base = f"{document.get_absolute_url()}text/?version={version.number}"
    red = redactor_for(version) if redacted else None

    def clean(value: str) -> str:
        return redact_field(value, red)

    out["redacted"] = redacted
    meta = DocumentText.objects.filter(version=version).values("parser", "pages").first()
    out["parser"] = meta["parser"]
    out["pages"] = len(meta["pages"])
    out["sections"] = [
        {"title": clean(s.title), "kind": s.kind or None, "kind_label": kind_label(s.kind),
         "level": s.level, "page": s.page, "start": s.start, "end": s.end,
         "producer": s.producer, "url": f"{base}&page={s.page}"}
        for s in Sec.objects.filter(version=version)]
    out["recommendations"] = [
        {"number": r.number or None, "heading": clean(r.heading), "text": clean(r.text),
         "addressee": r.addressee.code if r.addressee else None,
         "addressee_label": r.addressee.label if r.addressee else None,
         "addressee_text": clean(r.addressee_text) or None,
         "addressee_source": r.addressee_source or None,
         "addressee_basis": clean(r.addressee_basis) or None,
         "timescale": r.timescale or None, "timescale_basis": clean(r.timescale_basis) or None,
         "page": r.page, "start": r.start,
         "end": r.end, "confidence": r.confidence, "unsure": r.confidence < UNSURE_BELOW,
         "producer": r.producer,
         "url": f"{base}&page={r.page}&mark={r.start}-{r.end}#mark"}
        for r in Rec.objects.filter(version=version).select_related("addressee")]
    out["recommendations_unsure"] = [r for r in out["recommendations"] if r["unsure"]]
    out["findings"] = [
        {"number": f.number or None, "heading": clean(f.heading), "text": clean(f.text),
         "kind": f.kind,
         "page": f.page, "confidence": f.confidence, "producer": f.producer,
         "url": f"{base}&page={f.page}&mark={f.start}-{f.end}#mark"}
        for f in Finding.objects.filter(version=version)]
    out["dataset"] = dataset_rows(document, version, red)
    flags = PersonalDataFlag.objects.filter(version=version)
    out["personal_data"] = [
        {"kind": p.kind, "page": p.page, "status": p.status} if redacted else
        {"id": p.pk, "kind": p.kind, "text": p.text, "page": p.page, "start": p.start,
         "end": p.end, "confidence": p.confidence, "status": p.status,
         "producer": p.producer}
        for p in flags]
    return out


def text_page(document: Document, version: DocumentVersion | None, number: int,
              mark: tuple[int, int] | None, redacted: bool = False,
              withhold: bool | None = None) -> dict[str, Any]:
    """One page of the text; ``redacted``: personal data replaced by [REDACTED: kind].
    ``withhold`` (default: ``redacted``): nothing is shown until a person has decided the
    version's flags; False only for a reviewer previewing the redacted text."""
    withhold = redacted if withhold is None else withhold
    out: dict[str, Any] = {"document": document.pk, "title": document.title,
                           "review": document.review.reference,
                           "version": version.number if version else None,
                           "page": number, "pages": 0, "passages": [], "processed": False}
    stored = DocumentText.objects.filter(version=version).first() if version else None
    if stored is None:
        out.update(_in_progress(version, number, redacted))
        return out
    if withhold and not ready(version):
        out.update(redacted=True, awaiting_redaction_review=True, notice=AWAITING,
                   title=withheld(document.title))
        return out
    out.update(processed=True, pages=len(stored.pages), parser=stored.parser,
               mark=list(mark) if mark else None)
    passages = Passage.objects.filter(version=version, page=number).order_by("index")
    red = redactor_for(version) if redacted else None
    out["redacted"] = redacted
    out["title"] = redact_field(document.title, red)
    rows = []
    for p in passages:
        if red is not None:
            if p.kind == "ocr_page":
                continue  # a provisional OCR page has not been checked for personal data
            p.text = red.piece(p.text, p.start)
            mark = None
        rows.append({"id": p.pk, "index": p.index, "anchor": p.anchor(), "kind": p.kind,
                     "page": p.page,
                     "start": p.start, "end": p.end, "section_kind": p.section_kind or None,
                     "text": p.text, "html": _marked(p, mark)})
    out["passages"] = rows
    return out



def _in_progress(version: DocumentVersion | None, number: int,
                 redacted: bool) -> dict[str, Any]:
    """While a version is being processed: the job's progress ('page 4 of 12 recognised'
    during OCR) and, for those who may see the unredacted text, the provisional text of the
    pages OCR has already recognised (they are searchable by the same people)."""
    job = latest_job(version)
    if job is None or job.status not in (IngestJob.QUEUED, IngestJob.RUNNING):
        return {}
    out: dict[str, Any] = {"in_progress": True, "job": job_data(job), "ocr": None,
                           "provisional_pages": []}
    reading = parse_progress(job.step or "")
    if reading:
        done, total = reading
        out["ocr"] = {"done": done, "total": total,
                      "label": f"page {done} of {total} recognised"}
    if redacted:  # provisional pages have not been checked for personal data
        return out
    provisional = list(Passage.objects.filter(version=version, kind="ocr_page")
                       .order_by("page"))
    out["provisional_pages"] = [p.page for p in provisional]
    out["passages"] = [{"id": None, "index": p.index, "anchor": p.anchor(), "kind": p.kind,
                        "page": p.page, "start": p.start, "end": p.end, "section_kind": None,
                        "text": p.text, "html": escape(p.text)}
                       for p in provisional if p.page == number]
    return out


def _marked(p: Passage, mark: tuple[int, int] | None) -> SafeString:
    if not mark or mark[1] <= p.start or mark[0] >= p.end:
        return escape(p.text)
    a = max(mark[0], p.start) - p.start
    b = min(mark[1], p.end) - p.start
    first = mark[0] >= p.start
    anchor = ' id="mark"' if first else ""
    return mark_safe(f"{escape(p.text[:a])}<mark{anchor}>{escape(p.text[a:b])}</mark>"
                     f"{escape(p.text[b:])}")
