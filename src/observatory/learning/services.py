"""Learning into practice: publishing findings, drafting, editing, approving and withdrawing
briefings, every publication through the gate (``observatory_core.learning.gate``).

What the public may see is never decided here: the gate is given the access rule's own
answer for the public role (``accounts.access.can`` on an anonymous user, and the list form
``accounts.scopes``), and ingestion's redaction functions (``redaction.ready``,
``redactor_for``) for the text, so whatever else decides publication (dates, embargoes,
withdrawal) applies here unchanged.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from observatory_core.coding.codebook import Code, shipped_codebooks
from observatory_core.learning import briefing as form
from observatory_core.learning import gate

from ..accounts.access import can
from ..accounts.scopes import reviews_q, rows_q
from ..audit.log import record
from ..coding.counting import counted_segments
from ..ingestion import redaction
from ..ingestion.models import DocumentText, Finding, PersonalDataFlag, Recommendation
from ..repository.models import Document, DocumentVersion, Review
from .models import Briefing, BriefingVersion, Generation, PublishedFinding

CODEBOOK = "care_pathway"
# What analysts may write in a briefing's sections: prose, lists, emphasis and links.
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "h3"}
FACETS = (("stage", "Care-pathway stage"), ("issue", "Practice issue"),
          ("professionals", "Professionals involved"), ("nature", "Nature of the issue"),
          ("reasons", "Underlying reasons"))
MULTI = ("professionals", "nature", "reasons")
PREFIX = {"professionals": "prof_", "nature": "nature_", "reasons": "reason_"}


class LearningError(ValueError):
    pass


# -- the codebook's structure (data: observatory_core/data/codebooks/care_pathway.toml) ----
@dataclass(frozen=True)
class Topic:
    kind: str  # stage | issue | professionals | nature | reasons
    key: str
    name: str
    description: str
    parent: str = ""


@lru_cache(maxsize=1)
def topics() -> dict[str, Topic]:
    book = next(b for b in shipped_codebooks() if b.key == CODEBOOK)
    out: dict[str, Topic] = {}
    for code in book.codes:
        kind = _kind(code)
        if kind:
            out[code.id] = Topic(kind, code.id, code.name, code.description, code.parent or "")
    return out


def _kind(code: Code) -> str:
    if code.parent == "stage":
        return "stage"
    if code.id.startswith("issue_"):
        return "issue"
    for kind, prefix in PREFIX.items():
        if code.id.startswith(prefix):
            return kind
    return ""


def of_kind(kind: str) -> list[Topic]:
    return [t for t in topics().values() if t.kind == kind]


def stage_of(issue: str) -> Topic | None:
    found = topics().get(issue)
    return topics().get(found.parent) if found else None


# -- the public's view, from the access rule itself ---------------------------------------
PUBLIC = AnonymousUser()


def public_may_view(document: Document) -> bool:
    return can(PUBLIC, "view", document)


def population() -> list[dict[str, str]]:
    """The attributes (area, year, age band) of every review the public may see: what the
    identifiability rule counts against."""
    return [_attributes(r) for r in Review.objects.filter(reviews_q(PUBLIC)).select_related(
        "local_authority", "age_band")]


def _attributes(review: Review) -> dict[str, str]:
    year = review.publication_date.year if review.publication_date else ""
    return {"area": review.local_authority.name, "year": str(year),
            "age_band": review.age_band.label if review.age_band_id else ""}


def quote_of(version: DocumentVersion, where: str, text: str, start: int, end: int
             ) -> gate.Quote:
    """The facts the gate needs about text quoted from ``version``: whether the public may
    see its document, whether its personal-data flags are decided, and whether ``text`` is
    exactly the redacted text of the span."""
    document = version.document
    undecided = PersonalDataFlag.objects.filter(
        version=version, status=redaction.Decision.SUGGESTED).count()
    stored = DocumentText.objects.filter(version=version).values_list("text", flat=True).first()
    now = redaction.redactor_for(version).span(stored, start, end) if stored is not None else None
    redacted = now is not None and now.strip() == text.strip()
    return gate.Quote(where=where, document=document.title, public=public_may_view(document),
                      flags_decided=redaction.ready(version), undecided_flags=undecided,
                      redacted=redacted)


def bump() -> None:
    """Published learning changed: every cached public page is built again (in the same
    transaction as the change, so a rollback undoes both)."""
    Generation.objects.update_or_create(pk=1, defaults={"token": secrets.token_hex(16)})


def generation() -> str:
    """The token cached public pages are keyed by (one primary-key read per request)."""
    token = Generation.objects.filter(pk=1).values_list("token", flat=True).first()
    if token is None:
        token = Generation.objects.get_or_create(
            pk=1, defaults={"token": secrets.token_hex(16)})[0].token
    return token


# -- findings -----------------------------------------------------------------------------
def _finding_codes(finding_ids: list[int]) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = defaultdict(set)
    for fid, key in counted_segments(CODEBOOK).filter(finding_id__in=finding_ids).values_list(
            "finding_id", "code__key"):
        codes[fid].add(key)
    return codes


def finding_candidates(limit: int = 50) -> list[dict[str, Any]]:
    """Findings with accepted care-pathway codes not yet published (for analysts), each
    with what the gate would say now."""
    published = set(PublishedFinding.objects.values_list("source_finding_id", flat=True))
    ids = [i for i in counted_segments(CODEBOOK).filter(finding_id__isnull=False).order_by(
        "finding_id").values_list("finding_id", flat=True).distinct() if i not in published]
    findings = Finding.objects.filter(pk__in=ids[:limit]).select_related(
        "version__document__review")
    codes = _finding_codes([f.pk for f in findings])
    out = []
    for finding in findings:
        keys = codes.get(finding.pk, set())
        out.append({"id": finding.pk, "heading": finding.heading,
                    "review": finding.version.document.review.reference,
                    "document": finding.version.document.title,
                    "codes": sorted(topics()[k].name for k in keys if k in topics())})
    return out


def _snapshot(finding: Finding, keys: set[str]) -> dict[str, Any]:
    found = {kind: sorted(k for k in keys if topics().get(k, Topic("", "", "", "")).kind == kind)
             for kind in ("stage", "issue", *MULTI)}
    issue = found["issue"][0] if found["issue"] else ""
    stage = found["stage"][0] if found["stage"] else (stage_of(issue).key if stage_of(issue)
                                                       else "")
    return {"stage": stage, "issue": issue,
            **{kind: [[k, topics()[k].name] for k in found[kind]] for kind in MULTI}}


def finding_gate(finding: Finding, *, show_age_band: bool = False
                 ) -> tuple[list[gate.Block], dict[str, Any]]:
    """What blocks publishing ``finding`` and, if nothing, the snapshot to publish."""
    version = finding.version
    review = version.document.review
    keys = _finding_codes([finding.pk]).get(finding.pk, set())
    snap = _snapshot(finding, keys)
    stored = DocumentText.objects.filter(version=version).values_list("text", flat=True).first()
    text = (redaction.redactor_for(version).span(stored, finding.start, finding.end)
            if stored else "")
    attributes = _attributes(review)
    shown = {k: v for k, v in attributes.items() if k != "age_band" or show_age_band}
    candidate = gate.Candidate(
        what="The finding", has_text=bool(text.strip()),
        quotes=(quote_of(version, "the finding", text, finding.start, finding.end),),
        sources=(gate.Source(review.reference, shown),))
    blocks = gate.check(candidate, population())
    if not snap["stage"]:
        blocks.append(gate.Block("uncoded", "The finding has no care-pathway stage or "
                                            "practice issue coded and accepted."))
    heading = redaction.redact_field(finding.heading, redaction.redactor_for(version))
    return blocks, {**snap, "text": text, "heading": heading, "shown": shown}


@transaction.atomic
def publish_finding(finding: Finding, user: Any, *, show_age_band: bool = False,
                    request: Any = None) -> tuple[PublishedFinding | None, list[gate.Block]]:
    blocks, snap = finding_gate(finding, show_age_band=show_age_band)
    version = finding.version
    if blocks:
        record(request, "change", version.document, user=user, allowed=False,
               detail="finding not published: " + "; ".join(b.message for b in blocks))
        return None, blocks
    shown = snap["shown"]
    tags = {snap["stage"], snap["issue"], *(k for kind in MULTI for k, _ in snap[kind])}
    published = PublishedFinding.objects.create(
        source_finding_id=finding.pk, review=version.document.review,
        document=version.document, version_id_read=version.pk, heading=snap["heading"],
        text=snap["text"], stage=snap["stage"], stage_name=topics()[snap["stage"]].name,
        issue=snap["issue"], issue_name=topics()[snap["issue"]].name if snap["issue"] else "",
        professionals=snap["professionals"], nature=snap["nature"], reasons=snap["reasons"],
        tags=" " + " ".join(sorted(t for t in tags if t)) + " ",
        area_name=shown.get("area", ""), year=int(shown["year"]) if shown.get("year") else None,
        age_band=shown.get("age_band", ""), published_by=_who(user))
    record(request, "change", published, user=user, detail="finding published")
    bump()
    return published, []


@transaction.atomic
def withdraw_finding(finding: PublishedFinding, user: Any, reason: str,
                     request: Any = None) -> None:
    reason = " ".join(reason.split())
    if not reason:
        raise LearningError("Enter why the finding is withdrawn")
    finding.status, finding.withdrawn_reason = PublishedFinding.WITHDRAWN, reason[:500]
    finding.save(update_fields=["status", "withdrawn_reason"])
    record(request, "change", finding, user=user, detail=f"finding withdrawn: {reason}")
    bump()


def _who(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# -- briefings: evidence and drafting ----------------------------------------------------
def _public_segments():
    """Accepted care-pathway codes the public's view counts: on text the public may see."""
    return counted_segments(CODEBOOK).filter(rows_q(PUBLIC, nullable_version=True)).filter(
        review__in=Review.objects.filter(reviews_q(PUBLIC)).values("pk"))


def evidence(issue: str) -> tuple[form.Evidence, dict[str, Any]]:
    """The coded evidence for one practice issue (national figures over what the public may
    see), the example chosen (a coded finding or passage of a public document whose flags
    are decided, redacted) and recommendations of those reviews as possible solutions."""
    topic = topics().get(issue)
    if topic is None or topic.kind != "issue":
        raise LearningError("Choose a practice issue")
    segments = _public_segments()
    reviews = set(segments.filter(code__key=issue).values_list("review_id", flat=True))
    per_reason: Counter[str] = Counter()
    # order_by() first: the model's default ordering would enter the SELECT and defeat
    # DISTINCT, counting a review twice for a reason coded on two of its passages
    for _review, key in segments.filter(review_id__in=reviews, code__key__startswith="reason_"
                                          ).order_by().values_list("review_id", "code__key"
                                                                   ).distinct():
        per_reason[key] += 1
    reasons = tuple(form.Reason(t.key, t.name, per_reason.get(t.key, 0))
                    for t in of_kind("reasons"))
    example = _example(issue)
    solutions = _solutions(reviews)
    stage = stage_of(issue)
    ev = form.Evidence(issue_key=issue, issue_name=topic.name,
                       issue_description=topic.description,
                       stage_name=stage.name if stage else "", reviews=len(reviews),
                       reasons=reasons, example=example.get("text", ""),
                       example_source=example.get("source", ""), solutions=solutions)
    return ev, example


def _example(issue: str) -> dict[str, Any]:
    """The first coded unit for the issue whose text can be quoted: a finding, else a
    passage, preferring those the gate would let through (public, flags decided)."""
    rows = counted_segments(CODEBOOK).filter(code__key=issue, version__isnull=False).order_by(
        "pk").values_list("version_id", "finding_id", "passage_id", "start", "end")
    choices = []
    for version_id, finding_id, passage_id, start, end in rows[:200]:
        unit = (Finding.objects.filter(pk=finding_id).values_list("start", "end").first()
                if finding_id else None)
        if unit is None and passage_id:
            from ..ingestion.models import Passage

            unit = Passage.objects.filter(pk=passage_id).values_list("start", "end").first()
        if unit is None and start is not None and end is not None:
            unit = (start, end)
        if unit is None:
            continue
        version = DocumentVersion.objects.select_related("document").get(pk=version_id)
        good = public_may_view(version.document) and redaction.ready(version)
        choices.append((not good, version, unit))
    if not choices:
        return {}
    _, version, (start, end) = min(choices, key=lambda c: c[0])
    stored = DocumentText.objects.get(version=version).text
    text = redaction.redactor_for(version).span(stored, start, end).strip()
    review = version.document.review
    # the title as the public may see it (typed at upload, it may name the child)
    title = redaction.visible_titles(PUBLIC, [version.document])[version.document_id]
    return {"text": text, "version": version, "start": start, "end": end,
            "source": f"{title}, {review.reference}",
            "document": version.document}


def _solutions(reviews: set[int], limit: int = 3) -> tuple[str, ...]:
    """Recommendations of the reviews (their own, counted ones) as the public may read
    them: public documents whose flags are decided, redacted."""
    rows = list(Recommendation.objects.filter(rows_q(PUBLIC), review_id__in=reviews,
                                              counted_as="review").order_by("review_id", "index")
                .values_list("version_id", "text")[:50])
    ready = redaction.reviewed({v for v, _ in rows})
    by_version = redaction.redactors(ready)
    out = []
    for version_id, text in rows:
        if version_id in ready and len(out) < limit:
            out.append(redaction.redact_field(text, by_version.get(version_id,
                                                                    redaction.Redactor(()))))
    return tuple(out)


def clean_html(value: str) -> str:
    """Analyst-written HTML, sanitised by nh3 (ammonia): only prose tags, links with safe
    schemes, no scripts, styles or event handlers."""
    return nh3.clean(value or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                     url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer")


@transaction.atomic
def draft_briefing(issue: str, user: Any, request: Any = None) -> Briefing:
    ev, example = evidence(issue)
    drafted = form.draft(ev)
    base = slugify(ev.issue_name)[:100] or issue
    slug, n = base, 1
    while Briefing.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    stage = stage_of(issue)
    briefing = Briefing.objects.create(slug=slug, issue=issue, issue_name=ev.issue_name,
                                       stage=stage.key if stage else "",
                                       stage_name=stage.name if stage else "",
                                       created_by=_who(user))
    _new_version(briefing, user, title=drafted["title"], summary=drafted["summary"],
                 sections=drafted["sections"], figures=drafted["figures"], example=example,
                 note="Drafted from the coded evidence")
    record(request, "change", briefing, user=user, detail="briefing drafted")
    return briefing


def _new_version(briefing: Briefing, user: Any, *, title: str, summary: str,
                 sections: dict[str, str], figures: dict, example: dict[str, Any],
                 note: str) -> BriefingVersion:
    last = briefing.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = example.get("version")
    return BriefingVersion.objects.create(
        briefing=briefing, number=last + 1, title=title[:200], summary=clean_html(summary),
        sections={k: clean_html(v) for k, v in sections.items()}, figures=figures,
        example_version_id=getattr(version, "pk", example.get("version_id")),
        example_start=example.get("start"), example_end=example.get("end"),
        example_text=example.get("text", ""), example_source=example.get("source", "")[:300],
        example_document_id=getattr(example.get("document"), "pk",
                                    example.get("document_id")),
        note=note[:300], edited_by=_who(user))


EDITABLE = ("issue", "why", "solutions", "questions")


@transaction.atomic
def edit_briefing(briefing: Briefing, user: Any, *, title: str, summary: str,
                  sections: dict[str, str], note: str, request: Any = None) -> BriefingVersion:
    """A new version with the analyst's words (sanitised); the example and the national
    figures stay as drafted from the evidence."""
    if briefing.status == Briefing.WITHDRAWN:
        raise LearningError("A withdrawn briefing cannot be edited")
    if not title.strip():
        raise LearningError("Enter a title")
    if not note.strip():
        raise LearningError("Say what changed")
    last = briefing.latest
    merged = {**last.sections, **{k: v for k, v in sections.items() if k in EDITABLE}}
    version = _new_version(
        briefing, user, title=title.strip(), summary=summary, sections=merged,
        figures=last.figures,
        example={"version_id": last.example_version_id, "start": last.example_start,
                 "end": last.example_end, "text": _example_now(last),
                 "source": last.example_source, "document_id": last.example_document_id},
        note=note.strip())
    briefing.blocked = []
    briefing.save(update_fields=["blocked"])
    record(request, "change", briefing, user=user, detail=f"briefing edited: version "
                                                           f"{version.number}")
    return version


def _example_now(version: BriefingVersion) -> str:
    """The example's span redacted by the flags decided now (a flag confirmed since the
    draft redacts it in the next version); the old text if the span cannot be read."""
    stored = DocumentText.objects.filter(version_id=version.example_version_id).values_list(
        "text", flat=True).first()
    if stored is None or version.example_start is None or version.example_end is None:
        return version.example_text
    source = DocumentVersion(pk=version.example_version_id)
    return redaction.redactor_for(source).span(stored, version.example_start,
                                               version.example_end).strip()


def briefing_gate(version: BriefingVersion) -> list[gate.Block]:
    quotes = ()
    if version.example_version_id:
        source = DocumentVersion.objects.select_related("document").get(
            pk=version.example_version_id)
        quotes = (quote_of(source, "the example", version.example_text,
                           version.example_start or 0, version.example_end or 0),)
    shown = form.shown_frequencies(version.figures, public=True)
    candidate = gate.Candidate(
        what="The briefing", quotes=quotes,
        figures=(form.printed_figures(version.figures, shown),),
        has_text=any(nh3.clean(v, tags=set()).strip() for v in version.sections.values()))
    return gate.check(candidate, population())


@transaction.atomic
def approve_briefing(briefing: Briefing, user: Any, request: Any = None) -> list[gate.Block]:
    """A second person approves the latest version for publication: refused to its own
    editor, and refused with the gate's reasons if anything blocks it."""
    version = briefing.latest
    if version is None:
        raise LearningError("There is nothing to approve")
    if briefing.status == Briefing.WITHDRAWN:
        raise LearningError("A withdrawn briefing cannot be published again")
    if version.edited_by_id and version.edited_by_id == getattr(user, "pk", None):
        raise LearningError("A second person must approve: you wrote this version")
    if briefing.published_version_id == version.pk:
        raise LearningError("This version is already published")
    blocks = briefing_gate(version)
    briefing.blocked = [{"code": b.code, "message": b.message} for b in blocks]
    if blocks:
        briefing.save(update_fields=["blocked"])
        record(request, "change", briefing, user=user, allowed=False,
               detail="publication refused: " + "; ".join(b.message for b in blocks))
        return blocks
    now = timezone.now()
    version.approved_by, version.approved_at = _who(user), now
    version.save(update_fields=["approved_by", "approved_at"])
    briefing.status, briefing.published_version = Briefing.PUBLISHED, version
    briefing.first_published_at = briefing.first_published_at or now
    briefing.save(update_fields=["status", "published_version", "first_published_at",
                                 "blocked"])
    record(request, "change", briefing, user=user,
           detail=f"version {version.number} approved and published")
    bump()
    return []


@transaction.atomic
def withdraw_briefing(briefing: Briefing, user: Any, reason: str, request: Any = None) -> None:
    reason = " ".join(reason.split())
    if briefing.status != Briefing.PUBLISHED:
        raise LearningError("Only a published briefing can be withdrawn")
    if not reason:
        raise LearningError("Enter why the briefing is withdrawn")
    briefing.status, briefing.withdrawn_reason = Briefing.WITHDRAWN, reason[:500]
    briefing.withdrawn_at = timezone.now()
    briefing.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    record(request, "change", briefing, user=user, detail=f"briefing withdrawn: {reason}")
    bump()
