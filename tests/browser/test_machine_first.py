"""Issue 19's 'Done means' in the browser: an analyst switches a code to "machine first, a
person checks a sample" on the codebook page, asks for codes on a document, sees the
checking sample and marks a coding right; the check is recorded with who and when."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, make_review, make_user, term

pytestmark = pytest.mark.browser

REPORT = """Serious Case Review: Child M

Overview report

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should improve the quality of recording in case files.
"""


def test_switch_a_code_to_machine_first_and_check_the_sample(page, live_server):
    from observatory.coding.models import CodedSegment
    from observatory.repository.services import store_version

    make_user("ann", "analyst")
    review = make_review("CODE-M1")
    version = store_version(review=review, kind=term("document_kind", "overview_report"),
                            filename="report.txt", stream=io.BytesIO(REPORT.encode())).version
    login(page, live_server, "ann")
    page.goto(f"{live_server.url}/coding/codebooks/recommendation_themes/")
    expect(page.get_by_role("heading", name="The machine as a coder")).to_be_visible()
    form = page.locator("#machine-first-form")
    form.get_by_label("Code", exact=True).select_option("training")
    form.get_by_label("The machine; a person checks a sample").check()
    form.get_by_label("Share of the machine's codings to check (%)").fill("100")
    form.get_by_role("button", name="Save who codes first").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text(
        "the machine codes first and a person checks 100%")
    expect(page.locator("#machine-first-codes")).to_contain_text("machine first, 100% checked")
    assert_accessible(page)

    page.goto(f"{live_server.url}/coding/documents/{version.document.pk}/"
              f"?codebook=recommendation_themes")
    page.get_by_role("button", name="Suggest codes").click()
    sample = page.locator("#checking-sample")
    expect(sample).to_contain_text("Training and awareness raising")
    expect(sample).to_contain_text("training on recognising neglect")
    sample.get_by_role("button", name="Right").first.click()
    expect(page.locator("#checking-sample")).to_contain_text("Checked: right")
    expect(page.locator("#checking-sample")).to_contain_text("by ann")
    assert_accessible(page)
    seg = CodedSegment.objects.get(code__key="training", version=version)
    assert seg.checking == "right" and seg.checked_by.username == "ann" and seg.checked_at
