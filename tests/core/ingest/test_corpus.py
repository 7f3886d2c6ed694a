"""Every real document in ../shared/corpus goes through the pipeline: PDFs parse with sane
page counts and sections; the HTML files named .pdf are refused with a clear reason."""

from __future__ import annotations

import time

import pytest

from observatory_core.ingest import IngestError, extract

# The named-entity model is measured in test_personal_data_model.py; here it only costs time.
NO_MODEL = ("flag_personal_data_model",)

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def test_every_inspection_report_parses(corpus_dir):
    files = sorted((corpus_dir / "inspections").glob("*.pdf"))
    assert len(files) >= 50
    without_sections = []
    started = time.perf_counter()
    for path in files:
        result = extract(path, skip=NO_MODEL)
        assert 1 <= len(result.pages) <= 200, path.name
        assert len(result.text) > 1000, path.name
        if not any(s.kind for s in result.sections):
            without_sections.append(path.name)
    print(f"\n{len(files)} inspection reports in {time.perf_counter() - started:.1f}s")
    assert len(without_sections) <= len(files) // 20, without_sections


def test_guidance_parses(corpus_dir):
    for path in sorted((corpus_dir / "guidance").glob("*.pdf")):
        result = extract(path, skip=NO_MODEL)
        assert len(result.pages) >= 5 and result.sections, path.name


def test_bad_input_named_pdf_is_refused(corpus_dir):
    files = sorted((corpus_dir / "bad-input").glob("*.pdf"))
    assert files
    for path in files:
        with pytest.raises(IngestError) as caught:
            extract(path, skip=NO_MODEL)
        assert str(caught.value) == f"{path.name}: is named as a PDF but its content is an " \
                                    "HTML page"
