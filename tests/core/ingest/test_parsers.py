"""Parsers: what each format yields, and a clear IngestError for every kind of bad input."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from observatory_core.filetypes import DOCX, HTML, PDF, TEXT
from observatory_core.ingest import IngestError, Limits, extract
from observatory_core.ingest.parsers import choose_parser, registered

from .conftest import make_pdf


def test_registry_has_one_parser_per_format():
    names = set(registered())
    assert {"pdf_pypdfium2", "docx_python_docx", "html_stdlib", "text_plain"} <= names
    for media_type in (PDF, DOCX, HTML, TEXT):
        assert media_type in choose_parser(media_type, "x", b"").media_types


def test_pdf_pages_lines_and_font_sizes(tmp_path):
    path = make_pdf(tmp_path / "r.pdf", [["# Introduction", "Body text on page one."],
                                         ["# Recommendations", "1. The police should act."]])
    parsed = choose_parser(PDF, "r.pdf", b"%PDF").parse(path, "r.pdf", Limits())
    assert [p.number for p in parsed.pages] == [1, 2]
    sizes = {parsed.text[ln.start:ln.end]: ln.font_size for ln in parsed.lines}
    assert sizes["Introduction"] == pytest.approx(16)
    assert sizes["Body text on page one."] == pytest.approx(11)
    assert parsed.parser == "pdf_pypdfium2@2"


def test_docx_styles_tables_and_page_breaks(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_heading("Recommendations", level=1)
    document.add_paragraph("First page text.")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("Second page text.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Agency", "Recommendation"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Police", "Share it."
    path = tmp_path / "d.docx"
    document.save(str(path))
    parsed = choose_parser(DOCX, "d.docx", b"PK").parse(path, "d.docx", Limits())
    levels = {parsed.text[ln.start:ln.end]: ln.style_level for ln in parsed.lines}
    assert levels["Recommendations"] == 1
    assert "1. Second page text." in parsed.text  # Word's list number, as printed
    assert len(parsed.pages) == 2
    assert any(ln.cells == ("Police", "Share it.") for ln in parsed.lines)


def test_html_drops_scripts_and_keeps_headings():
    html = (b"<html><head><title>t</title><script>alert('x')</script></head><body>"
            b"<nav>Home | About</nav><h2>Recommendations</h2><ol><li>The LSCB should act."
            b"</li></ol><style>p{}</style><p>Done &amp; dusted</p></body></html>")
    parsed = choose_parser(HTML, "a.html", html).parse(html, "a.html", Limits())
    assert "alert" not in parsed.text and "Home" not in parsed.text and "p{}" not in parsed.text
    assert "Done & dusted" in parsed.text
    assert any(ln.style_level == 2 for ln in parsed.lines)


def test_plain_text_form_feed_pages():
    parsed = choose_parser(TEXT, "a.txt", b"").parse(b"one\n\ntwo\fthree", "a.txt", Limits())
    assert len(parsed.pages) == 2


@pytest.mark.parametrize("name, data, reason", [
    ("empty.pdf", b"", "empty"),
    ("lies.pdf", b"<html><body>hi</body></html>", "content is an HTML page"),
    ("lies.docx", b"%PDF-1.4 nothing", "content is a PDF"),
    ("bad.exe", b"MZ", "not accepted"),
    ("trunc.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "corrupt"),
])
def test_bad_input_is_refused_with_file_and_reason(name, data, reason):
    with pytest.raises(IngestError) as caught:
        extract(data, name)
    assert str(caught.value).startswith(f"{name}: ")
    assert reason in str(caught.value)


def test_encrypted_pdf_is_refused(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", [["Secret"]], encrypt="s3cret")
    with pytest.raises(IngestError, match="password-protected"):
        extract(path)


def test_over_size_limit(tmp_path):
    path = make_pdf(tmp_path / "big.pdf", [["x"]])
    with pytest.raises(IngestError, match="larger than the limit"):
        extract(path, limits=Limits(max_bytes=100))


def test_docx_zip_bomb_refused_from_directory_alone():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    started = time.perf_counter()
    with pytest.raises(IngestError, match="zip bomb"):
        extract(buffer.getvalue(), "bomb.docx")
    assert time.perf_counter() - started < 2


def test_thousands_of_blank_pages_refused_quickly(tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(1500):
        pdf.new_page(595, 842)
    path = tmp_path / "blank.pdf"
    pdf.save(str(path))
    started = time.perf_counter()
    with pytest.raises(IngestError, match="1500 pages and the first 50 have no text"):
        extract(path)
    assert time.perf_counter() - started < 5


def test_too_many_pages(tmp_path):
    path = make_pdf(tmp_path / "long.pdf", [["page"]] * 5)
    with pytest.raises(IngestError, match="more than the limit of 3"):
        extract(path, limits=Limits(max_pages=3))


def test_scanned_pages_are_recorded_for_ocr(tmp_path):
    path = make_pdf(tmp_path / "mixed.pdf", [["Some text"], []])
    result = extract(path)
    assert result.empty_pages == (2,)


def test_missing_file_is_an_ingest_error():
    with pytest.raises(IngestError, match="cannot be read"):
        extract(Path("/nonexistent/file.pdf"))
