"""Demo action plans go through the same rules as people's work, and the CLI exports a plan."""

from __future__ import annotations

from collections import Counter
from datetime import date

from click.testing import CliRunner

from observatory.cli import main
from observatory.register.demo import load_demo_plans
from observatory.register.models import Action, RegisterEntry
from observatory_demo import build_demo_corpus
from observatory_demo.plans import build_demo_plans

from ..conftest import make_review


def test_demo_plans_have_a_realistic_mix_and_export(db, users):
    today = date(2026, 12, 4)
    plans = build_demo_plans(build_demo_corpus(count=9), today)
    for plan in plans:
        make_review(plan.reference)
    assert load_demo_plans(count=9, today=today) == len(plans) > 0
    assert load_demo_plans(count=9, today=today) == 0  # once only
    statuses = Counter(Action.objects.values_list("status", flat=True))
    assert {"open", "in_progress", "completed", "verified"} <= set(statuses)
    assert Action.objects.filter(status__in=("open", "in_progress"),
                                 due_date__lt=today).exists()  # something overdue
    verified = Action.objects.filter(status="verified").first()
    assert verified.evidence.exists()
    assert verified.history.last().by_name != verified.history.filter(
        to_status="completed").get().by_name
    assert RegisterEntry.objects.filter(actions__isnull=True).exists()

    reference = plans[0].reference
    out = CliRunner().invoke(main, ["actions", "export", reference, "--user", "admin"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].startswith("Reference,Recommendation number")
    assert len(out.output.splitlines()) == 1 + Action.objects.filter(
        plan__review__reference=reference).count()
    refused = CliRunner().invoke(main, ["actions", "export", reference, "--user",
                                        "partnership_other"])
    assert refused.exit_code != 0 and "may not" in refused.output
