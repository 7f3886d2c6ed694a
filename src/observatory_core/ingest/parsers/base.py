"""The parser contract and registry (after paperless-ngx's ``ParserRegistry``).

A parser declares the media types it reads, ``score(media_type, filename, head)`` (a number,
or None to decline) and ``parse(source, filename, limits) -> ParsedDocument``. The registry
picks the highest score. The media type is decided from content by
``observatory_core.filetypes`` (a file whose extension lies is refused there).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import IngestError
from ..limits import Limits
from ..types import LayoutLine, Page, ParsedDocument

Source = Path | bytes


class Parser(Protocol):
    name: str
    version: str
    media_types: tuple[str, ...]

    def score(self, media_type: str, filename: str, head: bytes) -> int | None: ...

    def parse(self, source: Source, filename: str, limits: Limits) -> ParsedDocument: ...


_REGISTRY: dict[str, Parser] = {}


def register(parser: Parser) -> Parser:
    _REGISTRY[parser.name] = parser
    return parser


def registered() -> dict[str, Parser]:
    return dict(_REGISTRY)


def choose_parser(media_type: str, filename: str, head: bytes) -> Parser:
    best: tuple[int, Parser] | None = None
    for parser in _REGISTRY.values():
        if media_type not in parser.media_types:
            continue
        score = parser.score(media_type, filename, head)
        if score is not None and (best is None or score > best[0]):
            best = (score, parser)
    if best is None:
        raise IngestError(filename, f"no parser reads {media_type}")
    return best[1]


def read_bytes(source: Source, filename: str, limits: Limits) -> bytes:
    """The file's bytes, refusing an empty or oversized file before reading it all."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        try:
            size = source.stat().st_size
            if size > limits.max_bytes:
                raise IngestError(filename, _too_big(limits))
            data = source.read_bytes()
        except OSError as exc:
            raise IngestError(filename, f"cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise IngestError(filename, "is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise IngestError(filename, _too_big(limits))
    return data


def as_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _too_big(limits: Limits) -> str:
    return f"is larger than the limit of {limits.max_bytes // (1024 * 1024)} MB"


@dataclass
class TextBuilder:
    """Accumulates lines page by page into one text with Page ranges and LayoutLines."""

    parts: list[str]
    lines: list[LayoutLine]
    pages: list[Page]
    length: int = 0
    page_start: int = 0
    page_number: int = 0
    limit: int = 20_000_000

    @classmethod
    def new(cls, limit: int = 20_000_000) -> TextBuilder:
        return cls(parts=[], lines=[], pages=[], limit=limit)

    def start_page(self) -> None:
        if self.page_number:
            self.end_page()
        self.page_number += 1
        self.page_start = self.length

    def end_page(self) -> None:
        if self.page_number and (not self.pages or self.pages[-1].number != self.page_number):
            self.pages.append(Page(self.page_number, self.page_start, self.length))

    def add(self, text: str, **layout: object) -> None:
        if not text:
            return
        if self.page_number == 0:
            self.start_page()
        start = self.length
        self.parts.append(text + "\n")
        self.length += len(text) + 1
        if self.length > self.limit:
            raise OverflowError("text too long")
        self.lines.append(LayoutLine(page=self.page_number, start=start,
                                     end=start + len(text), **layout))  # type: ignore[arg-type]

    def build(self, parser: str, media_type: str, **extra: object) -> ParsedDocument:
        if self.page_number == 0:
            self.start_page()
        self.end_page()
        return ParsedDocument(text="".join(self.parts), pages=tuple(self.pages), parser=parser,
                              media_type=media_type, lines=tuple(self.lines),
                              **extra)  # type: ignore[arg-type]


def guarded(filename: str, action: Callable[[], ParsedDocument],
            expected: Iterable[type[BaseException]] = ()) -> ParsedDocument:
    """Run a parser body; turn any library failure into an IngestError naming the file."""
    try:
        return action()
    except IngestError:
        raise
    except OverflowError as exc:
        raise IngestError(filename, "has more text than the configured limit") from exc
    except (MemoryError, RecursionError) as exc:
        raise IngestError(filename, "is too large or too deeply nested to read") from exc
    except Exception as exc:  # noqa: BLE001 - every library error becomes a clear refusal
        kind = type(exc).__name__
        raise IngestError(filename, f"cannot be read: it looks corrupt or truncated ({kind}: "
                                    f"{str(exc)[:120]})") from exc
