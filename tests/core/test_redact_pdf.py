"""Truly redacted PDFs: the flagged names are gone from the file's text (not covered), the
boxes are black when rendered, the other words are still there to search."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from observatory_core.redact_pdf import RedactionRefused, extracted_text, redact


def _pdf(lines: list[str]) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setTitle("Review of Jayden Smith")  # metadata can leak a name too
    y = 780
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 20
    pdf.save()
    return out.getvalue()


def test_flagged_strings_are_removed_from_the_text_and_blacked_out_in_the_image():
    data = _pdf(["Jayden Smith lived with his mother in Ashford.",
                 "The health visitor saw JAYDEN SMITH twice; the school was told."])
    result = redact(data, ["Jayden Smith", "Ashford"])
    text = " ".join(extracted_text(result.data))
    assert "jayden" not in text.casefold() and "Ashford" not in text
    assert "health visitor" in text and "school" in text  # the rest can still be searched
    assert result.removed == 3 and len(result.boxes[0]) == 3
    assert b"Jayden" not in result.data  # nor in the metadata or anywhere in the bytes


def test_a_flagged_string_not_in_the_pdf_text_is_refused_not_ignored():
    with pytest.raises(RedactionRefused, match="not in the PDF's own text"):
        redact(_pdf(["Nothing to see here."]), ["Kayleigh Jones"])
