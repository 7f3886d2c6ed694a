"""Uploads: allowed types only, content must match the name, versions are immutable and
content-addressed, confidential kinds are stored apart, refusals leave nothing behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import storages

from observatory.repository.models import Document, DocumentVersion
from observatory.repository.services import store_version
from observatory_core.filetypes import FileRejected

from .conftest import add_document, make_review, term

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes(text: str = "hello") -> bytes:
    from docx import Document as Docx

    out = io.BytesIO()
    doc = Docx()
    doc.add_paragraph(text)
    doc.save(out)
    return out.getvalue()


def store(review, kind: str, filename: str, data: bytes, **kwargs):
    return store_version(review=review, kind=term("document_kind", kind), filename=filename,
                         stream=io.BytesIO(data), **kwargs)


def stored_files(area: str) -> list[Path]:
    root = Path(storages[area].location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("filename,data", [
    ("report.pdf", PDF),
    ("summary.docx", docx_bytes()),
    ("page.html", b"<!DOCTYPE html><html><body><p>Report</p></body></html>"),
    ("notes.txt", "Plain text report \u2013 with UTF-8".encode()),
])
def test_allowed_types_are_stored(db, filename, data):
    review = make_review("UP-1")
    result = store(review, "overview_report", filename, data)
    assert result.created and result.version.number == 1
    assert result.version.size == len(data)
    with result.version.open() as fh:
        assert fh.read() == data


@pytest.mark.parametrize("filename,data,reason", [
    ("empty.pdf", b"", "is empty"),
    ("report.exe", b"MZ\x90\x00", "not accepted"),
    ("report.pdf", b"<!DOCTYPE html><html><body>not a pdf</body></html>",
     "named as a PDF but its content is an HTML page"),
    ("report.docx", PDF, "named as a Word (.docx) document but its content is a PDF"),
    ("report.docx", b"PK\x03\x04garbage", "named as a Word (.docx) document but its content"),
    ("binary.txt", b"\x00\x01\x02\x03" * 100, "named as plain text but its content is not"),
])
def test_refused_uploads_name_the_file_and_leave_nothing(db, filename, data, reason):
    review = make_review("UP-2")
    with pytest.raises(FileRejected) as info:
        store(review, "overview_report", filename, data)
    assert str(info.value).startswith(filename)
    assert reason in str(info.value)
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert stored_files("published") == [] and stored_files("confidential") == []


def test_zip_that_is_not_a_docx_is_refused(db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not word")
    with pytest.raises(FileRejected, match="content is not one"):
        store(make_review("UP-3"), "overview_report", "x.docx", out.getvalue())


def test_size_limit(db, settings):
    settings.OBSERVATORY = {**settings.OBSERVATORY, "MAX_UPLOAD_BYTES": 1024 * 1024}
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)
    with pytest.raises(FileRejected, match="larger than the limit"):
        store(make_review("UP-4"), "overview_report", "big.pdf", big)
    assert not DocumentVersion.objects.exists()


@pytest.mark.corpus
def test_real_html_files_named_pdf_are_refused(db, corpus_dir):
    review = make_review("UP-5")
    files = sorted((corpus_dir / "bad-input").glob("*.pdf"))
    assert files, "the bad-input folder should hold HTML files named .pdf"
    for path in files:
        with pytest.raises(FileRejected) as info:
            store(review, "overview_report", path.name, path.read_bytes())
        assert path.name in str(info.value) and "HTML page" in str(info.value)
    assert not DocumentVersion.objects.exists()


def test_same_file_twice_changes_nothing_and_new_content_is_a_new_version(db):
    review = make_review("UP-6")
    first = store(review, "overview_report", "r.pdf", PDF)
    again = store(review, "overview_report", "renamed.pdf", PDF)
    assert not again.created and again.version.pk == first.version.pk
    assert DocumentVersion.objects.count() == 1
    document = first.version.document
    second = store(review, "overview_report", "r.pdf", PDF + b"%v2\n", document=document)
    assert second.created and second.version.number == 2
    assert document.versions.count() == 2
    with first.version.open() as fh:  # the old version is still there, unchanged
        assert fh.read() == PDF


def test_versions_are_immutable(db):
    version = store(make_review("UP-7"), "overview_report", "r.pdf", PDF).version
    version.original_filename = "tampered.pdf"
    with pytest.raises(PermissionError):
        version.save()


def test_confidential_kinds_are_stored_apart(db):
    review = make_review("UP-8")
    published = add_document(review, "overview_report", PDF, "overview.pdf")
    confidential = add_document(review, "imr", PDF + b"%imr\n", "imr.pdf")
    assert published.latest.storage_area == "published"
    assert confidential.latest.storage_area == "confidential"
    assert confidential.confidential and not published.confidential
    published_root = Path(storages["published"].location)
    confidential_root = Path(storages["confidential"].location)
    assert published_root != confidential_root
    assert not any("imr" in p.name for p in stored_files("published"))
    assert len(stored_files("confidential")) == 1


def test_a_failed_database_write_removes_the_stored_file(db, monkeypatch):
    review = make_review("UP-9")

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(DocumentVersion.objects, "create", boom)
    with pytest.raises(RuntimeError):
        store(review, "overview_report", "r.pdf", PDF)
    assert stored_files("published") == []
    assert not Document.objects.exists()


def test_web_upload_of_a_lying_file_shows_the_reason(client, users):
    review = make_review("UP-10")
    client.force_login(users["analyst"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("report.pdf", b"<html><body>hi</body></html>")
    kind = term("document_kind", "overview_report")
    response = client.post(f"/reviews/{review.reference}/upload/",
                           {"kind": kind.pk, "file": upload})
    assert response.status_code == 200
    assert "report.pdf: is named as a PDF but its content is an HTML page" in (
        response.content.decode())
    assert not Document.objects.exists()
