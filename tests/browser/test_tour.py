"""A tour of the service by every role, as a person would take it: sign in, open the home
page and every link of the navigation, plus the pages those lead to (a review, a document,
its text, a table, the methodology, a coder's workbench), at desktop width and at 375 px
(a phone). Every page passes axe (WCAG 2.2 AA) and nothing scrolls sideways at 375 px.

One live server and one database set-up for the whole tour; one browser session per role.
"""

from __future__ import annotations

import io

import pytest

from .conftest import OWN_AREA, PASSWORD, assert_accessible, login, make_review, make_user, term

pytestmark = pytest.mark.browser

ROLES = {"visitor": None, "practitioner": "practitioner", "partner": "partnership",
         "analyst": "analyst", "researcher": "researcher", "steering": "steering",
         "boss": "admin"}
REPORT = (b"Overview report\n\nIntroduction\n\nThis review concerns Child T, a 3-year-old girl "
          b"who died in March 2015 after a long period of neglect.\n\nFindings\n\n"
          b"Finding 1: Agencies did not share what they knew about the family's history.\n\n"
          b"Recommendations\n\n1. Police should share information with children's social "
          b"care within 24 hours.\n\n2. Health visitors should visit weekly.\n")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


def _text_document(review, filename: str = "overview.txt"):
    from observatory.repository.services import store_version

    return store_version(review=review, kind=term("document_kind", "overview_report"),
                         filename=filename, stream=io.BytesIO(REPORT),
                         title="Overview report").version.document


@pytest.fixture
def tour_site():
    for username, role in ROLES.items():
        if role:
            make_user(username, role, OWN_AREA if role == "partnership" else None)
    review = make_review("TOUR-SCR-1", published=True, title="Child T (test)")
    make_review("TOUR-LCSPR-2", published=False, outcome="serious_harm")
    document = _text_document(review)  # processed at once (immediate task backend)
    return {"review": review, "document": document}


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


def _nav_links(page) -> list[str]:
    links = page.locator("#navigation a.govuk-service-navigation__link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    return [h for h in hrefs if not h.startswith("/accounts/")]  # signing in or out


def _pages_for(role: str | None, site, nav: list[str]) -> list[str]:
    document = site["document"]
    pages = ["/", *nav, f"/reviews/{site['review'].reference}/", f"/documents/{document.pk}/",
             f"/documents/{document.pk}/text/", "/analysis/tables/reviews_by_year/",
             "/methodology/", "/lists/"]
    if role in ("analyst", "researcher", "admin"):
        pages.append(f"/coding/documents/{document.pk}/")
    return [p for p in dict.fromkeys(pages) if not p.startswith("/admin/")]


def test_every_role_tours_its_pages_at_desktop_and_phone_width(browser, live_server,
                                                                 tour_site):
    problems: list[str] = []
    for username, role in ROLES.items():
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if role:
                login(page, live_server, username, PASSWORD)
            page.goto(live_server.url + "/")
            nav = _nav_links(page)
            for path in _pages_for(role, tour_site, nav):
                for size in (DESKTOP, PHONE):
                    page.set_viewport_size(size)
                    response = page.goto(live_server.url + path)
                    page.wait_for_load_state("load")
                    where = f"{username} ({role or 'public'}) {path} at {size['width']} px"
                    if response is None or response.status >= 400:
                        problems.append(f"{where}: HTTP {response and response.status}")
                        continue
                    if size is PHONE and (extra := _overflow(page)) > 0:
                        problems.append(f"{where}: scrolls sideways by {extra} px")
                    try:
                        assert_accessible(page)
                    except AssertionError as failure:
                        problems.append(f"{where}: {failure}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_navigation_follows_the_access_policy(browser, live_server, tour_site):
    """Each role's navigation offers exactly what the policy lets it use: no link to a
    refusal, and the analyst reaches the consultations. Everyone reads the Quality Markers."""
    everyone = ["/reviews/", "/search/", "/analysis/", "/quality-markers/", "/learning/"]
    mine = ["/account/history/"]  # every signed-in person's own access history
    expected = {
        "visitor": [*everyone],
        "practitioner": [*everyone, *mine],
        "partner": [*everyone, "/action-plans/", *mine],
        "analyst": [*everyone, "/coding/", "/consultations/", "/action-plans/", *mine],
        "researcher": [*everyone, "/coding/", "/research/", *mine],
        "steering": [*everyone, "/coding/", "/consultations/", "/research/", "/audit/", *mine],
        "boss": [*everyone, "/coding/", "/consultations/", "/action-plans/", "/research/",
                 "/audit/", "/service/", "/admin/", *mine],
    }
    for username, role in ROLES.items():
        context = browser.new_context()
        page = context.new_page()
        if role:
            login(page, live_server, username, PASSWORD)
        page.goto(live_server.url + "/")
        assert _nav_links(page) == expected[username], username
        context.close()
