"""A partnership user registers a review and uploads documents through the web pages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import OWN_AREA, login, make_pdf, make_review, make_user, term

pytestmark = pytest.mark.browser

BAD_INPUT = Path("/work/shared/corpus/bad-input")


def fake_pdf(tmp_path: Path) -> Path:
    """A file named .pdf that is really an HTML page (the corpus has real ones)."""
    found = sorted(BAD_INPUT.glob("*.pdf")) if BAD_INPUT.is_dir() else []
    target = tmp_path / "inspection-report.pdf"
    if found:
        shutil.copyfile(found[0], target)
    else:
        target.write_text("<!DOCTYPE html>\n<html lang=\"en\"><head><title>Not found</title>"
                          "</head><body><h1>Page not found</h1></body></html>\n")
    return target


def upload_fake_pdf(page, live_server, fake: Path, reference: str = "BHAM-2019-01") -> None:
    page.goto(f"{live_server.url}/reviews/{reference}/upload/")
    page.get_by_label("Kind of document").select_option(label="Executive summary")
    page.get_by_label("File", exact=True).set_input_files(fake)
    page.get_by_role("button", name="Upload").click()


def submit_bad_review(page, live_server) -> None:
    """Missing title, and the decision to review dated before the incident."""
    page.goto(f"{live_server.url}/reviews/new/")
    page.get_by_label("Reference", exact=True).fill("BHAM-BAD-1")
    page.get_by_label("Local area").select_option(label="Birmingham")
    page.get_by_label("Review type").select_option(label="Serious Case Review")
    page.get_by_label("Date of incident").fill("2019-05-01")
    page.get_by_label("Date of decision to review").fill("2019-02-01")
    page.get_by_role("button", name="Register review").click()


def summary_value(page, label: str):
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")))
    return row.locator("dd")


def test_partnership_creates_review_and_uploads(page, live_server, tmp_path):
    from observatory.repository.models import Document, DocumentVersion, Review

    make_user("partner", "partnership", OWN_AREA)
    static_failures: list[str] = []
    page.on("response", lambda r: static_failures.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400 else None)
    login(page, live_server, "partner")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case reviews")
    page.get_by_role("link", name="Register a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a review")

    page.get_by_label("Reference", exact=True).fill("BHAM-2019-01")
    page.get_by_label("Title", exact=True).fill("Child Q (browser test)")
    page.get_by_label("Local area").select_option(label="Birmingham")
    page.get_by_label("Review type").select_option(label="Local Child Safeguarding Practice Review")
    page.get_by_label("Date of incident").fill("2019-03-04")
    page.get_by_label("Date of decision to review").fill("2019-04-01")
    page.get_by_label("Date review completed").fill("2020-01-15")
    page.get_by_label("Outcome for the child").select_option(label="Serious harm")
    page.get_by_label("Child's age at incident (months)").fill("30")
    page.get_by_label("Physical abuse").check()
    page.get_by_label("Neglect").check()
    page.get_by_role("group", name="On a child protection plan").get_by_label("Yes").check()
    page.get_by_label("Summary").fill("Written by the browser test.")
    page.get_by_role("button", name="Register review").click()

    expect(page).to_have_url(re.compile(r"/reviews/BHAM-2019-01/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Review BHAM-2019-01 registered")
    expect(page.get_by_role("heading", level=1)).to_have_text("Child Q (browser test)")
    expect(page.get_by_text("Not published")).to_be_visible()
    expect(summary_value(page, "Local area")).to_contain_text("Birmingham")
    expect(summary_value(page, "Region")).to_have_text("West Midlands")
    expect(summary_value(page, "Review type")).to_have_text(
        "Local Child Safeguarding Practice Review")
    expect(summary_value(page, "Outcome for the child")).to_have_text("Serious harm")
    expect(summary_value(page, "Child's age at incident (months)")).to_have_text("30")
    expect(summary_value(page, "Categories of abuse and neglect")).to_have_text(
        "Physical abuse, Neglect")
    expect(summary_value(page, "On a child protection plan")).to_have_text("Yes")
    expect(summary_value(page, "Child had a disability")).to_have_text("Not known")
    expect(summary_value(page, "Age band (derived)")).to_have_text("1 to 5 years")
    expect(page.get_by_text("No documents you can see.")).to_be_visible()
    review = Review.objects.get(reference="BHAM-2019-01")
    assert review.created_by.username == "partner"

    # A real PDF, uploaded as the overview report.
    pdf = make_pdf(tmp_path / "overview-report.pdf")
    page.get_by_role("link", name="Upload a document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a document")
    page.get_by_label("Kind of document").select_option(label="Overview report")
    page.get_by_label("File", exact=True).set_input_files(pdf)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Uploaded overview-report.pdf")
    expect(page.locator(".govuk-caption-l")).to_have_text("Overview report")
    rows = page.locator("table.govuk-table", has=page.locator(
        "caption", has_text="Versions")).locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("1")
    expect(rows.first).to_contain_text("overview-report.pdf")
    document = Document.objects.get(review=review)
    assert document.versions.count() == 1
    assert document.versions.get().media_type == "application/pdf"

    # The same file again: nothing changes.
    page.goto(f"{live_server.url}/reviews/BHAM-2019-01/upload/")
    page.get_by_label("Kind of document").select_option(label="Overview report")
    page.get_by_label("File", exact=True).set_input_files(pdf)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "overview-report.pdf is already stored here (version 1); nothing changed")
    expect(page.locator("table.govuk-table", has=page.locator(
        "caption", has_text="Versions")).locator("tbody tr")).to_have_count(1)
    assert DocumentVersion.objects.filter(document__review=review).count() == 1

    # A ".pdf" that is really an HTML page is refused, naming the file and the reason,
    # and nothing is stored.
    fake = fake_pdf(tmp_path)
    upload_fake_pdf(page, live_server, fake)
    expect(page).to_have_title(re.compile(r"^Error: Upload a document"))
    message = page.locator(".govuk-form-group--error .govuk-error-message")
    expect(message).to_contain_text(f"{fake.name}: is named as a PDF but its content is")
    expect(page.get_by_label("Kind of document")).to_have_value(
        str(term("document_kind", "executive_summary").pk))
    assert Document.objects.filter(review=review).count() == 1
    assert DocumentVersion.objects.filter(document__review=review).count() == 1
    page.goto(f"{live_server.url}/reviews/BHAM-2019-01/")
    expect(page.locator("table.govuk-table", has=page.locator(
        "caption", has_text="Documents of this review")).locator("tbody tr")).to_have_count(1)

    assert not static_failures, f"static files failed to load: {static_failures}"


def test_register_review_validation_errors(page, live_server):
    """Field errors are shown at the fields, what was typed is kept, nothing is saved."""
    from observatory.repository.models import Review

    make_user("partner", "partnership", OWN_AREA)
    login(page, live_server, "partner")
    submit_bad_review(page, live_server)

    expect(page).to_have_title(re.compile(r"^Error: Register a review"))
    title_group = page.locator(".govuk-form-group--error").filter(has=page.locator("#id_title"))
    expect(title_group.locator(".govuk-error-message")).to_contain_text("Enter the title")
    date_group = page.locator(".govuk-form-group--error").filter(
        has=page.locator("#id_decision_date"))
    expect(date_group.locator(".govuk-error-message")).to_contain_text(
        "Date of decision to review is before date of incident")
    expect(page.get_by_label("Reference", exact=True)).to_have_value("BHAM-BAD-1")
    expect(page.get_by_label("Date of incident")).to_have_value("2019-05-01")
    assert not Review.objects.filter(reference="BHAM-BAD-1").exists()


def test_register_review_error_summary_links_to_fields(page, live_server):
    make_user("partner", "partnership", OWN_AREA)
    login(page, live_server, "partner")
    submit_bad_review(page, live_server)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible(timeout=2000)
    expect(summary).to_contain_text("There is a problem")
    title_link = summary.get_by_role("link", name="Enter the title")
    expect(title_link).to_have_attribute("href", "#id_title")
    date_link = summary.get_by_role("link", name=re.compile("is before date of incident"))
    expect(date_link).to_have_attribute("href", "#id_decision_date")
    title_link.click()
    expect(page.locator("#id_title")).to_be_focused()
    date_link.click()
    expect(page.locator("#id_decision_date")).to_be_focused()


def test_rejected_upload_error_summary_names_file_and_reason(page, live_server, tmp_path):
    from observatory.repository.models import Document

    make_user("partner", "partnership", OWN_AREA)
    make_review("BHAM-2019-01", published=False)
    login(page, live_server, "partner")
    fake = fake_pdf(tmp_path)
    upload_fake_pdf(page, live_server, fake)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible(timeout=2000)
    link = summary.get_by_role("link", name=re.compile(re.escape(fake.name)))
    expect(link).to_contain_text("is named as a PDF but its content is")
    expect(link).to_have_attribute("href", "#id_file")
    assert not Document.objects.exists()
