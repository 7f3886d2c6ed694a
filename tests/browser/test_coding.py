"""Issue 4's 'Done means' in the browser: two coders code the same recommendations; one
accepts a suggestion (keyboard) and adds a code by selecting text, the other disagrees; each
marks the document finished (the comparison stays closed until both have); the comparison
shows the kappa and the disagreement; the adjudicated coding exports to a .qdpx that
validates against the REFI-QDA schema."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..shared_data import corpus_path, in_ci
from .conftest import assert_accessible, login, make_review, make_user, term

pytestmark = pytest.mark.browser

REPORT = """Serious Case Review: Child T

Overview report

Introduction

This review looks at how agencies worked with Child T and the family during 2014.

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should improve the quality of recording in case files.

3. The police should share information about Kelly Marie Campbell with health visitors promptly.
"""
SELECT = """(phrase) => {
    const el = [...document.querySelectorAll('.obs-unit-text')]
        .find(e => e.textContent.includes(phrase));
    const at = el.textContent.indexOf(phrase), to = at + phrase.length;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const r = document.createRange();
    let seen = 0;
    while (walker.nextNode()) {
        const n = walker.currentNode, len = n.nodeValue.length;
        if (at >= seen && at <= seen + len) { r.setStart(n, at - seen); }
        if (to >= seen && to <= seen + len) { r.setEnd(n, to - seen); break; }
        seen += len;
    }
    const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
}"""
SCHEMA = corpus_path() / "refi-qda" / "Project-mrt2019.xsd"


def test_two_coders_compare_adjudicate_and_export(page, browser, live_server):
    from observatory.repository.services import store_version

    make_user("ann", "analyst")
    make_user("bob", "researcher")
    review = make_review("CODE-B1")
    version = store_version(review=review, kind=term("document_kind", "overview_report"),
                            filename="report.txt", stream=io.BytesIO(REPORT.encode())).version
    document = version.document
    # A person confirms the personal-data flags and finishes the redaction review, so the
    # researcher sees the redacted text (before it, nothing of it).
    from observatory.ingestion.models import PersonalDataFlag
    from observatory.ingestion.redaction import finish_review

    PersonalDataFlag.objects.filter(version=version).update(status="confirmed")
    finish_review(version, None)
    url = f"{live_server.url}/coding/documents/{document.pk}/?codebook=recommendation_themes"

    # ann: suggestions, accept one with the keyboard, add a code by selecting text
    login(page, live_server, "ann")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Code:")
    page.get_by_role("button", name="Suggest codes").click()
    first = page.locator(".obs-seg", has_text="Training and awareness raising").first
    expect(first).to_contain_text("Why: rule")
    first.focus()
    page.keyboard.press("a")
    expect(first.locator(".obs-status")).to_have_text("Accepted")
    # the counter follows the decision without a reload
    expect(page.locator("#obs-decided")).to_have_text("1")
    expect(first.get_by_role("button", name="Accept")).to_have_attribute("aria-pressed", "true")
    page.evaluate(SELECT, "quality of recording")
    expect(page.locator("#obs-selection")).to_contain_text("quality of recording")
    page.get_by_label("Code to add").select_option(label="– Quality of recording")
    page.get_by_role("button", name="Add code").click()
    expect(page.locator(".obs-seg", has_text="Quality of recording").first).to_contain_text(
        "on “quality of recording”")
    expect(page.locator("mark.obs-coded", has_text="quality of").first).to_be_visible()
    assert_accessible(page)

    # bob codes blind and disagrees on recommendation 2
    other = browser.new_context()
    bob = other.new_page()
    login(bob, live_server, "bob")
    bob.goto(url)
    expect(bob.locator(".obs-seg")).to_have_count(0)  # ann's codes are hidden
    for unit, code in (("Recommendation 1", "– Training and awareness raising"),
                       ("Recommendation 2", "– Information sharing between and within agencies")):
        bob.get_by_label("Passage to code").select_option(label=unit)
        bob.get_by_label("Code to add").select_option(label=code)
        bob.get_by_role("button", name="Add code").click()
        expect(bob.locator(".govuk-notification-banner").first).to_contain_text("Added")
    # bob (a researcher) sees the name redacted, and still codes a span after it: the
    # redacted marker counts as the length it stands for, so offsets stay the stored text's
    expect(bob.locator("#obs-units")).to_contain_text("[REDACTED: name]")
    expect(bob.locator("#obs-units")).not_to_contain_text("Campbell")
    bob.evaluate(SELECT, "with health visitors promptly")
    bob.get_by_label("Code to add").select_option(
        label="– Information sharing between and within agencies")
    bob.get_by_role("button", name="Add code").click()
    expect(bob.locator(".obs-seg", has_text="on “with health visitors promptly”")).to_be_visible()
    bob.get_by_role("button", name="I have finished coding this document").click()
    expect(bob.locator(".govuk-notification-banner").first).to_contain_text(
        "the comparison opens when every coder is done")
    other.close()

    # the comparison stays closed until ann has finished too
    compare = (f"{live_server.url}/coding/documents/{document.pk}/compare/"
               "?codebook=recommendation_themes")
    page.goto(compare)
    expect(page.locator("#comparison-closed")).to_be_visible()
    expect(page.locator("#coder-status")).to_contain_text("Still coding")
    page.goto(url)
    page.get_by_role("button", name="I have finished coding this document").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text(
        "the comparison is open")

    # the comparison: kappa and the disagreement side by side; adjudicate; export .qdpx
    page.goto(compare)
    expect(page.locator("#overall-kappa")).not_to_have_text("–")
    table = page.locator("#disagreements")
    expect(table).to_contain_text("Quality of recording")
    expect(table).to_contain_text("Information sharing")
    expect(page.locator("#per-code")).to_contain_text("Training and awareness raising")
    assert_accessible(page)
    page.get_by_role("button", name="Record consensus").click()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("Consensus coding")
    with page.expect_download() as download:
        page.locator("#export-qdpx").click()
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("project.qde")
    from observatory_core.coding.refi import read_qdpx

    project = read_qdpx(data, codebook_key="recommendation_themes")
    assert {s.code for s in project.sources[0].selections} >= {"training"}
    if not SCHEMA.is_file() and in_ci():
        pytest.fail(f"REFI-QDA schema not found at {SCHEMA} (CI=true)", pytrace=False)
    if SCHEMA.is_file():
        from lxml import etree

        etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(etree.fromstring(xml))
