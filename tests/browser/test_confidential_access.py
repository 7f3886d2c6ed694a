"""A practitioner cannot reach an IMR by any route, and every attempt is in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import OWN_AREA, add_document, login, make_review, make_user

pytestmark = pytest.mark.browser

IMR_TITLE = "IMR of the health visiting service"
IMR_SECRET = b"%PDF-1.4\n% CONFIDENTIAL-IMR-CONTENT health visitor notes\n"


@pytest.fixture
def review_with_imr():
    make_user("prac", "practitioner")
    make_user("boss", "admin")
    review = make_review("BHAM-SCR-7", area=OWN_AREA, published=True, title="Child F (2016)")
    overview = add_document(review, "overview_report", b"%PDF-1.4\n% overview\n",
                            "overview.pdf", title="Overview report of Child F")
    imr = add_document(review, "imr", IMR_SECRET, "imr-health.pdf", title=IMR_TITLE)
    assert imr.confidential and not overview.confidential
    # A practitioner sees a document (even its title) once a person has finished its
    # redaction review (ingestion.redaction); the overview report's is done.
    from tests.apps.conftest import review_redaction

    review_redaction(overview.current)
    return review, overview, imr


def assert_hidden(status: int, body: str, imr) -> None:
    assert status == 404, f"expected not found, got {status}: {body[:300]}"
    for leak in (IMR_TITLE, "imr-health.pdf", "CONFIDENTIAL-IMR-CONTENT"):
        assert leak not in body, f"the refusal reveals {leak!r}"


def test_practitioner_cannot_reach_imr(page, live_server, basic_request, review_with_imr):
    from observatory.audit.models import AuditEvent

    review, overview, imr = review_with_imr
    base = live_server.url
    login(page, live_server, "prac")

    # The review page lists the overview report but not the IMR.
    page.goto(f"{base}/reviews/{review.reference}/")
    documents = page.locator("table.govuk-table", has=page.locator(
        "caption", has_text="Documents of this review")).locator("tbody tr")
    expect(documents).to_have_count(1)
    expect(documents.first).to_contain_text("Overview report of Child F")
    expect(page.locator("main")).not_to_contain_text(IMR_TITLE)
    expect(page.locator("main")).not_to_contain_text("Confidential")
    page.get_by_role("link", name="Overview report of Child F").click()
    expect(page).to_have_url(f"{base}/documents/{overview.pk}/")

    # Every web route to the IMR answers "not found" and shows nothing of it.
    for path in (f"/documents/{imr.pk}/", f"/documents/{imr.pk}/?format=json"):
        response = page.goto(base + path)
        assert_hidden(response.status, response.text(), imr)
    expect(page.get_by_role("heading", level=1)).not_to_be_attached()  # JSON, not a page
    page.goto(f"{base}/documents/{imr.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(re.compile("^Page not found"))
    # A download link navigation: the browser would save a file if one were served.
    response = page.request.get(f"{base}/documents/{imr.pk}/download/")
    assert_hidden(response.status, response.text(), imr)
    response = page.goto(f"{base}/documents/{imr.pk}/download/")
    assert_hidden(response.status, response.text(), imr)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")

    # The API, with the browser's session cookie and with HTTP Basic credentials.
    with_basic = basic_request("prac")
    for client, channel in ((page.request, "session"), (with_basic, "basic")):
        for path in (f"/api/documents/{imr.pk}", f"/api/documents/{imr.pk}/download"):
            response = client.get(base + path)
            assert_hidden(response.status, response.text(), imr)
        response = client.get(f"{base}/api/reviews/{review.reference}")
        assert response.status == 200, (channel, response.text())
        data = response.json()
        assert [d["id"] for d in data["documents"]] == [overview.pk], channel
        assert IMR_TITLE not in response.text()
        # The same caller reaches the published overview report: the refusal is specific.
        assert client.get(f"{base}/api/documents/{overview.pk}").status == 200, channel
    # The Basic header is checked: a wrong password is refused outright.
    wrong = basic_request("prac", "not-the-password")
    assert wrong.get(f"{base}/api/documents/{overview.pk}").status == 401

    # The refused attempts are audited against the practitioner.
    refused = AuditEvent.objects.filter(username="prac", allowed=False,
                                        object_kind="confidential_document",
                                        object_id=str(imr.pk))
    # (Counting the username shows HTTP Basic acted as the practitioner, not as the public.)
    assert refused.filter(channel="web", action="view").count() == 3  # 2 pages + ?format=json
    assert refused.filter(channel="web", action="download").count() == 2
    assert refused.filter(channel="api", action="view").count() == 2  # session and Basic
    assert refused.filter(channel="api", action="download").count() == 2
    assert all(e.confidential for e in refused)
    assert not AuditEvent.objects.filter(username="prac", allowed=True,
                                         object_id=str(imr.pk),
                                         object_kind="confidential_document").exists()

    # An administrator sees the refused attempts in the audit log.
    page.context.clear_cookies()
    login(page, live_server, "boss")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    page.get_by_text("Filter the events").click()
    page.get_by_label("Refused attempts").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/audit/\?.*refused=1"))
    rows = page.locator("table.govuk-table tbody tr")
    # Every refusal is listed: the IMR attempts, and the failed sign-in with a wrong password.
    expect(rows).to_have_count(AuditEvent.objects.filter(allowed=False).count())
    expect(rows.filter(has_text="login")).to_have_count(1)
    prac_rows = rows.filter(has_text="prac (practitioner)").filter(has_text="Confidential")
    expect(prac_rows).to_have_count(refused.count())
    for row in prac_rows.all():
        expect(row).to_contain_text("Refused")
    expect(prac_rows.filter(has_text=f"/api/documents/{imr.pk}/download")).to_have_count(2)
    expect(prac_rows.filter(has_text=f"/documents/{imr.pk}/download/")).not_to_have_count(0)
