"""Issue 5's 'Done means' in the browser: an analyst opens the national dashboard, filters
to one region and a year range, clicks a cell of the recommendations-by-agency table,
reaches the reviews and a highlighted passage; a public visitor sees the same table with
small numbers suppressed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import OTHER_AREA, add_document, assert_accessible, login, make_review, make_user
from .conftest import term as vocab_term

pytestmark = pytest.mark.browser


def _review_with_recommendations(reference: str, agencies: list[str], area: str, year: int):
    from datetime import date

    from observatory.ingestion.models import DocumentText, Passage, Recommendation
    from observatory.repository.models import Review

    review = make_review(reference, area=area)
    Review.objects.filter(pk=review.pk).update(decision_date=date(year, 3, 1),
                                               completion_date=date(year, 10, 1))
    document = add_document(review, "overview_report")
    version = document.versions.first()
    texts = [f"{i}. Agencies should share information about {reference} ({code})."
             for i, code in enumerate(agencies, start=1)]
    body = "\n\n".join(texts)
    DocumentText.objects.create(version=version, text=body, pages=[[1, 0, len(body)]],
                                parser="test", producer="test")
    start = 0
    for i, (code, text) in enumerate(zip(agencies, texts, strict=True)):
        end = start + len(text)
        Passage.objects.create(version=version, document=document, review=review, index=i,
                               page=1, start=start, end=end, producer="test",
                               kind="paragraph", text=text)
        Recommendation.objects.create(version=version, review=review, index=i, page=1,
                                      start=start, end=end, producer="test",
                                      number=str(i + 1), text=text,
                                      addressee=vocab_term("agency", code), confidence=0.9)
        start = end + 2


@pytest.fixture
def corpus():
    for i in range(6):  # Birmingham (West Midlands), 2014-2016
        _review_with_recommendations(f"WM-{i}", ["police", "police", "probation"] + (
            ["childrens_social_care"] if i < 2 else []), "E08000025", 2014 + i % 3)
    _review_with_recommendations("SW-1", ["police"], OTHER_AREA, 2015)  # Bristol
    _review_with_recommendations("WM-OLD", ["police"], "E08000025", 2009)


def test_analyst_drills_from_dashboard_to_highlighted_passage(page, live_server, corpus):
    make_user("ana", "analyst")
    login(page, live_server, "ana")
    page.goto(f"{live_server.url}/analysis/")
    expect(page.get_by_role("heading", name="National dashboard")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Filter the figures").click()
    page.get_by_label("Region", exact=True).select_option(label="West Midlands")
    # only years with reviews are offered
    page.get_by_label("Year of the decision to review from").select_option("2014")
    page.get_by_label("Year of the decision to review to").select_option("2016")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("6 reviews in scope")).to_be_visible()
    page.locator("#table-recommendations_by_agency summary").click()
    table = page.locator('table[data-table="recommendations_by_agency"]')
    police = table.get_by_role("row", name="Police")
    expect(police.get_by_role("cell").first).to_have_text("12")
    # analysts see the small numbers, marked as what public output would hide
    expect(table.get_by_role("row", name="Children's social care")).to_contain_text("2")
    police.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Reviews behind the figure")).to_be_visible()
    expect(page.get_by_text("6 reviews.")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("SW-1")).to_have_count(0)
    expect(page.get_by_text("WM-OLD")).to_have_count(0)
    page.locator("a.obs-evidence").first.click()
    mark = page.locator("mark#mark")
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("Agencies should share information")


def test_public_sees_the_same_table_with_small_numbers_suppressed(page, live_server, corpus):
    page.goto(f"{live_server.url}/analysis/?region=E12000005&year_from=2014&year_to=2016")
    expect(page.get_by_text("small numbers are suppressed").first).to_be_visible()
    # The dashboard is an overview: each table is one click away.
    page.locator("#table-recommendations_by_agency summary").click()
    table = page.locator('table[data-table="recommendations_by_agency"]')
    csc = table.get_by_role("row", name="Children's social care")
    expect(csc.get_by_role("cell").first).to_have_text("c")
    expect(csc.get_by_role("link")).to_have_count(0)
    expect(table.get_by_role("row", name="Police").get_by_role("link").first).to_be_visible()
    assert_accessible(page)


def test_a_visitor_finds_a_recoded_area_by_typing_its_name(page, live_server, corpus):
    for i in range(5):  # filed under Sheffield's code before May 2025
        _review_with_recommendations(f"SHF-{i}", ["police"], "E08000019", 2015)
    page.goto(f"{live_server.url}/analysis/")
    page.get_by_text("Filter the figures").click()
    box = page.get_by_label("Type to find a local area")
    box.fill("Sheffield")  # the type-ahead sets the select to the one place 'Sheffield'
    expect(page.get_by_label("Local area", exact=True)).to_have_value("E08000039")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("5 reviews in scope")).to_be_visible()
    expect(page.get_by_text("ONS codes E08000019 until April 2025")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/analysis/?local_authority=Nowhere")
    expect(page.get_by_text("is not a local area we know")).to_be_visible()
