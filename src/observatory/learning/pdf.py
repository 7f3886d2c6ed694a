"""A briefing as PDF: the same content as its page, laid out by WeasyPrint (the project's
PDF library, as for the analysis reports) and written as tagged PDF/UA-1."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string

from ..analysis.pdf import CSS, fetcher


def briefing_pdf(data: dict[str, Any]) -> bytes:
    import weasyprint  # Pango is loaded only when a PDF is asked for

    html = render_to_string("learning/briefing_print.html", {
        "b": data, "today": date.today(), "css": CSS.read_text(encoding="utf-8")})
    return weasyprint.HTML(string=html, url_fetcher=fetcher()).write_pdf(
        pdf_variant="pdf/ua-1")
