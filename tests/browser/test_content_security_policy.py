"""The pages still work under the Content-Security-Policy: on every main page (the same
list the accessibility tests walk), Chromium reports no CSP violation, and GOV.UK
Frontend's scripts and the pages' own inline scripts and styles (with their nonce) run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import login, make_user
from .test_accessibility import PAGES, site  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _watch(page) -> list[str]:
    """Every CSP violation the page reports, from the console and from the DOM event."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e => {
        (window.__cspViolations = window.__cspViolations || []).push(
            e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sample);
    });""")
    return seen


@pytest.mark.parametrize("name", list(PAGES))
def test_no_csp_violation_on_the_page(page, live_server, site, tmp_path, name):  # noqa: F811
    console = _watch(page)
    PAGES[name](page, live_server.url, {**site, "tmp_path": tmp_path})
    page.wait_for_load_state("load")
    events = page.evaluate("window.__cspViolations || []")
    assert not console and not events, f"{name}: {console} {events}"
    response = page.request.get(page.url)
    assert "nonce-" in response.headers.get("content-security-policy", "")


# Pages with scripts of their own that the accessibility list does not open.
EXTRA = ["/api/docs", "/consultations/", "/analysis/", "/search/?q=child",
         "/audit/"]


def test_no_csp_violation_on_pages_with_scripts_of_their_own(page, live_server, site):  # noqa: F811
    make_user("csp-admin", "admin")
    login(page, live_server, "csp-admin")
    console = _watch(page)
    for path in EXTRA:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        events = page.evaluate("window.__cspViolations || []")
        assert not console and not events, f"{path}: {console} {events}"
    page.goto(live_server.url + "/api/docs")
    expect(page.locator(".swagger-ui .info").first).to_be_visible()


def test_scripts_and_inline_styles_still_apply(page, live_server, site):  # noqa: F811
    console = _watch(page)
    page.goto(live_server.url + "/")
    # GOV.UK Frontend ran: its inline start-up script and module both carry the nonce
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    initialised = page.locator("[data-module='govuk-button'][data-govuk-button-init]")
    expect(initialised.first).to_be_attached()
    # an inline <style> with the nonce applies (the search page's highlight)
    page.goto(live_server.url + "/search/?q=child")
    assert page.evaluate("""() => { const d = document.createElement('div');
        d.className = 'obs-snippet'; const m = document.createElement('mark');
        d.appendChild(m); document.body.appendChild(d);
        return getComputedStyle(m).backgroundColor; }""") == "rgb(255, 221, 0)"
    # and an injected script without the nonce is refused
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__injected = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.__injected === undefined")
    assert any("Content Security Policy" in m for m in console) or page.evaluate(
        "(window.__cspViolations || []).length") > 0
