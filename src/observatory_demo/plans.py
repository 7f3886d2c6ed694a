"""Fictional action plans for the demo corpus: for some demo reviews, the recommendations
their overview reports print, each with one or two actions in a realistic mix of statuses
(open, in progress, claimed complete with and without evidence, verified, closed not
implemented), some overdue. Deterministic for a seed and a day. Framework-free: the
Django side (``observatory.register.demo``) stores what this describes."""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from observatory_core.actionplan import lead_roles
from observatory_core.smart import load_rules

from .corpus import DemoReview

_BANKS = Path(__file__).with_name("data") / "action_plans.toml"
# The path each demo action takes through the statuses, with how often (out of 20).
PATHS = [
    ((), 5),  # open
    (("in_progress",), 5),
    (("in_progress", "completed"), 5),  # claimed: with evidence or not (below)
    (("in_progress", "completed", "verified"), 4),
    (("closed_not_implemented",), 1),
]


@dataclass
class DemoAction:
    description: str
    agency: str  # agency code
    role: str
    priority: str
    moves: tuple[str, ...]
    evidence: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class DemoRecommendation:
    number: str
    agency: str
    text: str
    actions: list[DemoAction]


@dataclass
class DemoPlan:
    reference: str
    start: date
    recommendations: list[DemoRecommendation]


def build_demo_plans(corpus: list[DemoReview], today: date, seed: int = 2026,
                     every: int = 3) -> list[DemoPlan]:
    """Plans for every ``every``-th review that prints recommendations."""
    banks = tomllib.loads(_BANKS.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    roles, bands = lead_roles(), [b.key for b in load_rules().bands]
    paths = [p for p, weight in PATHS for _ in range(weight)]
    plans = []
    with_recs = [r for r in corpus if _recommendations(r)]
    for review in with_recs[::every]:
        start = today - timedelta(days=rng.randint(60, 420))
        recs = []
        for n, (number, agency, text) in enumerate(_recommendations(review)):
            actions = []
            # One recommendation in four is left without actions: the dashboard shows it.
            for _ in range(0 if n % 4 == 3 else rng.choice((1, 1, 2))):
                moves = rng.choice(paths)
                action = DemoAction(
                    description=rng.choice(banks["actions"]).format(agency="the agency"),
                    agency=agency, role=rng.choice(roles), priority=rng.choice(bands),
                    moves=moves, updates=rng.sample(banks["updates"], k=len(moves) and 1))
                if "verified" in moves or (moves[-1:] == ("completed",) and rng.random() < 0.6):
                    action.evidence = rng.sample(banks["evidence"], k=rng.choice((1, 2)))
                if moves == ("closed_not_implemented",):
                    action.reason = rng.choice(banks["not_implemented"])
                actions.append(action)
            recs.append(DemoRecommendation(number or str(n + 1), agency, text, actions))
        plans.append(DemoPlan(review.record.reference, start, recs))
    return plans


def _recommendations(review: DemoReview) -> list[tuple[str, str, str]]:
    for doc in review.documents:
        if doc.kind == "overview_report" and doc.recommendations:
            return list(doc.recommendations)
    return []
