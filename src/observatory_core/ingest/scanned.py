"""Make an image-only ("scanned") PDF from any PDF: each page rendered with pypdfium2 and
wrapped as a picture with Pillow, so the result has no text layer at all. Used by the OCR
tests and bench/bench_ocr.py (nothing is downloaded)."""

from __future__ import annotations

import io
from pathlib import Path


def make_scanned_pdf(source: Path | bytes, target: Path, *, dpi: int = 200,
                     pages: int | None = None, repeat: int = 1) -> Path:
    """Write ``target``: the first ``pages`` pages of ``source`` (``repeat`` times over, to
    make a longer file) as grey-scale page images at ``dpi``."""
    import pypdfium2 as pdfium

    data = source if isinstance(source, bytes) else source.read_bytes()
    doc = pdfium.PdfDocument(data)
    try:
        count = len(doc) if pages is None else min(pages, len(doc))
        images = []
        for _ in range(repeat):
            for index in range(count):
                page = doc[index]
                try:
                    image = page.render(scale=dpi / 72.0, grayscale=True).to_pil()
                finally:
                    page.close()
                images.append(image.convert("L"))
    finally:
        doc.close()
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:],
                   resolution=float(dpi))
    target.write_bytes(buffer.getvalue())
    return target
