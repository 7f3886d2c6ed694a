"""Learning into practice in the browser, one journey: an analyst drafts a briefing from a
practice issue and edits it; a second analyst's approval is refused while a personal-data
flag of the quoted report is undecided, and the page says so; once it is decided and the
briefing saved again, the second analyst approves it. A member of the public (no sign-in)
then finds the briefing by topic, downloads its PDF, reads the Atom feed, and finds a
finding by a facet of the findings database. Every page passes axe, also at 375 px."""

from __future__ import annotations

import feedparser
import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 800}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0, page.url


def test_briefing_drafted_refused_approved_and_found_by_the_public(page, live_server):
    from observatory.ingestion.models import PersonalDataFlag
    from observatory.ingestion.redaction import finish_review
    from observatory.learning import services

    from ..apps.learning.helpers import coded_finding

    writer = make_user("writer", "analyst")
    make_user("checker", "analyst")
    undecided = coded_finding("LIP-1", writer, decided=False)
    published = coded_finding("LIP-2", writer, codes=("C", "issue_05", "prof_police"))
    services.publish_finding(published, writer)
    base = live_server.url

    # The analyst drafts a briefing from a practice issue and edits it.
    login(page, live_server, "writer")
    page.goto(f"{base}/learning/manage/")
    assert_accessible(page)
    page.get_by_label("Practice issue").select_option(label="Referral taken as information only")
    page.get_by_role("button", name="Draft briefing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral taken as information only")
    expect(page.get_by_text("A second analyst approves publication")).to_be_visible()
    page.get_by_label("Summary").fill("<p>Referrers think they asked for help; it was filed.</p>")
    page.get_by_label("What changed").fill("Shorter summary")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved as a new version")).to_be_visible()
    assert_accessible(page)

    # The second analyst's approval is refused, and the page says exactly why.
    page.context.clear_cookies()
    login(page, live_server, "checker")
    page.goto(f"{base}/learning/manage/briefings/referral-taken-as-information-only/")
    page.get_by_role("button", name="Approve and publish version 2").click()
    blocked = page.locator("#blocked")
    expect(blocked).to_contain_text("Publication refused")
    expect(blocked).to_contain_text("1 personal-data flag still to decide")
    assert_accessible(page)

    # The flag is decided (on the personal-data page, tested elsewhere); the writer saves
    # the briefing again, quoting the example redacted; the checker approves it.
    PersonalDataFlag.objects.filter(version=undecided.version).update(status="confirmed")
    finish_review(undecided.version, writer)
    page.context.clear_cookies()
    login(page, live_server, "writer")
    page.goto(f"{base}/learning/manage/briefings/referral-taken-as-information-only/")
    page.get_by_label("What changed").fill("Example redacted")
    page.get_by_role("button", name="Save as a new version").click()
    page.context.clear_cookies()
    login(page, live_server, "checker")
    page.goto(f"{base}/learning/manage/briefings/referral-taken-as-information-only/")
    page.get_by_role("button", name="Approve and publish version 3").click()
    expect(page.get_by_text("Approved and published")).to_be_visible()

    # The public finds it by topic, at phone width too, and downloads the PDF.
    page.context.clear_cookies()
    page.goto(f"{base}/learning/")
    assert_accessible(page)
    page.get_by_role("link", name="C. Making a referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("C. Making a referral")
    assert_accessible(page)
    page.get_by_role("link", name="Referral taken as information only").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Referral taken as information only")
    expect(page.locator("main")).to_contain_text("[REDACTED: name]")
    expect(page.locator("main")).not_to_contain_text("Example Person")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this briefing as PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The feed lists it (parsed as Atom).
    feed = feedparser.parse(page.request.get(f"{base}/learning/feeds/briefings/").body())
    assert not feed.bozo and [e.title for e in feed.entries] == [
        "Referral taken as information only"]

    # The findings database: a facet narrows to the finding with the police involved.
    page.goto(f"{base}/learning/findings/")
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Professionals involved").select_option(label="Police (c)")
    page.get_by_role("button", name="Show findings").click()
    expect(page.locator("#results")).to_have_text("c findings")
    page.get_by_role("link", name="Referral logged (LIP-2)").click()
    expect(page.locator("main")).to_contain_text("Police")
    assert_accessible(page)
