"""A visitor who is not signed in sees published reviews only, and can filter them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import OTHER_AREA, make_review

pytestmark = pytest.mark.browser


def listed_references(page) -> list[str]:
    return page.locator("table.govuk-table tbody tr td:first-child a").all_inner_texts()


def test_public_sees_published_reviews_and_filters_by_outcome(page, live_server):
    make_review("PUB-DEATH-1", outcome="death", title="Child A (published)")
    make_review("PUB-HARM-2", outcome="serious_harm", area=OTHER_AREA,
                title="Child B (published)")
    make_review("PUB-HARM-3", outcome="serious_harm", title="Child C (published)")
    make_review("UNPUB-DEATH-4", outcome="death", published=False, title="Child D (draft)")
    make_review("FUTURE-HARM-5", outcome="serious_harm", title="Child E (embargoed)",
                published=False)
    from observatory.repository.models import Review

    # Publication dated in the future: not yet published.
    Review.objects.filter(reference="FUTURE-HARM-5").update(
        publication_date=date.today() + timedelta(days=30))

    page.goto(live_server.url + "/")
    expect(page.locator(".govuk-phase-banner__text")).to_contain_text("not signed in")
    expect(page.locator("main")).to_contain_text("You can see 3 reviews")
    page.get_by_role("link", name="Find reviews").click()

    expect(page).to_have_url(f"{live_server.url}/reviews/")
    expect(page.locator("#result-count")).to_have_text("3 reviews.")
    assert sorted(listed_references(page)) == ["PUB-DEATH-1", "PUB-HARM-2", "PUB-HARM-3"]
    expect(page.locator("main")).not_to_contain_text("Not published")
    expect(page.get_by_role("link", name="Register a review")).to_have_count(0)
    for hidden in ("UNPUB-DEATH-4", "FUTURE-HARM-5", "Child D", "Child E"):
        expect(page.locator("main")).not_to_contain_text(hidden)

    # Filter by outcome through the form.
    page.get_by_text("Show filters").click()
    page.get_by_label("Outcome for the child").select_option(label="Serious harm")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]outcome=serious_harm(&|$)"))
    expect(page.locator("#result-count")).to_have_text("2 reviews match your filters.")
    assert sorted(listed_references(page)) == ["PUB-HARM-2", "PUB-HARM-3"]
    for row in page.locator("table.govuk-table tbody tr").all():
        expect(row.locator("td").nth(2)).to_have_text("Serious harm")
    expect(page.locator("main .govuk-tag--grey")).to_contain_text("Serious harm")
    # The filters stay open and keep the choice.
    expect(page.locator("details.govuk-details")).to_have_attribute("open", "")
    expect(page.get_by_label("Outcome for the child")).to_have_value("serious_harm")

    page.get_by_label("Outcome for the child").select_option(label="Death")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("1 review matches your filters.")
    assert listed_references(page) == ["PUB-DEATH-1"]

    # The same list as JSON holds no more than the page.
    data = page.request.get(f"{live_server.url}/reviews/?format=json").json()["data"]
    assert sorted(r["reference"] for r in data["reviews"]) == [
        "PUB-DEATH-1", "PUB-HARM-2", "PUB-HARM-3"]

    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#result-count")).to_have_text("3 reviews.")

    # Unpublished reviews are "not found" to the public, not "forbidden".
    response = page.goto(f"{live_server.url}/reviews/UNPUB-DEATH-4/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Child D")
