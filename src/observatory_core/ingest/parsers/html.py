"""HTML through the standard library's ``html.parser`` (nothing is executed or fetched).

Scripts, styles, navigation, forms and the document head are dropped; h1-h6 give heading
levels; list items, table rows (with cells) and block elements become lines. An HTML page
is one page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ...filetypes import HTML
from ..limits import Limits
from ..text import clean_line
from ..types import ParsedDocument
from .base import Source, TextBuilder, guarded, read_bytes, register

NAME = "html_stdlib"
VERSION = "1"
_SKIP = {"script", "style", "nav", "noscript", "template", "head", "svg", "iframe", "object",
         "embed", "form", "button", "select", "canvas", "math"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
          "pre", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "address", "hr", "body",
          "table", "thead", "tbody", "caption"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "wbr", "source"}
_CHARSET = re.compile(rb"""charset=["']?([A-Za-z0-9_-]+)""")


def decode(data: bytes) -> str:
    """Bytes to text: BOM, then a declared charset, then UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


class _Collector(HTMLParser):
    def __init__(self, builder: TextBuilder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.skip: list[str] = []
        self.buffer: list[str] = []
        self.level: int | None = None
        self.list_item = False
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        if tag in _SKIP:
            self.flush()
            self.skip.append(tag)
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()
            self.level = int(tag[1])
        elif tag == "li":
            self.flush()
            self.list_item = True
        elif tag == "tr":
            self.flush()
            self.cells = []
        elif tag in {"td", "th"}:
            if self.cells is None:
                self.cells = []
            self.cell = []
        elif tag in _BLOCK or tag == "br":
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skip:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            elif tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag in {"td", "th"} and self.cell is not None and self.cells is not None:
            self.cells.append(clean_line(" ".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            cells = tuple(self.cells)
            if any(cells):
                self.builder.add(" | ".join(cells), cells=cells, paragraph_start=True)
            self.cells = None
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6", "li"} or tag in _BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        else:
            self.buffer.append(data)

    def flush(self) -> None:
        text = clean_line(" ".join(self.buffer))
        self.buffer = []
        if text:
            self.builder.add(text, style_level=self.level, list_item=self.list_item,
                             paragraph_start=True, bold=True if self.level else None)
        self.level = None
        self.list_item = False


class HtmlParser:
    name = NAME
    version = VERSION
    media_types = (HTML,)

    def score(self, media_type: str, filename: str, head: bytes) -> int | None:
        return 10 if media_type == HTML else None

    def parse(self, source: Source, filename: str, limits: Limits) -> ParsedDocument:
        data = read_bytes(source, filename, limits)
        return guarded(filename, lambda: _parse(data, limits))


def _parse(data: bytes, limits: Limits) -> ParsedDocument:
    builder = TextBuilder.new(limits.max_text_chars)
    builder.start_page()
    collector = _Collector(builder)
    collector.feed(decode(data))
    collector.close()
    collector.flush()
    return builder.build(f"{NAME}@{VERSION}", HTML)


register(HtmlParser())
