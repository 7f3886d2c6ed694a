"""The built-in ingest steps. Each is registered by name and version; the order they run
in is data (``data/ingest/pipeline.toml``)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..filetypes import PDF, FileRejected, sniff
from . import ner
from .dataset_draft import draft_dataset
from .errors import IngestError
from .normalise import Settings, normalise
from .ocr import OCR_STEP, OcrPage, OcrSettings, merge, ocr_pdf_pages, progress_label
from .parsers import choose_parser
from .personal_data import flag_personal_data
from .pipeline import Context, step
from .recommendations import split_findings, split_recommendations
from .sections import find_sections
from .types import ParsedDocument


def _head(source: Path | bytes, size: int = 8192) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:size])
    with source.open("rb") as handle:
        return handle.read(size)


@step("detect_type", "1", requires=("source", "filename", "limits"),
      assigns=("media_type", "sha256", "size"))
def detect_type(ctx: Context) -> dict[str, Any]:
    """Type by content (observatory_core.filetypes.sniff): refuses empty, oversized and
    mis-named files with the file's name and the reason."""
    source, name = ctx["source"], ctx["filename"]
    try:
        if isinstance(source, bytes | bytearray):
            sniffed = sniff(name, io.BytesIO(source), max_bytes=ctx["limits"].max_bytes)
        else:
            with Path(source).open("rb") as stream:
                sniffed = sniff(name, stream, max_bytes=ctx["limits"].max_bytes)
    except FileRejected as exc:
        raise IngestError(exc.filename, exc.reason) from exc
    except OSError as exc:
        raise IngestError(name, f"cannot be read ({exc.strerror or exc})") from exc
    return {"media_type": sniffed.media_type, "sha256": sniffed.sha256, "size": sniffed.size}


@step("parse", "1", requires=("source", "filename", "limits", "media_type"),
      assigns=("parsed",))
def parse(ctx: Context) -> dict[str, Any]:
    source, name = ctx["source"], ctx["filename"]
    parser = choose_parser(ctx["media_type"], name, _head(source))
    return {"parsed": parser.parse(source, name, ctx["limits"])}


@step(OCR_STEP, "1", requires=("source", "filename", "parsed", "settings", "report",
                                      "on_ocr_page", "ner_prefetch"),
      assigns=("parsed", "ocr_pages"))
def ocr_if_needed(ctx: Context) -> dict[str, Any]:
    """Recognise the PDF pages that have no text layer (ingest/ocr.py); other pages and
    other formats pass through untouched."""
    parsed = ctx["parsed"]
    if parsed.media_type != PDF or not parsed.empty_pages:
        return {"parsed": parsed, "ocr_pages": ()}
    options = {k: v for k, v in ctx["settings"].get(OCR_STEP, {}).items()
               if k in OcrSettings.__dataclass_fields__}
    settings = OcrSettings(**options)
    source, name = ctx["source"], ctx["filename"]
    data = bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
    report, hook = ctx.get("report"), ctx.get("on_ocr_page")
    prefetch = ctx.get("ner_prefetch")
    pages = tuple(parsed.empty_pages)
    read: dict[int, OcrPage] = {}

    def on_page(page: OcrPage, done: int, total: int) -> None:
        if report:
            report(progress_label(done, total))
        if hook:
            hook(page, done, total)
        if prefetch is not None:
            # This page with the one before it, so a paragraph running over the page break
            # is handed over whole (a window of two keeps each call's cost constant).
            read[page.number] = page
            window = {n: read[n] for n in sorted(read)[-2:]}
            _prefetch_entities(prefetch, merge(parsed, window), ctx["settings"])

    if report:
        report(progress_label(0, len(pages)))
    recognised = ocr_pdf_pages(data, name, pages, settings=settings, on_page=on_page)
    return {"parsed": merge(parsed, recognised), "ocr_pages": tuple(sorted(recognised))}


def _prefetch_entities(prefetch: Any, parsed: ParsedDocument,
                       settings: dict[str, Any]) -> None:
    """Hand the named-entity model the passages of the pages read so far, normalised as the
    normalise step will (most are then already done when the model step runs)."""
    options = {k: v for k, v in settings.get("normalise", {}).items()
               if k in Settings.__dataclass_fields__}
    result = normalise(parsed, Settings(**options))
    prefetch.add(result.text[p.start:p.end] for p in result.passages)


@step("normalise", "1", requires=("parsed", "settings"),
      assigns=("text", "pages", "passages", "furniture", "body_font_size"))
def normalise_step(ctx: Context) -> dict[str, Any]:
    options = {k: v for k, v in ctx["settings"].get("normalise", {}).items()
               if k in Settings.__dataclass_fields__}
    result = normalise(ctx["parsed"], Settings(**options))
    return {"text": result.text, "pages": result.pages, "passages": result.passages,
            "furniture": result.furniture, "body_font_size": result.body_font_size}


# 2: headings must be larger than the body by larger_by = 1.0 pt (sections.toml)
# 3: an empty recognised heading heads the same-size headings after it; case studies and a
#    letter's 'Next steps' are kinds of their own (issue 13)
@step("find_sections", "3", requires=("text", "passages", "body_font_size"),
      assigns=("sections", "passages", "section_parents"))
def find_sections_step(ctx: Context) -> dict[str, Any]:
    sections, passages, parents = find_sections(ctx["text"], ctx["passages"],
                                                ctx.get("body_font_size"))
    return {"sections": sections, "passages": passages, "section_parents": parents}


# 2: sub-points, lead-ins, addressed headings
# 3: unbulleted paragraph items, page-break continuations, footnotes, stated timescales,
#    addressees from the report's framing (framing.toml) with their source (issue 13)
@step("split_recommendations", "3",
      requires=("text", "passages", "sections", "section_parents"),
      assigns=("recommendations",))
def split_recommendations_step(ctx: Context) -> dict[str, Any]:
    return {"recommendations": split_recommendations(
        ctx["text"], ctx["passages"], ctx["sections"], ctx["section_parents"])}


@step("split_findings", "1", requires=("text", "passages", "sections", "section_parents"),
      assigns=("findings",))
def split_findings_step(ctx: Context) -> dict[str, Any]:
    return {"findings": split_findings(ctx["text"], ctx["passages"], ctx["sections"],
                                       ctx["section_parents"])}


# 2: ages in years and months, death outranks serious harm, sex from pronouns (issue 13)
@step("draft_dataset", "2", requires=("text", "pages", "passages", "sections"),
      assigns=("dataset",))
def draft_dataset_step(ctx: Context) -> dict[str, Any]:
    return {"dataset": draft_dataset(ctx["text"], ctx["pages"], ctx["passages"],
                                     ctx["sections"])}


@step("flag_personal_data", "1", requires=("text", "pages", "furniture"),
      assigns=("personal_data",))
def flag_personal_data_step(ctx: Context) -> dict[str, Any]:
    return {"personal_data": flag_personal_data(ctx["text"], ctx["pages"], ctx["furniture"])}


@step("flag_personal_data_model", "1",
      requires=("text", "pages", "passages", "furniture", "personal_data", "ner_prefetch"),
      assigns=("personal_data",))
def flag_personal_data_model_step(ctx: Context) -> dict[str, Any]:
    """Adds the named-entity model's names (ingest/ner.py) to the rule flags."""
    rules = tuple(ctx["personal_data"])
    added = ner.model_flags(ctx["text"], ctx["pages"], ctx["passages"], ctx["furniture"], rules,
                        prefetch=ctx.get("ner_prefetch"))
    return {"personal_data": tuple(sorted(rules + added, key=lambda f: f.start))}
