"""A two-round Delphi study in a real browser: the organiser sets it up, two participants
answer round 1 by personal link, each sees their own answer and the group's in round 2, and
the results table and chart show consensus as the rule says. axe checks the participant and
results pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, make_user

pytestmark = pytest.mark.browser


def _answer(page, statement: str, answer: str) -> None:
    group = page.get_by_role("group", name=re.compile(re.escape(statement)))
    group.get_by_label(answer, exact=True).check()


def test_two_round_study(page, browser, live_server):
    make_user("chair", "steering")
    base = live_server.url
    login(page, base, "chair")
    page.get_by_role("link", name="Consultations", exact=True).click()
    page.get_by_role("link", name="Create a study").click()
    page.get_by_label("Title of the study").fill("Learning from reviews")
    page.get_by_role("button", name="Create study").click()
    expect(page.locator("h1")).to_have_text("Learning from reviews")
    page.get_by_label("Section title").fill("Local learning")
    page.get_by_role("button", name="Add section").click()
    for text in ("Learning is best built into the review", "Blame gets in the way of learning"):
        page.get_by_label("Statement", exact=True).fill(text)
        page.get_by_role("button", name="Add statement").click()
        expect(page.get_by_text(text)).to_be_visible()
    page.get_by_role("button", name="Open round 1").click()
    expect(page.locator("#round-1-status")).to_contain_text("Open")

    page.get_by_role("link", name="Participants and links").click()
    page.get_by_label("How many personal links to make").fill("2")
    page.get_by_role("button", name="Make links").click()
    links = page.locator("#new-links code").all_inner_texts()
    assert len(links) == 2

    # Round 1: each participant answers by link (no account), on a phone-sized screen.
    phone = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        first, second = phone.new_page(), phone.new_page()
        first.goto(links[0])
        _answer(first, "Learning is best built into the review", "Agree")
        _answer(first, "Blame gets in the way of learning", "Mildly disagree")
        first.get_by_label("Comment on statement 2 (optional)").fill("Depends on the case")
        first.get_by_role("button", name="Save and come back later").click()
        expect(first.locator(".govuk-notification-banner")).to_contain_text("saved")
        first.goto(links[0])
        expect(first.get_by_label("Comment on statement 2 (optional)")).to_have_value(
            "Depends on the case")
        assert_accessible(first)
        first.get_by_role("button", name="Submit my answers").click()
        expect(first.get_by_text("Round 1 submitted")).to_be_visible()

        second.goto(links[1])
        _answer(second, "Learning is best built into the review", "Strongly agree")
        _answer(second, "Blame gets in the way of learning", "Agree")
        second.get_by_role("button", name="Submit my answers").click()
        expect(second.get_by_text("Round 1 submitted")).to_be_visible()

        # The organiser closes round 1, revises statement 2 and opens round 2.
        page.goto(f"{base}/consultations/")
        page.get_by_role("link", name="Learning from reviews", exact=True).click()
        page.get_by_role("button", name="Close round 1").click()
        page.get_by_role("button", name="Prepare round 2").click()
        page.get_by_role("link", name=re.compile("Edit statement 2")).click()
        page.get_by_label("Wording for this round").fill("Blame usually gets in the way")
        page.get_by_role("button", name="Save wording").click()
        page.get_by_role("button", name="Open round 2").click()
        expect(page.locator("#round-2-status")).to_contain_text("Open")

        # Round 2: each sees their own round-1 answer and the group's distribution.
        first.goto(links[0])
        feedback = first.locator(".obs-feedback")
        expect(feedback.nth(0).locator(".obs-own-answer")).to_have_text("Agree")
        expect(feedback.nth(1).locator(".obs-own-answer")).to_have_text("Mildly disagree")
        expect(feedback.nth(0).locator(".obs-group")).to_contain_text("Agree 50%")
        expect(feedback.nth(0).locator(".obs-group")).to_contain_text("Strongly agree 50%")
        expect(feedback.nth(1)).to_contain_text("the wording has changed")
        assert_accessible(first)
        second.goto(links[1])
        expect(second.locator(".obs-feedback").nth(0).locator(".obs-own-answer")
               ).to_have_text("Strongly agree")
        expect(second.locator(".obs-feedback").nth(1).locator(".obs-group")).to_contain_text(
            "Mildly disagree 50%")
        for participant in (first, second):
            _answer(participant, "Learning is best built into the review", "Agree")
            _answer(participant, "Blame usually gets in the way", "Mildly agree")
            participant.get_by_role("button", name="Submit my answers").click()
            expect(participant.get_by_text("Round 2 submitted")).to_be_visible()
        # A second submission is refused (the form is gone; a replayed post is refused).
        second.goto(links[1])
        expect(second.get_by_role("button", name="Submit my answers")).to_have_count(0)
    finally:
        phone.close()

    # Results under the default rule: statement 1 has 100% agree or strongly agree (>= 75%);
    # statement 2 has 100% mildly agree, which reaches the second threshold (>= 95%).
    page.goto(f"{base}/consultations/")
    page.get_by_role("link", name="Results of Learning from reviews").click()
    expect(page.locator("h1")).to_have_text("Round 2 results")
    rows = page.locator("table.obs-results tbody tr")
    expect(rows.nth(0).locator(".obs-consensus")).to_have_text("yes (agreement)")
    # Statement 2: everyone "mildly agree": 100% agreeing counting mildly (>= 95%).
    expect(rows.nth(1).locator(".obs-consensus")).to_have_text("yes (agreement)")
    chart = page.locator("svg.obs-chart")
    expect(chart).to_have_count(1)
    expect(chart.locator("desc")).to_contain_text("Statement 1: 0% disagreeing, 100% agreeing")
    assert chart.locator("text", has_text="1**").count() == 1
    expect(page.locator("#participation")).to_contain_text("100%")
    assert_accessible(page)
    page.get_by_role("link", name="Round 1").click()
    rows = page.locator("table.obs-results tbody tr")
    expect(rows.nth(0).locator(".obs-consensus")).to_have_text("yes (agreement)")
    # Round 1 statement 2: one mildly disagree, one agree - no consensus.
    expect(rows.nth(1).locator(".obs-consensus")).to_have_text("no")
    assert page.locator("svg.obs-chart text", has_text="2**").count() == 0
    assert_accessible(page)
