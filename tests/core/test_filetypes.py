"""File type by content: libmagic names it, and the checks it does not make are ours
(issue 11.8; issue 12.12: an HTML page with '%PDF-' in its first kilobyte is not a PDF)."""

from __future__ import annotations

import io
import zipfile

import pytest

from observatory_core.filetypes import DOCX, PDF, TEXT, FileRejected, libmagic_type, sniff_bytes

from .ingest.conftest import make_pdf

LIMIT = 10 * 1024 * 1024
PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><title>Not found</title></head><body>"
        b"<p>The file %PDF-1.4 you asked for has moved.</p></body></html>\n")


def test_html_page_holding_pdf_marker_in_its_first_kilobyte_is_refused():
    with pytest.raises(FileRejected, match="named as a PDF but its content is an HTML page"):
        sniff_bytes("inspection.pdf", PAGE, max_bytes=LIMIT)


def test_pdf_header_followed_by_an_html_page_is_refused():
    with pytest.raises(FileRejected, match="HTML page"):
        sniff_bytes("inspection.pdf", b"%PDF-1.7\n" + PAGE + b"%%EOF\n", max_bytes=LIMIT)


def test_truncated_pdf_passes_the_door_and_fails_its_job_as_corrupt():
    """Whether a PDF is whole is the parse step's question: the upload is kept for a person
    to see, and its processing fails naming the file and the reason."""
    from observatory_core.ingest import IngestError, extract

    data = make_pdf_bytes()
    cut = data[: data.index(b"startxref") // 2]
    assert sniff_bytes("r.pdf", cut, max_bytes=LIMIT).media_type == PDF
    with pytest.raises(IngestError, match="r.pdf: .*corrupt"):
        extract(cut, "r.pdf", skip=("flag_personal_data_model",))


def test_real_pdf_with_junk_after_its_end_is_still_a_pdf():
    data = make_pdf_bytes() + b"\r\n" + b"x" * 900
    assert sniff_bytes("r.pdf", data, max_bytes=LIMIT).media_type == PDF


def test_libmagic_refuses_formats_the_old_text_check_let_through():
    """PostScript and SVG are text bytes, but not plain text: libmagic knows them."""
    assert libmagic_type(b"%!PS-Adobe-3.0\n%%Title: x\n") == "application/postscript"
    for data in (b"%!PS-Adobe-3.0\n%%Title: x\nshowpage\n",
                 b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n'):
        with pytest.raises(FileRejected, match="not one"):
            sniff_bytes("notes.txt", data, max_bytes=LIMIT)


def test_zip_without_a_word_document_is_not_docx_and_text_stays_text():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRejected, match="not one"):
        sniff_bytes("r.docx", buffer.getvalue(), max_bytes=LIMIT)
    from docx import Document

    out = io.BytesIO()
    Document().save(out)
    assert sniff_bytes("r.docx", out.getvalue(), max_bytes=LIMIT).media_type == DOCX
    assert sniff_bytes("r.txt", "café — naïve 😀".encode(), max_bytes=LIMIT).media_type == TEXT


def make_pdf_bytes() -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        return make_pdf(Path(tmp) / "r.pdf", [["Recommendation 1: act."]]).read_bytes()
