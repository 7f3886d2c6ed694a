"""A partnership's business manager turns a processed report's recommendations into a
register and an action plan; an action owner claims completion with evidence; the manager
verifies it; the dashboard shows what is slipping; another partnership sees nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from .conftest import (
    OTHER_AREA,
    OWN_AREA,
    add_document,
    assert_accessible,
    login,
    make_pdf,
    make_review,
    make_user,
)

REPORT = b"""Serious Case Review: Child P

Overview report

Recommendations

1. The LSCB should ensure that all staff receive training on recognising neglect.

2. Children's social care should audit 20 case files within six months.

3. Children's social care should report the audit's findings to the partnership.
"""


def _confirm(page, number: str) -> None:
    form = page.locator("form[id^=suggestion-]").filter(has_text=number).first
    form.get_by_role("button").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is in the register")


def test_register_appraise_act_evidence_verify_and_dashboard(page, live_server, tmp_path):
    from observatory.register.models import Action, RegisterEntry

    make_user("manager", "partnership", OWN_AREA)
    make_user("owner", "partnership", OWN_AREA)
    make_user("elsewhere", "partnership", OTHER_AREA)
    review = make_review("PLAN-B1")
    add_document(review, "overview_report", REPORT, "report.txt")
    base = live_server.url

    login(page, live_server, "manager")
    page.goto(f"{base}/reviews/PLAN-B1/")
    page.get_by_role("link", name="Recommendations and action plan").click()
    start = date.today() - timedelta(days=200)
    page.get_by_label("Plan start date").fill(start.isoformat())
    page.get_by_role("button", name="Save the start date").click()

    # Confirm the three, correcting the first one's addressee; merge the last two.
    page.get_by_label("Addressed to").first.select_option(label="Police")
    _confirm(page, "training")
    _confirm(page, "audit 20")
    _confirm(page, "findings")
    expect(page.get_by_text("Nothing is waiting")).to_be_visible()
    page.locator("#register tbody tr").nth(1).get_by_role("checkbox").check()
    page.locator("#register tbody tr").nth(2).get_by_role("checkbox").check()
    page.get_by_text("Merge the ticked recommendations").click()
    page.get_by_role("button", name="Merge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 recommendations merged")
    expect(page.locator("#register tbody tr")).to_have_count(2)
    expect(page.locator("#register tbody tr").first).to_contain_text("Police")
    assert_accessible(page)

    # Appraise the first: the service's reasons are shown; the person decides.
    page.locator("#register tbody tr").first.get_by_role("link").click()
    appraisal = page.locator("#appraisal")
    expect(appraisal).to_contain_text('Uses a verb that does not say what is done: "ensure"')
    page.get_by_label("Specific: judgement").select_option(label="Not met")
    page.get_by_label("Specific: reason").fill("Says ensure, not what training")
    page.get_by_role("button", name="Save the appraisal").click()
    expect(appraisal).to_contain_text("Not met: Says ensure, not what training")

    # Two actions: a high-priority one (already past its band: overdue) and a low one.
    for text, band, owner in (("Deliver the neglect briefing", "High", ""),
                              ("Audit training records", "Low", "owner")):
        page.get_by_label("What is to be done").fill(text)
        page.get_by_label("Lead agency").select_option(label="Police")
        page.get_by_label("Lead role").select_option(label="Training manager")
        page.get_by_label(re.compile(f"^{band} ")).check()
        if owner:
            page.get_by_label(re.compile("^Owner")).select_option(label=owner)
        page.get_by_role("button", name="Add the action").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("added, due")
    expect(page.locator("#actions tbody tr")).to_have_count(2)
    assert_accessible(page)
    low = Action.objects.get(description="Audit training records")

    # The owner uploads evidence and claims completion.
    page.context.clear_cookies()
    login(page, live_server, "owner")
    page.goto(f"{base}/actions/{low.pk}/")
    page.get_by_label("Upload a file").set_input_files(str(make_pdf(tmp_path / "audit.pdf")))
    page.get_by_label("What it shows").fill("Training audit results")
    page.get_by_role("button", name="Upload the evidence").click()
    expect(page.locator("#evidence")).to_contain_text("Training audit results")
    page.get_by_label("Completed (claimed)").check()
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator("#status")).to_contain_text("Completed (claimed)")
    expect(page.get_by_label("Verified by the partnership")).to_be_visible()
    page.get_by_label("Verified by the partnership").check()
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "someone other than the person who claimed it")

    # The manager verifies it; the history keeps every step.
    page.context.clear_cookies()
    login(page, live_server, "manager")
    page.goto(f"{base}/actions/{low.pk}/")
    page.get_by_label("Verified by the partnership").check()
    page.get_by_label(re.compile("^Note")).fill("Checked the audit results")
    page.get_by_role("button", name="Change the status").click()
    expect(page.locator("#status")).to_contain_text("Verified by the partnership")
    expect(page.locator("#history tbody tr")).to_have_count(3)
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Action plans").click()
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(page.locator("#count-unevidenced")).to_have_text("0")
    expect(page.locator("#count-backlog")).to_have_text("0")
    expect(page.locator("#count-noactions")).to_have_text("1")  # the merged one
    overdue = page.get_by_role("link", name=re.compile("Deliver the neglect briefing"))
    expect(overdue).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    assert RegisterEntry.objects.filter(review=review, state="merged").count() == 2

    # Another partnership sees none of it.
    page.context.clear_cookies()
    login(page, live_server, "elsewhere")
    response = page.goto(f"{base}/reviews/PLAN-B1/register/")
    assert response.status == 404
    page.goto(f"{base}/action-plans/")
    expect(page.locator("#count-overdue")).to_have_text("0")
    expect(page.get_by_text("Deliver the neglect briefing")).to_have_count(0)
