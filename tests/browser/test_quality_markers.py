"""The Quality Marker dialogue, as the people of a review use it: the business manager
starts it and records the setting-up markers with the chair; the lead reviewer, during the
review, links a passage of the draft report to marker 13 (analysis) and records an obstacle;
at the end the business manager exports the board summary (the PDF rendered to images and
read, the DOCX opened) with the timeline across the three stages. The national table counts
the obstacle (suppressed for a public visitor); another partnership cannot open the dialogue.
Every new page is checked with axe."""

from __future__ import annotations

import io

import pytest
from docx import Document as Docx
from playwright.sync_api import expect

from .conftest import (
    OWN_AREA,
    add_document,
    assert_accessible,
    login,
    make_review,
    make_user,
)

pytestmark = pytest.mark.browser
OTHER_AREA = "E06000023"
DRAFT = (b"Draft overview report\n\nAnalysis\n\nSupervision of the health visitor was rarely "
         b"recorded, and nobody asked why the visits had stopped.\n\nRecommendations\n\n"
         b"1. The partnership should audit supervision records.\n")


def new_page(browser):
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def record_reflection(page, where: str, *, hard: bool = False) -> None:
    page.get_by_label("Where are we on this marker? In your own words").fill(where)
    if hard:
        page.get_by_label("We are finding this marker hard").check()
    page.get_by_role("button", name="Save your reflections").click()
    expect(page.locator(".govuk-notification-banner, .govuk-summary-card").first).to_be_visible()


def test_quality_marker_dialogue_journey(page, browser, live_server):
    import pypdfium2

    for name in ("manager", "chair", "lead"):
        make_user(name, "partnership", OWN_AREA)
    make_user("elsewhere", "partnership", OTHER_AREA)
    review = make_review("BHAM-QM-1", published=False, title="Child M (quality)")
    add_document(review, "overview_report", DRAFT, "draft.txt", title="Draft overview report")
    base = live_server.url

    # Anyone reads the markers; what is not known yet says so.
    page.goto(f"{base}/quality-markers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality Markers for case reviews")
    assert_accessible(page)
    page.get_by_role("link", name="1. Referral").click()
    expect(page.get_by_text("Not yet available").first).to_be_visible()
    assert_accessible(page)

    # The business manager starts the dialogue from the review's page.
    login(page, live_server, "manager")
    page.goto(f"{base}/reviews/BHAM-QM-1/")
    expect(page.get_by_role("table", name="Statutory timescales")).to_be_visible()
    page.get_by_role("link", name="Start the Quality Marker dialogue").click()
    assert_accessible(page)
    page.get_by_label("Business manager").check()
    page.get_by_role("button", name="Start the dialogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality Marker dialogue")
    for who, role in (("chair", "Independent chair"), ("lead", "Lead reviewer")):
        page.get_by_text("Add a participant").click()
        page.get_by_label("Their user name").fill(who)
        page.get_by_label("Their role in this review").select_option(label=role)
        page.get_by_role("button", name="Add the participant").click()
    expect(page.get_by_text("lead (Lead reviewer)", exact=True)).to_be_visible()
    assert_accessible(page)
    stage = page.get_by_role("heading", name="At the start").locator(
        "xpath=following-sibling::ul[1]")
    stage.get_by_role("link", name="1. Referral").click()
    record_reflection(page, "Referred within a week, reason written down")
    assert_accessible(page)

    # The chair records marker 2 and comments on the manager's reflection.
    chair = new_page(browser)
    login(chair, live_server, "chair")
    chair.goto(f"{base}/reviews/BHAM-QM-1/quality/start/2/")
    record_reflection(chair, "The decision took five weeks", hard=True)
    chair.goto(f"{base}/reviews/BHAM-QM-1/quality/start/1/")
    chair.get_by_label("Your comment as chair").fill("Good practice to share")
    chair.get_by_role("button", name="Add the comment").click()
    expect(chair.get_by_text("Good practice to share")).to_be_visible()
    chair.context.close()

    # During the review the lead reviewer links a passage of the draft to marker 13.
    lead = new_page(browser)
    login(lead, live_server, "lead")
    lead.goto(f"{base}/reviews/BHAM-QM-1/quality/during/13/")
    lead.get_by_label("Find a passage in this review's documents").fill("supervision")
    lead.get_by_role("button", name="Find passages").click()
    lead.get_by_role("button", name="Link this passage").first.click()
    expect(lead.get_by_text("Evidence linked")).to_be_visible()
    expect(lead.locator("q").first).to_contain_text("Supervision of the health visitor")
    lead.get_by_label("There is no standard supervision for lead reviewers: discuss the "
                      "options with them.").check()
    record_reflection(lead, "Analysis under way; supervision is the sticking point", hard=True)
    assert_accessible(lead)
    lead.context.close()

    # At the end the business manager reflects on marker 18 and exports the board summary.
    page.goto(f"{base}/reviews/BHAM-QM-1/quality/end/18/")
    record_reflection(page, "Actions in the business plan")
    page.goto(f"{base}/reviews/BHAM-QM-1/quality/timeline/")
    assert_accessible(page)
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="download as PDF").click()
    pdf = pypdfium2.PdfDocument(pdf_download.value.path().read_bytes())
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for words in ("At the start", "During the review", "At the end",
                  "Quality Marker 13: Analysis", "Supervision of the health visitor",
                  "Good practice to share"):
        assert words in " ".join(text.split()), words
    image = pdf[0].render(scale=1).to_pil()
    assert image.convert("L").getextrema()[0] < 100  # the page shows dark text, not blank
    with page.expect_download() as docx_download:
        page.get_by_role("link", name="as DOCX").click()
    docx = Docx(io.BytesIO(docx_download.value.path().read_bytes()))
    headings = [p.text for p in docx.paragraphs if p.style.name.startswith("Heading")]
    assert "Quality Marker 13: Analysis" in headings
    assert {"At the start", "During the review", "At the end"} <= set(headings)

    # Nationally the obstacle is counted; a public visitor sees it suppressed.
    page.goto(f"{base}/quality-markers/learning/")
    expect(page.get_by_role("heading", name="Your partnership's reviews")).to_be_visible()
    visitor = new_page(browser)
    visitor.goto(f"{base}/quality-markers/learning/")
    row = visitor.get_by_role("row").filter(has_text="There is no standard supervision")
    expect(row.get_by_label("suppressed").first).to_have_text("c")
    assert_accessible(visitor)
    visitor.context.close()

    # Another partnership's user cannot open the dialogue, by page or JSON.
    other = new_page(browser)
    login(other, live_server, "elsewhere")
    for path in ("/reviews/BHAM-QM-1/quality/", "/reviews/BHAM-QM-1/quality/timeline/",
                 "/reviews/BHAM-QM-1/quality/during/13/?format=json",
                 "/reviews/BHAM-QM-1/quality/summary.pdf"):
        assert other.request.get(base + path).status == 404, path
    other.context.close()
