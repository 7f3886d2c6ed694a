"""Browser tests: a real headless Chromium, driven by Playwright's sync API, against
pytest-django's ``live_server``.

One browser per session, a fresh context (cookies, storage) per test. Chromium comes from
the system (``/usr/bin/chromium``, or ``OBSERVATORY_CHROMIUM``); when it is missing every
test here is skipped with the reason, except under CI (``CI=true``) where that is a failure.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ..django_support import check_expected_database, isolated_storage

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# ORM calls from the test body as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("OBSERVATORY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IN_CI = os.environ.get("CI", "").lower() == "true"

PASSWORD = "correct-horse-battery-staple"
OWN_AREA = "E08000025"  # Birmingham
OTHER_AREA = "E06000023"  # Bristol
# axe-core rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (install Debian's chromium package or set "
                     "OBSERVATORY_CHROMIUM)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def basic_request(playwright_instance, live_server):
    """Cookie-less API clients sending HTTP Basic credentials: ``basic_request(username)``."""
    contexts = []

    def make(username: str, password: str = PASSWORD):
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        context = playwright_instance.request.new_context(
            base_url=live_server.url, extra_http_headers={"Authorization": f"Basic {token}"})
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.dispose()


@pytest.fixture(autouse=True)
def _reference_data(transactional_db, live_server) -> None:
    """live_server needs transactional_db, which flushes every table after each test, so
    the controlled lists and local areas are loaded again for each test."""
    from observatory.vocabularies.sync import sync_reference_data

    sync_reference_data()
    check_expected_database()


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path) -> Iterator[None]:
    """Uploads made through the live server go to this test's own folders. The live server
    runs in a thread of this process, so it sees these settings."""
    yield from isolated_storage(settings, tmp_path)


# --- data helpers -------------------------------------------------------------------------

def term(key: str, code: str):
    from observatory.vocabularies.models import Term

    return Term.objects.get(vocabulary__key=key, code=code)


def make_user(username: str, role: str, area: str | None = None):
    from observatory.accounts.services import create_user

    return create_user(username, PASSWORD, role, area=area)


def make_review(reference: str, *, area: str = OWN_AREA, published: bool = True,
                outcome: str = "death", title: str | None = None, **extra):
    from observatory.repository.models import Review
    from observatory.vocabularies.models import LocalAuthority

    return Review.objects.create(
        reference=reference,
        title=title or f"Child {reference[-1]} (test)",
        local_authority=LocalAuthority.objects.get(gss_code=area),
        review_type=term("review_type", "scr"),
        outcome=term("outcome", outcome),
        incident_date=date(2015, 1, 10),
        decision_date=date(2015, 2, 1),
        completion_date=date(2015, 11, 1),
        publication_date=date(2016, 1, 1) if published else None,
        child_age_months=5,
        **extra,
    )


def add_document(review, kind: str, content: bytes = b"%PDF-1.4\n%test\n%%EOF\n",
                 filename: str = "report.pdf", title: str = "", reviewed: bool = True):
    """Upload and process a document. ``reviewed`` (default): then a person confirms every
    suggested personal-data flag and finishes the redaction review, as must happen before
    roles that see the text only redacted see anything of it."""
    from observatory.ingestion.models import Decision, IngestJob, PersonalDataFlag
    from observatory.ingestion.redaction import finish_review
    from observatory.repository.services import store_version

    version = store_version(review=review, kind=term("document_kind", kind),
                            filename=filename, stream=io.BytesIO(content), title=title).version
    job = IngestJob.objects.filter(version=version).order_by("-pk").first()
    if reviewed and job is not None and job.status == IngestJob.DONE:
        PersonalDataFlag.objects.filter(version=version, status=Decision.SUGGESTED).update(
            status=Decision.CONFIRMED)
        finish_review(version, None)
    return version.document


def make_pdf(path: Path, text: str = "Overview report of a test review") -> Path:
    """A real (small) PDF made with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(text)
    pdf.drawString(72, 770, text)
    pdf.showPage()
    pdf.save()
    return path


# --- page helpers -------------------------------------------------------------------------

def ensure_authenticator(username: str):
    """The person's authenticator app, set up (if their account exists)."""
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def authenticator_code(username: str) -> str:
    """The code a person's authenticator app shows now."""
    import time

    from django_otp.oath import totp

    device = ensure_authenticator(username)
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    # django-otp takes each 30-second code once (ASVS 2.8.4): a person signing in again
    # within the same step waits for the next code; the device accepts one step ahead.
    ahead = max(0, (device.last_t + 1) - now) if device.last_t is not None else 0
    if ahead > device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        return authenticator_code(username)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=ahead)
    return f"{code:06d}"


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the /accounts/login/ form, as a person would. ``live_server`` may
    also be given as its base URL."""
    base = getattr(live_server, "url", live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    ensure_authenticator(username)  # set up once already, as the person would have
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/two-factor/" in page.url:
        page.get_by_label("Code").fill(authenticator_code(username))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        assert "/account/two-factor/" not in page.url, (
            f"second factor refused for {username}: {page.locator('main').inner_text()}")
    banner = page.locator(".govuk-phase-banner__text")
    assert f"signed in as {username}" in banner.inner_text(), (
        f"sign-in as {username} failed: {page.url}\n{page.locator('main').inner_text()}")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}\n  {v['helpUrl']}")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}\n      {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(page, *, ignore: tuple[str, ...] = ()) -> None:
    """No axe-core violation of any WCAG 2.0/2.1/2.2 A or AA rule on the current page.

    ``ignore`` names rule ids to leave out; use it only for a known, reported page bug
    (and prefer xfail on the single check)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    })
    violations = [v for v in results.response["violations"] if v["id"] not in ignore]
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url} "
        f"({page.title()}):\n{_describe(violations)}")
