"""A report from redaction to withdrawal, as people do it: an analyst makes a redacted copy
from the confirmed personal-data flags, a second person (the partnership) checks and
approves it, embargoes the report until a moment a few seconds away, the public finds
nothing of it until then and the redacted file after it, and the report is withdrawn with a
reason: the document is gone for the public, the review's catalogue record stays."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import OWN_AREA, add_document, login, make_pdf, make_review, make_user

pytestmark = pytest.mark.browser
NAME = "Kelly Marie Campbell"


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_redact_check_embargo_publish_withdraw(page, browser, live_server, tmp_path):
    from django.utils import timezone

    from observatory.ingestion.models import DocumentText, PersonalDataFlag
    from observatory_core.redact_pdf import extracted_text

    make_user("redactor", "analyst")
    make_user("checker", "partnership", OWN_AREA)
    review = make_review("PUB-SCR-1", title="Child P (fictional)")
    pdf = make_pdf(tmp_path / "report.pdf", f"{NAME} lived with her mother.")
    document = add_document(review, "overview_report", pdf.read_bytes(), "report.pdf",
                            title="Overview report of Child P")
    version = document.versions.get()
    text = DocumentText.objects.get(version=version).text
    assert PersonalDataFlag.objects.filter(version=version, text=NAME,
                                           status="confirmed").exists() or NAME not in text
    if not PersonalDataFlag.objects.filter(version=version, text=NAME).exists():
        at = text.index(NAME)  # the model missed it: a person adds it, as they would
        PersonalDataFlag.objects.create(version=version, kind="person_name", text=NAME,
                                        page=1, start=at, end=at + len(NAME),
                                        producer="person", status="confirmed")
    base = live_server.url
    redacted_page = f"{base}/documents/{document.pk}/redacted/"

    # The analyst makes the copy; approving their own copy is refused.
    login(page, live_server, "redactor")
    page.goto(redacted_page)
    page.get_by_role("button", name="Make a redacted copy").click()
    expect(page.locator("main")).to_contain_text(
        "a second person must check it")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("main")).to_contain_text("you made it")
    _sign_out(page)

    # The partnership checks it and approves: it becomes the public version.
    login(page, live_server, "checker")
    page.goto(redacted_page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("#public-version")).to_have_text("The public version is version 2.")

    # ... and embargoes the report until a few seconds from now.
    until = timezone.localtime() + timedelta(seconds=4)
    page.goto(f"{base}/reviews/{review.reference}/publication/")
    page.get_by_label("New state").select_option("embargoed")
    page.get_by_label("Embargoed until (date and time)").fill(
        until.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#publication-now")).to_contain_text("Embargoed until")

    public = browser.new_context().new_page()
    missing = public.goto(f"{base}/documents/{document.pk}/")
    assert missing.status == 404
    public.goto(f"{base}/reviews/{review.reference}/")
    expect(public.locator("#report-state")).to_contain_text("under embargo until")

    # The embargo passes: no job runs, the report is simply public from that moment.
    public.wait_for_timeout(max(0, (until - timezone.localtime()).total_seconds() * 1000)
                            + 500)
    assert public.goto(f"{base}/documents/{document.pk}/").status == 200
    with public.expect_download() as download_info:
        public.evaluate(f"window.location.href = '{base}/documents/{document.pk}/download/'")
    body = Path(download_info.value.path()).read_bytes()
    words = " ".join(extracted_text(body))
    assert NAME not in words and "lived with her mother" in words

    # Withdrawn later, for retention: gone from the public, the catalogue record stays.
    page.get_by_label("New state").select_option("withdrawn")
    page.get_by_label("Reason for a withdrawal").select_option("retention")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#publication-history")).to_contain_text("Retention period reached")
    assert public.goto(f"{base}/documents/{document.pk}/").status == 404
    public.goto(f"{base}/reviews/{review.reference}/")
    expect(public.locator("#report-state")).to_contain_text(
        "withdrawn (retention period reached)")
    expect(public.locator("main")).to_contain_text("Minimum dataset")
    assert public.goto(f"{base}/api/reviews/{review.reference}").status == 200
