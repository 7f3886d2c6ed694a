"""The list form of access (``accounts.scopes``) against ``can``, for every object kind.

A property test generates reviews (published long ago, today, in the future, never; in the
user's area and others), documents of every kind (confidential and not) and the rows
derived from them, and checks, for users of every role and area (and researchers holding
research grants: one active for one scope, one revoked and one expired), that each query filter
selects exactly the objects ``can`` allows, for every action. The search's raw SQL (the
``Allowed`` ids and the per-row ``EXISTS`` the FTS query runs) is held to the same answer.
A second test runs a real ingestion of a confidential report and checks the same on the
rows the pipeline wrote (the copied ``confidential`` column is what the filters read).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory.accounts.access import can
from observatory.accounts.scopes import documents_q, plans_q, reviews_q, rows_q, segments_q
from observatory.accounts.services import create_user
from observatory.coding.models import Code, Codebook, CodedSegment
from observatory.ingestion.models import Extraction, Passage, Recommendation
from observatory.ingestion.search import allowed_query
from observatory.register.models import Action, ActionPlan, RegisterEntry
from observatory.repository.models import Document, DocumentVersion, Review
from observatory.repository.services import store_version
from observatory.vocabularies.models import LocalAuthority, Term

from .conftest import OTHER_AREA, OWN_AREA, PASSWORD, term

THIRD_AREA = "E09000033"  # Westminster
ACTIONS = ("view", "download", "change", "delete")
KINDS = ("overview_report", "executive_summary", "action_plan", "imr", "chronology",
         "genogram", "unredacted_report", "other")
TODAY = date.today()
PUBLICATION = {"long ago": TODAY - timedelta(days=400), "today": TODAY,
               "tomorrow": TODAY + timedelta(days=1), "never": None}


@pytest.fixture
def people(db):
    """A user of every role; partnerships in two areas and one whose area was removed;
    an administrator; a deactivated analyst; the public (anonymous)."""
    made = {"public": AnonymousUser()}
    for name, role, area in (("practitioner", "practitioner", None),
                             ("partnership_own", "partnership", OWN_AREA),
                             ("partnership_other", "partnership", OTHER_AREA),
                             ("partnership_none", "partnership", THIRD_AREA),
                             ("analyst", "analyst", None), ("researcher", "researcher", None),
                             ("steering", "steering", None), ("admin", "admin", None),
                             ("inactive", "analyst", None)):
        made[name] = create_user(name, PASSWORD, role, area=area)
    made["partnership_none"].profile.local_authority = None
    made["partnership_none"].profile.save()
    made["inactive"].is_active = False
    made["inactive"].save()
    # Research grants: one active for the own area, 2015-2016, IMRs and executive summaries;
    # another person holds one revoked and one expired grant, each over everything a
    # researcher may ask for (so anything those opened would show).
    from .research_support import make_grant

    decider, everywhere = made["steering"], [OWN_AREA, OTHER_AREA, THIRD_AREA]
    every_kind = ["overview_report", "executive_summary", "action_plan", "imr", "chronology",
                  "other"]
    for name in ("granted", "ended"):
        made[name] = create_user(name, PASSWORD, "researcher")
    make_grant(made["granted"], decider, areas=[OWN_AREA], years=(2015, 2016),
               kinds=["imr", "executive_summary"])
    make_grant(made["ended"], decider, areas=everywhere, years=(2014, 2016), kinds=every_kind,
               revoked=True)
    make_grant(made["ended"], decider, areas=everywhere, years=(2014, 2016), kinds=every_kind,
               ends=TODAY - timedelta(days=1))
    return made


@pytest.fixture
def coding_setup(people):
    book = Codebook.objects.create(key="scope-test", name="Scope test", source="test")
    code = Code.objects.create(codebook=book, key="c1", name="Code one")
    return book, code, people["analyst"]


review_specs = st.lists(st.tuples(
    st.sampled_from([OWN_AREA, OTHER_AREA, THIRD_AREA]),
    st.sampled_from(sorted(PUBLICATION)),
    st.lists(st.sampled_from(KINDS), max_size=3),
    st.sampled_from([None, 2014, 2015, 2016, 2017])), min_size=1, max_size=4)


def build(specs, book, code, coder) -> None:
    """Reviews, documents with a version each, and one row of every derived kind per
    version (plus review-level extraction and code). Derived rows copy the document's
    review and confidentiality as ingestion does (``ingestion/services.save_result``)."""
    areas = {a.gss_code: a for a in LocalAuthority.objects.filter(
        gss_code__in=[OWN_AREA, OTHER_AREA, THIRD_AREA])}
    kinds = {t.code: t for t in Term.objects.filter(vocabulary__key="document_kind")}
    for n, (area, published, document_kinds, year) in enumerate(specs):
        review = Review.objects.create(reference=f"SCOPE-{n}", title=f"Review {n}",
                                       local_authority=areas[area],
                                       publication_date=PUBLICATION[published],
                                       decision_date=date(year, 3, 1) if year else None)
        Extraction.objects.create(review=review, field="outcome", key="outcome")
        CodedSegment.objects.create(codebook=book, codebook_version=1, code=code,
                                    review=review, target="review", coder=coder)
        entry = RegisterEntry.objects.create(review=review, text="text", origin="typed")
        plan = ActionPlan.objects.create(review=review, start_date=date(2026, 1, 1))
        Action.objects.create(entry=entry, plan=plan, description="d", lead_role="r",
                              priority="low", due_date=date(2026, 6, 1))
        for m, kind in enumerate(document_kinds):
            document = Document.objects.create(review=review, kind=kinds[kind],
                                               title=f"{kind} {n}.{m}")
            version = DocumentVersion.objects.create(
                document=document, number=1, sha256=f"{n}-{m}", size=1,
                original_filename="x.txt", media_type="text/plain",
                storage_area="confidential" if document.confidential else "published",
                path=f"x/{n}-{m}")
            Document.objects.filter(pk=document.pk).update(current_version=version)
            secret = document.confidential
            common = {"version": version, "index": 0, "page": 1, "start": 0, "end": 4,
                      "producer": "test"}
            passage = Passage.objects.create(document=document, review=review, kind="p",
                                             text="text", confidential=secret, **common)
            recommendation = Recommendation.objects.create(review=review, text="text",
                                                           confidence=1.0,
                                                           confidential=secret, **common)
            Extraction.objects.create(review=review, version=version, field="outcome",
                                      key="outcome", confidential=secret)
            for target, unit in (("passage", {"passage": passage}),
                                 ("recommendation", {"recommendation": recommendation})):
                CodedSegment.objects.create(codebook=book, codebook_version=1, code=code,
                                            review=review, version=version, target=target,
                                            confidential=secret, coder=coder, **unit)


def _segment_allowed(user, action: str, segment: CodedSegment) -> bool:
    """How the coding pages decide: the coding grant, and the document (or the review, for
    a whole-review code) must be visible."""
    on = segment.version.document if segment.version_id else segment.review
    return can(user, action, segment) and can(user, "view", on)


def check_agreement(people) -> None:
    families = [
        (Review.objects.select_related("local_authority"), reviews_q, can),
        (Document.objects.select_related("review", "kind"), documents_q, can),
        (DocumentVersion.objects.select_related("document__review", "document__kind"),
         lambda u, a: documents_q(u, a, prefix="document__"), can),
        (Passage.objects.select_related("version__document__review", "version__document__kind"),
         rows_q, can),
        (Recommendation.objects.select_related("version__document__review",
                                               "version__document__kind"), rows_q, can),
        (Extraction.objects.select_related("review", "version__document__review",
                                           "version__document__kind"),
         lambda u, a: rows_q(u, a, nullable_version=True), can),
        (CodedSegment.objects.select_related("review", "version__document__review",
                                             "version__document__kind"),
         segments_q, _segment_allowed),
        (RegisterEntry.objects.select_related("review"), plans_q, can),
        (Action.objects.select_related("plan__review"),
         lambda u, a: plans_q(u, a, prefix="plan__review__"), can),
    ]
    for name, user in people.items():
        for action in ACTIONS:
            for rows, scope, decide in families:
                expected = {obj.pk for obj in rows if decide(user, action, obj)}
                found = set(rows.model.objects.filter(scope(user, action))
                            .values_list("pk", flat=True))
                assert found == expected, (name, action, rows.model.__name__)
        # The search's SQL: the allowed ids as raw SQL, and the per-candidate EXISTS
        # (``Allowed.among``) the FTS queries run inside.
        every = list(Passage.objects.values_list("pk", flat=True))
        expected = {p.pk for p in Passage.objects.select_related(
            "version__document__review", "version__document__kind") if can(user, "view", p)}
        allowed = allowed_query(user)
        with connection.cursor() as cursor:
            cursor.execute(allowed.sql, allowed.params)
            assert {row[0] for row in cursor.fetchall()} == expected, name
        assert allowed.among(every) == expected, name


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(specs=review_specs)
def test_every_filter_agrees_with_can(people, coding_setup, specs):
    book, code, coder = coding_setup
    with transaction.atomic():
        build(specs, book, code, coder)
        check_agreement(people)
        transaction.set_rollback(True)


IMR = """Individual Management Review: health visiting

Introduction

The health visitor saw the family on four occasions in 2014.

Recommendations

1. The health trust should ensure that all staff record every home visit.
"""


@pytest.mark.django_db(transaction=False)
def test_rows_written_by_ingestion_agree_with_can(people, django_capture_on_commit_callbacks):
    """The pipeline copies the document's confidentiality onto what it derives; the
    filters read that copy, so they must agree with ``can`` on real rows too."""
    from .conftest import make_review

    for reference, area, published, kind in (("ING-1", OWN_AREA, False, "imr"),
                                             ("ING-2", OTHER_AREA, True, "chronology"),
                                             ("ING-3", OTHER_AREA, True, "overview_report")):
        review = make_review(reference, area=area, published=published)
        with django_capture_on_commit_callbacks(execute=True):
            store_version(review=review, kind=term("document_kind", kind),
                          filename="report.txt", stream=io.BytesIO(IMR.encode()))
    assert Passage.objects.filter(confidential=True).exists()
    assert Recommendation.objects.filter(confidential=True).exists()
    check_agreement(people)
