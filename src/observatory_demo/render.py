"""Render the demo documents as PDF (reportlab) and DOCX (python-docx)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .corpus import MARKER, DemoDocument, DemoReview


def write_demo_files(reviews: Sequence[DemoReview], directory: Path) -> dict[str, list[Path]]:
    """Render every document to ``directory``; return the files of each review by reference."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    for review in reviews:
        paths = written.setdefault(review.record.reference, [])
        for doc in review.documents:
            path = directory / doc.filename
            render: Callable[[DemoDocument, Path], None] = \
                _render_pdf if doc.fmt == "pdf" else _render_docx
            render(doc, path)
            paths.append(path)
    return written


_PDF_STYLES: dict[str, Any] = {}


def _pdf_styles() -> dict[str, Any]:
    if not _PDF_STYLES:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

        base = getSampleStyleSheet()
        _PDF_STYLES.update(
            marker=ParagraphStyle("marker", parent=base["Normal"], fontName="Helvetica-Bold",
                                  fontSize=12, textColor=colors.darkred, spaceAfter=12),
            title=ParagraphStyle("title", parent=base["Title"], fontSize=20, leading=24,
                                 alignment=0, spaceAfter=16),
            front=ParagraphStyle("front", parent=base["Normal"], fontSize=11, leading=15,
                                 spaceAfter=6),
            h1=ParagraphStyle("h1", parent=base["Heading1"], fontName="Helvetica-Bold",
                              fontSize=15, leading=19, spaceBefore=14, spaceAfter=8),
            h2=ParagraphStyle("h2", parent=base["Heading2"], fontName="Helvetica-Bold",
                              fontSize=12, leading=15, spaceBefore=10, spaceAfter=6),
            body=ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica",
                                fontSize=11.5, leading=16, spaceAfter=8),
            cell=ParagraphStyle("cell", parent=base["BodyText"], fontName="Helvetica",
                                fontSize=9, leading=11),
            cellhead=ParagraphStyle("cellhead", parent=base["BodyText"],
                                    fontName="Helvetica-Bold", fontSize=9, leading=11),
        )
    return _PDF_STYLES


def _render_pdf(doc: DemoDocument, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Table,
        TableStyle,
    )

    st = _pdf_styles()
    width, height = A4
    n_of_m = doc.page_numbers == "n_of_m"

    class NumberedCanvas(pdfcanvas.Canvas):
        """Draws header and footer once the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica-Bold", 8)
                self.setFillColor(colors.darkred)
                self.drawCentredString(width / 2, height - 1.2 * cm, MARKER)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.black)
                label = f"Page {self._pageNumber} of {total}" if n_of_m else str(self._pageNumber)
                self.drawCentredString(width / 2, 1.1 * cm, f"{MARKER} - {label}" if n_of_m
                                       else label)
                super().showPage()
            super().save()

    def para(text: str, style: str) -> Any:
        return Paragraph(escape(text), st[style])

    story: list[Any] = [para(MARKER, "marker"), para(doc.title.removeprefix(MARKER + " - "),
                                                     "title")]
    story += [para(line, "front") for line in doc.front_matter]
    if doc.kind == "overview_report":
        story.append(PageBreak())
    for sec in doc.sections:
        if sec.heading:
            story.append(para(sec.heading, "h1" if sec.level == 1 else "h2"))
        if sec.style == "text":
            story += [para(p, "body") for p in sec.paragraphs]
        elif sec.paragraphs:
            story.append(ListFlowable(
                [ListItem(para(p, "body"), leftIndent=18) for p in sec.paragraphs],
                bulletType="1" if sec.style == "numbered" else "bullet",
                start=None if sec.style == "numbered" else "\u2022", leftIndent=18,
                bulletFontSize=10, bulletFormat="%s." if sec.style == "numbered" else None))
        if sec.table:
            ncols = len(sec.table[0])
            avail = width - 4.4 * cm
            widths = {2: [0.3, 0.7], 3: [0.08, 0.25, 0.67], 4: [0.14, 0.2, 0.46, 0.2]}.get(
                ncols, [1 / ncols] * ncols)
            data = [[Paragraph(escape(c), st["cellhead" if r == 0 else "cell"]) for c in row]
                    for r, row in enumerate(sec.table)]
            table = Table(data, colWidths=[w * avail for w in widths], repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]))
            story.append(table)
    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=2.2 * cm, rightMargin=2.2 * cm,
                            topMargin=2.0 * cm, bottomMargin=2.0 * cm, title=doc.title,
                            author=MARKER, subject=MARKER, invariant=1)
    pdf.build(story, canvasmaker=NumberedCanvas)


def _render_docx(doc: DemoDocument, path: Path) -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    document.core_properties.title = doc.title
    document.core_properties.author = MARKER
    document.core_properties.comments = MARKER
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = MARKER
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{MARKER} - Page ")
    _docx_field(footer, "PAGE", OxmlElement, qn)
    if doc.page_numbers == "n_of_m":
        footer.add_run(" of ")
        _docx_field(footer, "NUMPAGES", OxmlElement, qn)

    first = document.add_paragraph()
    run = first.add_run(MARKER)
    run.bold = True
    run.font.size = Pt(13)
    run.font.color.rgb = RGBColor(0x8B, 0, 0)
    document.add_heading(doc.title.removeprefix(MARKER + " - "), level=0)
    for line in doc.front_matter:
        document.add_paragraph(line)
    for sec in doc.sections:
        if sec.heading:
            document.add_heading(sec.heading, level=min(sec.level, 3))
        style = {"text": None, "bullets": "List Bullet", "numbered": "List Number"}[sec.style]
        for text in sec.paragraphs:
            document.add_paragraph(text, style=style)
        if sec.table:
            table = document.add_table(rows=len(sec.table), cols=len(sec.table[0]))
            table.style = "Table Grid"
            for r, row in enumerate(sec.table):
                cells = table.rows[r].cells
                for c, value in enumerate(row):
                    cells[c].text = value
                    if r == 0:
                        for p in cells[c].paragraphs:
                            for rn in p.runs:
                                rn.bold = True
            document.add_paragraph()
    document.save(str(path))


def _docx_field(paragraph: Any, instruction: str, element: Any, qn: Any) -> None:
    fld = element("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = element("w:r")
    text = element("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)
