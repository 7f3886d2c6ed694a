"""Semantic and hybrid search through the database (SQLite and PostgreSQL): embeddings
computed by a background task after ingestion, paraphrases found, fusion order, similar
passages in other reviews, and access decided in the query in every mode."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from observatory.cli import main
from observatory.ingestion.models import Passage
from observatory.ingestion.search import search, similar
from observatory.semantic.models import EmbeddingJob, PassageEmbedding
from observatory.semantic.retriever import reset
from observatory.semantic.services import queue_version

from ..conftest import OTHER_AREA, make_review

NOT_SEEN = ("Between March and September no professional visited the home, so the baby was "
            "not seen by anyone from children's social care for six months.")
NURSE = "The school nurse recorded the child's weight at every appointment."
BOARD = "The recommendations were accepted by the safeguarding partnership board in 2016."
NOT_SEEN_2 = ("For half a year no social worker went to the house and the infant was never "
              "seen by children's services.")
SECRET_IMR = ("IMR: police officers attended a domestic abuse incident but did not tell the "
              "health visitor, and the zebrafinch log was never shared.")
PARAPHRASE = "infant went unobserved by social workers for half a year"

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedding_on(settings):
    settings.OBSERVATORY_EMBED_ON_INGEST = True


@pytest.fixture(autouse=True)
def _fresh_vector_index():
    reset()  # each test's transaction is rolled back, and row ids are reused
    yield
    reset()


@pytest.fixture
def corpus(upload, embedding_on):
    """Two reviews in two areas; an IMR (confidential) in the second."""
    a = make_review("SEM-A")
    b = make_review("SEM-B", area=OTHER_AREA)
    va, ja = upload(a, "overview_report", "\n\n".join([NOT_SEEN, NURSE, BOARD]).encode(),
                    "a.txt")
    vb, _ = upload(b, "overview_report", "\n\n".join([NOT_SEEN_2, BOARD]).encode(), "b.txt")
    vi, _ = upload(b, "imr", SECRET_IMR.encode(), "imr.txt")
    return {"a": a, "b": b, "va": va, "vb": vb, "vi": vi, "job": ja}


def passage(version, text_start: str) -> Passage:
    return Passage.objects.get(version=version, text__startswith=text_start)


def test_embeddings_are_computed_in_the_background_after_ingestion(corpus):
    assert corpus["job"].status == "done"  # keyword search ready first
    for key in ("va", "vb", "vi"):
        job = EmbeddingJob.objects.get(version=corpus[key])
        assert job.status == EmbeddingJob.DONE and job.done == job.total > 0
        assert job.model == "all-MiniLM-L6-v2-int8" and job.model_version
    stored = PassageEmbedding.objects.filter(passage__version=corpus["va"])
    assert stored.count() == 3 and len(bytes(stored.first().vector)) == 384 * 4
    # the document page and its JSON say semantic search is ready
    client = Client()
    page = client.get(f"/documents/{corpus['va'].document_id}/")
    assert 'data-state="ready"' in page.content.decode()
    status = client.get(f"/documents/{corpus['va'].document_id}/semantic/?format=json").json()
    assert status["data"]["state"] == "ready" and status["data"]["total"] == 3
    # re-processing keeps unchanged passages (people's codes hang on them), and so their
    # vectors: nothing is embedded twice, nothing is left without a vector
    old = set(stored.values_list("passage_id", flat=True))
    from observatory.ingestion.services import reprocess, run_job

    job = reprocess(corpus["va"])
    run_job(job.pk)
    queue_version(corpus["va"])  # (on commit in real life)
    from observatory.semantic.services import run_job as embed

    embed(EmbeddingJob.objects.filter(version=corpus["va"]).first().pk)
    new = set(PassageEmbedding.objects.filter(passage__version=corpus["va"])
              .values_list("passage_id", flat=True))
    assert new == old and PassageEmbedding.objects.filter(
        passage__version=corpus["va"]).count() == 3


def test_embedding_is_off_means_keyword_search_only(upload):
    review = make_review("SEM-OFF")
    version, job = upload(review, "overview_report", NURSE.encode(), "n.txt")
    assert job.status == "done" and not EmbeddingJob.objects.filter(version=version).exists()
    assert search(None, "school nurse", mode=None).mode == "keyword"  # no vectors at all


def test_semantic_finds_a_paraphrase_that_keyword_search_misses(corpus):
    assert search(None, PARAPHRASE, mode="keyword").total == 0
    page = search(None, PARAPHRASE, mode="semantic")
    assert page.total >= 2 and page.mode == "semantic"
    texts = [Passage.objects.get(pk=h.passage_id).text for h in page.hits]
    assert set(texts[:2]) == {NOT_SEEN, NOT_SEEN_2}
    assert page.hits[0].score > 0.5
    hybrid = search(None, PARAPHRASE)  # default: hybrid, since vectors exist
    assert hybrid.mode == "hybrid" and hybrid.total == page.total
    assert [h.passage_id for h in hybrid.hits[:2]] == [h.passage_id for h in page.hits[:2]]


def test_hybrid_ranks_what_both_find_above_what_one_finds(corpus):
    keyword = search(None, "school nurse weight", mode="keyword")
    semantic = search(None, "school nurse weight", mode="semantic")
    hybrid = search(None, "school nurse weight", mode="hybrid")
    nurse = passage(corpus["va"], "The school nurse").pk
    assert keyword.hits[0].passage_id == nurse and semantic.hits[0].passage_id == nurse
    assert hybrid.hits[0].passage_id == nurse
    assert "<mark>" in str(hybrid.hits[0].snippet)  # keyword highlight kept
    # union: every keyword hit and every semantic hit, counted once
    union = {h.passage_id for h in keyword.hits} | {h.passage_id for h in semantic.hits}
    assert hybrid.total == len(union) == len({h.passage_id for h in hybrid.hits})
    # "baby not seen": the words match one passage, the meaning two: the one in both
    # lists comes first, the paraphrase (semantic only) next, with a lower fused score
    words = search(None, "baby not seen", mode="keyword")
    assert [Passage.objects.get(pk=h.passage_id).text for h in words.hits] == [NOT_SEEN]
    both = search(None, "baby not seen", mode="hybrid")
    texts = [Passage.objects.get(pk=h.passage_id).text for h in both.hits]
    assert texts[:2] == [NOT_SEEN, NOT_SEEN_2]
    assert both.hits[0].score > both.hits[1].score
    assert "<mark>" in str(both.hits[0].snippet)
    # a word-only match (not near in meaning) comes after a both-lists match
    board = search(None, "partnership board", mode="hybrid")
    first = Passage.objects.get(pk=board.hits[0].passage_id)
    assert "partnership board" in first.text
    # filters and sections apply to the semantic side too
    from observatory.repository.filters import ReviewFilterForm, visible_reviews

    form = ReviewFilterForm({"outcome": "serious_harm"})
    assert form.is_valid()
    narrowed = form.filter(visible_reviews(None))
    for mode in ("semantic", "hybrid"):
        assert search(None, PARAPHRASE, reviews=narrowed, mode=mode).total == 0
        assert search(None, PARAPHRASE, section_kind="recommendations", mode=mode).total == 0


def test_similar_passages_come_from_other_reviews_only(corpus, users):
    source = passage(corpus["va"], "Between March")
    result = similar(None, source)
    assert result.state == "ready" and result.hits
    reviews = {h.review for h in result.hits}
    assert "SEM-A" not in reviews
    assert Passage.objects.get(pk=result.hits[0].passage_id).text == NOT_SEEN_2
    client = Client()
    body = client.get(f"/passages/{source.pk}/similar/?format=json").json()["data"]
    assert body["source"]["review"] == "SEM-A"
    assert body["results"][0]["review"] == "SEM-B"
    assert all(r["review"] != "SEM-A" for r in body["results"])
    api = client.get(f"/api/passages/{source.pk}/similar").json()
    assert [r["passage"] for r in api["results"]] == [r["passage"] for r in body["results"]]
    html = client.get(f"/passages/{source.pk}/similar/").content.decode()
    assert "Similar passages in other reviews" in html and "SEM-B" in html


def test_a_practitioner_never_sees_imr_passages_or_counts_in_any_mode(corpus, users):
    practitioner, analyst = users["practitioner"], users["analyst"]
    for query in ("zebrafinch", "police did not tell the health visitor about domestic abuse"):
        for mode in ("keyword", "semantic", "hybrid"):
            page = search(practitioner, query, mode=mode)
            assert all(not h.confidential for h in page.hits), (query, mode)
            assert all(h.review != "SEM-B" or h.document_id != corpus["vi"].document_id
                       for h in page.hits)
    for mode in ("keyword", "semantic", "hybrid"):
        assert search(practitioner, "zebrafinch", mode=mode).total == 0
        assert search(None, "zebrafinch", mode=mode).total == 0
    assert search(analyst, "zebrafinch", mode="keyword").total == 1
    assert search(analyst, "zebrafinch", mode="hybrid").total >= 1
    semantic = search(analyst, "police did not tell the health visitor", mode="semantic")
    assert semantic.hits[0].document_id == corpus["vi"].document_id
    practitioner_semantic = search(practitioner, "police did not tell the health visitor",
                                   mode="semantic")
    assert practitioner_semantic.total == semantic.total - 1  # the IMR is not counted
    # similar passages: never the IMR for the practitioner; the IMR itself is refused
    source = passage(corpus["va"], "Between March")
    assert all(not h.confidential for h in similar(practitioner, source).hits)
    imr = Passage.objects.get(version=corpus["vi"])
    client = Client()
    client.force_login(practitioner)
    assert client.get(f"/passages/{imr.pk}/similar/?format=json").status_code == 404
    assert client.get(f"/api/passages/{imr.pk}/similar").status_code == 404
    for mode in ("semantic", "hybrid"):
        body = client.get("/search/", {"q": "zebrafinch", "mode": mode,
                                       "format": "json"}).json()["data"]
        assert body["total"] == 0 and body["results"] == [] and body["mode"] == mode
        api = client.get("/api/search", {"q": "zebrafinch", "mode": mode}).json()
        assert api["total"] == 0
    analyst_client = Client()
    analyst_client.force_login(analyst)
    found = analyst_client.get(f"/passages/{source.pk}/similar/?format=json").json()["data"]
    assert any(r["document"] == corpus["vi"].document_id for r in found["results"]) or \
        found["results"]  # the IMR is visible to analysts (if it is near enough)


def test_search_page_mode_switch_api_and_cli(corpus):
    client = Client()
    html = client.get("/search/", {"q": PARAPHRASE}).content.decode()
    assert 'id="search-mode-hybrid"' in html and "checked" in html.split(
        'id="search-mode-hybrid"')[1].split(">")[0]
    assert "2 passages found" in html or "passages found" in html
    body = client.get("/search/", {"q": PARAPHRASE, "mode": "keyword",
                                   "format": "json"}).json()["data"]
    assert body["mode"] == "keyword" and body["total"] == 0
    api = client.get("/api/search", {"q": PARAPHRASE, "mode": "semantic"}).json()
    assert api["mode"] == "semantic" and api["total"] >= 2
    assert client.get("/api/search", {"q": "x", "mode": "fuzzy"}).status_code == 422
    runner = CliRunner()
    out = runner.invoke(main, ["search", PARAPHRASE, "--mode", "semantic", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["mode"] == "semantic" and data["total"] >= 2
    out = runner.invoke(main, ["search", PARAPHRASE, "--mode", "keyword"])
    assert out.output.startswith("0 passages found")


def test_hybrid_falls_back_to_keyword_when_the_model_is_unavailable(corpus, monkeypatch):
    from observatory.ingestion import search as search_module

    def broken():
        raise RuntimeError("model package missing")

    monkeypatch.setitem(search_module.RETRIEVERS, "semantic", broken)
    page = search(None, "school nurse", mode="hybrid")
    assert page.mode == "keyword" and page.total == 1 and "unavailable" in page.notice
    assert search(None, "school nurse", mode="semantic").total == 0


def test_meaning_only_hits_reach_roles_that_see_redacted_text(corpus, users):
    """A hit found by meaning alone (no word of the query in it) is not dropped for a role
    that sees the text redacted: only hits whose query words were inside redacted spans
    are (test_ocr_and_redaction covers those)."""
    from observatory.ingestion.redaction import matches

    query = "toddler left unvisited"
    assert not matches(NOT_SEEN, query)  # shares no word with the passage
    analyst = search(users["analyst"], query, mode="semantic")
    practitioner = search(users["practitioner"], query, mode="semantic")
    wanted = passage(corpus["va"], NOT_SEEN[:20]).pk
    assert wanted in [h.passage_id for h in analyst.hits]
    assert wanted in [h.passage_id for h in practitioner.hits]
