"""Every main page passes axe-core's WCAG 2.0/2.1/2.2 A and AA rules, and GOV.UK Frontend's
styles and scripts load."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from .conftest import (
    OWN_AREA,
    add_document,
    assert_accessible,
    login,
    make_pdf,
    make_review,
    make_user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def site():
    make_user("partner", "partnership", OWN_AREA)
    make_user("boss", "admin")
    review = make_review("BHAM-SCR-7", published=True, title="Child F (2016)",
                         summary="A summary\nover two lines.")
    make_review("BHAM-LCSPR-2", published=False, outcome="serious_harm")
    document = add_document(review, "overview_report", title="Overview report of Child F")
    add_document(review, "imr", b"%PDF-1.4\n% imr\n%%EOF\n", "imr.pdf", title="IMR of health")
    return {"review": review, "document": document}


def _home(page, base, site):
    page.goto(base + "/")


def _reviews_with_filters_open(page, base, site):
    page.goto(base + "/reviews/")
    page.get_by_text("Show filters").click()
    expect(page.locator("details.govuk-details")).to_have_attribute("open", "")
    expect(page.get_by_label("Outcome for the child")).to_be_visible()


def _reviews_filtered(page, base, site):
    page.goto(base + "/reviews/?outcome=death&incident_date_from=2010-01-01")
    expect(page.locator("#result-count")).to_contain_text("match")


def _review_detail(page, base, site):
    login(page, base, "partner")
    page.goto(f"{base}/reviews/{site['review'].reference}/")
    expect(page.get_by_role("link", name="Upload a document")).to_be_visible()


def _register_form(page, base, site):
    login(page, base, "partner")
    page.goto(base + "/reviews/new/")


def _register_form_with_errors(page, base, site):
    login(page, base, "partner")
    page.goto(base + "/reviews/new/")
    page.get_by_label("Date of incident").fill("2019-05-01")
    page.get_by_label("Date of decision to review").fill("2019-02-01")
    page.get_by_label("Child's age at incident (months)").fill("400")
    page.get_by_role("button", name="Register review").click()
    expect(page).to_have_title(re.compile("^Error: "))


def _upload_form(page, base, site):
    login(page, base, "partner")
    page.goto(f"{base}/reviews/{site['review'].reference}/upload/")


def _upload_form_with_errors(page, base, site):
    login(page, base, "partner")
    page.goto(f"{base}/reviews/{site['review'].reference}/upload/")
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_title(re.compile("^Error: "))


def _document_page(page, base, site):
    login(page, base, "partner")
    page.goto(f"{base}/documents/{site['document'].pk}/")
    expect(page.get_by_role("button", name="Upload new version")).to_be_visible()


def _document_page_confidential(page, base, site):
    login(page, base, "boss")
    imr = site["review"].documents.get(kind__code="imr")
    page.goto(f"{base}/documents/{imr.pk}/")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Confidential")


def _login_page(page, base, site):
    page.goto(base + "/accounts/login/")


def _login_page_with_error(page, base, site):
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()


def _lists_page(page, base, site):
    page.goto(base + "/lists/")


def _audit_page(page, base, site):
    page.goto(f"{base}/documents/{site['document'].pk + 1}/")  # a refused attempt
    login(page, base, "boss")
    page.goto(base + "/audit/")
    expect(page.locator("table.govuk-table tbody tr")).not_to_have_count(0)


def _success_banner(page, base, site):
    login(page, base, "partner")
    page.goto(f"{base}/documents/{site['document'].pk}/")
    page.get_by_label("New version").set_input_files(
        make_pdf(site["tmp_path"] / "v2.pdf", "Version 2"))
    page.get_by_role("button", name="Upload new version").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()


def _not_found(page, base, site):
    response = page.goto(base + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def _as_admin(path: str, heading: str) -> Callable:
    def visit(page, base, site):
        login(page, base, "boss")
        page.goto(base + path.format(**{k: getattr(v, "reference", v) for k, v in
                                         site.items()}))
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    return visit


PAGES: dict[str, Callable] = {
    "analysis-region-by-year": _as_admin("/analysis/tables/reviews_by_region_and_year/",
                                         "region and year"),
    "analysis-annual-report": _as_admin("/analysis/reports/annual/2015/", "annual report"),
    "analysis-compare": _as_admin("/analysis/compare/", ""),
    "coding-home": _as_admin("/coding/", ""),
    "coding-codebook": _as_admin("/coding/codebooks/recommendation_themes/", ""),
    "coding-review-progress": _as_admin("/coding/reviews/{review}/", ""),
    "search-results": _as_admin("/search/?q=summary", ""),
    "home": _home,
    "reviews-filters-open": _reviews_with_filters_open,
    "reviews-filtered": _reviews_filtered,
    "review-detail": _review_detail,
    "register-form": _register_form,
    "register-form-errors": _register_form_with_errors,
    "upload-form": _upload_form,
    "upload-form-errors": _upload_form_with_errors,
    "document": _document_page,
    "document-confidential": _document_page_confidential,
    "document-success-banner": _success_banner,
    "login": _login_page,
    "login-error": _login_page_with_error,
    "lists": _lists_page,
    "audit-admin": _audit_page,
    "not-found-404": _not_found,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible(page, live_server, site, tmp_path, name):
    PAGES[name](page, live_server.url, {**site, "tmp_path": tmp_path})
    page.wait_for_load_state("load")
    assert_accessible(page)


def test_govuk_frontend_styles_and_scripts_load(page, live_server):
    """The GOV.UK Frontend CSS and JS (served from node_modules by whitenoise) load and apply."""
    static: dict[str, int] = {}
    page.on("response", lambda r: static.__setitem__(r.url, r.status)
            if "/static/" in r.url else None)
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    css = [u for u in static if u.endswith("govuk-frontend.min.css")]
    js = [u for u in static if u.endswith("govuk-frontend.min.js")]
    assert css and js, f"GOV.UK Frontend not requested: {static}"
    assert all(status in (200, 304) for status in static.values()), static
    # The stylesheet is applied: GOV.UK typography, and the start link drawn as a button ...
    assert "GDS Transport" in page.locator("h1.govuk-heading-xl").evaluate(
        "e => getComputedStyle(e).fontFamily")
    button = page.get_by_role("link", name="Find reviews")
    style = button.evaluate("e => { const s = getComputedStyle(e); "
                            "return [s.backgroundColor, s.color, s.textDecorationLine]; }")
    assert style == ["rgb(15, 122, 82)", "rgb(255, 255, 255)", "none"] or (
        style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and style[2] == "none"), style
    # ... and the JavaScript ran (GOV.UK Frontend marks the body as supported).
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    initialised = page.locator("[data-module='govuk-button'][data-govuk-button-init]")
    expect(initialised.first).to_be_attached()


def test_govuk_frontend_assets_referenced_by_css_load(page, live_server):
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
            if r.url.startswith(live_server.url) and r.status >= 400 else None)
    page.on("requestfailed", lambda r: failures.append(f"failed {r.url}"))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    assert not failures, "assets failed to load:\n" + "\n".join(failures)


def test_assert_accessible_reports_violations(page):
    """The helper itself fails on a page with known WCAG faults, and says what they are."""
    page.set_content("<html><head><title>Bad</title></head><body><main>"
                     "<img src='data:,'><input type='text'>"
                     "<p style='color:#bbb;background:#fff'>faint text</p></main></body></html>")
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page)
    message = str(failed.value)
    for rule in ("html-has-lang", "image-alt", "label", "color-contrast"):
        assert f"- {rule} " in message, message
