"""Research access, as the people do it: a researcher applies (first without the ethics
evidence, which is refused with its reason), the steering group returns the application
for a change, the researcher sends it again, the steering group approves one region and
three years of reviews; the researcher downloads a watermarked, pseudonymised extract of
exactly that, uploads a results table with a small cell that output checking holds with its
reason; the grant is revoked and the researcher's next request for the same data is
refused."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import OTHER_AREA, login, make_review, make_user

pytestmark = pytest.mark.browser


def reviews() -> None:
    """Birmingham (West Midlands) reviews decided in 2014-2016 and 2019, one in Bristol."""
    from observatory.repository.models import Review

    for n, year in enumerate((2014, 2015, 2016, 2019)):
        review = make_review(f"BHAM-{year}-{n}", published=False)
        Review.objects.filter(pk=review.pk).update(decision_date=date(year, 3, 1))
    make_review("BRIS-2015-1", area=OTHER_AREA, published=False)


def fill_application(page, tmp_path, *, evidence: bool) -> None:
    page.get_by_label("Project title").fill("Neglect in infancy")
    page.get_by_label("Purpose").fill("To learn what recurs in reviews of infant neglect.")
    page.get_by_label("Public benefit").fill("Better practice for health visitors.")
    page.get_by_label("Research questions").fill("Which agencies missed what?")
    page.get_by_label("West Midlands").check()
    page.get_by_label("First year of reviews").fill("2013")
    page.get_by_label("Last year of reviews").fill("2016")
    page.get_by_label("Outcome for the child").check()
    page.get_by_label("Date of decision to review").check()
    page.get_by_label("Data protection basis").fill("Article 6(1)(e), Article 9(2)(j).")
    today = date.today()
    page.get_by_label("Access from").fill(today.isoformat())
    page.get_by_label("Access until").fill((today + timedelta(days=365)).isoformat())
    page.get_by_label("I accept the terms of use").check()
    if evidence:
        ethics = tmp_path / "ethics-approval.txt"
        ethics.write_text("Research ethics committee approval 2026/17.\n")
        page.get_by_label("Ethics approval and data protection evidence").set_input_files(
            ethics)


def test_research_access_journey(page, live_server, tmp_path):
    from observatory.research.models import Application, Grant

    make_user("res1", "researcher")
    make_user("steer1", "steering")
    reviews()
    base = live_server.url

    login(page, live_server, "res1")
    page.get_by_role("link", name="Research access").first.click()
    page.get_by_role("link", name="Apply for research access").click()
    fill_application(page, tmp_path, evidence=False)
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("#application-problems")).to_contain_text(
        "Upload the evidence of ethics approval")
    fill_application(page, tmp_path, evidence=True)
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("#application-status")).to_have_text("Submitted")
    application = Application.objects.get()

    login(page, live_server, "steer1")
    page.goto(f"{base}{application.get_absolute_url()}")
    page.get_by_label("What must change").fill("Ask for three years: 2014 to 2016.")
    page.get_by_role("button", name="Return for changes").click()
    expect(page.locator("#application-status")).to_have_text("Returned for changes")

    login(page, live_server, "res1")
    page.goto(f"{base}{application.get_absolute_url()}")
    expect(page.locator("#application-history")).to_contain_text("Ask for three years")
    page.get_by_role("link", name="Change and send again").click()
    page.get_by_label("First year of reviews").fill("2014")
    page.get_by_role("button", name="Send the application again").click()
    expect(page.locator("#application-status")).to_have_text("Submitted")

    login(page, live_server, "steer1")
    page.goto(f"{base}{application.get_absolute_url()}")
    ends = date.today() + timedelta(days=180)
    page.get_by_label("Grant ends on").fill(ends.isoformat())
    page.get_by_label("Dates in extracts").select_option(label="Year only")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#application-status")).to_have_text("Approved")
    expect(page.locator("#application-history")).to_contain_text("resubmitted")
    grant = Grant.objects.get()

    login(page, live_server, "res1")
    page.goto(f"{base}{grant.get_absolute_url()}")
    expect(page.locator("#reviews-in-scope")).to_have_text("3")  # not 2019, not Bristol
    with page.expect_download() as download:
        page.locator("#extract-csv").click()
    link = page.locator("#extract-csv").get_attribute("href")
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        table = archive.read(f"extract-{grant.reference}.csv").decode("utf-8-sig")
        assert "data-dictionary.csv" in archive.namelist()
    lines = table.strip().splitlines()
    assert grant.reference in lines[0] and "res1" in lines[0]  # the watermark
    assert len(lines) == 2 + 3 and "BHAM" not in table  # header + three pseudonymised rows
    rows = list(csv.DictReader(lines[1:]))
    assert sorted(row["decision_date"] for row in rows) == ["2014", "2015", "2016"]
    assert {row["grant"] for row in rows} == {grant.reference}

    results = tmp_path / "results.csv"
    results.write_text("outcome,2014,2015\nDeath,12,3\nSerious harm,9,14\n")
    page.get_by_label("Name of the table").fill("Outcomes by year")
    page.get_by_label("Results table (CSV or XLSX)").set_input_files(results)
    page.get_by_role("button", name="Check the table").click()
    expect(page.locator("#output-status")).to_have_text("Held by the checks")
    expect(page.locator("#output-findings")).to_contain_text("under the minimum of 5")
    expect(page.get_by_role("link", name="Download the released table")).to_have_count(0)

    login(page, live_server, "steer1")
    page.goto(f"{base}{grant.get_absolute_url()}")
    page.get_by_label("Reason for revoking").fill("The project's ethics approval lapsed.")
    page.get_by_role("button", name="Revoke the grant").click()
    expect(page.locator("#grant-state")).to_have_text("Revoked")

    login(page, live_server, "res1")
    response = page.goto(f"{base}{link}")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("revoked")
    assert page.goto(f"{base}/reviews/BHAM-2015-1/").status in (403, 404)
