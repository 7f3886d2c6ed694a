"""Every route of the product, found from the URL resolver (pages and API alike), with real
objects to put in its path: the route fuzzing and the schema-based API tests use it, so a
route added tomorrow is walked by both the day it is added."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from observatory.ingestion.models import Passage
from observatory.repository.services import store_version

from .conftest import make_review, make_user, term

REPORT = """Serious Case Review: Child F

Overview report

Introduction

This review looks at how agencies worked with Child F and the family during 2014.

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should improve the quality of recording in case files.
"""
ROLES = ["public", "practitioner", "partnership_own", "analyst", "steering", "admin"]
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
# Django's own admin site is exercised by Django's tests; its several hundred generated
# routes would dominate the run without testing anything of ours.
SKIP_PREFIXES = ("admin/",)


@dataclass(frozen=True)
class Route:
    pattern: str  # as the resolver spells it, e.g. "documents/<int:pk>/download/"
    module: str  # the view's module, whose source names the query parameters it reads

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, object]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def all_routes() -> list[Route]:
    routes = []
    for pattern, callback in _walk(get_resolver().url_patterns):
        if pattern.startswith(SKIP_PREFIXES):
            continue
        module = getattr(callback, "__module__", "") or ""
        view = getattr(callback, "view_class", None) or callback
        module = getattr(view, "__module__", module)
        routes.append(Route(pattern.lstrip("^").rstrip("$"), module))
    return routes


_READS = re.compile(r"""GET(?:\.get(?:list)?\(\s*|\[)["'](\w+)["']""")


def parameters_read_by(module: str) -> set[str]:
    """The query parameters a page's module reads (request.GET.get("x"), GET["x"])."""
    try:
        source = Path(import_module(module).__file__).read_text(encoding="utf-8")
    except (ImportError, TypeError, OSError):
        return set()
    return set(_READS.findall(source))


def build_world(capture_on_commit) -> dict[str, str]:
    """One of each object a route can name, with a processed document (passages,
    recommendations), a study, a codebook and a saved analysis. Returns path values."""
    from observatory.analysis.models import SavedAnalysis
    from observatory.coding.models import Codebook
    from observatory.coding.services import ensure_codebooks
    from observatory.consultation import services as delphi

    users = {name: make_user(name) for name in ROLES if name != "public"}
    review = make_review("FUZZ-1")
    with capture_on_commit(execute=True):  # the ingestion task runs as after an upload
        version = store_version(review=review, kind=term("document_kind", "overview_report"),
                                filename="report.txt", stream=io.BytesIO(REPORT.encode())).version
    passage = Passage.objects.filter(document=version.document).first()
    ensure_codebooks()
    study = delphi.create_study("Fuzz study", user=users["steering"])
    section = delphi.add_section(study, "Learning")
    statement = delphi.add_statement(study, section, "A statement")
    SavedAnalysis.objects.create(slug="fuzz", name="Fuzz", filters={"outcome": "death"})
    job = _failed_job()
    entry, action = _register(review, users["partnership_own"])
    from observatory.quality.services import save_entry, start_dialogue

    dialogue = start_dialogue(review, users["partnership_own"], "board_manager")
    save_entry(dialogue, dialogue.participants.get(), "start", 1, answers={},
               where_we_are="Fuzz", helped="", found_hard=False)
    grant, output = _research(users["steering"])
    learning = _learning_world(users)
    return {**learning,
        "application_id": str(grant.application_id), "grant_id": str(grant.pk),
        "output_id": str(output.pk),
        "reference": review.reference, "pk": str(version.document.pk),
        "passage": str(passage.pk if passage else 1), "study_id": str(study.pk),
        "version_id": str(statement.pk), "number": "1", "action": "open",
        "participant_id": "1", "token": "not-a-token", "fmt": "csv",
        "key": Codebook.objects.order_by("key").first().key, "name": "reviews_by_outcome",
        "slug": "fuzz", "year": "2015", "job": str(job.pk), "stage": "start",
        "entry_id": str(entry.pk), "action_id": str(action.pk),
    }


def _failed_job():
    """A failed background job for the Background work page's retry and cancel routes."""
    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED, args_kwargs={"args": [], "kwargs": {}},
        backend_name="default", task_path="observatory.operations.tasks.prune_task_results",
        run_after=timezone.now(), worker_ids=["fuzz"], exception_class_path="builtins.OSError")


def _register(review, user):
    """A register entry confirmed from the processed report, with a plan and an action."""
    from datetime import date

    from observatory.register import services

    entry = services.confirm(review, services.suggestions(review)[0].id, user)
    services.start_plan(review, date(2026, 1, 1), user)
    action = services.add_action(entry, user, description="Audit case files",
                                 lead_agency=term("agency", "police"),
                                 lead_role="Detective inspector", priority="medium")
    return entry, action


def _research(decider):
    """A research grant held by a researcher, with one checked results table."""
    from observatory.research.outputs import upload

    from .conftest import OWN_AREA
    from .research_support import make_grant

    researcher = make_user("researcher")
    grant = make_grant(researcher, decider, areas=[OWN_AREA], years=(2014, 2016))
    output = upload(grant, researcher, "Fuzz table", "t.csv", b"area,n\nNorth,12\nSouth,9\n")
    return grant, output


def _learning_world(users) -> dict[str, str]:
    """A published finding and a published briefing (slug 'fuzz', like the saved analysis)."""
    from observatory.learning import services as learning
    from observatory.learning.models import Briefing

    from .learning.helpers import coded_finding

    source = coded_finding("FUZZ-L1", users["analyst"])
    published, _ = learning.publish_finding(source, users["analyst"])
    briefing = learning.draft_briefing("issue_02", users["analyst"])
    Briefing.objects.filter(pk=briefing.pk).update(slug="fuzz")
    briefing.refresh_from_db()
    learning.approve_briefing(briefing, users["admin"])
    return {"learning_finding": str(published.pk), "source_finding": str(source.pk),
            "topic": "issue_02"}


def concrete(route: Route, values: dict[str, str]) -> str:
    """The route's path with real values for its path parameters."""

    def value(match: re.Match) -> str:
        name = match.group(2)
        if name == "pk" and "passages/" in route.pattern:
            return values["passage"]
        if route.pattern.startswith("learning/"):
            if name == "key":
                return values["topic"]
            if name == "pk":
                return values["source_finding" if "manage/findings/" in route.pattern
                              else "learning_finding"]
        return values.get(name, "1")

    return "/" + CONVERTER.sub(value, route.pattern)
