"""Truly redacted PDFs: the flagged strings are removed from the file, not covered by boxes.

A copy is rebuilt page by page rather than edited: each page is rendered to an image
(pypdfium2, which the project already uses to read PDFs), the flagged strings' boxes are
painted black *in the pixels*, and a new PDF (reportlab) carries that image plus an invisible
text layer of every other character, so the copy can still be searched and read aloud. Nothing
of the original file is carried over: no text objects, fonts, metadata, annotations, form
fields, attachments, hidden layers or earlier revisions, any of which can leak a name that a
box drawn over text leaves in place. PyMuPDF's ``apply_redactions`` would edit the content
streams instead, but it is AGPL-3.0 and this project is MIT (docs/dependencies.md).

Every copy is verified before it is returned (``verify``): its text is extracted again and
must contain none of the flagged strings, and each blacked-out box is rendered from the new
file and must be dark. A flagged string that cannot be found in the PDF's text (a scanned page
whose words exist only in the OCR text, a name split across lines) cannot be placed, so the
copy is refused rather than published with the name left in the image.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

SCALE = 2.0  # 144 dots per inch: legible, and small enough for a report of 100 pages
PAD = 1.0  # points added round each box, so no anti-aliased edge of a letter is left
DARK = 40  # the brightest a pixel of a blacked-out box may be when the copy is rendered


class RedactionRefused(ValueError):
    """The copy cannot be made safely; the message says why, for the person redacting."""


@dataclass
class Redacted:
    data: bytes
    pages: int
    boxes: dict[int, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    removed: int = 0  # occurrences of flagged strings removed


def _pattern(strings: Iterable[str]) -> re.Pattern[str] | None:
    """Each string as a whole word, any case, any run of spaces between its words (the
    same strings ``ingestion.redaction.Redactor`` replaces in the text)."""
    parts = [r"\s+".join(re.escape(w) for w in s.split()) for s in strings if s.split()]
    if not parts:
        return None
    return re.compile("|".join(rf"(?<![\w-]){p}(?![\w-])" for p in parts), re.IGNORECASE)


def _occurrences(textpage: pdfium.PdfTextPage, strings: list[str]) -> list[tuple[int, int]]:
    found = []
    for value in strings:
        searcher = textpage.search(value, match_case=False, match_whole_word=True)
        while (hit := searcher.get_next()) is not None:
            found.append(hit)
    return found


def _words(textpage: pdfium.PdfTextPage, hidden: set[int]):
    """Runs of visible, non-space characters with their boxes: the invisible text layer."""
    run: list[tuple[str, tuple[float, float, float, float]]] = []
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        if index in hidden or not char.strip():
            if run:
                yield run
            run = []
            continue
        run.append((char, textpage.get_charbox(index)))
    if run:
        yield run


def _text_layer(pdf: canvas.Canvas, textpage: pdfium.PdfTextPage, hidden: set[int]) -> None:
    for run in _words(textpage, hidden):
        text = "".join(c for c, _ in run)
        left = min(b[0] for _, b in run)
        bottom = min(b[1] for _, b in run)
        right, top = max(b[2] for _, b in run), max(b[3] for _, b in run)
        size = max(top - bottom, 1.0)
        width = pdf.stringWidth(text, "Helvetica", size) or 1.0
        layer = pdf.beginText(left, bottom)
        layer.setTextRenderMode(3)  # invisible: found by search and screen readers only
        layer.setFont("Helvetica", size)
        layer.setHorizScale(100.0 * max(right - left, 1.0) / width)
        layer.textOut(text)
        pdf.drawText(layer)


def redact(data: bytes, strings: Iterable[str]) -> Redacted:
    """A copy of the PDF ``data`` without any of ``strings`` (whole words, any case)."""
    wanted = sorted({s.strip() for s in strings if len(s.strip()) >= 2}, key=len, reverse=True)
    try:
        source = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise RedactionRefused(f"the file cannot be read as a PDF ({exc})") from None
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)  # the same input gives the same bytes
    pdf.setTitle("Redacted copy")
    pdf.setAuthor("")
    pdf.setCreator("Case Review Observatory")
    result = Redacted(b"", len(source))
    placed: set[str] = set()
    for number in range(len(source)):
        page = source[number]
        if page.get_rotation():
            raise RedactionRefused(f"page {number + 1} is rotated; rotate it upright first")
        width, height = page.get_size()
        textpage = page.get_textpage()
        hidden: set[int] = set()
        boxes = []
        for start, count in _occurrences(textpage, wanted):
            placed.add(textpage.get_text_range(start, count).casefold())
            hidden.update(range(start, start + count))
            chars = [textpage.get_charbox(i) for i in range(start, start + count)]
            boxes.append((min(b[0] for b in chars) - PAD, min(b[1] for b in chars) - PAD,
                          max(b[2] for b in chars) + PAD, max(b[3] for b in chars) + PAD))
            result.removed += 1
        image = page.render(scale=SCALE).to_pil().convert("RGB")
        draw = ImageDraw.Draw(image)
        for left, bottom, right, top in boxes:
            draw.rectangle([left * SCALE, (height - top) * SCALE,
                            right * SCALE, (height - bottom) * SCALE], fill=(0, 0, 0))
        pdf.setPageSize((width, height))
        pdf.drawImage(ImageReader(image), 0, 0, width, height)
        _text_layer(pdf, textpage, hidden)
        pdf.showPage()
        if boxes:
            result.boxes[number] = boxes
    missing = [s for s in wanted if not any(_same(s, p) for p in placed)]
    if missing:
        raise RedactionRefused(
            f"{len(missing)} flagged string(s) are not in the PDF's own text (a scanned page, "
            "or split across lines), so they cannot be removed from the page image; "
            "redact this file by hand")
    pdf.save()
    result.data = out.getvalue()
    verify(result, wanted)
    return result


def _same(flagged: str, found: str) -> bool:
    return " ".join(flagged.casefold().split()) == " ".join(found.split())


def extracted_text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [document[n].get_textpage().get_text_range() for n in range(len(document))]


def verify(result: Redacted, strings: Iterable[str]) -> None:
    """Raise RedactionRefused unless the copy's text holds none of ``strings`` and every
    blacked-out box renders dark."""
    pattern = _pattern(strings)
    for number, text in enumerate(extracted_text(result.data)):
        if pattern is not None and (hit := pattern.search(text)):
            raise RedactionRefused(f"page {number + 1} still contains '{hit.group(0)}'")
    document = pdfium.PdfDocument(result.data)
    for number, boxes in result.boxes.items():
        page = document[number]
        height = page.get_size()[1]
        image = page.render(scale=1).to_pil().convert("L")
        for left, bottom, right, top in boxes:
            inner = image.crop((int(left + PAD) + 1, int(height - top + PAD) + 1,
                                int(right - PAD) - 1, int(height - bottom - PAD) - 1))
            if inner.width > 0 and inner.height > 0 and inner.getextrema()[1] > DARK:
                raise RedactionRefused(f"a redacted box on page {number + 1} is not black")
