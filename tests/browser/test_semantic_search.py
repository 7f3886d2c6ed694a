"""Hybrid search in the browser: search by meaning, open a result in the document viewer,
then follow 'Similar passages in other reviews' to a passage of another review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    OTHER_AREA,
    add_document,
    assert_accessible,
    login,
    make_review,
    make_user,
)

pytestmark = pytest.mark.browser

NOT_SEEN = ("Between March and September no professional visited the home, so the baby was "
            "not seen by anyone from children's social care for six months.")
NOT_SEEN_2 = ("For half a year no social worker went to the house and the infant was never "
              "seen by children's services.")
OTHER = "The recommendations were accepted by the safeguarding partnership board in 2016."


@pytest.fixture
def reviews(settings):
    from observatory.semantic.models import EmbeddingJob
    from observatory.semantic.retriever import reset

    reset()
    settings.OBSERVATORY_EMBED_ON_INGEST = True
    make_user("prac", "practitioner")
    a = make_review("SEM-BR-A", title="Child A (browser)")
    b = make_review("SEM-BR-B", area=OTHER_AREA, title="Child B (browser)")
    add_document(a, "overview_report", f"{NOT_SEEN}\n\n{OTHER}".encode(), "a.txt",
                 title="Overview report of Child A")
    add_document(b, "overview_report", f"{NOT_SEEN_2}\n\n{OTHER}".encode(), "b.txt",
                 title="Overview report of Child B")
    add_document(b, "imr", b"IMR: for half a year the infant was not seen at home.", "i.txt",
                 title="IMR of children's social care")
    assert EmbeddingJob.objects.filter(status="done").count() == 3
    yield a, b
    reset()


def test_hybrid_search_open_result_and_similar_passages(page, live_server, reviews):
    base = live_server.url
    login(page, live_server, "prac")
    page.goto(f"{base}/search/")
    page.get_by_label("Words or a \"quoted phrase\"").fill(
        "baby went unobserved by social workers for half a year")
    page.get_by_label("Words and meaning").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("passages found")
    expect(page.get_by_label("Words and meaning")).to_be_checked()
    assert_accessible(page)
    results = page.locator(".obs-result")
    expect(results.first).to_contain_text("Overview report of Child")
    expect(page.locator("main")).not_to_contain_text("IMR of children")  # practitioner
    first = results.first.get_by_role("link").first
    title = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(r"/documents/\d+/text/\?version=1&page=1#p-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{anchor}")).to_contain_text("half a year" if "Child B" in title
                                                       else "six months")
    page.locator(f"#{anchor} + .obs-similar-link a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Similar passages in other reviews")
    similar = page.locator("#similar-results .obs-result")
    expect(similar.first).to_be_visible()
    own = "SEM-BR-B" if "Child B" in title else "SEM-BR-A"
    other = "SEM-BR-A" if own == "SEM-BR-B" else "SEM-BR-B"
    expect(similar.first).to_contain_text(other)
    expect(page.locator("#similar-results")).not_to_contain_text(own + ":")
    expect(page.locator("main")).not_to_contain_text("IMR of children")
    assert_accessible(page)
