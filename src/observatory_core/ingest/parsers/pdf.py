"""Born-digital PDF text through pypdfium2 (Apache-2.0/BSD, the PDFium engine).

The text layer is read as pdfium's text rectangles (runs of characters on one line), which
gives each run's position, font size and weight cheaply. Runs are grouped into lines; lines
whose runs stand in separate columns are assembled into table rows. Pages with no text layer
are recorded in ``ParsedDocument.empty_pages`` for a later OCR step.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

from ...filetypes import PDF
from ..errors import IngestError
from ..limits import Limits
from ..text import clean_line
from ..types import ParsedDocument
from .base import Source, TextBuilder, guarded, read_bytes, register

NAME = "pdf_pypdfium2"
VERSION = "2"  # 2: bullet glyphs in the same run as words; bold by the first letter too
_MARKER = re.compile(r"^(?:[^\w\s]|o|\(?[0-9]{1,3}(?:\.[0-9]{1,2})+\.?|\(?[0-9]{1,3}[.)]|"
                     r"\(?[a-zA-Z][.)]|\(?[ivx]{1,4}[.)]|R[0-9]{1,2}[.:]?)$")
# A bullet glyph set close to its text lands in the same run ('• Review the...'), so the
# marker test above misses it and bullets whose text ends without a full stop were joined
# into one passage (issue 7, Essex report p. 13-18). Only glyphs: a wrapped line may start
# with a number or a dash, never with a bullet.
_BULLET_START = re.compile(r"^[\u2022\u25aa\u25a0\u25fc\u25cf\u27a2\u2714\u2713\uf0b7\uf0a7]\s")


@dataclass
class _Run:
    left: float
    right: float
    bottom: float
    top: float
    text: str
    size: float | None
    bold: bool | None


@dataclass
class _Line:
    runs: list[_Run]
    top: float
    bottom: float
    gap: float | None = None
    pitch: float | None = None

    @property
    def size(self) -> float | None:
        sizes = [r.size for r in self.runs if r.size]
        return max(sizes) if sizes else None

    @property
    def bold(self) -> bool | None:
        flags = [r.bold for r in self.runs if r.bold is not None]
        return all(flags) if flags else None


@dataclass
class _Row:
    columns: list[float]
    cells: list[list[str]]
    line: _Line
    bottom: float = 0.0
    last_gap: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


class PdfParser:
    name = NAME
    version = VERSION
    media_types = (PDF,)

    def score(self, media_type: str, filename: str, head: bytes) -> int | None:
        return 10 if media_type == PDF else None

    def parse(self, source: Source, filename: str, limits: Limits) -> ParsedDocument:
        data = read_bytes(source, filename, limits)
        return guarded(filename, lambda: _parse(data, filename, limits))


def _open(data: bytes, filename: str):  # noqa: ANN202 - pypdfium2 types are dynamic
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise IngestError(filename, "is not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise IngestError(filename, "is password-protected (encrypted); remove the "
                                        "password and upload it again") from exc
        if "format" in message or "file" in message or "page" in message:
            raise IngestError(filename, "is corrupt or truncated and cannot be opened "
                                        "as a PDF") from exc
        raise IngestError(filename, f"cannot be opened as a PDF ({exc})") from exc


def _parse(data: bytes, filename: str, limits: Limits) -> ParsedDocument:
    import pypdfium2 as pdfium

    doc = _open(data, filename)
    try:
        count = len(doc)
        if count == 0:
            raise IngestError(filename, "has no pages")
        if count > limits.max_pages:
            raise IngestError(filename, f"has {count} pages, more than the limit of "
                                        f"{limits.max_pages}")
        if count > limits.max_blank_pages:
            _refuse_if_blank(doc, filename, count, limits)
        builder = TextBuilder.new(limits.max_text_chars)
        empty: list[int] = []
        for index in range(count):
            builder.start_page()
            page = doc[index]
            try:
                textpage = page.get_textpage()
                try:
                    if not _read_page(textpage, builder):
                        empty.append(index + 1)
                finally:
                    textpage.close()
            finally:
                page.close()
        return builder.build(f"{NAME}@{VERSION}", PDF, empty_pages=tuple(empty),
                             metadata={"pdfium": pdfium.PDFIUM_INFO.version
                                       if hasattr(pdfium.PDFIUM_INFO, "version") else ""})
    finally:
        doc.close()


def _refuse_if_blank(doc, filename: str, count: int, limits: Limits) -> None:  # noqa: ANN001
    probe = min(limits.blank_probe, count)
    for index in range(probe):
        page = doc[index]
        textpage = page.get_textpage()
        chars = textpage.count_chars()
        textpage.close()
        page.close()
        if chars > 0:
            return
    raise IngestError(filename, f"has {count} pages and the first {probe} have no text; a "
                                f"scanned or blank document this long is over the limit of "
                                f"{limits.max_blank_pages} pages without text")


def _read_page(textpage, builder: TextBuilder) -> bool:  # noqa: ANN001
    """Lines of the text layer (pdfium's own line breaks and generated word spaces), each
    placed by its characters' boxes and split where a wide gap separates table columns."""
    count = textpage.count_chars()
    if count <= 0:
        return False
    full = textpage.get_text_range()
    boxes = _Boxes(textpage)
    runs: list[_Run] = []
    offset = 0
    for raw_line in full.splitlines(keepends=True):
        line = raw_line.rstrip("\r\n")
        if len(full) == count:
            runs.extend(_runs_of_line(line, offset, boxes))
        elif line.strip():
            runs.append(_Run(0.0, 0.0, -len(runs) * 12.0 - 10, -len(runs) * 12.0, clean_line(line),
                             None, None))
        offset += len(raw_line)
    lines = _group_lines(runs)
    _emit(lines, builder)
    return bool(lines)


class _Boxes:
    """Character boxes and font details through pdfium's C API (cheap, no Python objects)."""

    def __init__(self, textpage) -> None:  # noqa: ANN001
        import pypdfium2.raw as raw

        self.raw = raw
        self.page = textpage.raw
        self.rect = raw.FS_RECTF()
        self.name = ctypes.create_string_buffer(96)
        self.flags = ctypes.c_int()

    def box(self, index: int) -> tuple[float, float, float, float] | None:
        """(left, right, bottom, top) of a character, with the font's full height."""
        if not self.raw.FPDFText_GetLooseCharBox(self.page, index, ctypes.byref(self.rect)):
            return None
        r = self.rect
        if r.right <= r.left:
            return None
        return r.left, r.right, min(r.bottom, r.top), max(r.bottom, r.top)

    def font(self, index: int) -> tuple[float | None, bool | None]:
        size = float(self.raw.FPDFText_GetFontSize(self.page, index)) or None
        weight = self.raw.FPDFText_GetFontWeight(self.page, index)
        self.raw.FPDFText_GetFontInfo(self.page, index, self.name, 96, ctypes.byref(self.flags))
        name = self.name.value.decode("latin-1", "replace").lower()
        return size, weight >= 600 or any(w in name for w in ("bold", "black", "heavy"))


def _runs_of_line(line: str, offset: int, boxes: _Boxes) -> list[_Run]:
    """Split one text-layer line into runs at gaps wide enough to be column gutters."""
    chars = [i for i, ch in enumerate(line) if not ch.isspace()]
    if not chars:
        return []
    first_box = boxes.box(offset + chars[0])
    # The font of a character mid-line: a list marker may be set in another size.
    size, bold = boxes.font(offset + chars[len(chars) // 2])
    if bold:
        # Bold only if the first letter is bold too: a sentence that sets a few words in
        # bold mid-line is not a heading (Essex report p. 81, issue 7).
        first_letter = next((i for i in chars if line[i].isalpha()), None)
        if first_letter is not None:
            bold = bool(boxes.font(offset + first_letter)[1])
    if first_box is None:
        return [_Run(0.0, 0.0, 0.0, 0.0, clean_line(line), size, bold)]
    wide = max(12.0, 1.2 * (size or 10.0))
    cuts: list[tuple[int, float, float]] = []  # (index in line, left of next run, right before)
    previous_right = first_box[1]
    k = 0
    while k < len(line):
        if line[k].isspace():
            j = k
            while j < len(line) and line[j].isspace():
                j += 1
            if j < len(line) and k > 0:
                before = boxes.box(offset + k - 1)
                after = boxes.box(offset + j)
                if before and after:
                    previous_right = before[1]
                    if after[0] - before[1] > wide:
                        cuts.append((j, after[0], previous_right))
            k = j
        else:
            k += 1
    last_box = boxes.box(offset + chars[-1]) or first_box
    bottom, top = first_box[2], first_box[3]
    runs: list[_Run] = []
    start, left = 0, first_box[0]
    for cut, next_left, right in cuts:
        runs.append(_Run(left, right, bottom, top, clean_line(line[start:cut]), size, bold))
        start, left = cut, next_left
    runs.append(_Run(left, last_box[1], bottom, top, clean_line(line[start:]), size, bold))
    return [r for r in runs if r.text]


def _group_lines(runs: list[_Run]) -> list[_Line]:
    runs.sort(key=lambda r: (-round(r.top), r.left))
    lines: list[_Line] = []
    for run in runs:
        height = max(run.top - run.bottom, 1.0)
        for line in reversed(lines[-3:]):
            overlap = min(line.top, run.top) - max(line.bottom, run.bottom)
            if overlap > 0.5 * min(height, max(line.top - line.bottom, 1.0)):
                line.runs.append(run)
                line.top, line.bottom = max(line.top, run.top), min(line.bottom, run.bottom)
                break
        else:
            lines.append(_Line([run], run.top, run.bottom))
    lines.sort(key=lambda ln: -ln.top)
    previous: _Line | None = None
    for line in lines:
        line.runs.sort(key=lambda r: r.left)
        line.gap = (previous.bottom - line.top) if previous else None
        line.pitch = (previous.top - line.top) if previous else None
        previous = line
    return lines


def _columns(line: _Line) -> list[tuple[float, str]]:
    """Runs merged into (x, text) columns; a small gap is a space, a wide one a new column.
    A leading list marker ('1.', a bullet) is kept with the text that follows it."""
    size = line.size or 10.0
    wide = max(12.0, 1.2 * size)
    cols: list[tuple[float, str, float]] = []
    for run in line.runs:
        if cols:
            x, text, right = cols[-1]
            gap = run.left - right
            if gap < wide or (len(cols) == 1 and _MARKER.match(text.strip())):
                sep = "" if text.endswith(" ") or gap < 0.12 * size else " "
                cols[-1] = (x, (text + sep + run.text) if text else run.text, run.right)
                continue
        cols.append((run.left, run.text, run.right))
    return [(x, text.strip()) for x, text, _ in cols]


def _emit(lines: list[_Line], builder: TextBuilder) -> None:
    row: _Row | None = None
    for line in lines:
        cols = _columns(line)
        size = line.size or 10.0
        if row is not None:
            if _continues(row, cols, line, size):
                _append(row, cols)
                row.bottom = line.bottom
                continue
            _flush(row, builder)
            row = None
        if len(cols) >= 2:
            row = _Row(columns=[x for x, _ in cols], cells=[[t] for _, t in cols], line=line,
                       bottom=line.bottom)
            continue
        builder.add(cols[0][1] if cols else "", font_size=line.size, bold=line.bold,
                    pitch=line.pitch, top=line.top,
                    list_item=_is_list_item(line.runs[0].text.strip()))
    if row is not None:
        _flush(row, builder)


def _is_list_item(first_run: str) -> bool:
    return bool(_MARKER.match(first_run) or _BULLET_START.match(first_run))


def _aligned(row: _Row, cols: list[tuple[float, str]]) -> list[int] | None:
    found = []
    for x, _ in cols:
        match = [i for i, cx in enumerate(row.columns) if abs(cx - x) <= 6.0]
        if not match:
            return None
        found.append(match[0])
    return found


def _continues(row: _Row, cols: list[tuple[float, str]], line: _Line, size: float) -> bool:
    """A wrapped cell line (small gap, aligned with the row's columns) continues the row."""
    if not cols or line.gap is None or line.gap > 0.6 * size:
        return False
    return _aligned(row, cols) is not None


def _append(row: _Row, cols: list[tuple[float, str]]) -> None:
    where = _aligned(row, cols) or []
    for (_, text), i in zip(cols, where, strict=False):
        row.cells[i].append(text)


def _new_row_line(row: _Row, builder: TextBuilder) -> None:
    from ..text import join_lines

    cells = tuple(join_lines(c) for c in row.cells)
    builder.add(" | ".join(cells), font_size=row.line.size, bold=row.line.bold,
                pitch=row.line.pitch, top=row.line.top, cells=cells)


_flush = _new_row_line

register(PdfParser())
