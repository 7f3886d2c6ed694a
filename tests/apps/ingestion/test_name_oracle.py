"""The name oracle: for a role that sees a document only redacted, a search hit is dropped,
and not counted, whenever ANY of the query's words is in the passage only inside redacted
spans, whatever else matches. So a name finds nothing alone or with common words, and the
answer for a name that is in a review is the same as for a name that is not."""

from __future__ import annotations

import pytest
from django.test import Client

from observatory.ingestion.redaction import dropped
from observatory.ingestion.search import search

from ..conftest import make_review, review_redaction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_vector_index():
    """Each test's transaction is rolled back and row ids are reused: the in-memory vector
    index must not keep another test's passages."""
    from observatory.semantic.retriever import reset

    reset()
    yield
    reset()

NAME = "Kelly Marie Campbell"
TEXT = (f"Overview report\n\n1. Contact with the family\n\n1.1 {NAME} was seen by the health "
        "visitor at home. Kelly missed the assessment at the clinic.\n\n1.2 The health "
        "visitor made an assessment of the home and the clinic shared it.\n").encode()
QUERIES = ["Kelly health", "Campbell assessment", "Kelly home visitor", '"Kelly" clinic',
           "Kelly clinic", "Campbell health visitor", "Kelly Marie Campbell clinic"]


def test_a_hit_is_dropped_when_any_word_is_only_inside_redaction():
    stored = "Kelly missed the assessment at the clinic."
    shown = "[REDACTED: name] missed the assessment at the clinic."
    assert dropped(shown, stored, "Kelly")
    assert dropped(shown, stored, "Kelly assessment")  # a common word no longer saves it
    assert dropped(shown, stored, "assessments kelly clinic")
    assert not dropped(shown, stored, "assessments clinic")  # stemmed words still match
    assert not dropped(shown, stored, "Annual assessment")  # not in the passage at all
    assert dropped("", stored, "clinic")  # nothing may be shown
    # 'name OR word' is judged on what the user sees: found for the word, as without the name.
    assert not dropped(shown, stored, "Kelly OR clinic")
    assert dropped(shown, stored, "Kelly assessment OR zebra")
    # A word that is also outside the redacted span stays visible: not dropped for it.
    assert not dropped("[REDACTED: name] saw Kelly's file", "Kelly Smith saw Kelly's file",
                       "Kelly")


@pytest.fixture
def reviewed(upload, settings):
    settings.OBSERVATORY_EMBED_ON_INGEST = True
    version, job = upload(make_review("ORACLE-1"), "overview_report", TEXT, filename="r.txt")
    assert job.status == "done", job.message
    review_redaction(version)
    return version


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_names_with_common_words_find_nothing_for_redacted_roles(reviewed, users, mode):
    """The passage holding the name is never returned or counted when the query has the
    name, in any mode; in keyword mode the name with common words finds nothing at all."""
    from observatory.ingestion.models import Passage
    from observatory.ingestion.search import SemanticUnavailable, semantic_retriever

    if mode != "keyword":
        try:
            semantic_retriever()
        except SemanticUnavailable:
            pytest.skip("no semantic model in this environment")
    named = Passage.objects.get(version=reviewed, text__contains=NAME).pk
    practitioner, analyst = users["practitioner"], users["analyst"]
    for query in QUERIES:
        page = search(practitioner, query, mode=mode)
        assert named not in {h.passage_id for h in page.hits}, (mode, query)
        assert all("Kelly" not in str(h.snippet) for h in page.hits)
        assert page.total == len(page.hits), (mode, query)  # nothing hidden is counted
        if mode == "keyword":
            assert page.total == 0 and page.hits == [], (mode, query, page.hits)
        # The analyst (who may see the unredacted text) finds it with the name.
        assert named in {h.passage_id for h in search(analyst, query, mode=mode).hits}, query
    common = search(practitioner, "health visitor assessment", mode=mode)
    assert common.total >= 1 and all("Kelly" not in str(h.snippet) for h in common.hits)


def test_a_name_that_is_there_answers_like_a_name_that_is_not(reviewed, users):
    """Same totals through the page and the API, for a present and an absent name, alone,
    with common words, and with OR."""
    client = Client()
    client.force_login(users["practitioner"])
    for present, absent in (("Kelly health", "Zebedee health"),
                            ("Campbell assessment clinic", "Grimshaw assessment clinic"),
                            ("Kelly OR clinic", "Zebedee OR clinic"),
                            ("Kelly", "Zebedee")):
        answers = []
        for query in (present, absent):
            api = client.get("/api/search", {"q": query, "mode": "keyword"}).json()
            page = client.get("/search/", {"q": query, "mode": "keyword",
                                           "format": "json"}).json()["data"]
            answers.append((api["total"], len(api["results"]), page["total"],
                            len(page["results"])))
        assert answers[0] == answers[1], (present, answers)
