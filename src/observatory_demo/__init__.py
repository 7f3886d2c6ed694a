"""A deterministic, entirely FICTIONAL demonstration corpus of case reviews, for
``observatory demo`` (and as test material with a known answer).

Not core logic (issue 11.9): it lives beside the demo command, its word banks are the data
file ``data/phrases.toml``, and no ingestion rule is written against it.
``build_demo_corpus`` (corpus.py) invents the reviews and their documents;
``write_demo_files`` (render.py) renders them as PDF and DOCX.
"""

from __future__ import annotations

from .corpus import MARKER, THEMES, DemoDocument, DemoReview, DemoSection, build_demo_corpus
from .render import write_demo_files

__all__ = ["MARKER", "THEMES", "DemoDocument", "DemoReview", "DemoSection",
           "build_demo_corpus", "write_demo_files"]
