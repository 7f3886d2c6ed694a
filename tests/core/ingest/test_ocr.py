"""OCR of scanned PDFs (ingest/ocr.py, step ocr_if_needed). The scanned file is made here
from a demo report (pages rendered to images, wrapped as an image-only PDF). Tesseract is
installed by scripts/bootstrap.sh: without it these tests skip, except under CI=true, where
a missing tesseract is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from observatory_core.ingest import IngestError, extract
from observatory_core.ingest.ocr import merge, parse_tsv, tesseract_path
from observatory_core.ingest.parsers import choose_parser
from observatory_core.ingest.scanned import make_scanned_pdf
from observatory_core.ingest.types import LayoutLine, Page, ParsedDocument

pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def tesseract() -> str:
    path = tesseract_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tesseract is not installed: scripts/bootstrap.sh must install it")
        pytest.skip("tesseract is not installed (scripts/bootstrap.sh installs it)")
    return path


@pytest.fixture(scope="module")
def scanned(demo_files, tmp_path_factory) -> tuple[Path, Path]:
    source = next(p for doc, p in demo_files if doc.kind == "overview_report"
                  and p.suffix == ".pdf")
    target = tmp_path_factory.mktemp("scan") / "scanned.pdf"
    return source, make_scanned_pdf(source, target, dpi=200, pages=3)


def test_scanned_file_has_no_text_layer(scanned):
    _, pdf = scanned
    parsed = choose_parser("application/pdf", pdf.name, b"%PDF-").parse(
        pdf, pdf.name, __import__("observatory_core.ingest.limits").ingest.limits.Limits())
    assert parsed.empty_pages == (1, 2, 3)


def test_ocr_reads_scanned_pages_with_progress(tesseract, scanned):
    source, pdf = scanned
    steps: list[str] = []
    pages: list[tuple[int, int, int]] = []
    result = extract(pdf, progress=lambda step, done, total: steps.append(step),
                     on_ocr_page=lambda page, done, total: pages.append(
                         (page.number, done, total)))
    assert result.ocr_pages == (1, 2, 3) and result.empty_pages == ()
    assert pages == [(1, 1, 3), (2, 2, 3), (3, 3, 3)]  # in page order, as recognised
    assert "ocr_if_needed: page 3 of 3 recognised" in steps
    assert "+ocr_tesseract@1" in result.parser
    born = extract(source)
    words = {w.lower() for w in born.text[:born.pages[2].end].split() if w.isalpha()}
    read = {w.lower() for w in result.text.split() if w.isalpha()}
    assert len(words & read) / len(words) > 0.9  # nearly every word of the original
    assert {s.kind for s in result.sections} & {"introduction", "terms_of_reference"}
    assert result.passages and all(p.page in (1, 2, 3) for p in result.passages)


def test_born_digital_pdf_is_not_ocred(tesseract, scanned):
    source, _ = scanned
    result = extract(source)
    assert result.ocr_pages == ()
    assert "ocr_if_needed@1" in result.producers.values()


def test_missing_tesseract_fails_clearly(scanned, monkeypatch):
    import observatory_core.ingest.ocr as ocr

    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    with pytest.raises(IngestError, match="scanned.pdf: has 3 scanned page.*tesseract"):
        extract(scanned[1])


def test_parse_tsv_and_merge_keep_offsets():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
           "\tconf\ttext\n"
           "5\t1\t1\t1\t1\t1\t100\t100\t50\t20\t95\tHello\n"
           "5\t1\t1\t1\t1\t2\t160\t100\t50\t20\t95\tworld\n"
           "5\t1\t1\t2\t1\t1\t100\t200\t50\t20\t95\tNext\n")
    lines = parse_tsv(tsv, 842.0, 72)
    assert [ln.text for ln in lines] == ["Hello world", "Next"]
    assert [ln.paragraph_start for ln in lines] == [True, True]
    parsed = ParsedDocument(text="Born\n", pages=(Page(1, 0, 5), Page(2, 5, 5)), parser="p@1",
                            media_type="application/pdf",
                            lines=(LayoutLine(page=1, start=0, end=4),), empty_pages=(2,))
    from observatory_core.ingest.ocr import OcrPage

    merged = merge(parsed, {2: OcrPage(2, lines, 0.1)})
    assert merged.text == "Born\nHello world\nNext\n"
    assert merged.pages == (Page(1, 0, 5), Page(2, 5, 22))
    assert [merged.text[ln.start:ln.end] for ln in merged.lines] == ["Born", "Hello world",
                                                                      "Next"]
    assert merged.empty_pages == ()
