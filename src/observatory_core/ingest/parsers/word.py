"""DOCX through python-docx (MIT).

Paragraph styles give heading levels ('Title' is level 0, 'Heading N' level N); Word's
automatic list numbers ('List Number' styles) are not in the text, so they are added as
Word prints them ('1. '); tables become one line per row with its cells. Headers and footers
live in separate parts and are not read: they are page furniture.

**Pages.** A DOCX has no fixed pages: they exist only when Word lays the text out. A new
page starts at an explicit page break, a section break, or a ``lastRenderedPageBreak`` mark
(where Word last laid out a page break, saved in the file); a document with none of these
is one page.

Before python-docx sees the file the zip directory is checked (number of members, total
uncompressed size, compression ratio), so a zip bomb is refused without inflating it.
"""

from __future__ import annotations

import zipfile

from ...filetypes import DOCX
from ..errors import IngestError
from ..limits import Limits
from ..text import clean_line
from ..types import ParsedDocument
from .base import Source, TextBuilder, as_stream, guarded, read_bytes, register

NAME = "docx_python_docx"
VERSION = "1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class DocxParser:
    name = NAME
    version = VERSION
    media_types = (DOCX,)

    def score(self, media_type: str, filename: str, head: bytes) -> int | None:
        return 10 if media_type == DOCX else None

    def parse(self, source: Source, filename: str, limits: Limits) -> ParsedDocument:
        data = read_bytes(source, filename, limits)
        check_zip(data, filename, limits)
        return guarded(filename, lambda: _parse(data, limits))


def check_zip(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a zip bomb or a zip that is not a Word document, from the directory alone."""
    try:
        with zipfile.ZipFile(as_stream(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestError(filename, "is not a valid Word document (the zip container is "
                                    "corrupt or truncated)") from exc
    if len(infos) > limits.max_docx_members:
        raise IngestError(filename, f"holds {len(infos)} parts, more than the limit of "
                                    f"{limits.max_docx_members}")
    total = sum(i.file_size for i in infos)
    if total > limits.max_docx_uncompressed:
        raise IngestError(filename, f"would expand to {total // (1024 * 1024)} MB, more than "
                                    f"the limit of {limits.max_docx_uncompressed // (1024 * 1024)}"
                                    f" MB (possible zip bomb)")
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_docx_ratio * max(
                info.compress_size, 1):
            raise IngestError(filename, f"part {info.filename} is compressed more than "
                                        f"{limits.max_docx_ratio} times (possible zip bomb)")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise IngestError(filename, "is a zip file but not a Word document "
                                    "(no word/document.xml)")


def _parse(data: bytes, limits: Limits) -> ParsedDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(as_stream(data))
    builder = TextBuilder.new(limits.max_text_chars)
    builder.start_page()
    numbering: dict[str, int] = {}
    for child in document.element.body.iterchildren():
        if builder.page_number > limits.max_pages:
            raise IngestError("", f"has more than {limits.max_pages} pages")
        if child.tag == f"{_W}p":
            _paragraph(Paragraph(child, document), builder, numbering)
        elif child.tag == f"{_W}tbl":
            numbering.clear()
            _table(Table(child, document), builder)
    return builder.build(f"{NAME}@{VERSION}", DOCX)


def _style(paragraph) -> tuple[str, int | None]:  # noqa: ANN001
    try:
        name = (paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        name = ""
    level = None
    if name == "Title":
        level = 0
    elif name.startswith("Heading "):
        tail = name.removeprefix("Heading ").strip()
        level = int(tail) if tail.isdigit() else None
    return name, level


def _breaks(element) -> tuple[bool, bool]:  # noqa: ANN001
    """(page break before the text, page break after it) found in a paragraph's XML."""
    before = after = False
    for node in element.iter(f"{_W}br", f"{_W}lastRenderedPageBreak"):
        if node.tag.endswith("lastRenderedPageBreak") or node.get(f"{_W}type") == "page":
            before = True
    ppr = element.find(f"{_W}pPr")
    if ppr is not None:
        if ppr.find(f"{_W}sectPr") is not None:
            after = True
        if ppr.find(f"{_W}pageBreakBefore") is not None:
            before = True
    return before, after


def _font(paragraph) -> tuple[float | None, bool | None]:  # noqa: ANN001
    sizes, bolds = [], []
    for run in paragraph.runs:
        if not run.text.strip():
            continue
        if run.font.size is not None:
            sizes.append(run.font.size.pt)
        bolds.append(bool(run.bold))
    size = max(sizes) if sizes else None
    return size, (all(bolds) if bolds else None)


def _paragraph(paragraph, builder: TextBuilder, numbering: dict[str, int]) -> None:  # noqa: ANN001
    before, after = _breaks(paragraph._p)
    text = clean_line(paragraph.text.replace("\n", " ").replace("\t", " "))
    if before and not text:
        numbering["\0break"] = 1  # a break in an empty paragraph starts the next page
        return
    if (before or numbering.pop("\0break", 0)) and text and builder.length > builder.page_start:
        builder.start_page()
    if text:
        name, level = _style(paragraph)
        listed = "List" in name or paragraph._p.find(f"{_W}pPr/{_W}numPr") is not None
        if "List Number" in name:
            numbering[name] = numbering.get(name, 0) + 1
            text = f"{numbering[name]}. {text}"
        elif not listed:
            for key in [k for k in numbering if k != "\0break"]:
                del numbering[key]
        size, bold = _font(paragraph)
        builder.add(text, font_size=size, bold=bold, style_level=level, list_item=listed,
                    paragraph_start=True)
    if after:
        builder.start_page()


def _table(table, builder: TextBuilder) -> None:  # noqa: ANN001
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated by python-docx
                continue
            seen.add(id(cell._tc))
            cells.append(clean_line(" ".join(p.text for p in cell.paragraphs)))
        if any(cells):
            builder.add(" | ".join(cells), cells=tuple(cells), paragraph_start=True)


register(DocxParser())
