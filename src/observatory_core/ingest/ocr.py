"""OCR for the pages of a PDF that have no text layer (scanned reports).

Each page the parser listed in ``ParsedDocument.empty_pages`` is rendered with pypdfium2 (the
library that already reads the PDF) and recognised by one ``tesseract`` process per core,
each started with ``OMP_THREAD_LIMIT=1``: on this 2-core machine that is ~1 page/s/core,
where tesseract's own threading is ~4x slower and ``ocrmypdf --jobs 2`` ~2.8 s/page
(bench/bench_ocr.py measures both against ours). Tesseract's TSV output gives each line's
words, box and paragraph, so OCR lines carry the same layout cues (font size from the line
height, vertical pitch) as a born-digital PDF's: their words go through the PDF parser's own
line and table assembly (columns split at wide gaps, table rows rebuilt), then the same
normalisation, sections and recommendations. Pages are handed to ``on_page`` as soon as
they are recognised, in page order, so a caller can make them searchable at once.

Tesseract comes from Debian's ``tesseract-ocr`` and ``tesseract-ocr-eng`` packages
(installed by scripts/bootstrap.sh); without it, a scanned PDF fails with a clear reason.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import IngestError
from .text import clean_line
from .types import LayoutLine, Page, ParsedDocument

NAME = "ocr_tesseract"
VERSION = "1"
OCR_STEP = "ocr_if_needed"  # the pipeline step that runs OCR (registered in steps.py)
_PROGRESS = re.compile(rf"^{OCR_STEP}: page (\d+) of (\d+) recognised$")


@dataclass(frozen=True)
class OcrLine:
    text: str
    top: float  # points from the bottom of the page (PDF convention, as the PDF parser)
    height: float  # the font size it suggests, in points
    paragraph_start: bool
    # (left, right) in points and the text of each word, left to right; and the line's
    # bottom. With them, OCR lines go through the PDF parser's own line and table assembly.
    words: tuple[tuple[float, float, str], ...] = ()
    bottom: float | None = None


@dataclass(frozen=True)
class OcrPage:
    number: int
    lines: tuple[OcrLine, ...]
    seconds: float

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


OnPage = Callable[[OcrPage, int, int], None]  # (page, done, total)


@dataclass(frozen=True)
class OcrSettings:
    dpi: int = 300
    language: str = "eng"
    psm: int = 3  # tesseract's default: fully automatic page segmentation
    jobs: int = 0  # 0 = one process per core
    timeout: float = 180.0  # seconds per page
    min_confidence: float = 0.0  # words below this tesseract confidence are dropped

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, os.cpu_count() or 1)


def progress_label(done: int, total: int) -> str:
    """What the OCR step reports as each page is recognised (shown as the job's step)."""
    return f"{OCR_STEP}: page {done} of {total} recognised"


def parse_progress(label: str) -> tuple[int, int] | None:
    """(done, total) from a ``progress_label``, or None for any other step label."""
    match = _PROGRESS.match(label or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def tesseract_version() -> str:
    path = tesseract_path()
    if not path:
        return ""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split()[-1] if first else ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"  # one thread per process: processes scale, threads do not
    return env


def render_dpi(page: Any, most: int) -> int:
    """The resolution to render a page at: a scan's own resolution (one image covering the
    page) when it is below ``most``, since up-sampling only slows tesseract down."""
    import pypdfium2.raw as raw

    try:
        images = list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=1))
        if len(images) != 1:
            return most
        width_px, _ = images[0].get_px_size()
        left, _, right, _ = images[0].get_bounds()
        native = int(round(width_px / max((right - left) / 72.0, 0.01)))
    except Exception:  # noqa: BLE001 - a guess only; fall back to the configured resolution
        return most
    return max(150, min(most, native))


def recognise_image(image: Path, settings: OcrSettings = OcrSettings(),
                    dpi: int | None = None) -> str:
    """Tesseract's TSV for one page image."""
    path = tesseract_path()
    if not path:
        raise FileNotFoundError("tesseract")
    command = [path, str(image), "stdout", "-l", settings.language, "--psm", str(settings.psm),
               "--dpi", str(dpi or settings.dpi), "tsv"]
    done = subprocess.run(command, capture_output=True, text=True, env=_env(),
                          timeout=settings.timeout)
    if done.returncode != 0:
        raise RuntimeError((done.stderr or "tesseract failed").strip().splitlines()[-1][:200])
    return done.stdout


def parse_tsv(tsv: str, page_height_pt: float, dpi: int,
              min_confidence: float = 0.0) -> tuple[OcrLine, ...]:
    """Lines (words joined) from tesseract's TSV, top to bottom, with layout in points."""
    scale = 72.0 / dpi
    lines: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = {}
    order: list[tuple[int, int, int]] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            conf = -1.0
        if not text or (min_confidence and 0 <= conf < min_confidence):
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, paragraph, line
        if key not in lines:
            lines[key] = []
            order.append(key)
        lines[key].append((int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]), text))
    out: list[OcrLine] = []
    previous_par: tuple[int, int] | None = None
    for key in order:
        words = sorted(lines[key])
        text = clean_line(" ".join(w[4] for w in words))
        if not text:
            continue
        top_px = min(w[1] for w in words)
        bottom_px = max(w[1] + w[3] for w in words)
        par = key[:2]
        sizes = [size for w in words if (size := _font_size(w[4], w[3] * scale))]
        height = statistics.median(sizes) if sizes else max(w[3] for w in words) * scale
        out.append(OcrLine(text=text, top=page_height_pt - top_px * scale,
                           height=max(1.0, height), paragraph_start=par != previous_par,
                           words=tuple((w[0] * scale, (w[0] + w[2]) * scale, w[4])
                                       for w in words),
                           bottom=page_height_pt - bottom_px * scale))
        previous_par = par
    # One size per paragraph (the median of its lines' sizes, to half a point): single
    # words' boxes vary. A line whose size differs by more than 15% from the line before
    # starts a paragraph of its own: a heading tesseract grouped with the text under it.
    groups: list[list[int]] = []
    for i, line in enumerate(out):
        previous = out[i - 1].height if i else None
        jump = previous is not None and abs(line.height - previous) > 0.15 * previous
        if line.paragraph_start or jump or not groups:
            groups.append([i])
            if jump and not line.paragraph_start:
                out[i] = replace(line, paragraph_start=True)
        else:
            groups[-1].append(i)
    for group in groups:
        size = round(float(statistics.median(out[i].height for i in group)) * 2) / 2
        for i in group:
            out[i] = replace(out[i], height=size)
    out.sort(key=lambda line: -line.top)
    return tuple(out)


_ASCENDERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZbdfhijklt0123456789")  # i, j: their dot
_DESCENDERS = frozenset("gjpqy")
_X_HEIGHT = frozenset("acemnorsuvwxz")


def _font_size(word: str, height_pt: float) -> float | None:
    """The font size a word's box suggests: a box spans cap height (~0.72 em) with capitals
    or ascenders, x-height (~0.52 em) without, plus ~0.21 em with descenders."""
    letters = [c for c in word if c.isalnum()]
    if not letters or height_pt <= 0:
        return None
    up = any(c in _ASCENDERS for c in letters)
    down = any(c in _DESCENDERS for c in letters)
    if not up and not any(c in _X_HEIGHT for c in letters) and not down:
        return None
    share = (0.72 if up else 0.52) + (0.21 if down else 0.0)
    return height_pt / share


def ocr_pdf_pages(data: bytes, filename: str, pages: Sequence[int], *,
                  settings: OcrSettings = OcrSettings(),
                  on_page: OnPage | None = None) -> dict[int, OcrPage]:
    """Recognise ``pages`` (1-based) of the PDF in ``data``; one tesseract per worker.

    Pages are rendered one at a time just ahead of the workers (so memory stays small) and
    reported through ``on_page`` in page order as soon as each and those before it are
    done. Any failure raises IngestError naming the file, the page and the reason."""
    import time

    import pypdfium2 as pdfium

    if not pages:
        return {}
    if not tesseract_path():
        raise IngestError(filename, f"has {len(pages)} scanned page(s) without a text layer "
                                    "and tesseract (OCR) is not installed; run "
                                    "scripts/bootstrap.sh")
    doc = pdfium.PdfDocument(data)
    results: dict[int, OcrPage] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="observatory-ocr-") as tmp, \
                ThreadPoolExecutor(max_workers=settings.workers) as pool:
            pending: dict[int, Future[OcrPage]] = {}
            dpis: dict[int, int] = {}
            queue = list(pages)

            def submit(number: int) -> None:
                page = doc[number - 1]
                try:
                    height = float(page.get_height())
                    dpi = render_dpi(page, settings.dpi)
                    dpis[number] = dpi
                    bitmap = page.render(scale=dpi / 72.0, grayscale=True)
                    image = Path(tmp) / f"page-{number}.png"
                    bitmap.to_pil().save(image, format="PNG", compress_level=1)
                finally:
                    page.close()

                def work() -> OcrPage:
                    started = time.perf_counter()
                    tsv = recognise_image(image, settings, dpis[number])
                    image.unlink(missing_ok=True)
                    return OcrPage(number, parse_tsv(tsv, height, dpis[number],
                                                     settings.min_confidence),
                                   time.perf_counter() - started)

                pending[number] = pool.submit(work)

            # Keep every worker busy plus one page rendered ahead.
            while queue and len(pending) < settings.workers + 1:
                submit(queue.pop(0))
            for reported, number in enumerate(pages, start=1):
                future = pending.pop(number)
                try:
                    result = future.result()
                except subprocess.TimeoutExpired as exc:
                    raise IngestError(filename, f"page {number}: OCR took longer than "
                                                f"{settings.timeout:.0f} s") from exc
                except (OSError, RuntimeError) as exc:
                    raise IngestError(filename, f"page {number}: OCR failed ({exc})") from exc
                results[number] = result
                if on_page:
                    on_page(result, reported, len(pages))
                while queue and len(pending) < settings.workers + 1:
                    submit(queue.pop(0))
    finally:
        doc.close()
    return results


def page_layout(page: OcrPage, limit: int = 20_000_000) -> ParsedDocument:
    """One recognised page as the PDF parser would read it: words into runs (split at
    column gaps), runs into lines and table rows by ``pdf._group_lines``/``pdf._emit``."""
    from .parsers.base import TextBuilder
    from .parsers.pdf import _emit, _group_lines, _Run

    runs: list[_Run] = []
    for line in page.lines:
        size = line.height
        bottom = line.bottom if line.bottom is not None else line.top - size
        if not line.words:
            runs.append(_Run(0.0, 0.0, bottom, line.top, line.text, size, None))
            continue
        wide = max(12.0, 1.2 * size)
        current: list[tuple[float, float, str]] = [line.words[0]]
        for word in line.words[1:]:
            if word[0] - current[-1][1] > wide:
                runs.append(_Run(current[0][0], current[-1][1], bottom, line.top,
                                 clean_line(" ".join(w[2] for w in current)), size, None))
                current = []
            current.append(word)
        runs.append(_Run(current[0][0], current[-1][1], bottom, line.top,
                         clean_line(" ".join(w[2] for w in current)), size, None))
    builder = TextBuilder.new(limit)
    builder.start_page()
    _emit(_group_lines([r for r in runs if r.text]), builder)
    return builder.build(f"{NAME}@{VERSION}", "application/pdf")


def merge(parsed: ParsedDocument, recognised: dict[int, OcrPage]) -> ParsedDocument:
    """A new ParsedDocument whose empty pages hold the recognised lines (offsets rebuilt)."""
    if not recognised:
        return parsed
    parts: list[str] = []
    lines: list[LayoutLine] = []
    pages: list[Page] = []
    by_page: dict[int, list[LayoutLine]] = {}
    for line in parsed.lines:
        by_page.setdefault(line.page, []).append(line)
    length = 0
    for page in parsed.pages:
        start = length
        if page.number in recognised:
            laid = page_layout(recognised[page.number])
            parts.append(laid.text)
            for line in laid.lines:
                lines.append(replace(line, page=page.number, start=line.start + length,
                                     end=line.end + length))
            length += len(laid.text)
        else:
            shift = length - page.start
            chunk = parsed.text[page.start:page.end]
            parts.append(chunk)
            length += len(chunk)
            for line in by_page.get(page.number, []):
                lines.append(_shifted(line, shift))
        pages.append(Page(page.number, start, length))
    still_empty = tuple(n for n in parsed.empty_pages
                        if n not in recognised or not recognised[n].lines)
    metadata: dict[str, Any] = dict(parsed.metadata)
    metadata["ocr_pages"] = sorted(recognised)
    return ParsedDocument(text="".join(parts), pages=tuple(pages),
                          parser=f"{parsed.parser}+{NAME}@{VERSION}",
                          media_type=parsed.media_type, lines=tuple(lines),
                          empty_pages=still_empty, metadata=metadata)


def _shifted(line: LayoutLine, shift: int) -> LayoutLine:
    return replace(line, start=line.start + shift, end=line.end + shift)
