"""From a parser's layout lines to ONE normalised text with pages and passages.

* Running headers and footers (a line that recurs, digits aside, at the top or bottom of
  many pages) and page numbers ('Page 3 of 12', '- 3 -', a bare number) are recognised as
  page furniture: they stay in the text, so page ranges remain honest, but are listed in
  ``furniture`` and never become passages.
* Wrapped lines are joined into paragraphs (by the format's paragraph marks, or for PDFs
  by the vertical gap, font changes and list markers), undoing line-end hyphenation.
* Every passage is a character range of the final text; blocks are separated by a blank
  line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .rules import compile_pattern
from .text import join_lines
from .types import LayoutLine, Page, ParsedDocument, Passage, Span

_DIGITS = re.compile(r"\d+")
LIST_MARKER = re.compile(
    r"^(?:[\u2022\u25aa\u25a0\u25fc\u25cf\u2013\u2014\u00b7\u27a2\u2714\u2713"
    r"\-\*o]\s|"
    r"\(?\d{1,3}(?:\.\d{1,3})*[.)]?\s|\(?[a-zA-Z][.)]\s|\([ivx]{1,4}\)\s|"
    r"R\d{1,3}[.:]?\s|Recommendation\s+\d+|Finding\s+\d+)")


@dataclass(frozen=True)
class Settings:
    furniture_zone: int = 3  # lines at the top and bottom of a page checked for furniture
    furniture_share: float = 0.4  # ... recurring on at least this share of pages
    page_number_patterns: tuple[str, ...] = (
        r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$",
        r"^[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]$",
        r"^page\s+\d{1,4}\s+of\s+\d{1,4}\b.*$",
        r".*\bpage\s+\d{1,4}(?:\s+of\s+\d{1,4})?$",
    )
    # A line further below the previous one than this times the document's usual line pitch
    # (for its font size) starts a new paragraph.
    paragraph_pitch: float = 1.28


@dataclass(frozen=True)
class Normalised:
    text: str
    pages: tuple[Page, ...]
    passages: tuple[Passage, ...]
    furniture: tuple[Span, ...]
    body_font_size: float | None


def _line_text(doc: ParsedDocument, line: LayoutLine) -> str:
    return doc.text[line.start:line.end]


def find_furniture(doc: ParsedDocument, settings: Settings = Settings()) -> set[int]:
    """Indexes (into ``doc.lines``) of running headers, footers and page numbers."""
    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(doc.lines):
        by_page.setdefault(line.page, []).append(i)
    zone = settings.furniture_zone
    zones = {p: idx[:zone] + idx[-zone:] for p, idx in by_page.items()}
    keys: Counter[str] = Counter()
    for idx in zones.values():
        keys.update({_key(_line_text(doc, doc.lines[i])) for i in idx})
    pages = len(by_page)
    needed = max(2, int(settings.furniture_share * pages + 0.999))
    numbers = [compile_pattern(p) for p in settings.page_number_patterns]
    found: set[int] = set()
    for idx in zones.values():
        for i in idx:
            text = _line_text(doc, doc.lines[i]).strip()
            recurring = pages >= 2 and keys[_key(text)] >= needed and len(text) < 200
            number = len(text) < 80 and any(p.match(text) for p in numbers) and (
                pages >= 2 or text.isdigit())
            if recurring or number:
                found.add(i)
    return found


def _key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def usual_pitch(doc: ParsedDocument) -> dict[float, float]:
    """The most common line pitch for each font size: the leading inside a paragraph."""
    seen: dict[float, Counter[float]] = {}
    prev: LayoutLine | None = None
    for line in doc.lines:
        if (line.pitch and line.font_size and prev is not None and prev.page == line.page
                and prev.font_size == line.font_size and line.cells is None):
            seen.setdefault(round(line.font_size, 1), Counter())[round(line.pitch)] += 1
        prev = line
    return {size: float(c.most_common(1)[0][0]) for size, c in seen.items()}


def _starts_new(prev: LayoutLine | None, line: LayoutLine, prev_text: str, text: str,
                settings: Settings, pitches: dict[float, float]) -> bool:
    if prev is None or prev.page != line.page:
        return True
    if line.paragraph_start or line.cells is not None or prev.cells is not None:
        return True
    if line.style_level is not None or prev.style_level is not None or line.list_item:
        return True
    if line.font_size and prev.font_size and abs(line.font_size - prev.font_size) > 0.6:
        return True
    if line.bold is not None and prev.bold is not None and line.bold != prev.bold:
        return True
    size = line.font_size or 10.0
    usual = pitches.get(round(size, 1), 1.3 * size)
    if line.pitch is not None and line.pitch > settings.paragraph_pitch * usual:
        return True
    return bool(LIST_MARKER.match(text)) and prev_text.rstrip().endswith((".", ":", ";", "?"))


def _kind(first: LayoutLine, text: str) -> str:
    if first.cells is not None:
        return "table_row"
    if first.style_level is not None:
        return "heading" if first.style_level > 0 else "title"
    if first.list_item or LIST_MARKER.match(text):
        return "list_item"
    return "paragraph"


def body_font_size(doc: ParsedDocument) -> float | None:
    weights: Counter[float] = Counter()
    for line in doc.lines:
        if line.font_size:
            weights[round(line.font_size, 1)] += line.end - line.start
    return weights.most_common(1)[0][0] if weights else None


def normalise(doc: ParsedDocument, settings: Settings = Settings()) -> Normalised:
    furniture_lines = find_furniture(doc, settings)
    pitches = usual_pitch(doc)
    blocks: list[tuple[int, list[LayoutLine], bool]] = []  # (page, lines, is_furniture)
    prev: LayoutLine | None = None
    prev_text = ""
    for i, line in enumerate(doc.lines):
        text = _line_text(doc, line)
        if i in furniture_lines:
            blocks.append((line.page, [line], True))
            continue
        if blocks and not blocks[-1][2] and not _starts_new(prev, line, prev_text, text,
                                                              settings, pitches):
            blocks[-1][1].append(line)
        else:
            blocks.append((line.page, [line], False))
        prev, prev_text = line, text
    return _assemble(doc, blocks)


def _assemble(doc: ParsedDocument, blocks: Sequence[tuple[int, list[LayoutLine], bool]]
              ) -> Normalised:
    parts: list[str] = []
    length = 0
    passages: list[Passage] = []
    furniture: list[Span] = []
    page_starts: dict[int, int] = {}
    for page, lines, is_furniture in blocks:
        first = lines[0]
        if first.cells is not None:
            text = " | ".join(first.cells)
        else:
            text = join_lines([_line_text(doc, ln) for ln in lines])
        if not text:
            continue
        if parts:
            parts.append("\n\n")
            length += 2
        start = length
        for number in range(len(page_starts) + 1, page + 1):
            page_starts.setdefault(number, start)
        parts.append(text)
        length += len(text)
        if is_furniture:
            furniture.append(Span(start, length))
            continue
        passages.append(Passage(
            index=len(passages), page=page, start=start, end=length, kind=_kind(first, text),
            font_size=first.font_size, bold=first.bold, style_level=first.style_level,
            cells=first.cells))
    total_pages = max([p.number for p in doc.pages] or [1])
    for number in range(1, total_pages + 1):
        page_starts.setdefault(number, length)
    numbers = sorted(page_starts)
    pages = tuple(Page(n, page_starts[n], page_starts[numbers[k + 1]] if k + 1 < len(numbers)
                       else length) for k, n in enumerate(numbers))
    return Normalised(text="".join(parts), pages=pages, passages=tuple(passages),
                      furniture=tuple(furniture), body_font_size=body_font_size(doc))
