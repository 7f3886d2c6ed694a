"""The register's data objects: what a page shows and its JSON gives (one shape for both).
Evidence is listed only when the reader may see its document (its own confidentiality)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.urls import reverse

from observatory_core import actionplan, smart

from ..accounts.access import can
from ..accounts.scopes import documents_q
from .models import Action, Appraisal, Evidence, RegisterEntry


def source_data(entry: RegisterEntry) -> list[dict[str, Any]]:
    out = []
    for s in entry.sources.all():
        url = ""
        if s.document_id:
            url = reverse("document-detail", args=[s.document_id])
            if s.page:
                url += f"?page={s.page}"
        out.append({"document_id": s.document_id, "version_number": s.version_number,
                    "page": s.page, "start": s.start, "end": s.end, "quote": s.quote,
                    "url": url, "machine_recommendation_id": s.recommendation_id})
    return out


def appraisal_data(entry: RegisterEntry) -> list[dict[str, Any]]:
    rules = smart.load_rules()
    found = {a.criterion: a for a in Appraisal.objects.filter(entry=entry)}
    out = []
    for c in rules.criteria:
        a = found.get(c.key)
        out.append({
            "criterion": c.key, "label": c.label, "question": c.question,
            "machine_verdict": a.machine_verdict if a else "",
            "machine_label": smart.VERDICTS.get(a.machine_verdict, "") if a else "",
            "machine_reasons": a.machine_reasons if a else [],
            "verdict": a.verdict if a else "",
            "verdict_label": smart.VERDICTS.get(a.verdict, "") if a else "",
            "reason": a.reason if a else "",
            "decided_by": a.decided_by.get_username() if a and a.decided_by else "",
            "decided_at": a.decided_at if a else None})
    return out


def action_row(a: Action, today: date) -> dict[str, Any]:
    rules = actionplan.status_rules()
    colour = actionplan.rag(a.status, a.due_date, today)
    return {"id": a.pk, "reference": a.reference, "description": a.description,
            "lead_agency": a.lead_agency.label if a.lead_agency else "",
            "lead_role": a.lead_role, "priority": a.priority, "due_date": a.due_date,
            "status": a.status, "status_label": rules.label(a.status), "rag": colour,
            "rag_label": rules.rag_labels[colour],
            "overdue": actionplan.is_overdue(a.status, a.due_date, today),
            "owner": a.owner.get_username() if a.owner else "", "lock": a.lock,
            "url": a.get_absolute_url()}


def entry_row(e: RegisterEntry) -> dict[str, Any]:
    return {"id": e.pk, "number": e.number, "text": e.text,
            "addressee": e.addressee_label, "addressee_id": e.addressee_id,
            "origin": e.get_origin_display(), "state": e.state, "lock": e.lock,
            "flags": e.machine_flags, "url": e.get_absolute_url(),
            "replaced_by": e.replaced_by.get_absolute_url() if e.replaced_by else "",
            "confirmed_by": e.confirmed_by.get_username() if e.confirmed_by else "",
            "confirmed_at": e.confirmed_at}


def visible_evidence(user: Any, action: Action):
    """Evidence of ``action`` the user may see: described evidence, and documents the user
    may view (an IMR stays confidential when it is evidence)."""
    allowed = documents_q(user, "view", prefix="document__")
    evidence = Evidence.objects.filter(action=action)
    if not allowed:  # an empty Q is "every document" (and Q(x) | Q() would be just Q(x))
        return evidence
    return evidence.filter(Q(document__isnull=True) | allowed)


def evidence_row(ev: Evidence) -> dict[str, Any]:
    return {"id": ev.pk, "description": ev.description, "uploaded": ev.uploaded,
            "document_url": ev.document.get_absolute_url() if ev.document else "",
            "version_number": ev.version.number if ev.version else None,
            "by": ev.by_name, "at": ev.at}


def action_data(user: Any, a: Action, today: date) -> dict[str, Any]:
    rules = actionplan.status_rules()
    evidence = list(visible_evidence(user, a).select_related("document", "version"))
    hidden = a.evidence.count() - len(evidence)
    return {
        **action_row(a, today),
        "review": a.plan.review.reference, "plan_start": a.plan.start_date,
        "recommendation": entry_row(a.entry), "outcome": a.outcome, "impact": a.impact,
        "history": [{"from": rules.label(h.from_status) if h.from_status else "",
                     "to": rules.label(h.to_status), "to_status": h.to_status, "by": h.by_name,
                     "at": h.at, "note": h.note, "evidence_ids": h.evidence}
                    for h in a.history.all()],
        "updates": [{"text": u.text, "by": u.by_name, "at": u.at} for u in a.updates.all()],
        "evidence": [evidence_row(ev) for ev in evidence],
        "evidence_not_shown": hidden,
        "moves": [{"status": s, "label": rules.label(s)} for s in rules.statuses[a.status].to],
        "may_change": can(user, "change", a),
    }
