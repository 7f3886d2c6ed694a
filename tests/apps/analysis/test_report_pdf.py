"""The PDF edition of a report is accessible: tagged PDF/UA with its language and title,
every standard table present as a real table with its chart description, and nothing
fetched from outside while it is laid out."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from observatory.analysis import pdf, reports

from .helpers import with_recommendations

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual_pdf(db, tmp_path):
    for i in range(6):
        with_recommendations(f"PDF-{i}", ["police", "police", "probation"], year=2015)
    report = reports.annual(2015, public=True)
    target = tmp_path / "annual.pdf"
    target.write_bytes(reports.render_pdf(report))
    return report, target


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} (poppler-utils) not installed")
    return path


def test_pdf_is_tagged_with_language_and_title(annual_pdf):
    report, target = annual_pdf
    assert target.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run([_tool("pdfinfo"), str(target)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    assert report.title in info
    meta = subprocess.run([_tool("pdfinfo"), "-meta", str(target)], capture_output=True,
                          text=True, check=True).stdout
    assert 'pdfuaid:part="1"' in meta  # declares PDF/UA-1
    structure = subprocess.run([_tool("pdfinfo"), "-struct", str(target)],
                               capture_output=True, text=True, check=True).stdout
    for tag in ("H1", "H2", "Table", "TH", "TD", "Caption", "Figure", "L", "LI"):
        assert re.search(rf"^\s*{tag}\b", structure, re.M), f"no {tag} in the structure tree"


def test_pdf_holds_every_table_its_chart_descriptions_and_the_method(annual_pdf):
    report, target = annual_pdf
    text = subprocess.run([_tool("pdftotext"), "-layout", str(target), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for table in report.tables:
        assert " ".join(table.title.split()) in flat, table.title
    assert "Bar chart of" in flat  # chart descriptions printed beside the charts
    assert "Methodology" in flat and "Small-number suppression" in flat
    assert "Download" not in flat  # web-only links are left out of print


def test_layout_never_fetches_anything():
    for url in ("file:///etc/passwd", "http://127.0.0.1/x.css", "https://example.org/a.png"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            pdf.fetcher().fetch(url)


def test_every_chart_is_a_figure_with_alt_text_and_the_language_is_set(annual_pdf):
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    _, target = annual_pdf
    document = pdfium.PdfDocument(str(target))

    def text(getter, handle, wide: bool = False) -> str:
        size = getter(handle, None, 0)
        buffer = ctypes.create_string_buffer(size)
        # the catalog getter is typed FPDF_WCHAR*, the structure getters void*
        getter(handle, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)) if wide
               else buffer, size)
        return buffer.raw[:max(size - 2, 0)].decode("utf-16-le")

    assert text(raw.FPDFCatalog_GetLanguage, document.raw, wide=True) == "en-GB"
    figures: list[str] = []

    def walk(element) -> None:
        kind = text(raw.FPDF_StructElement_GetType, element)
        if kind == "Figure":
            figures.append(text(raw.FPDF_StructElement_GetAltText, element))
        for i in range(raw.FPDF_StructElement_CountChildren(element)):
            child = raw.FPDF_StructElement_GetChildAtIndex(element, i)
            if child:
                walk(child)

    for index in range(len(document)):
        page = document[index]
        tree = raw.FPDF_StructTree_GetForPage(page.raw)
        for i in range(raw.FPDF_StructTree_CountChildren(tree)):
            walk(raw.FPDF_StructTree_GetChildAtIndex(tree, i))
        raw.FPDF_StructTree_Close(tree)
        page.close()
    document.close()
    assert figures, "no chart was tagged as a Figure"
    assert all(alt.endswith("The same figures are in the table beside it.")
               for alt in figures), figures
