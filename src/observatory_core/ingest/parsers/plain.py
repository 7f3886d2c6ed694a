"""Plain text. A form feed starts a new page; a blank line starts a new paragraph."""

from __future__ import annotations

from ...filetypes import TEXT
from ..errors import IngestError
from ..limits import Limits
from ..text import clean_line
from ..types import ParsedDocument
from .base import Source, TextBuilder, guarded, read_bytes, register
from .html import decode

NAME = "text_plain"
VERSION = "1"


class PlainTextParser:
    name = NAME
    version = VERSION
    media_types = (TEXT,)

    def score(self, media_type: str, filename: str, head: bytes) -> int | None:
        return 10 if media_type == TEXT else None

    def parse(self, source: Source, filename: str, limits: Limits) -> ParsedDocument:
        data = read_bytes(source, filename, limits)
        if b"\x00" in data[:8192]:
            raise IngestError(filename, "is binary data, not plain text")
        return guarded(filename, lambda: _parse(data, limits))


def _parse(data: bytes, limits: Limits) -> ParsedDocument:
    builder = TextBuilder.new(limits.max_text_chars)
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    for number, page in enumerate(text.split("\f"), start=1):
        if number > limits.max_pages:
            raise IngestError("", f"has more than {limits.max_pages} pages")
        builder.start_page()
        fresh = True
        for raw in page.split("\n"):
            line = clean_line(raw.replace("\x00", ""))
            if not line:
                fresh = True
                continue
            builder.add(line, paragraph_start=fresh)
            fresh = False
    return builder.build(f"{NAME}@{VERSION}", TEXT)


register(PlainTextParser())
