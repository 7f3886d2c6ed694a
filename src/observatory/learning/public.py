"""The public site's data: built from published snapshots only, cached (Django's cache
framework) under a generation number that every publication or withdrawal bumps, so a
cached page is never stale and never holds more than the public may see.

Figures on the public site (the counts beside each facet, the number of findings found, a
briefing's national frequencies) go through the service's one suppression rule
(``observatory_core.learning.gate.suppressed_cells`` over ``stats.suppression``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from observatory_core.learning import briefing as form
from observatory_core.learning.gate import suppressed_cells
from observatory_core.stats import load_rule

from ..accounts.scopes import documents_q
from ..ingestion.redaction import visible_titles
from .models import Briefing, PublishedFinding
from .services import FACETS, MULTI, PUBLIC, generation, of_kind, public_may_view, topics

# Publications and withdrawals here change the generation at once; a change in the access
# rule's answer elsewhere (a report embargoed or withdrawn) reaches cached lists within this
# many seconds (detail pages ask the rule on every request).
TIMEOUT = 60
MAX_WORDS = 8


def cached(key: str, build) -> Any:
    return cache.get_or_set(f"learning:{generation()}:{key}", build, TIMEOUT)


def _published_findings():
    """Published findings whose report the public may still see: the access rule's own
    query filter (``accounts.scopes``), so a report withdrawn or embargoed later takes its
    findings off the site with it."""
    return PublishedFinding.objects.filter(status=PublishedFinding.PUBLISHED).filter(
        documents_q(PUBLIC, prefix="document__"))


def _published_briefings():
    return Briefing.objects.filter(status=Briefing.PUBLISHED).select_related(
        "published_version")


def briefing_card(b: Briefing) -> dict[str, Any]:
    v = b.published_version
    return {"slug": b.slug, "title": v.title, "summary": v.summary, "issue": b.issue,
            "issue_name": b.issue_name, "stage": b.stage, "stage_name": b.stage_name,
            "url": b.get_absolute_url(), "updated": v.approved_at,
            "published": b.first_published_at, "version": v.number}


def finding_card(f: PublishedFinding) -> dict[str, Any]:
    return {"id": f.pk, "heading": f.heading or f"{f.issue_name or f.stage_name}",
            "text": f.text, "url": f.get_absolute_url(), "stage": f.stage,
            "stage_name": f.stage_name, "issue": f.issue, "issue_name": f.issue_name,
            "professionals": [n for _, n in f.professionals],
            "nature": [n for _, n in f.nature], "reasons": [n for _, n in f.reasons],
            "area": f.area_name, "year": f.year, "age_band": f.age_band,
            "published": f.published_at}


def index_data() -> dict[str, Any]:
    def build() -> dict[str, Any]:
        briefings = [briefing_card(b) for b in _published_briefings().order_by(
            "-first_published_at")]
        return {"briefings": briefings,
                "stages": [_topic(t) for t in of_kind("stage")],
                "issues": [_topic(t) for t in of_kind("issue")],
                "findings_count": shown_count(_published_findings().count())}
    return cached("index", build)


def _topic(t) -> dict[str, str]:
    return {"key": t.key, "name": t.name, "description": t.description,
            "url": f"/learning/topics/{t.key}/", "kind": t.kind}


def topic_data(key: str) -> dict[str, Any] | None:
    topic = topics().get(key)
    if topic is None or topic.kind not in ("stage", "issue", "professionals", "nature",
                                           "reasons"):
        return None

    def build() -> dict[str, Any]:
        if topic.kind == "stage":
            briefings = _published_briefings().filter(stage=key)
            issues = [_topic(t) for t in of_kind("issue") if t.parent == key]
        else:
            briefings = _published_briefings().filter(issue=key)
            issues = []
        findings = _published_findings().filter(tags__contains=f" {key} ")
        return {"topic": _topic(topic), "briefings": [briefing_card(b) for b in briefings],
                "issues": issues,
                "findings": [finding_card(f) for f in findings[:20]],
                "findings_count": shown_count(findings.count()),
                "search_url": f"/learning/findings/?{_facet_param(topic.kind)}={key}"}
    return cached(f"topic:{key}", build)


def _facet_param(kind: str) -> str:
    return {"stage": "stage", "issue": "issue", "professionals": "professional",
            "nature": "nature", "reasons": "reason"}[kind]


PARAMS = {"stage": "stage", "issue": "issue", "professional": "professionals",
          "nature": "nature", "reason": "reasons"}


def shown_count(n: int) -> str:
    """A single count as the public sees it (hidden when small, as in every public table)."""
    rule = load_rule()
    return rule.symbol if rule.is_small(n) else f"{n:,}"


def clean_query(raw: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The search's parameters: facets must name a code of their kind, words are words."""
    chosen: dict[str, str] = {}
    problems = []
    for param, kind in PARAMS.items():
        value = (raw.get(param) or "").strip()
        if not value:
            continue
        topic = topics().get(value)
        if topic is None or topic.kind != kind:
            problems.append(f"Choose a {dict(FACETS)[kind].lower()} from the list")
            continue
        chosen[param] = value
    words = " ".join(re.findall(r"[\w'-]+", raw.get("q", ""))[:MAX_WORDS])[:200]
    if words:
        chosen["q"] = words
    return chosen, problems


def search(chosen: dict[str, str]) -> dict[str, Any]:
    # hashed: words may hold spaces and any letters, which some cache backends refuse
    key = "search:" + hashlib.sha256("&".join(
        f"{k}={v}" for k, v in sorted(chosen.items())).encode()).hexdigest()

    def build() -> dict[str, Any]:
        rows = _published_findings()
        for param, value in chosen.items():
            if param != "q":
                rows = rows.filter(tags__contains=f" {value} ")
        for word in chosen.get("q", "").split():
            rows = rows.filter(Q(text__icontains=word) | Q(heading__icontains=word)
                               | Q(issue_name__icontains=word) | Q(stage_name__icontains=word))
        found = list(rows)
        return {"query": chosen, "count": shown_count(len(found)),
                "facets": facets(found, chosen),
                "findings": [finding_card(f) for f in found[:50]],
                "more": len(found) > 50}
    return cached(key, build)


def facets(found: list[PublishedFinding], chosen: dict[str, str]) -> list[dict[str, Any]]:
    """Counts per value of each facet over the findings found, through suppression: a
    finding has one stage and at most one issue (counts that add up to the number found:
    primary and secondary suppression), several professionals, natures and reasons (not
    additive: primary)."""
    rule = load_rule()
    out = []
    reverse = {kind: param for param, kind in PARAMS.items()}
    for kind, label in FACETS:
        counter: Counter[str] = Counter()
        for f in found:
            if kind in MULTI:
                counter.update(k for k, _ in getattr(f, kind))
            elif getattr(f, kind):
                counter[getattr(f, kind)] += 1
        values = [t for t in of_kind(kind) if counter.get(t.key)]
        counts = [counter[t.key] for t in values]
        additive = kind not in MULTI and sum(counts) == len(found)
        hidden, _ = suppressed_cells(counts, additive=additive, rule=rule)
        param = reverse[kind]
        out.append({"name": param, "label": label, "values": [
            {"key": t.key, "name": t.name, "count": rule.symbol if hide else f"{n:,}",
             "selected": chosen.get(param) == t.key}
            for t, n, hide in zip(values, counts, hidden, strict=True)]})
    return out


def briefing_data(b: Briefing) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        if b.status == Briefing.WITHDRAWN or b.published_version is None:
            return {"slug": b.slug, "title": b.issue_name, "status": b.status,
                    "withdrawn_reason": b.withdrawn_reason, "withdrawn_at": b.withdrawn_at}
        return version_data(b, b.published_version, public=True)
    return cached(f"briefing:{b.slug}:{b.status}", build)


def version_data(b: Briefing, v, *, public: bool) -> dict[str, Any]:
    figures = form.shown_frequencies(v.figures, public=public)
    sections = []
    the_form = form.load_form()
    for key, title in the_form.sections:
        if key == "example":
            if v.example_text and _example_public(v):
                sections.append({"key": key, "title": title, "quote": v.example_text,
                                 "source": v.example_source})
            continue
        if v.sections.get(key):
            sections.append({"key": key, "title": title, "html": v.sections[key]})
    history = [{"number": h.number, "note": h.note, "approved_at": h.approved_at}
               for h in b.versions.filter(approved_at__isnull=False).order_by("number")]
    related = [finding_card(f) for f in _published_findings().filter(
        tags__contains=f" {b.issue} ")[:5]]
    return {"slug": b.slug, "status": b.status, "title": v.title, "summary": v.summary,
            "issue": b.issue, "issue_name": b.issue_name, "stage": b.stage,
            "stage_name": b.stage_name, "version": v.number, "approved_at": v.approved_at,
            "first_published_at": b.first_published_at, "sections": sections,
            "figures": figures, "history": history, "related_findings": related,
            "pdf_url": f"/learning/briefings/{b.slug}/pdf/",
            "topic_url": f"/learning/topics/{b.issue}/"}


def _example_public(v) -> bool:
    from ..repository.models import Document

    document = Document.objects.filter(pk=v.example_document_id).first()
    return document is not None and public_may_view(document)


def finding_data(f: PublishedFinding) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        data = finding_card(f)
        data["report_url"] = (f.document.get_absolute_url()
                              if public_may_view(f.document) else None)
        data["report_title"] = (visible_titles(PUBLIC, [f.document])[f.document_id]
                                if data["report_url"] else None)
        related = _published_findings().exclude(pk=f.pk)
        same = related.filter(issue=f.issue) if f.issue else related.filter(stage=f.stage)
        data["related"] = [finding_card(r) for r in same[:5]]
        data["withdrawn_reason"] = f.withdrawn_reason
        data["status"] = f.status
        return data
    return cached(f"finding:{f.pk}:{f.status}", build)
