"""Reports as PDF: the same accessible HTML as the web edition, laid out by WeasyPrint and
written as tagged PDF/UA-1, so screen readers get headings, tables with header cells, the
chart descriptions and the document language (reportlab's open-source edition writes
untagged PDF). Charts are the same SVG as on the web, each beside its data table."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from observatory_core.stats import load_rule

from .present import present

if TYPE_CHECKING:
    from .reports import Report

CSS = Path(__file__).parent / "static" / "analysis" / "report-print.css"


def fetcher():
    """A report is self-contained (inline CSS, charts as data: URIs): layout may read data:
    URIs only, never the network or the file system, whatever a table label might name."""
    import weasyprint

    return weasyprint.URLFetcher(allowed_protocols={"data"})


def _section(table) -> dict:
    # Charts go in as images with alt text: WeasyPrint tags an <img> as a Figure carrying
    # its Alt, which PDF/UA requires; an inline <svg> would be an untitled Figure.
    shown = present(table, links=False)
    if shown["svg"]:
        shown["svg_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(
            shown["svg"].encode("utf-8")).decode("ascii")
    return shown


def render_pdf(report: Report) -> bytes:
    import weasyprint  # imported here: Pango is loaded only when a PDF is asked for

    html = render_to_string("analysis/report_print.html", {
        "report": report, "sections": [_section(t) for t in report.tables],
        "methodology": report.methodology(), "today": date.today(),
        "symbol": load_rule().symbol, "css": CSS.read_text(encoding="utf-8")})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
