"""Store the fictional demo action plans (``observatory_demo.plans``) through the same
services people use, so every demo status went through the rules."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from observatory_demo import build_demo_corpus
from observatory_demo.plans import build_demo_plans

from ..repository.models import Review
from ..vocabularies.models import Term
from . import services
from .models import ActionPlan

OWNER, MANAGER = "Action owner (demo)", "Business manager (demo)"


@transaction.atomic
def load_demo_plans(count: int = 48, seed: int = 2026, today: date | None = None) -> int:
    """Create the demo plans of reviews that have none yet; returns how many were made."""
    today = today or date.today()
    agencies = {t.code: t for t in Term.objects.filter(vocabulary__key="agency")}
    made = 0
    for plan in build_demo_plans(build_demo_corpus(count=count, seed=seed), today, seed):
        review = Review.objects.filter(reference=plan.reference).first()
        if review is None or ActionPlan.objects.filter(review=review).exists():
            continue
        services.start_plan(review, plan.start)
        for rec in plan.recommendations:
            entry = services.type_in(review, number=rec.number, text=rec.text, user=None,
                                     addressee=agencies.get(rec.agency))
            for spec in rec.actions:
                action = services.add_action(
                    entry, None, description=spec.description,
                    lead_agency=agencies.get(spec.agency) or agencies["lscb"],
                    lead_role=spec.role, priority=spec.priority)
                for text in spec.updates:
                    services.add_update(action, text, None, by_name=OWNER)
                for text in spec.evidence:
                    services.link_evidence(action, document=None, description=text,
                                           user=None, by_name=OWNER)
                for status in spec.moves:
                    who = MANAGER if status == "verified" else OWNER
                    action = services.move(action, action.lock, status, None,
                                           spec.reason if status.startswith("closed") else "",
                                           by_name=who)
        made += 1
    return made
