"""Personal data in the browser: a reviewer who may change the review confirms one flag
and rejects another on the personal-data page, flags words the machine missed by selecting
them in the viewer, decides many at once and finishes the review; a practitioner, who may
view the document but not change it, sees nothing of it before, then reads the text with
[REDACTED: kind] where the name was. The pages pass axe."""

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
                            title="Overview report of Child K", reviewed=False)
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
        "button", name=re.compile(f"^Confirm name {NAME}", re.I)).click()
    expect(page.locator(f"#flag-{name.pk} .govuk-tag")).to_have_text("Confirmed")
    page.locator(f"#flag-{postcode.pk}").get_by_role(
        "button", name=re.compile("^Reject postcode", re.I)).click()
    expect(page.locator(f"#flag-{postcode.pk} .govuk-tag")).to_have_text("Rejected")
    expect(page.locator(f"#flag-{name.pk}")).to_contain_text("by reviewer")
    assert_accessible(page)
    name.refresh_from_db()
    postcode.refresh_from_db()
    assert (name.status, postcode.status) == ("confirmed", "rejected")

    # Until the review is finished a practitioner sees nothing of the text.
    _decide_rest_and_finish(page)

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


def _decide_rest_and_finish(page) -> None:
    """Confirm every flag still to decide, kind by kind (the bulk form), then finish."""
    while page.locator("#bulk-kind").count():
        page.locator("#bulk-kind").get_by_role("button", name="Confirm all of this kind").click()
    page.locator("#finish-review").get_by_role(
        "button", name="I have finished the redaction review").click()
    expect(page.locator("#redaction-progress")).to_contain_text("Review finished")


SELECT = """(word) => {
  const p = [...document.querySelectorAll('.obs-text p[data-start]')]
    .find((e) => e.textContent.includes(word));
  const node = p.firstChild;
  const at = node.textContent.indexOf(word);
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + word.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


def test_reviewer_flags_selected_words_decides_in_bulk_then_text_is_shown(
        page, live_server, flagged_document):
    from observatory.ingestion.models import DocumentText, PersonalDataFlag

    document = flagged_document
    base = live_server.url
    # Before the review, the practitioner sees that the text awaits review, and no text.
    login(page, live_server, "reader")
    page.goto(f"{base}/documents/{document.pk}/text/?page=1")
    expect(page.locator("#awaiting-redaction-review")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("school nurse")
    page.context.clear_cookies()

    # The reviewer selects 'panel' in the viewer: the form takes exactly that span.
    login(page, live_server, "reviewer")
    page.goto(f"{base}/documents/{document.pk}/text/?page=1")
    assert_accessible(page)
    page.evaluate(SELECT, "panel")
    expect(page.locator("#add-flag-text")).to_have_value("panel")
    text = DocumentText.objects.get(version__document=document).text
    at = text.index("The panel") + 4
    expect(page.locator("#add-flag-start")).to_have_value(str(at))
    expect(page.locator("#add-flag-end")).to_have_value(str(at + 5))
    page.locator("#add-flag-kind").select_option("person_name")
    page.locator("#add-flag-submit").click()
    expect(page.locator(".govuk-notification-banner, .govuk-error-summary").first
           ).to_contain_text("flag added")
    flag = PersonalDataFlag.objects.get(version__document=document, start=at)
    assert (flag.text, flag.end, flag.status, flag.producer) == (
        "panel", at + 5, "confirmed", "person")

    # Then decides every remaining flag of each kind at once and finishes the review.
    page.goto(f"{base}/documents/{document.pk}/personal-data/")
    expect(page.locator("#redaction-progress")).to_contain_text("Awaiting redaction review")
    assert_accessible(page)
    _decide_rest_and_finish(page)
    assert not PersonalDataFlag.objects.filter(version__document=document,
                                               status="suggested").exists()
    page.context.clear_cookies()

    login(page, live_server, "reader")
    page.goto(f"{base}/documents/{document.pk}/text/?page=1")
    main = page.locator(".obs-text")
    expect(main).to_contain_text("The [REDACTED: name] met the school nurse")
    expect(page.locator("main")).not_to_contain_text("Kelly")
