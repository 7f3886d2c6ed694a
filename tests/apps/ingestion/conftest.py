"""Fixtures for the ingestion app: demo report files (fictional), written once a session,
and helpers to store a file so that its ingestion task runs (after commit)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from observatory.ingestion.models import IngestJob
from observatory.repository.services import store_version
from observatory_demo import build_demo_corpus, write_demo_files

from ..conftest import review_redaction, term


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("ingest-demo")
    write_demo_files(build_demo_corpus(count=3), directory)
    return directory


@pytest.fixture(scope="session")
def overview_pdf(demo_dir) -> Path:
    return demo_dir / "DEMO-2009-002-overview-report.pdf"


@pytest.fixture(scope="session")
def chronology_docx(demo_dir) -> Path:
    return demo_dir / "DEMO-2009-002-chronology.docx"


@pytest.fixture(scope="session")
def summary_docx(demo_dir) -> Path:
    return demo_dir / "DEMO-2009-002-executive-summary.docx"


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """upload(review, kind, path or bytes, filename=None) -> (version, job); the task runs
    as it would after the upload's transaction commits (ImmediateBackend in tests).
    ``reviewed`` (default): then a person confirms every suggested personal-data flag and
    finishes the redaction review, as must happen before roles that see the text only
    redacted see anything of it; tests of that rule pass ``reviewed=False``."""

    def do(review, kind: str, source, filename: str | None = None, user=None,
           reviewed: bool = True, title: str = ""):
        data = source.read_bytes() if isinstance(source, Path) else source
        name = filename or (source.name if isinstance(source, Path) else "upload.pdf")
        with django_capture_on_commit_callbacks(execute=True):
            version = store_version(review=review, kind=term("document_kind", kind),
                                    filename=name, stream=io.BytesIO(data), user=user,
                                    title=title).version
        job = IngestJob.objects.filter(version=version).latest("pk")
        if reviewed and job.status == IngestJob.DONE:
            review_redaction(version)
        return version, job

    return do
