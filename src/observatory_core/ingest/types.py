"""The data that ingestion passes between steps: frozen dataclasses, no I/O.

The document's text is ONE normalised string that never changes after the ``normalise``
step; pages, passages, sections, recommendations, dataset suggestions and personal-data
flags are all character ranges (``start``/``end``, end exclusive) into it, so a later layer
(the Django ingestion app, search, the document viewer) can highlight any value on its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span {self.start}..{self.end}")


@dataclass(frozen=True)
class Page:
    """Page ``number`` (1-based) covers ``text[start:end]``."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class LayoutLine:
    """One line as the parser saw it, with the layout cues that help find headings.

    ``start``/``end`` index ``ParsedDocument.text``. ``font_size`` and ``bold`` are known for
    PDFs (from the text layer) and DOCX runs; ``style_level`` is a heading level the format
    itself declares (DOCX heading styles, HTML h1-h6); ``cells`` holds a table row's cells;
    ``pitch`` is the distance in points from the top of the previous line on the page to the
    top of this one (PDF only), used to find paragraph breaks.
    """

    page: int
    start: int
    end: int
    font_size: float | None = None
    bold: bool | None = None
    style_level: int | None = None
    list_item: bool = False
    cells: tuple[str, ...] | None = None
    pitch: float | None = None
    top: float | None = None
    paragraph_start: bool = False  # the format marks a new paragraph here (DOCX, HTML)


@dataclass(frozen=True)
class ParsedDocument:
    """What a parser returns: the raw text page by page, and its layout lines."""

    text: str
    pages: tuple[Page, ...]
    parser: str  # "name@version"
    media_type: str
    lines: tuple[LayoutLine, ...] = ()
    # Pages with (almost) no text layer: candidates for OCR in a later step.
    empty_pages: tuple[int, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    """A paragraph (or heading, list item, table row) of the normalised text."""

    index: int
    page: int
    start: int
    end: int
    kind: str  # paragraph | heading | list_item | table_row
    section_index: int | None = None
    font_size: float | None = None
    bold: bool | None = None
    style_level: int | None = None
    cells: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Section:
    """A heading and the text under it. ``kind`` is a canonical key from
    ``data/ingest/sections.toml`` or None when the heading is not recognised."""

    title: str
    kind: str | None
    level: int
    page: int
    start: int  # heading start
    end: int  # end of the section's body (start of the next section of the same or higher level)
    rule: str = ""


@dataclass(frozen=True)
class Recommendation:
    number: str | None  # as printed: '1.', '2.3', '(a)', 'R4', 'Recommendation 3:'
    heading: str  # the heading it sits under (section or agency sub-heading)
    text: str
    addressee: str | None  # agency code from the agency vocabulary
    addressee_text: str | None  # the words the code was taken from
    page: int
    start: int
    end: int
    confidence: float
    rule: str
    # Where the addressee came from: 'text' (the item names it), 'heading' (a heading or
    # lead-in above it), 'framing' (inferred from the kind of report and the section, see
    # data/ingest/framing.toml), or '' when there is none. ``addressee_basis`` quotes the
    # words that decided it, so a person can see why.
    addressee_source: str = ""
    addressee_basis: str = ""
    # When the report says it must be done ('immediately', 'within three months'), as
    # printed in the sub-heading or lead-in the item sits under; ``timescale_basis`` quotes it.
    timescale: str | None = None
    timescale_basis: str = ""


@dataclass(frozen=True)
class Finding:
    number: str | None
    heading: str
    text: str
    kind: str  # finding | lesson | strength
    page: int
    start: int
    end: int
    confidence: float
    rule: str


@dataclass(frozen=True)
class DatasetSuggestion:
    """A machine suggestion for one minimum-dataset field, with its evidence."""

    field: str
    value: Any
    confidence: float
    page: int
    start: int
    end: int
    rule: str
    quote: str = ""


@dataclass(frozen=True)
class PersonalDataFlag:
    kind: str  # postcode | nhs_number | phone | date_of_birth | person_name | ...
    text: str
    page: int
    start: int
    end: int
    rule: str
    confidence: float = 1.0


@dataclass(frozen=True)
class StepTiming:
    step: str  # name@version
    seconds: float


@dataclass(frozen=True)
class ExtractionResult:
    """Everything one run extracted from one file, with where each part came from."""

    filename: str
    media_type: str
    sha256: str
    text: str
    pages: tuple[Page, ...]
    passages: tuple[Passage, ...]
    furniture: tuple[Span, ...]  # running headers, footers and page numbers
    sections: tuple[Section, ...]
    recommendations: tuple[Recommendation, ...]
    findings: tuple[Finding, ...]
    dataset: tuple[DatasetSuggestion, ...]
    personal_data: tuple[PersonalDataFlag, ...]
    parser: str
    producers: dict[str, str]  # output name -> "step@version"
    timings: tuple[StepTiming, ...]
    empty_pages: tuple[int, ...] = ()  # pages still without text (after OCR, if it ran)
    ocr_pages: tuple[int, ...] = ()  # pages whose text was recognised by OCR

    def page_of(self, offset: int) -> int:
        from .text import page_at

        return page_at(self.pages, offset)
