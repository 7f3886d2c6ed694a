"""Personal data in the browser (issue 7, item 6): a reviewer who may change the review
confirms one flag and rejects another on the personal-data page; a practitioner, who may
view the document but not change it, reads the text with [REDACTED: kind] where the name
was. Both pages pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import add_document, assert_accessible, login, make_review, make_user

pytestmark = pytest.mark.browser

NAME = "Kelly Marie Campbell"
REPORT = (f"Overview report\n\n1. Introduction\n\n1.1 {NAME} was 17 when she died. She lived "
          "with Mother and Sibling 1 at postcode BS1 4DJ.\n\n1.2 The panel met the school "
          "nurse twice.\n").encode()


@pytest.fixture
def flagged_document():
    from observatory.ingestion.models import IngestJob, PersonalDataFlag

    make_user("reviewer", "analyst")
    make_user("reader", "practitioner")
    review = make_review("PD-SCR-1", title="Child K (fictional)")
    document = add_document(review, "overview_report", REPORT, "report.txt",
                            title="Overview report of Child K")
    job = IngestJob.objects.filter(version__document=document).latest("pk")
    assert job.status == IngestJob.DONE, job.message
    kinds = set(PersonalDataFlag.objects.filter(version__document=document)
                .values_list("kind", flat=True))
    assert {"person_name", "postcode"} <= kinds, kinds
    return document


def _flag(document, kind: str, text: str):
    from observatory.ingestion.models import PersonalDataFlag

    return PersonalDataFlag.objects.get(version__document=document, kind=kind, text=text)


def test_reviewer_decides_flags_and_practitioner_sees_redacted_text(page, live_server,
                                                                     flagged_document):
    document = flagged_document
    base = live_server.url
    name, postcode = _flag(document, "person_name", NAME), _flag(document, "postcode", "BS1 4DJ")

    # The reviewer opens the flags from the document page, confirms the name and rejects
    # the postcode (say, the review's own published area code).
    login(page, live_server, "reviewer")
    page.goto(f"{base}/documents/{document.pk}/")
    page.locator("#personal-data-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Personal data in Overview report of Child K")
    expect(page.locator(f"#flag-{name.pk} mark")).to_have_text(NAME)
    assert_accessible(page)
    page.locator(f"#flag-{name.pk}").get_by_role(
        "button", name=re.compile(f"^Confirm person_name {NAME}")).click()
    expect(page.locator(f"#flag-{name.pk} .govuk-tag")).to_have_text("Confirmed")
    page.locator(f"#flag-{postcode.pk}").get_by_role(
        "button", name=re.compile("^Reject postcode")).click()
    expect(page.locator(f"#flag-{postcode.pk} .govuk-tag")).to_have_text("Rejected")
    expect(page.locator(f"#flag-{name.pk}")).to_contain_text("by reviewer")
    assert_accessible(page)
    name.refresh_from_db()
    postcode.refresh_from_db()
    assert (name.status, postcode.status) == ("confirmed", "rejected")

    # A practitioner may read the document but not change it: the name is redacted, the
    # rejected postcode is shown, and the flags page is refused.
    page.context.clear_cookies()
    login(page, live_server, "reader")
    page.goto(f"{base}/documents/{document.pk}/text/?page=1")
    expect(page.locator("#redacted-notice")).to_be_visible()
    text = page.locator(".obs-text")
    expect(text).to_contain_text("[REDACTED: name]")
    expect(text).to_contain_text("BS1 4DJ")
    for part in ("Kelly", "Campbell"):
        expect(page.locator("main")).not_to_contain_text(part)
    assert_accessible(page)
    response = page.goto(f"{base}/documents/{document.pk}/personal-data/")
    assert response.status == 403
