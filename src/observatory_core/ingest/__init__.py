"""Framework-free ingestion: any review report in, structured text with provenance out.

``extract(path)`` runs the pipeline of ``data/ingest/pipeline.toml`` (detect type, parse,
normalise, sections, recommendations, findings, dataset draft, personal data) and returns an
``ExtractionResult``; bad input raises ``IngestError`` ('FILE: reason'). See
docs/ingestion.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from .errors import IngestError
from .limits import Limits
from .pipeline import Progress, load_config, run_pipeline
from .types import ExtractionResult

__all__ = ["ExtractionResult", "IngestError", "Limits", "extract", "load_config",
           "run_pipeline"]


def extract(source: Path | bytes, filename: str | None = None, *, limits: Limits | None = None,
            progress: Progress | None = None,
            on_ocr_page: Callable[..., None] | None = None,
            skip: Collection[str] = (), ner_prefetch: Any = None) -> ExtractionResult:
    return run_pipeline(source, filename, limits=limits, progress=progress,
                        on_ocr_page=on_ocr_page, skip=skip, ner_prefetch=ner_prefetch)
