"""Issue 7's journey in the browser: upload a scanned PDF (OCR) and a DOCX, watch processing
(page by page while the scan is recognised, on the document page and in the text viewer,
which shows the recognised pages' provisional text), see sections,
recommendations with addressees and the drafted dataset with highlighted evidence, confirm
two values, and find a phrase by search that lands on the right page of the viewer.

The task backend is replaced by a queue the test drains itself, so the page is seen while
the job is queued and running (progress, polling) and then refreshes on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, login, make_review, make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    from observatory_demo import build_demo_corpus, write_demo_files

    directory = tmp_path_factory.mktemp("browser-ingest")
    write_demo_files(build_demo_corpus(count=3), directory)
    from observatory_core.ingest.scanned import make_scanned_pdf

    scanned = make_scanned_pdf(directory / "DEMO-2009-002-overview-report.pdf",
                               directory / "DEMO-2009-002-overview-report-scanned.pdf",
                               dpi=200)
    return {"pdf": scanned, "docx": directory / "DEMO-2009-002-executive-summary.docx"}


@pytest.fixture
def tesseract() -> None:
    import os

    from observatory_core.ingest.ocr import tesseract_path

    if tesseract_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed: scripts/bootstrap.sh must install it")
        pytest.skip("tesseract is not installed (scripts/bootstrap.sh installs it)")


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    from observatory.ingestion import services

    jobs: list[int] = []
    monkeypatch.setattr(services, "enqueue", jobs.append)
    return jobs


def _process(job_id: int, page=None, monkeypatch=None) -> list[str]:
    """Run the job as the worker would, here in the test's thread. With ``page``, stop at
    the third step until the page (polling the status endpoint) shows that step."""
    from observatory.ingestion import services

    seen: list[str] = []
    if page is not None:
        real = services._progress

        def watched(job):
            report = real(job)

            def step(name, done, total):
                report(name, done, total)
                if name == f"ocr_if_needed: page 2 of {name.rsplit(' of ', 1)[-1]}":
                    # The scan is read page by page, with progress shown on the page.
                    expect(page.locator("#ingest-status-text")).to_contain_text(
                        "recognised", timeout=10_000)
                    _viewer_while_reading(page, job, name)
                    seen.append("ocr")
                if done == 3:
                    expect(page.locator("#ingest-status-text")).to_contain_text(
                        f"Step 3 of {total}", timeout=10_000)
                    expect(page.locator("#ingest-status-tag")).to_have_text("Processing")
                    seen.append(page.locator("#ingest-progress").get_attribute("value"))

            return step

        monkeypatch.setattr(services, "_progress", watched)
    services.run_job(job_id)
    return seen


def _viewer_while_reading(page, job_id: int, step: str) -> None:
    """Meanwhile the text viewer shows how far OCR is and the recognised page's
    provisional text, not 'not processed yet'."""
    from observatory.ingestion.models import IngestJob, Passage

    job = IngestJob.objects.select_related("version").get(pk=job_id)
    first = Passage.objects.get(version=job.version, kind="ocr_page", page=1)
    viewer = page.context.new_page()
    try:
        base = page.url.split("/documents/")[0]
        viewer.goto(f"{base}/documents/{job.version.document_id}/text/?page=1")
        expect(viewer.locator("#ocr-progress")).to_contain_text(step.split(": ", 1)[1])
        expect(viewer.locator("#provisional-notice")).to_be_visible()
        expect(viewer.locator(".obs-provisional")).to_contain_text(first.text.split()[0])
        expect(viewer.locator("main")).not_to_contain_text("not been processed")
        assert_accessible(viewer)
    finally:
        viewer.close()


def _upload(page, base, reference, kind, path, title):
    page.goto(f"{base}/reviews/{reference}/")
    page.get_by_role("link", name="Upload a document").click()
    page.get_by_label("Kind of document").select_option(label=kind)
    page.get_by_label("Title (optional)").fill(title)
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name=re.compile("Upload")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_upload_watch_confirm_and_search(page, live_server, demo_files, queued, monkeypatch,
                                         tesseract):
    from observatory.ingestion.models import Extraction
    from observatory.repository.models import Review

    make_user("lead", "analyst")
    review = make_review("DEMO-2009-002", title="Child C (fictional)")
    base = live_server.url
    login(page, live_server, "lead")

    # 1. The PDF: queued, then running with progress, then the page refreshes itself.
    _upload(page, base, review.reference, "Overview report", demo_files["pdf"],
            "Overview report of Child C")
    expect(page.locator("#ingest-status-tag")).to_have_text("Queued")
    expect(page.locator("#ingest-progress")).to_be_visible()
    assert_accessible(page)
    assert len(queued) == 1
    seen = _process(queued[0], page, monkeypatch)
    assert seen[0] == "ocr" and 0 < int(seen[1]) < 100, seen  # the progress bar moved
    expect(page.locator("#ingest-status-tag")).to_have_text("Done", timeout=20_000)
    expect(page.locator("#ingest-progress")).not_to_be_attached()

    sections = page.locator("#sections-table")
    expect(sections).to_contain_text("Methodology")
    expect(sections).to_contain_text("Recommendations")
    recs = page.locator("#recommendations-table tbody tr")
    assert recs.count() >= 5
    addressees = page.locator("#recommendations-table .obs-addressee").all_inner_texts()
    assert all(a and a != "Not known" for a in addressees), addressees
    dataset = page.locator("#dataset-table")
    expect(dataset.locator("mark").first).to_be_visible()
    expect(dataset).to_contain_text("Page ")
    assert_accessible(page)

    # 2. Confirm two drafted values; they are written to the review.
    sex = Extraction.objects.get(review=review, field="child_sex")
    police = Extraction.objects.get(review=review, key="agencies:police")
    for extraction in (sex, police):
        row = page.locator(f"#extraction-{extraction.pk}")
        row.get_by_role("button", name=re.compile("^Confirm")).click()
        expect(page.locator(f"#extraction-{extraction.pk} .obs-decision")).to_have_text(
            "Confirmed")
    expect(page.locator(".obs-decision")).to_have_count(2)
    review = Review.objects.get(pk=review.pk)
    assert review.child_sex.code == sex.value
    assert review.agencies.filter(code="police").exists()

    # 3. The DOCX: processed the same way.
    _upload(page, base, review.reference, "Executive summary", demo_files["docx"],
            "Executive summary of Child C")
    assert len(queued) == 2
    _process(queued[1])
    expect(page.locator("#ingest-status-tag")).to_have_text("Done", timeout=20_000)
    expect(page.locator("#sections-table")).to_contain_text("Introduction")

    # 4. Search for a phrase; the result lands on its page of the text viewer.
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label('Words or a "quoted phrase"').fill('"professional curiosity"')
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#result-count")).to_contain_text("found")
    assert_accessible(page)
    first = page.locator(".obs-result").first
    expect(first.locator("mark").first).to_be_visible()
    heading = first.get_by_role("link").first.inner_text()
    wanted_page = int(re.search(r"page (\d+)$", heading).group(1))
    first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"page={wanted_page}#p-\d+$"))
    expect(page.locator("#page-heading")).to_have_text(re.compile(rf"^Page {wanted_page} of"))
    anchor = page.url.rsplit("#", 1)[1]
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_be_visible()
    expect(target).to_contain_text(re.compile("professional curiosity", re.I))
    assert_accessible(page)
